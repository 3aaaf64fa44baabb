"""Schemas of the knowledge-base records (pydantic: the data files are input to validate).

Records are frozen and reject unknown fields, so a misspelt key in a data file is an error
that names the file, the record, the field and the line (see :mod:`._yaml`).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_ID = r"^[A-Za-z][A-Za-z0-9_]*$"
PROTEIN_CHANGE = re.compile(
    r"^[A-Z*]\d+(?:[A-Z*]|_[A-Z]\d+del|del|ins[A-Z]+|fs)?$|^[A-Z]\d+_[A-Z]\d+(?:del|ins[A-Z]+)$"
)
#: A publication: PubMed id, DOI or PubMed Central id.
REF = r"^(PMID:[1-9]\d{0,8}|DOI:10\.\d{4,9}/\S+|PMCID:PMC\d+)$"

#: Evidence levels.  CIViC: A validated, B clinical, C case study, D preclinical, E inferential.
#: ESCAT (Mateo et al. 2018): I-A ... X.  ``LEVEL_RANK`` puts both on one strength scale
#: (0 strongest) so that tables can show the strongest evidence.
CIVIC_LEVELS = ("A", "B", "C", "D", "E")
ESCAT_LEVELS = ("I-A", "I-B", "I-C", "II-A", "II-B", "III-A", "III-B", "IV-A", "V", "X")
LEVEL_RANK = {
    ("CIViC", "A"): 0, ("CIViC", "B"): 1, ("CIViC", "C"): 3, ("CIViC", "D"): 4, ("CIViC", "E"): 5,
    ("ESCAT", "I-A"): 0, ("ESCAT", "I-B"): 0, ("ESCAT", "I-C"): 1, ("ESCAT", "II-A"): 1,
    ("ESCAT", "II-B"): 2, ("ESCAT", "III-A"): 2, ("ESCAT", "III-B"): 2, ("ESCAT", "IV-A"): 4,
    ("ESCAT", "V"): 5, ("ESCAT", "X"): 6,
}
MECHANISM_CATEGORIES = (
    "target_not_reachable", "target_mutated", "compensating_receptor", "downstream_activation",
    "cell_cycle", "apoptosis", "immune", "adc_specific",
)


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DrugClass(_Record):
    """A class of drugs a regimen may name instead of a drug ("PI3K inhibitor")."""

    id: str = Field(pattern=_ID)
    name: str
    synonyms: tuple[str, ...] = ()
    nodes: tuple[str, ...] = Field(min_length=1)
    #: Aimed at HER2 itself (a HER2 regimen's backbone, never a "partner" of one).
    her2_directed: bool = False


class Approval(_Record):
    """A regulatory approval in HER2-positive breast cancer."""

    agency: Literal["FDA", "EMA", "PMDA", "NMPA", "MHRA"]
    year: int = Field(ge=1990, le=2100)
    indication: str = ""


class Trial(_Record):
    """A pivotal trial and its headline result, in our words."""

    name: str
    nct: str | None = Field(default=None, pattern=r"^NCT\d{8}$")
    phase: str = ""
    setting: str
    result: str
    ref: str | None = Field(default=None, pattern=REF)
    checked: Literal["abstract", "full text", "not checked"] = "not checked"


class Drug(_Record):
    """A drug: its names, the model's drug node(s) it switches on, what it does."""

    id: str = Field(pattern=_ID)
    name: str
    brands: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    nodes: tuple[str, ...] = Field(min_length=1)
    targets: tuple[str, ...] = ()
    #: Drugs this one carries (an antibody-drug conjugate's antibody): never combined with it.
    includes: tuple[str, ...] = ()
    mode_of_action: str = ""
    approvals: tuple[Approval, ...] = ()
    trials: tuple[Trial, ...] = ()


class VariantRules(_Record):
    """Which observed variants count as an alteration."""

    protein_changes: tuple[str, ...] = ()
    truncating: bool = False
    copy_number: Literal["amplification", "deletion"] | None = None
    expression: Literal["high", "low"] | None = None
    ihc: tuple[Literal["0", "1+", "2+", "3+", "loss", "positive", "nuclear"], ...] = ()
    notes: str = ""

    @field_validator("protein_changes")
    @classmethod
    def _check_changes(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not PROTEIN_CHANGE.match(value):
                raise ValueError(
                    f"{value!r} is not a one-letter protein change such as H1047R or G12*"
                )
        return values


class Alteration(_Record):
    """One alteration of the vocabulary and the model perturbation it stands for."""

    id: str = Field(pattern=_ID)
    gene: str
    name: str
    set: dict[str, Literal[0, 1]] = Field(min_length=1)
    events: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    variants: VariantRules = VariantRules()
    #: The HER2-amplified context itself: a HER2-negative tumour sets its nodes to 0.
    her2_status: bool = False


class Evidence(_Record):
    """One piece of evidence: a publication and what it showed, on a documented scale."""

    id: str = Field(pattern=_ID)
    ref: str = Field(pattern=REF)
    citation: str
    kind: Literal["preclinical", "clinical", "trial_subgroup", "case_report", "meta_analysis"]
    scale: Literal["CIViC", "ESCAT"] = "CIViC"
    level: str
    direction: Literal["supports", "does_not_support"]
    significance: Literal["resistance", "sensitivity", "prognostic", "mechanism"]
    drugs: tuple[str, ...] = ()
    alterations: tuple[str, ...] = ()
    summary: str = Field(min_length=10)
    result: str | None = None
    checked: Literal["abstract", "full text", "title", "not checked"]
    source: Literal["curated", "civic"] = "curated"
    civic_id: int | None = None
    statement: str | None = None
    disease: str | None = None
    #: The CIViC release the item was read from (civic items only).
    release: str | None = None

    @model_validator(mode="after")
    def _check_level(self) -> Evidence:
        allowed = CIVIC_LEVELS if self.scale == "CIViC" else ESCAT_LEVELS
        if self.level not in allowed:
            raise ValueError(
                f"level {self.level!r} is not on the {self.scale} scale; accepted: "
                f"{', '.join(allowed)}"
            )
        return self

    @property
    def rank(self) -> int:
        """Strength of the evidence, 0 strongest (see ``LEVEL_RANK``)."""
        return LEVEL_RANK[(self.scale, self.level)]


class Detection(_Record):
    """How a mechanism is detected in a tumour."""

    method: Literal["mutation", "copy_number", "ihc", "expression", "other"]
    description: str


class Strategy(_Record):
    """A way to overcome a mechanism: a combination, a sequence, or a nodal target."""

    kind: Literal["combination", "sequencing", "nodal_target"]
    regimen: str
    description: str
    evidence: tuple[str, ...] = ()


class Mechanism(_Record):
    """A mechanism of resistance: what it resists, how it maps to the model, its evidence.

    ``resistant_to`` and ``active`` hold regimens from the literature: drug or class ids
    joined by " + " ("trastuzumab", "trastuzumab + lapatinib").  ``alterations`` are
    vocabulary ids; ``context`` are vocabulary ids for conditions the mechanism needs (immune
    effector cells for Fc-receptor genotypes).  An *intrinsic* mechanism (adaptive feedback of
    the untreated cell) needs no alteration.  A mechanism that the model cannot represent has no
    alterations and says why in ``model_gap``.
    """

    id: str = Field(pattern=_ID)
    name: str
    category: Literal[
        "target_not_reachable", "target_mutated", "compensating_receptor",
        "downstream_activation", "cell_cycle", "apoptosis", "immune", "adc_specific",
    ]
    description: str
    genes: tuple[str, ...] = Field(min_length=1)
    resistant_to: tuple[str, ...] = Field(min_length=1)
    active: tuple[str, ...] = ()
    alterations: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    model_gap: str | None = None
    intrinsic: bool = False
    detection: tuple[Detection, ...] = Field(min_length=1)
    strategies: tuple[Strategy, ...] = ()
    evidence: tuple[str, ...] = Field(min_length=1)
    conflict: str | None = None

    @model_validator(mode="after")
    def _check_mapping(self) -> Mechanism:
        if not self.alterations and not (self.model_gap or self.intrinsic):
            raise ValueError(
                "a mechanism needs alterations, intrinsic: true, or a model_gap saying why none"
            )
        overlap = set(self.resistant_to) & set(self.active)
        if overlap:
            raise ValueError(f"{sorted(overlap)} listed both in resistant_to and in active")
        return self
