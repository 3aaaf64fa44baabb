"""Nodal targets across resistance genotypes: which nodes and drugs restore control most often.

:func:`summarise_nodal_targets` runs :func:`~her2resist.screen.targets.find_nodal_targets`'s
search on every genotype (one task per genotype, in a process pool or on Dask) and counts, for
each node setting and each drug, the genotypes it restores alone (a one-node target) and the
genotypes where it is part of some minimal target.  This is the model's answer to "modulation of
nodal targets": the nodes whose inhibition works across many mechanisms of resistance.

Examples
--------
>>> res = summarise_nodal_targets({"A": ["PTEN loss"], "B": ["PIK3CA H1047R"]}, max_size=1,
...                               candidates=["AKT", "E2F", "CDK46"], workers=1)
>>> [(row.node, int(row.alone)) for row in res.nodes.itertuples()]
[('AKT', 2), ('E2F', 2)]
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from her2resist.model.network import Network
from her2resist.screen.drugs import node_drugs
from her2resist.screen.execution import Progress, run_tasks
from her2resist.screen.genotypes import as_genotypes
from her2resist.screen.setup import resolve_model, resolve_readout
from her2resist.screen.targets import (
    NodalTargets,
    check_max_size,
    make_job,
    resolve_candidates,
    search,
    to_targets,
)

#: Columns of :attr:`NodalTargetSummary.nodes` and :attr:`NodalTargetSummary.drugs`.
NODE_COLUMNS = ("node", "value", "alone", "in_any", "genotypes", "drugs")
DRUG_COLUMNS = ("drug", "alone", "in_any", "genotypes", "nodes")


@dataclass(frozen=True, slots=True)
class NodalTargetSummary:
    """Per-genotype targets and the counts across genotypes.

    ``nodes``: one row per node setting, columns :data:`NODE_COLUMNS`: ``alone`` genotypes
    where it is a one-node target, ``in_any`` where it is in some minimal target,
    ``genotypes`` (names, ";"-joined), ``drugs`` acting on it.  ``drugs``: the same per
    catalogue drug, counted through the nodes it acts on.  Genotypes the background already
    controls count nowhere.

    Examples
    --------
    >>> summary = summarise_nodal_targets([["PTEN loss"], ["PIK3CA H1047R"]],
    ...                                   candidates=["AKT", "PI3K", "mTORC1"], max_size=1,
    ...                                   workers=1)
    >>> len(summary.results), summary.nodes.iloc[0]["node"]
    (2, 'AKT')
    """

    results: tuple[NodalTargets, ...]
    nodes: pd.DataFrame
    drugs: pd.DataFrame
    seconds: float

    def to_dict(self) -> dict[str, object]:
        return {"genotypes": [r.to_dict() for r in self.results],
                "nodes": self.nodes.to_dict("records"), "drugs": self.drugs.to_dict("records"),
                "seconds": round(self.seconds, 3)}


def _count(results: list[NodalTargets], network: Network) -> tuple[pd.DataFrame, pd.DataFrame]:
    alone: dict[Any, set[str]] = {}
    anywhere: dict[Any, set[str]] = {}
    drugs = node_drugs(network)
    for res in results:
        for target in res.targets:
            for key in target.values.items():
                anywhere.setdefault(key, set()).add(res.genotype)
                if len(target.nodes) == 1:
                    alone.setdefault(key, set()).add(res.genotype)
    rows = [{"node": n, "value": v, "alone": len(alone.get((n, v), ())), "in_any": len(g),
             "genotypes": ";".join(sorted(g)), "drugs": ", ".join(drugs.get((n, v), ()))}
            for (n, v), g in anywhere.items()]
    nodes = pd.DataFrame(rows, columns=list(NODE_COLUMNS))
    nodes = nodes.sort_values(["alone", "in_any", "node"], ascending=[False, False, True])
    return nodes.reset_index(drop=True), _drug_table(alone, anywhere, drugs)


def _drug_table(alone: Mapping[Any, set[str]], anywhere: Mapping[Any, set[str]],
                drugs: Mapping[tuple[str, int], tuple[str, ...]]) -> pd.DataFrame:
    nodes_of: dict[str, set[tuple[str, int]]] = {}
    for literal in anywhere:
        for drug in drugs.get(literal, ()):
            nodes_of.setdefault(drug, set()).add(literal)
    rows = []
    for drug, literals in nodes_of.items():
        solo = set().union(*(alone.get(lit, set()) for lit in literals))
        some = set().union(*(anywhere.get(lit, set()) for lit in literals))
        rows.append({"drug": drug, "alone": len(solo), "in_any": len(some),
                     "genotypes": ";".join(sorted(solo)),
                     "nodes": ", ".join(sorted(f"{n}={v}" for n, v in literals))})
    frame = pd.DataFrame(rows, columns=list(DRUG_COLUMNS))
    return frame.sort_values(["alone", "in_any", "drug"], ascending=[False, False, True]
                             ).reset_index(drop=True)


def summarise_nodal_targets(
    profiles: Any = None,
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
) -> NodalTargetSummary:
    """Minimal nodal targets of every genotype and the nodes and drugs that work most often.

    Parameters are those of :func:`~her2resist.screen.targets.find_nodal_targets`;
    ``profiles`` None gives one genotype per KB mechanism.  Each genotype's search is one task.

    Returns
    -------
    NodalTargetSummary

    Examples
    --------
    >>> summary = summarise_nodal_targets([["PTEN loss"]], candidates=["AKT", "PI3K"],
    ...                                   max_size=1, workers=1)
    >>> [t.nodes for t in summary.results[0].targets]
    [('AKT',)]
    """
    start = time.perf_counter()
    setup = resolve_model(model, fix, "summarise_nodal_targets")
    check_max_size(max_size, "summarise_nodal_targets")
    wanted = resolve_readout(setup, readout, apoptotic=apoptotic,
                             function="summarise_nodal_targets")
    genotypes = as_genotypes(profiles if profiles is not None or setup.project else {})
    nodes = resolve_candidates(setup, candidates, wanted)
    jobs = [make_job(setup, g, background=background, candidates=nodes, readout=wanted,
                     max_size=max_size, activations=activations) for g in genotypes]
    found = run_tasks(search, [job for job, _ in jobs], workers=workers, scheduler=scheduler,
                      progress=progress)
    results = tuple(
        NodalTargets(g.name, label, wanted, nodes, max_size, to_targets(hits, setup.network),
                     checked, pruned, calls, 0.0, g.mechanism, g.alterations)
        for g, (_, label), (hits, checked, pruned, calls)
        in zip(genotypes, jobs, found, strict=True))
    node_table, drug_table = _count([r for r in results if r.targets and r.targets[0].nodes],
                                    setup.network)
    return NodalTargetSummary(results, node_table, drug_table, time.perf_counter() - start)
