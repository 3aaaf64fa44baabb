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
from functools import lru_cache
from typing import Any

from her2resist.engines.cache import BoundedCache
from her2resist.model.network import Network
from her2resist.screen.combinations import (
    _breadth,
    _scored,
    anchored_combos,
    combos_of,
    rank_genotype,
)
from her2resist.screen.combo_rows import _facts
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
    head = (setup.network.hash, background, genotype.mechanism, genotype.alterations,
            genotype.resisted, panel, max_size)
    wanted = list(zip(anchors, above or [None] * len(anchors), strict=True))
    found = {w: _SCREENED.get((*head, *w)) for w in wanted}
    todo = {w: _screen_combos(panel, w[0], max_size) for w, rows in found.items()
            if rows is None}
    if todo:
        names: dict[tuple[Agent, ...], str] = {}
        perturbations: dict[tuple[Agent, ...], dict[str, int]] = {}
        for combos in todo.values():
            facts = _facts(combos)
            names.update(zip(combos, facts.names, strict=True))
            perturbations.update(zip(combos, facts.perturbations, strict=True))
        scored = _scored(service_for(setup.model, setup.reachable), dict(background),
                         list(names), list(names.values()), list(perturbations.values()), {})
        by_combo = dict(zip(names, scored, strict=True))
        strategies = kb_strategies(genotype)
        for w, combos in todo.items():
            rows = [by_combo[c] for c in combos]
            ranked = tuple(rank_genotype(genotype, combos, rows, _breadth(combos, [rows]),
                                         strategies=strategies, above=w[1]))
            _SCREENED.put((*head, *w), ranked)
            found[w] = ranked
    # The rows are kept without regard to the genotype's name (a cohort's patients with the
    # same alterations share one screen); each call's rows carry its own genotype's name.
    return [_named(found[w], genotype.name) for w in wanted]  # type: ignore[arg-type]


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
