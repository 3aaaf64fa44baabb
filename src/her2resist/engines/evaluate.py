"""Attractors of many perturbations of one network: reduced, cached, exact.

An :class:`Evaluator` answers, for a *background* (a genotype's alterations, a regimen, fixed
nodes) and a *perturbation* on top of it (drugs, knock-outs, activations), which attractors are
reached.  It gives the same attractors as
:class:`~her2resist.engines.service.SimulationService` route (reachable mode: the untreated cell's
attractors from the resting state, then the attractors reachable from each of them under the
perturbation) or as ``MostPermissiveEngine.simulate(network, perturbation)`` (every attractor,
for imported models without an initial state), but asks the solver only about the part of the
network that can still move (:mod:`her2resist.engines.reduce`) and only once per distinct part.
It is the most-permissive engine's batch implementation behind the simulation service.

Examples
--------
>>> from her2resist.model import load_model
>>> ev = Evaluator(load_model())
>>> base = ev.base({"PTEN_loss": 1}, keep=("trastuzumab", "PI3Ki"))
>>> rows = ev.attractors(base, {"trastuzumab": 1, "PI3Ki": 1})
>>> [(r["Proliferation"], r["Apoptosis"]) for r in rows]
[(0, 0)]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from her2resist.engines.base import Engine, resting_state
from her2resist.engines.cache import BoundedCache
from her2resist.engines.mp import MostPermissiveEngine, attractor_dicts
from her2resist.engines.reduce import (
    Start,
    backward_cone,
    fix_nodes,
    fixed_point,
    key_of,
    percolate,
)
from her2resist.exceptions import ParameterError
from her2resist.model.network import Network, Node
from her2resist.model.rules import Expr, format_rule, substitute

State = dict[str, int | str]


@dataclass(frozen=True, slots=True)
class Base:
    """A background, reduced once per start state; perturbations are added on top.

    ``rules`` are the regulated nodes' rules with the background and every input substituted,
    except the ``keep`` inputs (drugs a screen switches), which stay variables.  ``starts`` are
    the start states (the untreated attractors, or ``None`` for every attractor); ``reduced``
    holds, per start, the percolated rules and the constants.
    """

    background: tuple[tuple[str, int], ...]
    keep: tuple[str, ...]
    rules: Mapping[str, Expr]
    starts: tuple[State | None, ...]
    reduced: tuple[tuple[Mapping[str, Expr], Mapping[str, int]], ...]
    untreated: tuple[State, ...]


class Evaluator:
    """Reached attractors of perturbations of ``network`` (see module docs).

    Parameters
    ----------
    network
        The network.
    reachable
        True: start from the untreated cell (every regulated node at 0, then its attractors
        under the background).  False: every attractor of the perturbed network.
    engine
        A most-permissive engine; a private one without its own cache by default (the
        evaluator caches reduced problems itself).
    """

    def __init__(self, network: Network, *, reachable: bool = True,
                 engine: Engine | None = None, cache_size: int = 1 << 16) -> None:
        self.network = network
        self.reachable = reachable
        self.engine = engine or MostPermissiveEngine(cache_size=1)
        self._solved: BoundedCache[tuple[object, ...], tuple[State, ...]] = BoundedCache(
            cache_size)
        self._bases: BoundedCache[tuple[object, ...], Base] = BoundedCache(cache_size)
        self.solver_calls = 0
        self.lookups = 0

    def base(self, background: Mapping[str, int], keep: Iterable[str] = ()) -> Base:
        """The reduced background (cached): one engine call for the untreated attractors."""
        bg = tuple(sorted((n, int(v)) for n, v in background.items()))
        kept = tuple(sorted(set(keep) - set(background)))
        cache_key = (bg, kept)
        found = self._bases.get(cache_key)
        if found is None:
            found = self._make_base(dict(bg), kept)
            self._bases.put(cache_key, found)
        return found

    def _make_base(self, background: dict[str, int], keep: tuple[str, ...]) -> Base:
        net = self.network
        net.check_nodes(background, "node")
        net.check_nodes(list(keep), "node")
        values = {**net.defaults(), **background}
        fixed = {n: v for n, v in values.items() if n not in keep}
        rules = {n: substitute(node.expr, fixed) for n, node in net.nodes.items()
                 if n not in fixed and not node.is_input}
        untreated: tuple[State, ...] = ()
        starts: tuple[State | None, ...] = (None,)
        if self.reachable:
            result = self.engine.simulate(net, background, initial=resting_state(net))
            untreated = tuple(attractor_dicts(result))
            starts = untreated
        else:
            untreated = self._all_attractors(rules, fixed, keep)
        reduced = tuple(percolate(rules, s, fixed) for s in starts)
        return Base(tuple(sorted(background.items())), keep, rules, starts, reduced, untreated)

    def _all_attractors(self, rules: Mapping[str, Expr], fixed: Mapping[str, int],
                        keep: tuple[str, ...]) -> tuple[State, ...]:
        off = {n: self.network.nodes[n].default for n in keep}
        free, constants = percolate({n: substitute(e, off) for n, e in rules.items()}, None,
                                    {**fixed, **off})
        return tuple({**constants, **row} for row in self._solve(free, None))

    def reduce(self, base: Base, index: int, perturbation: Mapping[str, int]
               ) -> tuple[dict[str, Expr], dict[str, int]]:
        """The moving rules and constants of ``base`` plus ``perturbation``, for one start."""
        start = base.starts[index]
        free, constants = base.reduced[index]
        full = {**{n: self.network.nodes[n].default for n in base.keep}, **perturbation}
        done = fix_nodes(free, constants, full, start)
        if done is not None:
            return done
        stuck = [n for n in full if n not in base.rules and n not in base.keep]
        if stuck:
            raise ParameterError("perturbation", "Evaluator.reduce",
                                 "regulated nodes or inputs named in 'keep'", stuck)
        rules = {n: substitute(e, full) for n, e in base.rules.items() if n not in full}
        fixed = {n: v for n, v in base.reduced[index][1].items() if n not in base.rules}
        return percolate(rules, start, {**fixed, **full})

    def _solve(self, free: Mapping[str, Expr], start: Start) -> tuple[State, ...]:
        self.lookups += 1
        key = key_of(free, start)
        found = self._solved.get(key)
        if found is not None:
            return found
        settled = fixed_point(free)
        if settled is not None:
            rows: tuple[State, ...] = (dict(settled),)
        else:
            self.solver_calls += 1
            net = Network({n: Node(n, "signalling", rule=format_rule(e)) for n, e in free.items()},
                          name=f"{self.network.name} (reduced)")
            initial = None if start is None else {n: start[n] for n in free if n in start}
            rows = tuple(attractor_dicts(self.engine.simulate(net, initial=initial)))
        self._solved.put(key, rows)
        return rows

    def untreated(self, base: Base) -> list[State]:
        """The start states of ``base``: the untreated cell's attractors."""
        return list(base.untreated)

    def attractors(self, base: Base, perturbation: Mapping[str, int]) -> list[State]:
        """Every reached attractor as a full state, without repeats, in a stable order."""
        seen: dict[tuple[object, ...], State] = {}
        order = list(self.network.nodes)
        for index in range(len(base.starts)):
            free, constants = self.reduce(base, index, perturbation)
            for row in self._solve(free, base.starts[index]):
                state = {n: row[n] if n in row else constants[n] for n in order}
                seen.setdefault(tuple(state.values()), state)
        return list(seen.values())

    def satisfies(self, base: Base, perturbation: Mapping[str, int],
                  readout: Mapping[str, int]) -> bool:
        """Whether every reached attractor has every readout node at its value."""
        for index in range(len(base.starts)):
            free, constants = self.reduce(base, index, perturbation)
            if any(constants.get(n, v) != v for n, v in readout.items()):
                return False
            moving = [n for n in readout if n not in constants]
            if not moving:
                continue
            cone = backward_cone(free, moving)
            rows = self._solve({n: free[n] for n in cone}, base.starts[index])
            if any(row[n] != readout[n] for row in rows for n in moving):
                return False
        return True
