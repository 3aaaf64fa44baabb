"""Schemas of the knowledge base's own records (evidence, mechanisms): frozen dataclasses,
validated by pydantic as the catalogue's records are (see :mod:`her2resist.knowledge.schema`,
which also gives these names).

They live apart from the catalogue's records because a prediction reads only the catalogue:
making a dataclass costs a one-shot command about a millisecond, and these four are the
largest.

Examples
--------
>>> Detection(method="ihc", description="HER2 IHC 0").method
'ihc'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

from her2resist.knowledge.schema import (  # _ID and REF: read by the annotations
    _CONFIG,
    _ID,
    CIVIC_LEVELS,
    ESCAT_LEVELS,
    LEVEL_RANK,
    REF,
)

if TYPE_CHECKING:  # resolved by pydantic when a file is validated (see schema.py)
    from pydantic import Field


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """One piece of evidence: a publication and what it showed, on a documented scale."""
    __pydantic_config__ = _CONFIG

    id: Annotated[str, Field(pattern=_ID)]
    ref: Annotated[str, Field(pattern=REF)]
    citation: str
    kind: Literal["preclinical", "clinical", "trial_subgroup", "case_report", "meta_analysis"]
    scale: Literal["CIViC", "ESCAT"] = "CIViC"
    level: str
    direction: Literal["supports", "does_not_support"]
    significance: Literal["resistance", "sensitivity", "prognostic", "mechanism"]
    drugs: tuple[str, ...] = ()
    alterations: tuple[str, ...] = ()
    summary: Annotated[str, Field(min_length=10)]
    result: str | None = None
    checked: Literal["abstract", "full text", "title", "not checked"]
    source: Literal["curated", "civic"] = "curated"
    civic_id: int | None = None
    statement: str | None = None
    disease: str | None = None
    #: The CIViC release the item was read from (civic items only).
    release: str | None = None

    def __post_init__(self) -> None:
        allowed = CIVIC_LEVELS if self.scale == "CIViC" else ESCAT_LEVELS
        if self.level not in allowed:
            raise ValueError(
                f"level {self.level!r} is not on the {self.scale} scale; accepted: "
                f"{', '.join(allowed)}"
            )

    @property
    def rank(self) -> int:
        """Strength of the evidence, 0 strongest (see ``LEVEL_RANK``)."""
        return LEVEL_RANK[(self.scale, self.level)]


@dataclass(frozen=True, slots=True, kw_only=True)
class Detection:
    """How a mechanism is detected in a tumour."""
    __pydantic_config__ = _CONFIG

    method: Literal["mutation", "copy_number", "ihc", "expression", "other"]
    description: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Strategy:
    """A way to overcome a mechanism: a combination, a sequence, or a nodal target."""
    __pydantic_config__ = _CONFIG

    kind: Literal["combination", "sequencing", "nodal_target"]
    regimen: str
    description: str
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Mechanism:
    """A mechanism of resistance: what it resists, how it maps to the model, its evidence.

    ``resistant_to`` and ``active`` hold regimens from the literature: drug or class ids
    joined by " + " ("trastuzumab", "trastuzumab + lapatinib").  ``alterations`` are
    vocabulary ids; ``context`` are vocabulary ids for conditions the mechanism needs (immune
    effector cells for Fc-receptor genotypes).  An *intrinsic* mechanism (adaptive feedback of
    the untreated cell) needs no alteration.  A mechanism that the model cannot represent has no
    alterations and says why in ``model_gap``.
    """
    __pydantic_config__ = _CONFIG

    id: Annotated[str, Field(pattern=_ID)]
    name: str
    category: Literal[
        "target_not_reachable", "target_mutated", "compensating_receptor",
        "downstream_activation", "cell_cycle", "apoptosis", "immune", "adc_specific",
    ]
    description: str
    genes: Annotated[tuple[str, ...], Field(min_length=1)]
    resistant_to: Annotated[tuple[str, ...], Field(min_length=1)]
    active: tuple[str, ...] = ()
    alterations: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    model_gap: str | None = None
    intrinsic: bool = False
    detection: Annotated[tuple[Detection, ...], Field(min_length=1)]
    strategies: tuple[Strategy, ...] = ()
    evidence: Annotated[tuple[str, ...], Field(min_length=1)]
    conflict: str | None = None

    def __post_init__(self) -> None:
        if not self.alterations and not (self.model_gap or self.intrinsic):
            raise ValueError(
                "a mechanism needs alterations, intrinsic: true, or a model_gap saying why none"
            )
        overlap = set(self.resistant_to) & set(self.active)
        if overlap:
            raise ValueError(f"{sorted(overlap)} listed both in resistant_to and in active")
