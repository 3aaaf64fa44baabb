"""Combination screens: every single agent and pair (or triple) of a panel on each genotype.

Each combination's **response score** is the one of
:func:`~her2resist.predict.response.predict_response` (control added to the untreated cell,
:mod:`her2resist.predict.scoring`), or, with a custom readout, the share of reached attractors
on the readout (``'*'`` counts half) relative to the untreated cell in the same way.  The
**interaction score** is the Bliss excess on those scores,
``s_AB - (1 - (1 - s_A)(1 - s_B))`` (for triples the product runs over the three agents);
the HSA excess ``s_AB - max(s_A, s_B)`` is also given.  Per genotype, the combinations that
restore response (score >= 0.5) come first; among them, those that *keep the regimen the
genotype resists* (``keeps_resisted``: the field's resensitisation, e.g. trastuzumab + a CDK4/6
inhibitor for a cyclin D1-amplified tumour that escapes trastuzumab) before those that replace
it; then by interaction (Bliss excess: what the partners achieve together and not alone),
score, *breadth* (the number of genotypes of the screen on which the combination restores
response), fewer agents, and name.  The ranking never reads the knowledge base's strategies;
the regimens a genotype resists are its definition (the KB mechanism's ``resistant_to``).

Examples
--------
>>> res = screen_combinations(["PTEN loss"], agents=["trastuzumab", "AKT inhibitor",
...                           "CDK4/6 inhibitor"], workers=1)
>>> best = res.table.iloc[0]
>>> best["combination"], float(best["score"])
('trastuzumab + AKT inhibitor', 0.5)
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any, cast

import pandas as pd

from her2resist.knowledge.catalogue import Catalogue, load_catalogue
from her2resist.model.network import Network
from her2resist.predict.regimen import parse_regimen
from her2resist.predict.scoring import (
    APOPTOSIS,
    PROLIFERATION,
    SENSITIVE_AT,
    Readout,
    control_per_state,
    response_score,
)
from her2resist.screen.drugs import agents_for_model
from her2resist.screen.execution import ModelRef, Progress, run_tasks, service_for
from her2resist.screen.genotypes import Agent, Genotype, as_genotypes, default_panel, parse_agents
from her2resist.screen.report import TopCombination, agreement_table, kb_strategies, top_details
from her2resist.screen.setup import node_values, resolve_model
from her2resist.screen.targets import check_max_size

State = Mapping[str, int | str | float]
#: Columns of :attr:`CombinationScreen.table`.
COLUMNS = ("genotype", "mechanism", "rank", "combination", "size", "score", "bliss_excess",
           "hsa_excess", "keeps_resisted", "breadth", "control_untreated", "control_treated",
           "states", "kb_strategy", "kb_evidence")


@dataclass(frozen=True, slots=True)
class ComboJob:
    """One genotype's screen, as it travels to a worker."""

    model: ModelRef
    reachable: bool
    background: tuple[tuple[str, int], ...]
    keep: tuple[str, ...]
    combos: tuple[tuple[Agent, ...], ...]
    readout: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class CombinationScreen:
    """The result of :func:`screen_combinations`.

    ``table`` has one row per (genotype, combination), columns :data:`COLUMNS`:
    ``rank`` within the genotype (1 best), ``combination`` (agent names joined by " + "),
    ``size``, ``score`` in [0, 1], ``bliss_excess`` and ``hsa_excess`` (0 for single agents),
    ``keeps_resisted`` (the combination contains a regimen the genotype resists),
    ``breadth`` (genotypes of the screen on which it scores >= 0.5),
    ``control_untreated``/``control_treated`` and the number of reached ``states``,
    ``kb_strategy`` (the KB strategy with the same drug nodes, "" if none) and
    ``kb_evidence`` (its evidence ids).  ``top`` holds the best combinations of each genotype
    with their mechanism trace and the KB's evidence.
    """

    table: pd.DataFrame
    top: tuple[TopCombination, ...]
    agents: tuple[Agent, ...]
    genotypes: tuple[Genotype, ...]
    readout: Mapping[str, int]
    seconds: float

    def agreement(self) -> pd.DataFrame:
        """Per genotype with KB strategies: is the top combination one the KB records?"""
        return agreement_table(self.table)

    def scores(self) -> pd.DataFrame:
        """Scores as a genotype x combination matrix (for the heatmap)."""
        return self.table.pivot(index="genotype", columns="combination", values="score")

    def to_dict(self, rows: int | None = None) -> dict[str, object]:
        """Plain data for JSON; ``rows`` limits the table to each genotype's best rows."""
        table = self.table if rows is None else self.table[self.table["rank"] <= rows]
        return {
            "agents": [a.name for a in self.agents],
            "genotypes": [g.name for g in self.genotypes],
            "readout": dict(self.readout) or "response score (Proliferation, Apoptosis)",
            "combinations": table.to_dict("records"),
            "top": [t.to_dict() for t in self.top],
            "agreement": self.agreement().to_dict("records"),
            "seconds": round(self.seconds, 3),
        }


def _control(rows: Sequence[State], readout: Mapping[str, int]) -> float:
    """Mean control over rows: the project's formula, or the share on the readout."""
    if not rows:
        return 0.0
    if not readout:
        # the project's formula, applied to plain numbers (a DataFrame per row costs 10x more)
        values = [cast(pd.DataFrame, {k: (0.5 if r[k] == "*" else float(r[k]))
                                      for k in (PROLIFERATION, APOPTOSIS)}) for r in rows]
        return sum(float(control_per_state(v, Readout())) for v in values) / len(rows)
    total = 0.0
    for row in rows:
        hits = [1.0 if row[n] == v else 0.5 if row[n] == "*" else 0.0 for n, v in readout.items()]
        total += sum(hits) / len(hits)
    return total / len(rows)


def perturbation_of(combo: Iterable[Agent]) -> dict[str, int]:
    """The union of the agents' node settings."""
    return {n: v for agent in combo for n, v in agent.nodes}


def score_genotype(job: ComboJob) -> list[dict[str, Any]]:
    """Score every combination of one genotype (a worker task)."""
    ev = service_for(job.model, job.reachable)
    base = ev.base(dict(job.background), keep=job.keep)
    readout = dict(job.readout)
    c0 = _control(ev.untreated_states(base), readout)
    out = []
    for combo in job.combos:
        rows = ev.attractors(base, perturbation_of(combo))
        c1 = _control(rows, readout)
        out.append({"combination": " + ".join(a.name for a in combo), "size": len(combo),
                    "score": response_score(c0, c1), "control_untreated": c0,
                    "control_treated": c1, "states": len(rows)})
    return out


def combos_of(agents: Sequence[Agent], max_size: int) -> tuple[tuple[Agent, ...], ...]:
    """Every combination of up to ``max_size`` agents whose settings do not conflict."""
    out = []
    for size in range(1, max_size + 1):
        for combo in combinations(agents, size):
            settings = [s for a in combo for s in a.nodes]
            if len({n for n, _ in settings}) == len(set(settings)):
                out.append(combo)
    return tuple(out)


def _interactions(frame: pd.DataFrame) -> pd.DataFrame:
    single = {(g, c): s for g, c, s, k in frame[["genotype", "combination", "score", "size"]]
              .itertuples(index=False) if k == 1}
    bliss, hsa = [], []
    for g, c, s in frame[["genotype", "combination", "score"]].itertuples(index=False):
        parts = [single[(g, p)] for p in c.split(" + ")]
        expected = 1.0
        for p in parts:
            expected *= 1.0 - p
        bliss.append(0.0 if len(parts) == 1 else s - (1.0 - expected))
        hsa.append(0.0 if len(parts) == 1 else s - max(parts))
    frame["bliss_excess"], frame["hsa_excess"] = bliss, hsa
    sensitive = frame[frame["score"] >= SENSITIVE_AT].groupby("combination")["genotype"].nunique()
    frame["breadth"] = frame["combination"].map(sensitive).fillna(0).astype(int)
    frame["restores"] = frame["score"] >= SENSITIVE_AT
    frame = frame.sort_values(
        ["genotype", "restores", "keeps_resisted", "bliss_excess", "score", "breadth", "size",
         "combination"],
        ascending=[True, False, False, False, False, False, True, True], kind="mergesort")
    frame["rank"] = frame.groupby("genotype").cumcount() + 1
    return frame


def screen_combinations(
    profiles: Any = None,
    *,
    agents: Iterable[str] | None = None,
    max_size: int = 2,
    readout: Mapping[str, int] | Iterable[str] | None = None,
    model: Network | str | Path | None = None,
    fix: Mapping[str, int] | Iterable[str] | None = None,
    top: int = 3,
    workers: int | None = None,
    scheduler: Any = None,
    progress: Progress | None = None,
) -> CombinationScreen:
    """Score every single agent and combination of ``agents`` on each genotype.

    Parameters
    ----------
    profiles
        None: one genotype per KB mechanism; alteration names (one tumour); a mapping of names
        to alteration lists; ``TumourProfile`` or :class:`Genotype` objects.
    agents
        Drug or class names, or ``NODE=0|1``; default: the KB's panel
        (:func:`~her2resist.screen.genotypes.default_panel`).
    max_size
        2 for pairs, 3 for triples.
    readout
        ``NODE=0|1`` settings scored instead of the project's response score (required for
        imported models).
    model, fix
        Another model and nodes fixed throughout.
    top
        Combinations per genotype given with trace and evidence.
    workers, scheduler, progress
        As for :func:`~her2resist.screen.targets.find_nodal_targets`.

    Returns
    -------
    CombinationScreen
    """
    start = time.perf_counter()
    setup = resolve_model(model, fix, "screen_combinations")
    check_max_size(max_size, "screen_combinations")
    wanted = node_values(readout, "readout", "screen_combinations")
    if not wanted and not setup.project:
        from her2resist.screen.setup import resolve_readout

        wanted = resolve_readout(setup, None, function="screen_combinations")
    setup.network.check_nodes(wanted, "readout node")
    panel = parse_agents(agents) if agents is not None else default_panel()
    panel = agents_for_model(panel, setup.network, explicit=agents is not None)
    genotypes = as_genotypes(profiles if profiles is not None or setup.project else {})
    combos = combos_of(panel, max_size)
    setup.network.check_nodes([n for a in panel for n, _ in a.nodes], "agent node")
    keep = tuple(sorted({n for a in panel for n, _ in a.nodes if setup.network.nodes[n].is_input}))
    jobs = [ComboJob(setup.model, setup.reachable,
                     tuple(sorted({**dict(g.perturbation), **setup.fix}.items())), keep, combos,
                     tuple(sorted(wanted.items()))) for g in genotypes]
    results = run_tasks(score_genotype, jobs, workers=workers, scheduler=scheduler,
                        progress=progress)
    frame = _table(genotypes, combos, results)
    details = top_details(setup, genotypes, frame, panel, keep, wanted, top)
    return CombinationScreen(frame, details, panel, genotypes, wanted,
                             time.perf_counter() - start)


def resisted_perturbations(genotype: Genotype) -> list[frozenset[tuple[str, int]]]:
    """The drug-node settings of each regimen the genotype resists (catalogue ids or names),
    as its KB mechanism records them."""
    out = []
    for regimen in genotype.resisted:
        nodes = parse_regimen(regimen.replace("_", " ")).nodes
        if nodes:
            out.append(frozenset((n, 1) for n in nodes))
    return out


#: Catalogue classes of the HER2-targeted drugs.
HER2_CLASSES = frozenset({"her2_antibody", "her2_tki", "pan_her_tki", "her2_adc"})


def escaped_her2_agents(
    combos: Sequence[tuple[Agent, ...]], keys: Sequence[frozenset[tuple[str, int]]],
    rows: Sequence[Mapping[str, Any]],
) -> list[frozenset[tuple[str, int]]]:
    """For a tumour given by its alterations (no KB mechanism says what it resists): the
    HER2-targeted agents of the panel that, alone, do not restore response on it."""
    catalogue = load_catalogue()
    out = []
    for combo, key, row in zip(combos, keys, rows, strict=True):
        if len(combo) != 1 or row["score"] >= SENSITIVE_AT:
            continue
        classes = {c for i in combo[0].ids for c in _classes_of(i, catalogue)}
        if classes & HER2_CLASSES:
            out.append(key)
    return out


def _classes_of(record_id: str, catalogue: Catalogue) -> tuple[str, ...]:
    if record_id in catalogue.drugs:
        return catalogue.drugs[record_id].classes
    return (record_id,) if record_id in catalogue.classes else ()


def _table(genotypes: Sequence[Genotype], combos: Sequence[tuple[Agent, ...]],
           results: list[list[dict[str, Any]]]) -> pd.DataFrame:
    keys = [frozenset(perturbation_of(c).items()) for c in combos]
    records = []
    for genotype, rows in zip(genotypes, results, strict=True):
        strategies = kb_strategies(genotype)
        resisted = resisted_perturbations(genotype) or escaped_her2_agents(combos, keys, rows)
        for key, row in zip(keys, rows, strict=True):
            match = strategies.get(key, ("", ()))
            records.append({"genotype": genotype.name, "mechanism": genotype.mechanism or "",
                            **row, "keeps_resisted": any(r <= key for r in resisted),
                            "kb_strategy": match[0], "kb_evidence": ", ".join(match[1])})
    frame = _interactions(pd.DataFrame(records))
    return frame[list(COLUMNS)].reset_index(drop=True)
