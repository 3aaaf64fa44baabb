"""From a tumour, a context and a regimen to the graded engine's input levels.

The parameters and their sources are in ``model/data/graded_parameters.yaml``; this module
only applies them:

- **context** (``culture`` or ``patient``): environment levels (ligands, immune effectors);
- **alterations**: each alteration's Boolean ``set`` (knowledge base), then its graded level:
  PIK3CA variant strength by protein change, ER status, HER2 level;
- **drugs**: antibodies by occupancy, kinase inhibitors by ``C / (C + IC50)``, ADCs by the
  payload delivered (drug-to-antibody ratio, lysosomal release, payload potency), and
  chemotherapy by its kill in the phase it hits times the fraction of cells in cycle;
- ``dose``: a multiplier of the default clinical exposure per drug (``{"lapatinib": 0.5}``).

Several regimen components on one drug node combine as independent inhibitors:
``1 - prod(1 - level)``.  Drugs and classes without graded parameters act at level 1, as in
the Boolean model.

Examples
--------
>>> p = load_graded_parameters()
>>> round(float(drug_level(p, "lapatinib", 1.0, cycling=1.0)), 2)
0.8
>>> bool(drug_level(p, "trastuzumab_deruxtecan", 1.0, 1.0) > drug_level(
...     p, "trastuzumab_emtansine", 1.0, 1.0))
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from her2resist.common import plainmath
from her2resist.exceptions import ParameterError

CONTEXTS = ("culture", "patient")
CHEMO_NODES = frozenset({"taxane", "capecitabine"})
_IHC = re.compile(r"IHC\s*(0|1\+|2\+|3\+)")
_VARIANT = re.compile(r"\b(?:p\.)?([A-Z]\d+[A-Z])\b")


@dataclass(frozen=True, slots=True)
class GradedParameters:
    """The contents of ``graded_parameters.yaml`` (see that file for every source)."""

    hill_n: float
    hill_k: float
    contexts: Mapping[str, Mapping[str, float]]
    drugs: Mapping[str, Mapping[str, Any]]
    chemo_kill: float
    alterations: Mapping[str, Mapping[str, Any]]
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    path: str = ""
    ic50: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    tki_nodes: Mapping[str, str] = field(default_factory=dict)


def parameters_path() -> Path:
    return Path(str(resources.files("her2resist.model") / "data" / "graded_parameters.yaml"))


@cache
def load_graded_parameters(path: str | None = None) -> GradedParameters:
    """Read the graded parameters (cached); ``ranges`` holds every sampled assumption."""
    from her2resist.common.cached import read_package_data, read_user_data

    source = Path(path) if path else parameters_path()
    data: Any = read_user_data(source) if path else read_package_data(source)
    ranges: dict[str, tuple[float, float]] = {
        "hill.n": tuple(data["hill"]["n"]["range"]),  # type: ignore[dict-item]
        "hill.k": tuple(data["hill"]["k"]["range"]),  # type: ignore[dict-item]
        "chemotherapy.kill": tuple(data["drugs"]["chemotherapy"]["range"]),  # type: ignore[dict-item]
    }
    for name, entry in data["contexts"].items():
        for node, bounds in (entry.get("range") or {}).items():
            ranges[f"context.{name}.{node}"] = tuple(bounds)  # type: ignore[assignment]
    for name, entry in data["drugs"].items():
        if "range" in entry and name != "chemotherapy":
            ranges[f"drug.{name}"] = tuple(entry["range"])  # type: ignore[assignment]
    for name, entry in data["alterations"].items():
        if isinstance(entry, dict):
            for node, bounds in (entry.get("range") or {}).items():
                ranges[f"alteration.{name}.{node}"] = tuple(bounds)  # type: ignore[assignment]
    return GradedParameters(
        hill_n=float(data["hill"]["n"]["value"]),
        hill_k=float(data["hill"]["k"]["value"]),
        contexts={k: dict(v.get("levels") or {}) for k, v in data["contexts"].items()},
        drugs={k: v for k, v in data["drugs"].items() if k != "chemotherapy"},
        chemo_kill=float(data["drugs"]["chemotherapy"]["kill"]),
        alterations=data["alterations"],
        ranges=ranges,
        path=str(source),
        ic50={k: {r: float(x) for r, x in v.items()} for k, v in data["ic50_nM"].items()
              if isinstance(v, dict)},
        tki_nodes=dict(data.get("tki_nodes") or {}),
    )


def check_context(context: str) -> str:
    if context not in CONTEXTS:
        raise ParameterError("context", "predict", f"one of {set(CONTEXTS)}", context)
    return context


def context_levels(p: GradedParameters, context: str) -> dict[str, float]:
    """Environment levels of a named context."""
    return {k: float(v) for k, v in p.contexts[check_context(context)].items()}


def variant_strength(p: GradedParameters, text: str) -> float | None:
    """Strength of a PIK3CA protein change named in ``text`` ("PIK3CA H1047R"), if listed."""
    entry = p.alterations.get("PIK3CA_mut") or {}
    match = _VARIANT.search(text.upper().replace("PIK3CA", ""))
    if match is None:
        return None
    return (entry.get("variants") or {}).get(match.group(1), entry.get("default"))


def alteration_levels(
    p: GradedParameters, texts: Iterable[str], ids: Iterable[str]
) -> dict[str, float]:
    """Graded overrides of the Boolean alteration perturbation (node -> level)."""
    out: dict[str, float] = {}
    for alt_id in ids:
        entry = p.alterations.get(alt_id)
        if isinstance(entry, dict) and "levels" in entry:
            out.update({k: float(v) for k, v in entry["levels"].items()})
    for text in texts:
        ihc = _IHC.search(text.upper())
        if ihc is not None and "ERBB2_loss" in out:
            out["ERBB2_loss"] = float(p.alterations["her2_ihc"][ihc.group(1)])
        if "PIK3CA" in text.upper():
            strength = variant_strength(p, text)
            if strength is not None:
                out["PIK3CA_mut"] = min(out.get("PIK3CA_mut", 0.0) or 1.0, float(strength))
    return out


def drug_level(p: GradedParameters, drug: str, dose: Any, cycling: float,
               node: str | None = None) -> Any:
    """Level of a drug's node at ``dose`` times the default clinical exposure.

    A kinase inhibitor's level depends on the receptor the node stands for (``tki_nodes``):
    ``r / (1 + r)`` with ``r`` its exposure over the HER2 IC50 times IC50(HER2) / IC50(node's
    receptor), so each receptor is inhibited by its own potency.
    """
    entry = p.drugs.get(drug)
    if entry is None:
        return 1.0
    kind = entry["kind"]
    if kind == "antibody":
        return plainmath.minimum(1.0, float(entry["level"]) * plainmath.minimum(1.0, dose)) + 0.0
    if kind == "tki":
        ratio = float(entry["exposure_over_ic50"]) * dose * receptor_potency(p, drug, node)
        return ratio / (1.0 + ratio)
    if kind == "adc":
        payload = float(entry["dar"]) * float(entry["release"]) * float(entry["potency"]) * dose
        return 1.0 - plainmath.exp(-payload)
    raise ParameterError("kind", "drug_level", "antibody, tki or adc", kind)


def receptor_potency(p: GradedParameters, drug: str, node: str | None) -> float:
    """IC50(HER2) / IC50(receptor of ``node``) of a kinase inhibitor (1 when unknown).

    Examples
    --------
    >>> p = load_graded_parameters()
    >>> round(receptor_potency(p, "afatinib", "afatinib_EGFR"), 1)
    28.0
    >>> round(receptor_potency(p, "lapatinib", "lapatinib"), 1)
    1.0
    """
    receptor = p.tki_nodes.get(node or "", "HER2")
    table = p.ic50.get(drug, {})
    if "HER2" not in table or receptor not in table:
        return 1.0
    return table["HER2"] / table[receptor]


def chemo_level(p: GradedParameters, dose: Any, cycling: Any, kill: Any = None) -> Any:
    """Kill by a cell-cycle-specific drug: kill per course x dose x fraction in cycle."""
    kill = p.chemo_kill if kill is None else kill
    return plainmath.minimum(1.0, kill * dose) * plainmath.clip(cycling, 0.0, 1.0)


def regimen_levels(
    p: GradedParameters,
    items: Iterable[tuple[str, tuple[str, ...]]],
    *,
    doses: Mapping[str, Any] | None = None,
    cycling: Any = 1.0,
    kill: Any = None,
) -> dict[str, Any]:
    """Node levels of a regimen given as ``(drug or class id, nodes)`` pairs; ``cycling`` is the
    untreated cell's fraction in cycle, ``kill`` overrides the chemotherapy kill per course."""
    doses = dict(doses or {})
    remaining: dict[str, Any] = {}
    for item_id, nodes in items:
        dose = doses.get(item_id, 1.0)
        for node in nodes:
            if node in CHEMO_NODES:
                level = chemo_level(p, dose, cycling, kill)
            else:
                level = drug_level(p, item_id, dose, cycling, node)
            remaining[node] = remaining.get(node, 1.0) * (1.0 - level)
    return {node: 1.0 - left for node, left in remaining.items()}


def immune_gain(p: GradedParameters, item_ids: Iterable[str]) -> float:
    """Fc engagement of the regimen: the sum of its distinct antibodies' ``fc`` weights.

    Antibodies on distinct, non-competing HER2 epitopes (trastuzumab, pertuzumab) each bring
    their Fc to the cell; margetuximab's Fc binds CD16A more tightly (weight 1.5).  See
    :func:`effector_level` for how the engagement scales the effectors' killing.
    """
    return sum(float(p.drugs.get(i, {}).get("fc", 0.0)) for i in dict.fromkeys(item_ids))


def effector_level(immune: Any, engagement: float, *, element: bool = False) -> Any:
    """Effector killing with ``engagement`` Fc weights bound: ``1 - (1 - immune)^engagement``.

    Each Fc-bearing antibody bound gives an effector cell an independent chance to trigger
    killing, so two antibodies at one effector level kill as one antibody at
    ``1 - (1 - immune)^2`` (Yamashita-Kashima 2011: trastuzumab + pertuzumab potentiated ADCC).
    An engagement of 1 or less leaves the level unchanged, and so does a level of 0 or 1 (the
    Boolean limit).

    ``element``: ``immune`` is one sample of an array of them, computed as numpy computes
    the array (:func:`~her2resist.common.plainmath.array_power`).

    Examples
    --------
    >>> effector_level(0.5, 2.0), effector_level(0.5, 1.0), effector_level(1.0, 2.0)
    (0.75, 0.5, 1.0)
    """
    if engagement <= 1.0:
        return immune
    if element:
        return 1.0 - plainmath.array_power(1.0 - immune, engagement)
    return 1.0 - (1.0 - immune) ** engagement


def bystander(p: GradedParameters, item_ids: Iterable[str]) -> float:
    """Share of a membrane-permeable payload that reaches neighbouring cells (T-DXd)."""
    return max([float(p.drugs.get(i, {}).get("bystander", 0.0)) for i in item_ids] + [0.0])
