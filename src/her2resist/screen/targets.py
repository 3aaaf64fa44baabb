"""Nodal targets: the smallest sets of node inhibitions (or activations) that restore control.

For a tumour (a genotype) under a background regimen, a set of node perturbations is a
*target* when every attractor reached with it is on the readout (``Proliferation=0`` by
default; ``Apoptosis=1`` with ``apoptotic``), attractors the perturbation itself creates
included.  :func:`find_nodal_targets` returns every inclusion-minimal target up to
``max_size`` nodes; each node is mapped to the drugs that act on it
(:func:`~her2resist.screen.drugs.node_drugs`).

The search goes by size; a set that contains a target already found is not checked (it
cannot be minimal), and every check goes to a cached, reduced problem
(:mod:`her2resist.engines.service`).

Examples
--------
>>> from her2resist.model.formats import read_bnet_text
>>> net = read_bnet_text("S, S\\nA, S\\nB, S\\nP, A | B\\n")
>>> found = find_nodal_targets(model=net, fix=["S=1"], readout=["P=0"], workers=1)
>>> [t.nodes for t in found.targets]
[('A', 'B')]
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import pandas as pd

from her2resist.engines.reduce import backward_cone
from her2resist.exceptions import ParameterError
from her2resist.model.network import Network
from her2resist.screen.drugs import node_drugs
from her2resist.screen.execution import ModelRef, Progress, run_tasks, service_for
from her2resist.screen.genotypes import Genotype, as_genotype
from her2resist.screen.setup import ScreenSetup, resolve_model, resolve_readout, treatment

Literal = tuple[str, int]
#: Below this many sets a search runs in the calling process (a pool would cost more).
LOCAL_BELOW = 400
#: Sets checked between two progress reports of a search in this process.
PROGRESS_BATCH = 256


@dataclass(frozen=True, slots=True)
class NodalTarget:
    """One inclusion-minimal target: its nodes, their values, the drugs acting on them.

    Examples
    --------
    >>> found = find_nodal_targets(["PTEN loss"], candidates=["AKT", "PI3K"], max_size=1,
    ...                            workers=1)
    >>> target = found.targets[0]
    >>> target.nodes, target.values, "capivasertib" in target.drugs
    (('AKT',), {'AKT': 0}, True)
    """

    nodes: tuple[str, ...]
    values: Mapping[str, int]
    drugs: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"nodes": list(self.nodes), "values": dict(self.values), "drugs": list(self.drugs)}


@dataclass(frozen=True, slots=True)
class NodalTargets:
    """The result of :func:`find_nodal_targets` for one genotype.

    ``targets`` is empty when no set up to ``max_size`` works, and holds one target with no
    node when the background alone already meets the readout.  ``checked`` sets were
    evaluated, ``pruned`` skipped as supersets of a target.

    Examples
    --------
    >>> found = find_nodal_targets(["PTEN loss"], candidates=["AKT", "PI3K"], max_size=1,
    ...                            workers=1)
    >>> found.genotype, found.background, [t.nodes for t in found.targets]
    ('PTEN_loss', 'trastuzumab', [('AKT',)])
    """

    genotype: str
    background: str
    readout: Mapping[str, int]
    candidates: tuple[str, ...]
    max_size: int
    targets: tuple[NodalTarget, ...]
    checked: int
    pruned: int
    solver_calls: int
    seconds: float
    mechanism: str | None = None
    alterations: tuple[str, ...] = field(default=())

    def _repr_html_(self) -> str:
        """The targets as a card in a notebook."""
        from her2resist._html import card

        return card(f"Nodal targets: {self.genotype}",
                    [("readout", dict(self.readout)), ("background", self.background),
                     ("sets checked / pruned", f"{self.checked} / {self.pruned}"),
                     ("max size", self.max_size)], tables=[("Targets", self.table)])

    @property
    def table(self) -> pd.DataFrame:
        """One row per target: ``size``, ``nodes`` ("A + B"), ``values`` ("A=0, B=0"),
        ``drugs`` (comma-separated catalogue ids)."""
        rows = [{"size": len(t.nodes), "nodes": " + ".join(t.nodes),
                 "values": ", ".join(f"{n}={v}" for n, v in t.values.items()),
                 "drugs": ", ".join(t.drugs)} for t in self.targets]
        return pd.DataFrame(rows, columns=["size", "nodes", "values", "drugs"])

    def to_dict(self) -> dict[str, object]:
        """Plain data for JSON (``targets`` first)."""
        return {
            "targets": [t.to_dict() for t in self.targets],
            "genotype": self.genotype, "mechanism": self.mechanism,
            "alterations": list(self.alterations), "background": self.background,
            "readout": dict(self.readout), "candidates": list(self.candidates),
            "max_size": self.max_size, "checked": self.checked, "pruned": self.pruned,
            "solver_calls": self.solver_calls, "seconds": round(self.seconds, 4),
        }


@dataclass(frozen=True, slots=True)
class TargetJob:
    """One genotype's search, as it travels to a worker."""

    model: ModelRef
    reachable: bool
    background: tuple[tuple[str, int], ...]
    regimen: tuple[tuple[str, int], ...]
    keep: tuple[str, ...]
    literals: tuple[Literal, ...]
    readout: tuple[Literal, ...]
    max_size: int


def _passes(job: TargetJob, chosen: Sequence[Literal]) -> bool:
    ev = service_for(job.model, job.reachable)
    base = ev.base(dict(job.background), keep=job.keep)
    return ev.satisfies(base, {**dict(job.regimen), **dict(chosen)}, dict(job.readout))


def check_sets(task: tuple[TargetJob, Sequence[tuple[Literal, ...]]]) -> list[tuple[Literal, ...]]:
    """The sets of a batch that are targets (a worker task; checked together, one lane each)."""
    job, sets = task
    ev = service_for(job.model, job.reachable)
    base = ev.base(dict(job.background), keep=job.keep)
    regimen = dict(job.regimen)
    passed = ev.satisfies_many(base, [{**regimen, **dict(s)} for s in sets], dict(job.readout))
    return [s for s, ok in zip(sets, passed, strict=True) if ok]


def _contains_found(chosen: tuple[Literal, ...], found: set[frozenset[Literal]]) -> bool:
    return any(frozenset(sub) in found for k in range(1, len(chosen))
               for sub in combinations(chosen, k))


def level_sets(literals: Sequence[Literal], size: int, found: set[frozenset[Literal]]
               ) -> tuple[list[tuple[Literal, ...]], int]:
    """Sets of ``size`` distinct nodes that contain no target found; and how many were pruned."""
    keep, pruned = [], 0
    for chosen in combinations(literals, size):
        if len({n for n, _ in chosen}) < size:
            continue
        if _contains_found(chosen, found):
            pruned += 1
        else:
            keep.append(chosen)
    return keep, pruned


def search(job: TargetJob, progress: Progress | None = None
           ) -> tuple[list[tuple[Literal, ...]], int, int, int]:
    """Every minimal target of one genotype in this process: (targets, checked, pruned,
    solver calls); ``progress(sets done, sets in all)`` after every batch of sets."""
    ev = service_for(job.model, job.reachable)
    calls = ev.solver_calls
    if _passes(job, ()):
        return [()], 1, 0, ev.solver_calls - calls
    found: set[frozenset[Literal]] = set()
    targets: list[tuple[Literal, ...]] = []
    checked = pruned = 0
    total = sum(math.comb(len(job.literals), k) for k in range(1, job.max_size + 1))
    for size in range(1, job.max_size + 1):
        sets, skipped = level_sets(job.literals, size, found)
        hits = []
        for start in range(0, len(sets), PROGRESS_BATCH):
            hits += check_sets((job, sets[start:start + PROGRESS_BATCH]))
            if progress:
                progress(min(checked + pruned + skipped + start + PROGRESS_BATCH, total), total)
        checked, pruned = checked + len(sets) + (size == 1), pruned + skipped
        found.update(frozenset(h) for h in hits)
        targets.extend(hits)
    if progress:
        progress(total, total)
    return targets, checked, pruned, ev.solver_calls - calls


def _parallel_search(job: TargetJob, workers: int | None, scheduler: Any,
                     progress: Progress | None) -> tuple[list[tuple[Literal, ...]], int, int]:
    """Like :func:`search`, each size level spread over workers in batches."""
    if _passes(job, ()):
        return [()], 1, 0
    found: set[frozenset[Literal]] = set()
    targets: list[tuple[Literal, ...]] = []
    checked = pruned = 0
    for size in range(1, job.max_size + 1):
        sets, skipped = level_sets(job.literals, size, found)
        step = max(1, len(sets) // 32)
        batches = [(job, sets[i:i + step]) for i in range(0, len(sets), step)]
        hits = [h for batch in run_tasks(check_sets, batches, workers=workers,
                                         scheduler=scheduler, progress=progress) for h in batch]
        checked, pruned = checked + len(sets), pruned + skipped
        found.update(frozenset(h) for h in hits)
        targets.extend(hits)
    return targets, checked, pruned


def default_candidates(setup: ScreenSetup, readout: Mapping[str, int]) -> tuple[str, ...]:
    """Regulated nodes that the readout depends on (the readout nodes themselves excepted)."""
    net = setup.network
    rules = {n: node.expr for n, node in net.nodes.items() if not node.is_input}
    cone = backward_cone(rules, readout)
    return tuple(n for n in net.nodes if n in cone and n not in readout
                 and net.nodes[n].kind != "phenotype" and n not in setup.fix)


def resolve_candidates(setup: ScreenSetup, candidates: Iterable[str] | str | None,
                readout: Mapping[str, int]) -> tuple[str, ...]:
    if candidates is None:
        return default_candidates(setup, readout)
    if isinstance(candidates, str):
        candidates = [c for c in candidates.split(",") if c.strip()]
    found = tuple(dict.fromkeys(c.strip() for c in candidates))
    setup.network.check_nodes(found, "candidate node")
    if not found:
        raise ParameterError("candidates", "find_nodal_targets", "at least one node", candidates)
    return found


def make_job(setup: ScreenSetup, genotype: Genotype, *, background: str | None,
             candidates: tuple[str, ...], readout: Mapping[str, int], max_size: int,
             activations: bool) -> tuple[TargetJob, str]:
    """The picklable job of one genotype's search and its regimen's label."""
    label, untreated, drugs = treatment(setup, genotype, background)
    values = (0, 1) if activations else (0,)
    literals = tuple((n, v) for n in candidates for v in values)
    inputs = tuple(n for n in candidates if setup.network.nodes[n].is_input)
    job = TargetJob(setup.model, setup.reachable, tuple(sorted(untreated.items())),
                    tuple(sorted(drugs.items())), tuple(sorted({*inputs, *drugs})),
                    literals, tuple(sorted(readout.items())), max_size)
    return job, label


def check_max_size(max_size: int, function: str) -> int:
    if not isinstance(max_size, int) or isinstance(max_size, bool) or not 1 <= max_size <= 6:
        raise ParameterError("max_size", function, "an integer from 1 to 6", max_size)
    return max_size


def to_targets(found: Iterable[tuple[Literal, ...]], network: Network) -> tuple[NodalTarget, ...]:
    """Targets with the drugs acting on their nodes, smallest first."""
    acting = node_drugs(network)
    out = []
    for chosen in sorted(found, key=lambda c: (len(c), [n for n, _ in c])):
        drugs = dict.fromkeys(d for lit in chosen for d in acting.get(lit, ()))
        out.append(NodalTarget(tuple(n for n, _ in chosen), dict(chosen), tuple(drugs)))
    return tuple(out)


def find_nodal_targets(
    profile: Any = None,
    *,
    background: str | None = None,
    candidates: Iterable[str] | str | None = None,
    max_size: int = 3,
    activations: bool = False,
    apoptotic: bool = False,
    readout: Mapping[str, int] | Iterable[str] | None = None,
    model: Network | str | Path | None = None,
    fix: Mapping[str, int] | Iterable[str] | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    progress: Progress | None = None,
) -> NodalTargets:
    """Every inclusion-minimal set of node perturbations that puts every reached attractor
    on the readout (see module docs).

    Parameters
    ----------
    profile
        The tumour: alteration names, a ``TumourProfile``, a :class:`Genotype` or a
        ``{node: 0|1}`` mapping; None: no alteration (the model as it is, with ``fix``).
    background
        The regimen kept on ("trastuzumab + pertuzumab"); None: the first regimen the KB says
        the genotype resists, else "trastuzumab"; "untreated" for none.  Imported models have
        no drugs: leave it None.
    candidates
        Nodes that may be perturbed (names, or one comma-separated string); default: every
        regulated node the readout depends on.
    max_size
        Largest set size (1 to 6).
    activations
        Also try setting candidates to 1.
    apoptotic, readout
        The readout: ``{node: value}`` or ``NODE=0|1`` strings, every attractor must match;
        default ``Proliferation=0`` (``Apoptosis=1`` with ``apoptotic``).
    model, fix
        Another model (bnet, SBML-qual, YAML path or a Network) and nodes fixed throughout.
    workers, scheduler, progress
        Local processes (None: one per CPU, small searches in this process), or a Dask
        scheduler address or client; a callback ``progress(done, total)``.

    Returns
    -------
    NodalTargets

    Examples
    --------
    >>> found = find_nodal_targets(["PTEN loss"], candidates=["PI3K", "AKT", "CDK46", "MYC"],
    ...                            max_size=2, workers=1)
    >>> [t.nodes for t in found.targets]
    [('AKT',)]
    """
    start = time.perf_counter()
    setup = resolve_model(model, fix, "find_nodal_targets")
    check_max_size(max_size, "find_nodal_targets")
    wanted = resolve_readout(setup, readout, apoptotic=apoptotic)
    genotype = as_genotype(profile if profile is not None else {})
    nodes = resolve_candidates(setup, candidates, wanted)
    job, label = make_job(setup, genotype, background=background, candidates=nodes,
                          readout=wanted, max_size=max_size, activations=activations)
    total = sum(math.comb(len(job.literals), k) for k in range(1, max_size + 1))
    if scheduler is None and (workers == 1 or total < LOCAL_BELOW):
        found, checked, pruned, calls = search(job, progress)
    else:
        found, checked, pruned = _parallel_search(job, workers, scheduler, progress)
        calls = -1
    return NodalTargets(
        genotype.name, label, wanted, nodes, max_size, to_targets(found, setup.network),
        checked, pruned, calls, time.perf_counter() - start, genotype.mechanism,
        genotype.alterations,
    )
