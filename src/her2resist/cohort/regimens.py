"""Regimens as clinical files write them: FEC-T, EC-T, AC-T, T-FEC, TC, TCH, TCHP, "+ H".

A written regimen is split into parts at ``+``, ``,``, ``;``, ``/``, `` and ``, ``then``,
``followed by`` and arrows. A part is a drug or class name of the knowledge base's catalogue
("trastuzumab", "Herceptin", "taxane"), a known backbone drug the model may not hold yet
("epirubicin", "5-FU"), or a block of one-letter abbreviations joined by hyphens ("FEC-T").

Letters of an abbreviation block, and the documented defaults for the ambiguous ones:

======  =====================================================================================
letter  drug
======  =====================================================================================
A       doxorubicin (Adriamycin)
E       epirubicin
F       fluorouracil (5-FU)
C       cyclophosphamide; **carboplatin in TCH and TCHP** (the BCIRG 006 and TRYPHAENA
        regimens), and carboplatin whenever carboplatin is named elsewhere in the value
T       **docetaxel** (default: TC, TCH, TCHP and the anthracycline sequences FEC-T, EC-T,
        AC-T, T-FEC are docetaxel regimens); paclitaxel when paclitaxel is named elsewhere
H       trastuzumab (Herceptin)
P       **pertuzumab** beside H (HP, THP, TCHP) or with trastuzumab named; **paclitaxel**
        after an anthracycline block (AC-P) or without trastuzumab
X       capecitabine (Xeloda)
Cb      carboplatin
======  =====================================================================================

Short forms of one drug: wP, Pw, Pac, PTX (paclitaxel), Doc, DTX (docetaxel).

Every default that was applied is reported with the regimen (:attr:`WrittenRegimen.notes`),
so the output says how each written value was read. Drugs that the catalogue does not hold
(anthracyclines, 5-FU, cyclophosphamide and carboplatin until the model has chemotherapy
backbones) are listed as *not modelled*: the prediction uses the modelled drugs only, and the
output says which were left out. A drug added to the catalogue is used without a change here.

A value that cannot be read is an error listing every distinct unread value and a
``--regimen-map`` file that maps them (:func:`unparsed_error`).

Examples
--------
>>> r = read_written_regimen("FEC-T + Trastuzumab")
>>> sorted(r.modelled + r.not_modelled)
['cyclophosphamide', 'docetaxel', 'epirubicin', 'fluorouracil', 'trastuzumab']
>>> r.notes
('T read as docetaxel (default in TC/TCH/TCHP and anthracycline sequences)',)
>>> sorted(read_written_regimen("TCHP").modelled + read_written_regimen("TCHP").not_modelled)
['carboplatin', 'docetaxel', 'pertuzumab', 'trastuzumab']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from her2resist.exceptions import CohortError
from her2resist.knowledge.catalogue import Catalogue, load_catalogue, normalise_name

#: Backbone drugs that cohorts name and the catalogue may not hold, by their written names.
BACKBONE_NAMES = {
    "doxorubicin": ("doxorubicin", "adriamycin", "adriamicin", "hydroxydaunorubicin"),
    "epirubicin": ("epirubicin", "farmorubicin", "ellence", "pharmorubicin"),
    "fluorouracil": ("fluorouracil", "5-fluorouracil", "5fu", "5-fu", "5 fu"),
    "cyclophosphamide": ("cyclophosphamide", "cytoxan", "endoxan"),
    "carboplatin": ("carboplatin", "paraplatin", "carbo"),
    "cisplatin": ("cisplatin",),
    "gemcitabine": ("gemcitabine",),
    "methotrexate": ("methotrexate",),
}
_BACKBONE_INDEX = {normalise_name(w): name for name, words in BACKBONE_NAMES.items()
                   for w in words}
#: Written names of the taxanes that decide "T" and "P" when they are spelt out.
_TAXANE_WORDS = {"paclitaxel", "taxol", "nabpaclitaxel", "abraxane", "docetaxel", "taxotere"}
_SPLIT = re.compile(r"\s*(?:\+|,|;|/|&|\band\b|\bthen\b|\bfollowed by\b|->|→|>|\bx\s*\d+\b)\s*",
                    re.IGNORECASE)
_LETTERS = re.compile(r"^(?:Cb|[AEFCTHPX])+$")
_TOKEN = re.compile(r"Cb|[AEFCTHPX]")
_PLAIN_LETTERS = {"A": "doxorubicin", "E": "epirubicin", "F": "fluorouracil", "H": "trastuzumab",
                  "X": "capecitabine", "Cb": "carboplatin"}
_CARBOPLATIN_BLOCKS = {"TCH", "TCHP", "TCbH", "TCbHP"}
#: Written short forms of one drug ("wP": weekly paclitaxel).
_WORD_ABBREVIATIONS = {"wp": "paclitaxel", "pw": "paclitaxel", "pac": "paclitaxel",
                       "wpac": "paclitaxel", "doc": "docetaxel", "dtx": "docetaxel",
                       "ptx": "paclitaxel"}
_NONE = {"", "none", "untreated", "no treatment", "observation"}


@dataclass(frozen=True, slots=True)
class WrittenRegimen:
    """How one written regimen was read.

    Attributes
    ----------
    text
        The value as written.
    modelled
        Generic names of the drugs (or classes) the model holds, in order of first mention.
    not_modelled
        Drugs named that the catalogue does not hold: left out of the prediction.
    notes
        The documented defaults that were applied (one line each).

    Examples
    --------
    >>> regimen = read_written_regimen("TCH")
    >>> regimen.label, regimen.not_modelled
    ('docetaxel + carboplatin + trastuzumab', ())
    """

    text: str
    modelled: tuple[str, ...]
    not_modelled: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The regimen passed to the prediction: modelled drugs joined by ' + '."""
        return " + ".join(self.modelled) or "untreated"


class _Unread(Exception):
    """A part of a written regimen that is not a drug, a class or an abbreviation block."""


def _name_of(word: str, catalogue: Catalogue) -> tuple[str, bool] | None:
    """(generic name, modelled) of a spelt-out drug or class name, or None."""
    drug = catalogue.lookup_drug(word)
    if drug is not None:
        return drug.name, True
    cls = catalogue.find_class(word)
    if cls is not None:
        return cls.name, True
    backbone = _BACKBONE_INDEX.get(normalise_name(word))
    return (backbone, False) if backbone else None


def _letter(letter: str, piece: str, block: str, context: dict[str, bool],
            notes: list[str]) -> str:
    """The generic name of one letter of ``piece`` (a hyphen-free part of ``block``)."""
    if letter == "T":
        if context["paclitaxel"] and not context["docetaxel"]:
            notes.append("T read as paclitaxel (paclitaxel is named in the value)")
            return "paclitaxel"
        notes.append("T read as docetaxel (default in TC/TCH/TCHP and anthracycline sequences)")
        return "docetaxel"
    if letter == "C":
        if block.replace("-", "") in _CARBOPLATIN_BLOCKS or context["carboplatin"]:
            notes.append("C read as carboplatin (TCH/TCHP, or carboplatin named)")
            return "carboplatin"
        if "T" in piece:
            notes.append("C read as cyclophosphamide (TC without carboplatin named)")
        return "cyclophosphamide"
    if letter == "P":
        anthracycline_sequence = piece != block and bool(re.search("[AE]", block))
        if "H" in piece or (context["trastuzumab"] and not anthracycline_sequence):
            notes.append("P read as pertuzumab (with trastuzumab)")
            return "pertuzumab"
        notes.append("P read as paclitaxel (after an anthracycline, or without trastuzumab)")
        return "paclitaxel"
    return _PLAIN_LETTERS[letter]


def _expand_block(block: str, context: dict[str, bool], notes: list[str]) -> list[str]:
    """Generic names of the letters of an abbreviation block such as 'FEC-T' or 'TCHP'."""
    if block.lower() in _WORD_ABBREVIATIONS:
        return [_WORD_ABBREVIATIONS[block.lower()]]
    return [_letter(letter, piece, block, context, notes)
            for piece in block.split("-") for letter in _TOKEN.findall(piece)]


def _context(parts: list[str]) -> dict[str, bool]:
    words = {normalise_name(p) for p in parts}
    return {
        "paclitaxel": bool(words & {"paclitaxel", "taxol", "nabpaclitaxel", "abraxane"}),
        "docetaxel": bool(words & {"docetaxel", "taxotere"}),
        "carboplatin": bool(words & {"carboplatin", "paraplatin", "carbo"}),
        "trastuzumab": bool(words & {"trastuzumab", "herceptin", "h"}),
    }


def read_written_regimen(text: str, catalogue: Catalogue | None = None) -> WrittenRegimen:
    """Read a regimen as written in a clinical file (see the module docs for the forms).

    Raises
    ------
    CohortError
        When a part is neither a known name nor an abbreviation block.

    Examples
    --------
    >>> read_written_regimen("TH").label
    'docetaxel + trastuzumab'
    >>> read_written_regimen("AC-P + H").notes
    ('P read as paclitaxel (after an anthracycline, or without trastuzumab)',)
    """
    unread = _unread_parts(text, catalogue)
    if unread:
        raise CohortError("<regimen>", f"cannot read the regimen {text!r}: "
                          f"{', '.join(repr(u) for u in unread)} unknown")
    return _read(text, catalogue or load_catalogue())


def _unread_parts(text: str, catalogue: Catalogue | None) -> list[str]:
    cat = catalogue or load_catalogue()
    return [p for p in _parts(text, cat) if _name_of(p, cat) is None and not _is_block(p)]


def _parts(text: str, catalogue: Catalogue) -> list[str]:
    """Parts of the value; a hyphenated sequence of names ('EC-paclitaxel') is split."""
    cleaned = re.sub(r"\([^)]*\)", " ", str(text))  # "(weekly)", "(q3w)": schedule notes
    out: list[str] = []
    for part in (p.strip(" .") for p in _SPLIT.split(cleaned)):
        if not part:
            continue
        if "-" in part and _name_of(part, catalogue) is None and not _is_block(part):
            out.extend(p.strip() for p in part.split("-") if p.strip())
        else:
            out.append(part)
    return out


def _is_block(part: str) -> bool:
    compact = part.replace(" ", "")
    if compact.lower() in _WORD_ABBREVIATIONS:
        return True
    return all(_LETTERS.match(piece) for piece in compact.split("-") if piece) and bool(compact)


def _read(text: str, catalogue: Catalogue) -> WrittenRegimen:
    if normalise_name(text) in {normalise_name(n) for n in _NONE}:
        return WrittenRegimen(text, ())
    parts = _parts(text, catalogue)
    context = _context(parts)
    names: list[tuple[str, bool]] = []
    notes: list[str] = []
    for part in parts:
        found = _name_of(part, catalogue)
        if found is not None:
            names.append(found)
            continue
        for name in _expand_block(part.replace(" ", ""), context, notes):
            hit = _name_of(name, catalogue)
            names.append(hit if hit is not None else (name, False))
    modelled = tuple(dict.fromkeys(n for n, ok in names if ok))
    missing = tuple(dict.fromkeys(n for n, ok in names if not ok))
    return WrittenRegimen(text, modelled, missing, tuple(dict.fromkeys(notes)))


def read_regimen_map(path: str | Path) -> dict[str, str]:
    """A ``--regimen-map`` file: YAML mapping of written value to regimen text.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as fh:
    ...     _ = fh.write('"Herceptin based": trastuzumab + docetaxel\\n')
    >>> read_regimen_map(fh.name)
    {'Herceptin based': 'trastuzumab + docetaxel'}
    >>> os.unlink(fh.name)
    """
    from her2resist.common.documents import read_document

    doc = read_document(path, error=CohortError)
    data = doc.data
    if not isinstance(data, dict):
        raise CohortError(path, "expected a YAML mapping of written values to regimens, "
                          "e.g. 'Herceptin based: trastuzumab + docetaxel'", line=doc.line())
    for key, value in data.items():
        if not isinstance(value, str):
            raise CohortError(path, f"the value of {key!r} must be a regimen (drug names "
                              f"joined by ' + '), got {value!r}", line=doc.line((key,)),
                              field=str(key))
    return {str(k): v for k, v in data.items()}


def unparsed_error(values: Iterable[str], where: str) -> CohortError:
    """One error naming every distinct unread value, with a map file that would read them."""
    distinct = sorted(set(values))
    example = "\n".join(f'  "{v}": trastuzumab + docetaxel' for v in distinct[:5])
    return CohortError(
        where, f"{len(distinct)} regimen value(s) could not be read: "
        f"{'; '.join(repr(v) for v in distinct)}. Write a YAML file mapping each value to "
        "drug names joined by ' + ' and pass it with --regimen-map FILE, for example:\n"
        f"{example}",
    )


def read_regimens(values: Iterable[str], *, where: str = "<regimen column>",
                  mapping: Mapping[str, str] | None = None,
                  catalogue: Catalogue | None = None) -> dict[str, WrittenRegimen]:
    """Read every distinct written value (mapped first through ``mapping``).

    Raises
    ------
    CohortError
        Listing every value that could not be read, and how to map it.

    Examples
    --------
    >>> sorted(read_regimens(["TCH", "TCH", "EC-T + H"]))
    ['EC-T + H', 'TCH']
    """
    cat = catalogue or load_catalogue()
    mapping = mapping or {}
    out: dict[str, WrittenRegimen] = {}
    bad: list[str] = []
    for value in dict.fromkeys(values):
        text = mapping.get(value, value)
        if _unread_parts(text, cat):
            bad.append(value)
            continue
        out[value] = _read(text, cat)
    if bad:
        raise unparsed_error(bad, where)
    return out
