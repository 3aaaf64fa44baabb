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
the regimens a genotype resists are its definition (the KB mechanism's ``resistant_to``).  A
drug is never combined with one that already carries it (T-DM1 and T-DXd carry trastuzumab:
the catalogue's ``includes``).

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
from typing import Any

import pandas as pd

from her2resist.engines import EXACT_ENGINE, is_graded
from her2resist.engines.service import SimulationService
from her2resist.exceptions import ParameterError
from her2resist.knowledge.catalogue import Catalogue, load_catalogue
from her2resist.model.network import Network
from her2resist.predict.regimen import parse_regimen
from her2resist.predict.scoring import (
    SENSITIVE_AT,
    response_score,
)
from her2resist.screen.combo_rows import _control_rows, _facts
from her2resist.screen.combo_rows import perturbation_of as perturbation_of  # public here too
from her2resist.screen.drugs import agents_for_model
from her2resist.screen.execution import ModelRef, Progress, run_tasks, service_for
from her2resist.screen.genotypes import Agent, Genotype, as_genotypes, default_panel, parse_agents
from her2resist.screen.report import (
    StrategyKey,
    TopCombination,
    agreement_table,
    kb_strategies,
    top_details,
)
from her2resist.screen.setup import node_values, resolve_model
from her2resist.screen.targets import check_max_size

#: Columns of :attr:`CombinationScreen.table`.
COLUMNS = ("genotype", "mechanism", "rank", "combination", "size", "score", "alone",
           "boolean_score", "bliss_excess", "hsa_excess", "keeps_resisted", "breadth",
           "control_untreated", "control_treated", "states", "kb_strategy", "kb_evidence")


@dataclass(frozen=True, slots=True)
class ComboJob:
    """One genotype's screen, as it travels to a worker."""

    model: ModelRef
    reachable: bool
    background: tuple[tuple[str, int], ...]
    keep: tuple[str, ...]
    combos: tuple[tuple[Agent, ...], ...]
    readout: tuple[tuple[str, int], ...]
    graded: Grading | None = None


@dataclass(frozen=True, slots=True)
class Grading:
    """How a screen grades each combination: a graded engine, the context, the genotype's
    alterations (their strengths) and the background nodes that are not alterations."""

    engine: str
    context: str
    alterations: tuple[str, ...]
    environment: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class CombinationScreen:
    """The result of :func:`screen_combinations`.

    ``table`` has one row per (genotype, combination), columns :data:`COLUMNS`:
    ``rank`` within the genotype (1 best), ``combination`` (agent names joined by " + "),
    ``size``, ``score`` in [0, 1] (graded on a graded engine), ``alone`` (the score of each of
    its agents alone, in order), ``boolean_score`` (the score in the Boolean limit),
    ``bliss_excess`` and ``hsa_excess`` (0 for single agents),
    ``keeps_resisted`` (the combination contains a regimen the genotype resists),
    ``breadth`` (genotypes of the screen on which it scores >= 0.5),
    ``control_untreated``/``control_treated`` and the number of reached ``states``,
    ``kb_strategy`` (the KB strategy with the same drug nodes, "" if none) and
    ``kb_evidence`` (its evidence ids).  ``top`` holds the best combinations of each genotype
    with their mechanism trace and the KB's evidence.

    Examples
    --------
    >>> screen = screen_combinations(["PTEN loss"], agents=["trastuzumab", "everolimus"],
    ...                              workers=1)
    >>> screen.table[["combination", "score"]].head(1).to_dict("records")
    [{'combination': 'trastuzumab + everolimus', 'score': 0.5}]
    """

    table: pd.DataFrame
    top: tuple[TopCombination, ...]
    agents: tuple[Agent, ...]
    genotypes: tuple[Genotype, ...]
    readout: Mapping[str, int]
    seconds: float
    engine: str = EXACT_ENGINE

    def _repr_html_(self) -> str:
        """The screen as a card in a notebook: each genotype's best rows."""
        from her2resist._html import card

        columns = [c for c in ("genotype", "rank", "combination", "score", "bliss_excess",
                               "kb_strategy") if c in self.table.columns]
        best = self.table[self.table["rank"] <= 3][columns]
        return card("Combination screen",
                    [("genotypes", len(self.genotypes)), ("agents", len(self.agents)),
                     ("combinations scored", len(self.table)),
                     ("readout", dict(self.readout) or "response score"),
                     ("seconds", round(self.seconds, 2))],
                    tables=[("Best three per genotype", best)])

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
            "engine": self.engine,
            "agents": [a.name for a in self.agents],
            "genotypes": [g.name for g in self.genotypes],
            "readout": dict(self.readout) or "response score (Proliferation, Apoptosis)",
            "combinations": table.to_dict("records"),
            "top": [t.to_dict() for t in self.top],
            "agreement": self.agreement().to_dict("records"),
            "seconds": round(self.seconds, 3),
        }


def score_genotype(job: ComboJob) -> list[dict[str, Any]]:
    """Score every combination of one genotype (a worker task): their reached states computed
    together (:meth:`SimulationService.rows_many
    <her2resist.engines.service.SimulationService.rows_many>`) and scored from the rows."""
    service = service_for(job.model, job.reachable)
    facts = _facts(job.combos)
    out = _scored(service, dict(job.background), job.combos, facts.names, facts.perturbations,
                  dict(job.readout))
    if job.graded is not None:
        _grade(job.graded, service.network, out)
    return out


def _scored(service: SimulationService, background: Mapping[str, int],
            combos: Sequence[tuple[Agent, ...]], names: Sequence[str],
            perturbations: Sequence[Mapping[str, int]], readout: Mapping[str, int]
            ) -> list[dict[str, Any]]:
    """Each combination's row, scored from the reached states (one batched call)."""
    untreated, treated = service.rows_many(background, perturbations)
    c0 = _control_rows(untreated, service.index, readout)
    out = []
    for combo, name, rows in zip(combos, names, treated, strict=True):
        c1 = _control_rows(rows, service.index, readout)
        score = response_score(c0, c1)
        out.append({"combination": name, "size": len(combo),
                    "score": score, "boolean_score": score, "control_untreated": c0,
                    "control_treated": c1, "states": len(rows)})
    return out


def _grade(grading: Grading, network: Network, rows: list[dict[str, Any]]) -> None:
    """Each row's graded score (point, at default clinical exposure) replaces its score; the
    Boolean one stays as ``boolean_score``."""
    from her2resist.predict.graded import predict_graded

    for row in rows:
        g = predict_graded(grading.alterations, row["combination"], context=grading.context,
                           environment=dict(grading.environment), samples=0, endpoint=None,
                           network=network, engine=grading.engine)
        row.update(score=g.score, control_untreated=g.control_untreated,
                   control_treated=g.control_treated)


def combos_of(agents: Sequence[Agent], max_size: int) -> tuple[tuple[Agent, ...], ...]:
    """Every combination of up to ``max_size`` agents whose settings do not conflict."""
    return tuple(combo for size in range(1, max_size + 1)
                 for combo in combinations(agents, size) if _compatible(combo))


def _breadth(combos: Sequence[tuple[Agent, ...]],
             results: Sequence[Sequence[dict[str, Any] | None]]) -> dict[str, int]:
    """Combination name -> the genotypes of the screen on which it restores response (a row
    None: it does not)."""
    out: dict[str, int] = {}
    names = _facts(combos).names
    for rows in results:
        for name, row in zip(names, rows, strict=True):
            if row is not None and row["score"] >= SENSITIVE_AT:
                out[name] = out.get(name, 0) + 1
    return out


def rank_genotype(genotype: Genotype, combos: Sequence[tuple[Agent, ...]],
                  rows: Sequence[dict[str, Any] | None], breadth: Mapping[str, int], *,
                  strategies: Mapping[StrategyKey, tuple[str, tuple[str, ...]]] | None = None,
                  above: float | None = None) -> list[dict[str, Any]]:
    """One genotype's rows with their interaction scores, ranked (see module docs): the one
    ranking of combinations, used by screens and by reports' remedies alike.
    ``strategies``: the genotype's :func:`~her2resist.screen.report.kb_strategies`, when the
    caller has them; ``above``: only the rows that score above it, in the same order (a
    report lists no remedy that scores below the regimen it replaces), ranked among
    themselves; with ``above``, a combination of several agents may have the row None
    (known to score at or below it) and one alone a row of its score only."""
    facts = _facts(combos)
    keys, names = facts.keys, facts.names
    shape = _shape(combos)
    listed = {i: row for i, row in enumerate(rows)
              if row is not None and (above is None or row["score"] > above)}
    # an agent alone always has a row, at least its score
    single = {combos[i][0].name: rows[i]["score"]  # type: ignore[index]
              for i in shape.singles}
    resisted = resisted_perturbations(genotype)
    if resisted:
        keeps = {i: any(r <= keys[i] for r in resisted) for i in listed}
    else:  # escaped_her2_agents, from the HER2-directed agents alone each combination holds
        escaped = {i for i in shape.her2
                   if rows[i]["score"] < SENSITIVE_AT}  # type: ignore[index]
        keeps = {i: not escaped.isdisjoint(shape.holds[i]) for i in listed}
    alone, bliss, order = {}, {}, {}
    for i, row in listed.items():
        combo, name, score = combos[i], names[i], row["score"]
        parts = alone[i] = [single[a.name] for a in combo]
        expected = 1.0
        for part in parts:
            expected *= 1.0 - part
        bliss[i] = 0.0 if len(parts) == 1 else score - (1.0 - expected)
        order[i] = (score < SENSITIVE_AT, not keeps[i], -bliss[i], -score,
                    -breadth.get(name, 0), len(combo), name)
    if strategies is None:
        strategies = kb_strategies(genotype)
    mechanism = genotype.mechanism or ""
    records = []
    for rank, i in enumerate(sorted(listed, key=order.__getitem__), start=1):
        row, parts = listed[i], alone[i]
        match = strategies.get(keys[i], ("", ()))
        records.append({
            "genotype": genotype.name, "mechanism": mechanism, **row,
            "combination": names[i], "size": len(combos[i]),
            "alone": [float(p) for p in parts], "bliss_excess": bliss[i],
            "hsa_excess": 0.0 if len(parts) == 1 else row["score"] - max(parts),
            "keeps_resisted": keeps[i], "breadth": breadth.get(names[i], 0),
            "kb_strategy": match[0], "kb_evidence": ", ".join(match[1]), "rank": rank})
    return records


def anchored_combos(anchor: Agent, panel: Sequence[Agent], max_size: int
                    ) -> tuple[tuple[Agent, ...], ...]:
    """The anchor alone, every agent alone (for the interaction scores), and the anchor with
    up to ``max_size - 1`` partners whose settings do not conflict with it."""
    partners = [a for a in panel if a.nodes != anchor.nodes]
    with_anchor = [c for c in combos_of(partners, max_size - 1)
                   if _compatible((anchor, *c)) and not set(anchor.nodes) >= {
                       s for a in c for s in a.nodes}]
    return ((anchor,), *((a,) for a in partners), *((anchor, *c) for c in with_anchor))


def _compatible(combo: Sequence[Agent]) -> bool:
    """No two agents set one node to different values, and none contains another (the
    catalogue's ``includes``: T-DM1 and T-DXd carry trastuzumab)."""
    settings = [s for a in combo for s in a.nodes]
    if len({n for n, _ in settings}) != len(set(settings)):
        return False
    if len(combo) < 2:
        return True
    catalogue = load_catalogue()
    ids = [set(a.ids) for a in combo]
    for i, agent in enumerate(combo):
        inside = {d for x in agent.ids if x in catalogue.drugs
                  for d in catalogue.drugs[x].includes}
        if any(inside & other for j, other in enumerate(ids) if j != i):
            return False
    return True


def regimen_agent(regimen: str, catalogue: Catalogue | None = None) -> Agent:
    """A regimen (drugs joined by " + ") as one agent: its label, its drug nodes, its ids."""
    parsed = parse_regimen(regimen, catalogue or load_catalogue())
    return Agent(parsed.label, tuple(sorted((n, 1) for n in parsed.nodes)),
                 tuple(i.id for i in parsed.items))


def screen_combinations(
    profiles: Any = None,
    *,
    agents: Iterable[str] | None = None,
    max_size: int = 2,
    readout: Mapping[str, int] | Iterable[str] | None = None,
    model: Network | str | Path | None = None,
    fix: Mapping[str, int] | Iterable[str] | None = None,
    top: int = 3,
    anchor: str | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    progress: Progress | None = None,
    engine: str = EXACT_ENGINE,
    context: str = "patient",
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
    anchor
        A regimen (drugs joined by " + ") that every combination keeps: the screen then scores
        the anchor alone, each agent alone, and the anchor with up to ``max_size - 1``
        partners (what restores response to that regimen; a report's remedies).
    workers, scheduler, progress
        As for :func:`~her2resist.screen.targets.find_nodal_targets`.
    engine, context
        A graded engine (``her2resist screen``'s default) scores each combination on a
        continuous scale in ``context`` (``patient`` or ``culture``), at default clinical
        exposure, beside its score in the Boolean limit (``boolean_score``); it grades the
        project's model with drug and class agents and the response score, and any other
        screen (imported model, ``NODE=0|1`` agents, a readout) runs in the Boolean limit
        (:attr:`CombinationScreen.engine` says which).

    Returns
    -------
    CombinationScreen

    Examples
    --------
    >>> screen = screen_combinations(["PIK3CA H1047R"], agents=["lapatinib", "alpelisib"],
    ...                              workers=1)
    >>> list(screen.table["combination"])[:1], screen.genotypes[0].name
    (['lapatinib + alpelisib'], 'PIK3CA_mut')
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
    anchor_agent = regimen_agent(anchor) if anchor else None
    combos = (anchored_combos(anchor_agent, panel, max_size) if anchor_agent
              else combos_of(panel, max_size))
    if anchor_agent:
        panel = (*panel, anchor_agent)
    setup.network.check_nodes([n for a in panel for n, _ in a.nodes], "agent node")
    keep = tuple(sorted({n for a in panel for n, _ in a.nodes if setup.network.nodes[n].is_input}))
    if not is_graded(engine) and engine != EXACT_ENGINE:
        raise ParameterError("engine", "screen_combinations",
                             f"a graded engine or {EXACT_ENGINE}", engine)
    from her2resist.predict.graded_inputs import CONTEXTS

    if context not in CONTEXTS:
        raise ParameterError("context", "screen_combinations", f"one of {CONTEXTS}", context)
    graded = (is_graded(engine) and setup.project and not wanted
              and all(a.ids for a in panel))
    jobs = [ComboJob(setup.model, setup.reachable,
                     tuple(sorted({**dict(g.perturbation), **setup.fix}.items())), keep, combos,
                     tuple(sorted(wanted.items())),
                     _grading(g, setup.fix, engine, context) if graded else None)
            for g in genotypes]
    results = run_tasks(score_genotype, jobs, workers=workers, scheduler=scheduler,
                        progress=progress)
    breadth = _breadth(combos, results)
    records = [r for g, rows in zip(genotypes, results, strict=True)
               for r in rank_genotype(g, combos, rows, breadth)]
    frame = pd.DataFrame(records, columns=list(COLUMNS))
    details = top_details(setup, genotypes, frame, panel, keep, wanted, top)
    return CombinationScreen(frame, details, panel, genotypes, wanted,
                             time.perf_counter() - start, engine if graded else EXACT_ENGINE)


def _grading(genotype: Genotype, fix: Mapping[str, int], engine: str, context: str) -> Grading:
    from her2resist.predict.regimen import alteration_perturbation, resolve_alterations

    texts = genotype.texts or genotype.alterations
    altered = alteration_perturbation(resolve_alterations(texts))
    environment = {k: v for k, v in {**dict(genotype.perturbation), **fix}.items()
                   if k not in altered}
    return Grading(engine, context, tuple(texts), tuple(sorted(environment.items())))


def resisted_perturbations(genotype: Genotype) -> list[frozenset[tuple[str, int]]]:
    """The drug-node settings of each regimen the genotype resists (catalogue ids or names),
    as its KB mechanism records them."""
    out = []
    for regimen in genotype.resisted:
        nodes = parse_regimen(regimen.replace("_", " ")).nodes
        if nodes:
            out.append(frozenset((n, 1) for n in nodes))
    return out


def escaped_her2_agents(
    combos: Sequence[tuple[Agent, ...]], keys: Sequence[frozenset[tuple[str, int]]],
    rows: Sequence[Mapping[str, Any]],
) -> list[frozenset[tuple[str, int]]]:
    """For a tumour given by its alterations (no KB mechanism says what it resists): the
    HER2-targeted agents of the panel that, alone, do not restore response on it."""
    catalogue = load_catalogue()
    her2 = catalogue.her2_directed_classes
    out = []
    for combo, key, row in zip(combos, keys, rows, strict=True):
        if len(combo) != 1 or row["score"] >= SENSITIVE_AT:
            continue
        classes = {c for i in combo[0].ids for c in _classes_of(i, catalogue)}
        if classes & her2:
            out.append(key)
    return out


def _classes_of(record_id: str, catalogue: Catalogue) -> tuple[str, ...]:
    if record_id in catalogue.drugs:
        return catalogue.drugs[record_id].classes
    return (record_id,) if record_id in catalogue.classes else ()


@dataclass(frozen=True, slots=True)
class _Shape:
    """What ranking reads of a combinations object besides its facts: the agents alone
    (indices), the HER2-directed ones among them, and per combination the HER2-directed
    agents alone whose settings it holds (what :func:`escaped_her2_agents` compares)."""

    singles: tuple[int, ...]
    her2: tuple[int, ...]
    holds: tuple[tuple[int, ...], ...]


_SHAPES: dict[tuple[int, int], tuple[object, Catalogue, _Shape]] = {}


def _shape(combos: Sequence[tuple[Agent, ...]]) -> _Shape:
    """The shape of ``combos`` under the project's catalogue, made once per combinations
    object (the entry holds it, so its id is not reused meanwhile)."""
    catalogue = load_catalogue()
    found = _SHAPES.get((id(combos), id(catalogue)))
    if found is not None and found[0] is combos and found[1] is catalogue:
        return found[2]
    her2_classes = catalogue.her2_directed_classes
    singles = tuple(i for i, c in enumerate(combos) if len(c) == 1)
    her2 = tuple(i for i in singles if any(
        set(_classes_of(x, catalogue)) & her2_classes for x in combos[i][0].ids))
    keys = _facts(combos).keys
    shape = _Shape(singles, her2, tuple(tuple(i for i in her2 if keys[i] <= key)
                                        for key in keys))
    if isinstance(combos, tuple):
        if len(_SHAPES) >= 64:
            _SHAPES.clear()
        _SHAPES[id(combos), id(catalogue)] = (combos, catalogue, shape)
    return shape
