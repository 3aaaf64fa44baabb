"""A report's screens: one genotype screened with each regimen it escapes as the anchor.

:func:`screen_genotype` gives one genotype's ranked rows of the combination screen
(:mod:`her2resist.screen.combinations`, the same scores and the one ranking) in this process;
:func:`screen_anchored` those of several anchors at once, every anchor's combinations simulated
together.  Both are cached by genotype, panel, anchor and model, so a cohort's repeated
genotypes cost one screen.

Examples
--------
>>> from her2resist.screen.combinations import regimen_agent
>>> from her2resist.screen.genotypes import as_genotype, default_panel
>>> rows = screen_genotype(as_genotype(["PTEN loss"]), default_panel(),
...                        anchor=regimen_agent("trastuzumab"))
>>> rows[0]["combination"], rows[0]["rank"]
('trastuzumab + PI3K inhibitor', 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import count
from typing import Any

from her2resist.engines.cache import BoundedCache
from her2resist.engines.service import SimulationService
from her2resist.model.network import Network
from her2resist.predict.scoring import APOPTOSIS, PROLIFERATION
from her2resist.screen.combinations import (
    _breadth,
    _scored,
    anchored_combos,
    combos_of,
    rank_genotype,
)
from her2resist.screen.combo_rows import _control_rows, _facts, score_range
from her2resist.screen.execution import service_for
from her2resist.screen.genotypes import Agent, Genotype
from her2resist.screen.report import kb_strategies
from her2resist.screen.setup import ScreenSetup, resolve_model

_SCREENED: BoundedCache[tuple[object, ...], tuple[dict[str, Any], ...]] = BoundedCache(1 << 12)


def screen_genotype(genotype: Genotype, panel: Sequence[Agent], *, anchor: Agent | None = None,
                    max_size: int = 2, network: Network | None = None,
                    ) -> tuple[dict[str, Any], ...]:
    """One genotype's ranked rows, in this process (a report's remedies use this; cached by
    genotype, panel, anchor and model, so a cohort's repeated genotypes cost one screen)."""
    return screen_anchored(genotype, panel, (anchor,), max_size=max_size, network=network)[0]


def screen_anchored(genotype: Genotype, panel: Sequence[Agent], anchors: Sequence[Agent | None],
                    *, max_size: int = 2, network: Network | None = None,
                    above: Sequence[float | None] | None = None,
                    ) -> list[tuple[dict[str, Any], ...]]:
    """:func:`screen_genotype` of the genotype on each anchor (the same rows), every anchor's
    combinations simulated together in one batched call: a report screens a tumour once per
    regimen it escapes, and the agents alone, which each of those screens scores, once.
    ``above``: per anchor, only the rows that score above it
    (:func:`~her2resist.screen.combinations.rank_genotype`)."""
    setup = _setup(network)
    panel = tuple(panel)
    background = tuple(sorted(genotype.perturbation.items()))
    panel_id = _panel_id(panel)
    head = (setup.network.hash, background, genotype.mechanism, genotype.alterations,
            genotype.resisted, panel_id, max_size)
    wanted = list(zip(anchors, above or [None] * len(anchors), strict=True))
    found = {w: _SCREENED.get((*head, *w)) for w in wanted}
    todo = [w for w, rows in found.items() if rows is None]
    if todo:
        plan = _plan(panel, panel_id, tuple(a for a, _ in todo), max_size)
        # A combination's bound: the lowest cut of the screens it is in (None: one lists
        # every row); at or below it, no screen lists it.
        bounds: list[float | None] = [float("inf")] * len(plan.combos)
        for (_, cut), (_, positions) in zip(todo, plan.screens, strict=True):
            for i in positions:
                bound = bounds[i]
                bounds[i] = None if cut is None or bound is None else min(bound, cut)
        rows = _scored_above(service_for(setup.model, setup.reachable), dict(background),
                             plan, bounds)
        strategies = kb_strategies(genotype)
        for w, (combos, positions) in zip(todo, plan.screens, strict=True):
            screen = [rows[i] for i in positions]
            ranked = tuple(rank_genotype(genotype, combos, screen, _breadth(combos, [screen]),
                                         strategies=strategies, above=w[1]))
            _SCREENED.put((*head, *w), ranked)
            found[w] = ranked
    # The rows are kept without regard to the genotype's name (a cohort's patients with the
    # same alterations share one screen); each call's rows carry its own genotype's name.
    return [_named(found[w], genotype.name) for w in wanted]  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class _Plan:
    """Several anchored screens of one panel as one batch: the distinct combinations, their
    names and perturbations, and per screen its combinations object (:func:`_screen_combos`)
    and their positions among the distinct ones."""

    combos: tuple[tuple[Agent, ...], ...]
    names: tuple[str, ...]
    perturbations: tuple[dict[str, int], ...]
    screens: tuple[tuple[tuple[tuple[Agent, ...], ...], tuple[int, ...]], ...]


_PANELS: dict[tuple[Agent, ...], int] = {}
_PANEL_IDS = count()
_PLANS: dict[tuple[int, tuple[Agent | None, ...], int], _Plan] = {}


def _panel_id(panel: tuple[Agent, ...]) -> int:
    """A number for ``panel`` that no other panel gets in this process (what keys a screen
    in place of its agents, hashed once per call rather than once per key)."""
    found = _PANELS.get(panel)
    if found is None:
        if len(_PANELS) >= 64:
            _PANELS.clear()
        found = _PANELS[panel] = next(_PANEL_IDS)
    return found


def _plan(panel: tuple[Agent, ...], panel_id: int, anchors: tuple[Agent | None, ...],
          max_size: int) -> _Plan:
    """The batch of ``anchors``' screens of ``panel`` (numbered ``panel_id``), made once per
    panel and set of anchors: a cohort's tumours escape a few sets of regimens."""
    key = (panel_id, anchors, max_size)
    found = _PLANS.get(key)
    if found is None:
        if len(_PLANS) >= 256:
            _PLANS.clear()
        found = _PLANS[key] = _make_plan(panel, anchors, max_size)
    return found


def _make_plan(panel: tuple[Agent, ...], anchors: tuple[Agent | None, ...], max_size: int
               ) -> _Plan:
    position: dict[tuple[Agent, ...], int] = {}
    names: list[str] = []
    perturbations: list[dict[str, int]] = []
    screens = []
    for anchor in anchors:
        combos = _screen_combos(panel, anchor, max_size)
        facts = _facts(combos)
        for combo, name, perturbation in zip(combos, facts.names, facts.perturbations,
                                             strict=True):
            if combo not in position:
                position[combo] = len(names)
                names.append(name)
                perturbations.append(perturbation)
        screens.append((combos, tuple(position[c] for c in combos)))
    return _Plan(tuple(position), tuple(names), tuple(perturbations), tuple(screens))


def _scored_above(service: SimulationService, background: dict[str, int], plan: _Plan,
                  bounds: Sequence[float | None]) -> list[dict[str, Any] | None]:
    """Each combination's row (:func:`~her2resist.screen.combinations._scored`), but those
    that the exact reductions show score at or below their bound are not simulated
    (:meth:`SimulationService.known_many
    <her2resist.engines.service.SimulationService.known_many>` bounds their Proliferation
    and Apoptosis, :func:`~her2resist.screen.combo_rows.score_range` their score): no screen
    lists them, so a combination of several agents gets None, and an agent alone, whose
    score the ranking reads (interaction scores, what the genotype escapes), a row of its
    score where they decide it exactly."""
    out: list[dict[str, Any] | None] = [None] * len(plan.combos)
    simulate = range(len(plan.combos))
    bounded = [i for i, bound in enumerate(bounds) if bound is not None]
    if bounded:
        c0 = _control_rows(service.rows_many(background, [])[0], service.index, {})
        known = service.known_many(background, [plan.perturbations[i] for i in bounded],
                                   (PROLIFERATION, APOPTOSIS))
        skipped = set()
        for i, values in zip(bounded, known, strict=True):
            low, high = score_range(c0, values)
            if high > bounds[i]:  # type: ignore[operator]
                continue
            if len(plan.combos[i]) == 1:
                if low != high:
                    continue
                out[i] = {"combination": plan.names[i], "size": 1, "score": high}
            skipped.add(i)
        simulate = [i for i in simulate if i not in skipped]  # type: ignore[assignment]
    rows = _scored(service, background, [plan.combos[i] for i in simulate],
                   [plan.names[i] for i in simulate],
                   [plan.perturbations[i] for i in simulate], {})
    for i, row in zip(simulate, rows, strict=True):
        out[i] = row
    return out


def _named(rows: tuple[dict[str, Any], ...], name: str) -> tuple[dict[str, Any], ...]:
    if not rows or rows[0].get("genotype") == name:
        return rows
    return tuple({**row, "genotype": name} for row in rows)


_SETUPS: dict[int, tuple[Network | None, ScreenSetup]] = {}


def _setup(network: Network | None) -> ScreenSetup:
    """:func:`resolve_model` of ``network`` (None: the project's), once per network object
    (the entry holds it, so its id is not reused meanwhile)."""
    found = _SETUPS.get(id(network))
    if found is not None and found[0] is network:
        return found[1]
    setup = resolve_model(network, None, "screen_genotype")
    if len(_SETUPS) >= 16:
        _SETUPS.clear()
    _SETUPS[id(network)] = (network, setup)
    return setup


@lru_cache(maxsize=64)
def _screen_combos(panel: tuple[Agent, ...], anchor: Agent | None, max_size: int
                   ) -> tuple[tuple[Agent, ...], ...]:
    """The combinations :func:`screen_genotype` scores (the same for every tumour that a
    report anchors on one regimen: made once)."""
    return anchored_combos(anchor, panel, max_size) if anchor else combos_of(panel, max_size)
