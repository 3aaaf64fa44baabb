"""Schemas of the knowledge-base records: frozen dataclasses, validated by pydantic.

The records are plain frozen dataclasses, so the code that reads the knowledge base (every
prediction) never imports pydantic. The constraints are written in the annotations as
pydantic's ``Field`` and ``AfterValidator``; those names are resolved only when a data file is
validated (:func:`her2resist.knowledge._yaml.validate_records` imports pydantic and builds the
validators), and the checks across fields live in ``__post_init__``, which pydantic runs and
reports like any other error. Records reject unknown fields, so a misspelt key in a data file is
an error that names the file, the record, the field and the line (see :mod:`._yaml`).

Examples
--------
>>> rules = VariantRules(protein_changes=("H1047R",))
>>> record_dict(rules)["protein_changes"]
['H1047R']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, is_dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

if TYPE_CHECKING:  # resolved by pydantic when a file is validated (see the module docstring)
    from pydantic import AfterValidator, Field

_ID = r"^[A-Za-z][A-Za-z0-9_]*$"
#: A one-letter protein change (a pattern, compiled when a data file is first checked).
PROTEIN_CHANGE = (
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


#: pydantic's configuration of every record (read when a file is validated).
_CONFIG = {"extra": "forbid"}
#: The knowledge base's own records, defined in :mod:`her2resist.knowledge.kb_records` (made
#: when first asked for: code that reads only the catalogue, as a prediction does, does not
#: pay for them) and importable from here as well.
KB_RECORDS = ("Evidence", "Detection", "Strategy", "Mechanism")


def __getattr__(name: str) -> Any:
    if name in KB_RECORDS:
        from her2resist.knowledge import kb_records

        return getattr(kb_records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def record_dict(record: Any, *, exclude_none: bool = False) -> Any:
    """A record as JSON-ready data (tuples as lists), recursively; ``exclude_none`` drops
    fields whose value is None."""
    if is_dataclass(record) and not isinstance(record, type):
        return {f.name: record_dict(getattr(record, f.name), exclude_none=exclude_none)
                for f in fields(record)
                if not (exclude_none and getattr(record, f.name) is None)}
    if isinstance(record, (tuple, list)):
        return [record_dict(v, exclude_none=exclude_none) for v in record]
    if isinstance(record, dict):
        return {k: record_dict(v, exclude_none=exclude_none) for k, v in record.items()}
    return record


def _check_protein_changes(values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        if not re.match(PROTEIN_CHANGE, value):
            raise ValueError(
                f"{value!r} is not a one-letter protein change such as H1047R or G12*"
            )
    return values


@dataclass(frozen=True, slots=True, kw_only=True)
class DrugClass:
    """A class of drugs a regimen may name instead of a drug ("PI3K inhibitor")."""
    __pydantic_config__ = _CONFIG

    id: Annotated[str, Field(pattern=_ID)]
    name: str
    synonyms: tuple[str, ...] = ()
    nodes: Annotated[tuple[str, ...], Field(min_length=1)]
    #: Aimed at HER2 itself (a HER2 regimen's backbone, never a "partner" of one).
    her2_directed: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Approval:
    """A regulatory approval in HER2-positive breast cancer."""
    __pydantic_config__ = _CONFIG

    agency: Literal["FDA", "EMA", "PMDA", "NMPA", "MHRA"]
    year: Annotated[int, Field(ge=1990, le=2100)]
    indication: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Trial:
    """A pivotal trial and its headline result, in our words."""
    __pydantic_config__ = _CONFIG

    name: str
    nct: Annotated[str | None, Field(pattern=r"^NCT\d{8}$")] = None
    phase: str = ""
    setting: str
    result: str
    ref: Annotated[str | None, Field(pattern=REF)] = None
    checked: Literal["abstract", "full text", "not checked"] = "not checked"


@dataclass(frozen=True, slots=True, kw_only=True)
class Drug:
    """A drug: its names, the model's drug node(s) it switches on, what it does."""
    __pydantic_config__ = _CONFIG

    id: Annotated[str, Field(pattern=_ID)]
    name: str
    brands: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    nodes: Annotated[tuple[str, ...], Field(min_length=1)]
    targets: tuple[str, ...] = ()
    #: Drugs this one carries (an antibody-drug conjugate's antibody): never combined with it.
    includes: tuple[str, ...] = ()
    mode_of_action: str = ""
    approvals: tuple[Approval, ...] = ()
    trials: tuple[Trial, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class VariantRules:
    """Which observed variants count as an alteration."""
    __pydantic_config__ = _CONFIG

    protein_changes: Annotated[tuple[str, ...], AfterValidator(_check_protein_changes)] = ()
    truncating: bool = False
    copy_number: Literal["amplification", "deletion"] | None = None
    expression: Literal["high", "low"] | None = None
    ihc: tuple[Literal["0", "1+", "2+", "3+", "loss", "positive", "nuclear"], ...] = ()
    notes: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Alteration:
    """One alteration of the vocabulary and the model perturbation it stands for."""
    __pydantic_config__ = _CONFIG

    id: Annotated[str, Field(pattern=_ID)]
    gene: str
    name: str
    set: Annotated[dict[str, Literal[0, 1]], Field(min_length=1)]
    events: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    variants: VariantRules = VariantRules()
    #: The HER2-amplified context itself: a HER2-negative tumour sets its nodes to 0.
    her2_status: bool = False
    #: Alterations that cannot hold in the same tumour at once (by their definitions);
    #: a perturbation naming both reports the conflict.
    contradicts: tuple[str, ...] = ()
    #: The alteration this one is a reduced-level reading of (PTEN_low of PTEN_loss): a
    #: tumour profile that finds both keeps the full one, with the sources of both.
    partial_of: str | None = None
