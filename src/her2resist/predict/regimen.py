"""Regimens and alterations as text: parsing into model perturbations.

A regimen is drug or class names joined by ``+`` ("trastuzumab + PI3K inhibitor",
"Kadcyla", "T-DM1 + tariquidar"); names are matched case-, space- and hyphen-insensitively
against generic names, brand names, synonyms and drug classes.  An unknown name is an error
that lists the closest known names.

Examples
--------
>>> parse_regimen("Herceptin + BEZ235").nodes
('trastuzumab', 'PI3Ki', 'mTORi')
>>> resolve_alterations(["PTEN loss", "PIK3CA p.H1047R"])[1].id
'PIK3CA_mut'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from her2resist.exceptions import UnknownNameError
from her2resist.knowledge.catalogue import Catalogue, load_catalogue
from her2resist.knowledge.perturbation import build_perturbation
from her2resist.knowledge.schema import Alteration

_NONE = {"", "none", "untreated", "control", "no treatment", "vehicle"}


@dataclass(frozen=True, slots=True)
class RegimenItem:
    """One component of a regimen: a drug or a drug class, and the drug nodes it sets."""

    text: str
    kind: str  # "drug" or "class"
    id: str
    name: str
    nodes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Regimen:
    """A parsed regimen.

    Examples
    --------
    >>> regimen = parse_regimen("Herceptin + PI3K inhibitor")
    >>> regimen.label, regimen.perturbation()
    ('trastuzumab + PI3K inhibitor', {'trastuzumab': 1, 'PI3Ki': 1})
    """

    text: str
    items: tuple[RegimenItem, ...]

    @property
    def nodes(self) -> tuple[str, ...]:
        """The model drug nodes switched on, without repeats, in order."""
        return tuple(dict.fromkeys(n for item in self.items for n in item.nodes))

    @property
    def label(self) -> str:
        """Canonical name: the components' names joined by ' + ' (or 'untreated')."""
        return " + ".join(item.name for item in self.items) or "untreated"

    def perturbation(self) -> dict[str, int]:
        return {node: 1 for node in self.nodes}


def _parse_item(part: str, catalogue: Catalogue) -> RegimenItem:
    cls = catalogue.find_class(part)
    if cls is not None and catalogue.lookup_drug(part) is None:
        return RegimenItem(part, "class", cls.id, cls.name, cls.nodes)
    drug = catalogue.lookup_drug(part)
    if drug is None:
        raise UnknownNameError(
            "drug or drug class", part, catalogue.drug_names() + catalogue.class_names()
        )
    return RegimenItem(part, "drug", drug.id, drug.name, drug.nodes)


def parse_regimen(text: str, catalogue: Catalogue | None = None) -> Regimen:
    """Parse ``text`` ("A + B + ...") into a :class:`Regimen`.

    Examples
    --------
    >>> [(item.kind, item.id) for item in parse_regimen("Herceptin + PI3K inhibitor").items]
    [('drug', 'trastuzumab'), ('class', 'pi3k_inhibitor')]
    """
    catalogue = catalogue or load_catalogue()
    text = str(text)
    found = _PARSED.get((text, id(catalogue)))
    if found is not None and found[0] is catalogue:
        return found[1]
    regimen = _parse(text, catalogue)
    if len(text) > _LONGEST_KEPT:  # texts come from users (web service): bounded in size
        return regimen
    if len(_PARSED) >= 4096:  # and in number
        _PARSED.clear()
    _PARSED[text, id(catalogue)] = (catalogue, regimen)
    return regimen


#: The longest regimen text kept parsed (a regimen of real drugs is far shorter; a text
#: padded with spaces or repeating drugs is parsed again rather than held).
_LONGEST_KEPT = 1000


#: Regimens already parsed, by text and catalogue (held, so that its id is not reused).
_PARSED: dict[tuple[str, int], tuple[Catalogue, Regimen]] = {}


def _parse(text: str, catalogue: Catalogue) -> Regimen:
    text = text.strip()
    if text.lower() in _NONE:
        return Regimen(text="untreated", items=())
    parts = [p.strip() for p in re.split(r"\s*\+\s*", text)]
    if any(not p for p in parts):
        raise UnknownNameError("drug or drug class", text, catalogue.drug_names())
    return Regimen(text=text, items=tuple(_parse_item(p, catalogue) for p in parts))


def resolve_alterations(
    items: Iterable[str | Alteration], catalogue: Catalogue | None = None
) -> tuple[Alteration, ...]:
    """Alterations from vocabulary strings ("PTEN loss"), ids ("PTEN_loss") or records.

    Repeats are dropped; ``;``-separated strings are split. A reduced-level reading given
    with the full alteration it reads (``partial_of``: "PTEN low" with "PTEN loss") is dropped,
    as a tumour profile folds it.

    Examples
    --------
    >>> [a.id for a in resolve_alterations(["PTEN loss", "PIK3CA p.His1047Arg"])]
    ['PTEN_loss', 'PIK3CA_mut']
    >>> [a.id for a in resolve_alterations(["PTEN low expression", "PTEN loss"])]
    ['PTEN_loss']
    """
    catalogue = catalogue or load_catalogue()
    found: dict[str, Alteration] = {}
    for item in items:
        if isinstance(item, Alteration):
            found.setdefault(item.id, item)
            continue
        for part in str(item).split(";"):
            part = part.strip()
            if not part:
                continue
            alt = catalogue.alterations.get(part) or catalogue.parse_alteration(part)
            found.setdefault(alt.id, alt)
    return tuple(alt for alt in found.values()
                 if getattr(alt, "partial_of", None) not in found)


def alteration_perturbation(alterations: Iterable[Alteration]) -> dict[str, int]:
    """The model perturbation of a set of alterations
    (:func:`~her2resist.knowledge.perturbation.build_perturbation`, conflicts warned).

    Examples
    --------
    >>> from her2resist.predict import resolve_alterations
    >>> alteration_perturbation(resolve_alterations(["PTEN loss", "CCNE1 amplification"]))
    {'PTEN_loss': 1, 'CCNE1_amp': 1}
    """
    return build_perturbation(alterations).as_dict()
