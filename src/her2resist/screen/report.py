"""What a screen says about its best combinations: mechanism traces, the KB's strategies and
evidence, and how often the screen's first choice is one the KB records.

Examples
--------
>>> from her2resist.screen.genotypes import mechanism_genotypes
>>> pten = next(g for g in mechanism_genotypes() if g.mechanism == "PTEN_loss")
>>> sorted(label for label, _ in kb_strategies(pten).values())[0]
'combination: trastuzumab + pi3k_inhibitor'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from her2resist.engines.service import SimulationService, get_service
from her2resist.exceptions import Her2ResistError
from her2resist.knowledge.kb import KnowledgeBase, load_knowledge_base
from her2resist.predict.explain import explain_node
from her2resist.screen.genotypes import Agent, Genotype, regimen_nodes

if TYPE_CHECKING:
    from her2resist.screen.setup import ScreenSetup

StrategyKey = frozenset[tuple[str, int]]


@dataclass(frozen=True, slots=True)
class TopCombination:
    """One of a genotype's best combinations, with why it works and what the KB says."""

    genotype: str
    rank: int
    combination: str
    score: float
    bliss_excess: float
    trace: tuple[dict[str, object], ...]
    kb_strategy: str
    evidence: tuple[dict[str, object], ...]

    def to_dict(self) -> dict[str, object]:
        return {"genotype": self.genotype, "rank": self.rank, "combination": self.combination,
                "score": round(self.score, 4), "bliss_excess": round(self.bliss_excess, 4),
                "kb_strategy": self.kb_strategy, "evidence": list(self.evidence),
                "trace": list(self.trace)}


def _mechanisms_of(genotype: Genotype, kb: KnowledgeBase) -> list[Any]:
    have = set(genotype.alterations)
    return [m for m in kb.mechanisms.values()
            if m.id == genotype.mechanism or (m.alterations and set(m.alterations) <= have)]


def kb_strategies(genotype: Genotype, kb: KnowledgeBase | None = None
                  ) -> dict[StrategyKey, tuple[str, tuple[str, ...]]]:
    """The KB's strategies against the genotype's mechanisms, keyed by their drug nodes:
    ``{frozenset({(node, 1), ...}): ("kind: regimen", evidence ids)}``."""
    try:
        kb = kb or load_knowledge_base()
    except Her2ResistError:
        return {}
    out: dict[StrategyKey, tuple[str, tuple[str, ...]]] = {}
    for mech in _mechanisms_of(genotype, kb):
        for strategy in mech.strategies:
            key = frozenset(regimen_nodes(strategy.regimen, kb.catalogue).items())
            out.setdefault(key, (f"{strategy.kind}: {strategy.regimen}",
                                 tuple(strategy.evidence)))
    return out


def evidence_records(ids: Sequence[str], kb: KnowledgeBase | None = None
                     ) -> tuple[dict[str, object], ...]:
    """The KB's evidence items as plain data (id, reference, citation, level, summary)."""
    kb = kb or load_knowledge_base()
    out: list[dict[str, object]] = []
    for item in (kb.evidence[i] for i in ids if i in kb.evidence):
        out.append({"id": item.id, "ref": item.ref, "citation": item.citation,
                    "level": item.level, "direction": item.direction, "summary": item.summary})
    return tuple(out)


def _trace(setup: ScreenSetup, ev: SimulationService, genotype: Genotype, combo: Sequence[Agent],
           keep: tuple[str, ...], readout: Mapping[str, int]) -> tuple[dict[str, object], ...]:
    background = {**dict(genotype.perturbation), **setup.fix}
    perturbation = {n: v for agent in combo for n, v in agent.nodes}
    rows = ev.attractors(ev.base(background, keep=keep), perturbation)
    target, good = next(iter(readout.items())) if readout else ("Proliferation", 0)
    worst = max(rows, key=lambda r: 0.5 if r[target] == "*" else float(r[target] != good))
    state = {n: (0.5 if v == "*" else float(v)) for n, v in worst.items()}
    steps = explain_node(setup.network, state, target, {**background, **perturbation})
    return tuple(step.as_dict() for step in steps)


def top_details(setup: ScreenSetup, genotypes: Sequence[Genotype], frame: pd.DataFrame,
                panel: Sequence[Agent], keep: tuple[str, ...], readout: Mapping[str, int],
                top: int) -> tuple[TopCombination, ...]:
    """Trace and evidence for the ``top`` best combinations of each genotype."""
    ev = get_service(setup.network, reachable=setup.reachable)
    by_name = {a.name: a for a in panel}
    out = []
    for genotype in genotypes:
        best = frame[(frame["genotype"] == genotype.name) & (frame["rank"] <= top)]
        for row in best.itertuples(index=False):
            combo = [by_name[p] for p in str(row.combination).split(" + ")]
            ids = [e.strip() for e in str(row.kb_evidence).split(",") if e.strip()]
            out.append(TopCombination(
                genotype.name, int(row.rank), str(row.combination), float(row.score),
                float(row.bliss_excess), _trace(setup, ev, genotype, combo, keep, readout),
                str(row.kb_strategy), evidence_records(ids) if ids else ()))
    return tuple(out)


def agreement_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per genotype whose mechanism has KB strategies in the screen: the top combination,
    whether the KB records it (``top_is_kb``), the best rank of a KB combination, and whether
    a KB combination shares the top score (``kb_in_top_tier``)."""
    rows = []
    for genotype, group in frame.groupby("genotype", sort=False):
        known = group[group["kb_strategy"] != ""]
        if known.empty:
            continue
        first = group[group["rank"] == 1].iloc[0]
        rows.append({"genotype": genotype, "mechanism": first["mechanism"],
                     "top_combination": first["combination"], "top_score": first["score"],
                     "kb_combinations": "; ".join(known["combination"]),
                     "top_is_kb": bool(first["kb_strategy"] != ""),
                     "best_kb_rank": int(known["rank"].min()),
                     "kb_in_top_tier": bool((known["score"] >= first["score"] - 1e-9).any())})
    columns = ["genotype", "mechanism", "top_combination", "top_score", "kb_combinations",
               "top_is_kb", "best_kb_rank", "kb_in_top_tier"]
    return pd.DataFrame(rows, columns=columns)
