"""Schemas of the knowledge-base records (pydantic: the data files are input to validate)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

_ID = r"^[A-Za-z][A-Za-z0-9_]*$"
PROTEIN_CHANGE = re.compile(r"^[A-Z*]\d+(?:[A-Z*]|_[A-Z]\d+del|del|ins[A-Z]+|fs)?$|^[A-Z]\d+_[A-Z]\d+del$")


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DrugClass(_Record):
    """A class of drugs a regimen may name instead of a drug ("PI3K inhibitor")."""

    id: str = Field(pattern=_ID)
    name: str
    synonyms: tuple[str, ...] = ()
    nodes: tuple[str, ...] = Field(min_length=1)


class Drug(_Record):
    """A drug: its names and the model's drug node(s) it switches on."""

    id: str = Field(pattern=_ID)
    name: str
    brands: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    nodes: tuple[str, ...] = Field(min_length=1)


class VariantRules(_Record):
    """Which observed variants count as an alteration."""

    protein_changes: tuple[str, ...] = ()
    truncating: bool = False
    copy_number: Literal["amplification", "deletion"] | None = None
    expression: Literal["high", "low"] | None = None

    @field_validator("protein_changes")
    @classmethod
    def _check_changes(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not PROTEIN_CHANGE.match(value):
                raise ValueError(f"{value!r} is not a one-letter protein change such as H1047R or G12*")
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
