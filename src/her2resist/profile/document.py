"""Read a tumour profile written by hand or by a pipeline: YAML or JSON (schema in
``docs/profiles.md``, example in ``examples/profiles/``).

One profile is a mapping; several are ``{samples: [profile, ...]}``.  Fields of a profile:

``sample`` (required), ``her2`` (a mapping ``ihc``, ``ish_ratio``, ``copy_number``, ``ish``,
``amplified``, ``status``; or one word: ``positive``, ``negative``, ``equivocal``, ``0``..``3+``),
``er`` and ``pr`` (``positive``, ``low``, ``negative``, ``unknown``, or ``{status, percent}``),
``alterations`` (names of the vocabulary: ``"PIK3CA H1047R"``, ``"PTEN loss"``, or
``{name, note}``), ``mutations`` (``{gene, protein_change, classification}``), ``copy_number``
(``{gene, call: amplification|deletion}``), ``expression`` (``{gene, z}``).

Errors name the file, the line and column of the value at fault, and what is accepted.

Examples
--------
>>> import tempfile, os
>>> text = "sample: T1\\nher2: {ihc: 3+}\\ner: low\\nalterations: [PIK3CA H1047R]\\n"
>>> with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as fh:
...     _ = fh.write(text)
>>> p = read_profile(fh.name)["T1"]
>>> p.her2.call, p.er.call, p.alteration_ids()
('positive', 'low', ('PIK3CA_mut',))
>>> os.unlink(fh.name)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from her2resist.common.documents import parse_document
from her2resist.exceptions import ProfileError, UnknownNameError
from her2resist.knowledge.catalogue import Catalogue, load_catalogue
from her2resist.profile._table import read_text
from her2resist.profile.mapping import Mapped, map_copy_number, map_expression, map_mutation
from her2resist.profile.tumour import (
    Her2Status,
    ProfileAlteration,
    ReceptorStatus,
    Source,
    TumourProfile,
    UnmappedVariant,
    merge_alterations,
)

_Text = Field(min_length=1, max_length=200)
_IHC = {"0": 0, "0+": 0, "1+": 1, "1": 1, "2+": 2, "2": 2, "3+": 3, "3": 3}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Her2In(_Strict):
    ihc: Literal["0", "0+", "1", "1+", "2", "2+", "3", "3+"] | None = None
    ish_ratio: float | None = Field(default=None, ge=0, le=100)
    copy_number: float | None = Field(default=None, ge=0, le=1000)
    ish: Literal["positive", "negative", "equivocal"] | None = None
    amplified: bool | None = None
    status: Literal["positive", "negative", "equivocal"] | None = None

    @field_validator("ihc", mode="before")
    @classmethod
    def _ihc_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ReceptorIn(_Strict):
    status: Literal["positive", "low", "negative", "unknown"] = "unknown"
    percent: float | None = Field(default=None, ge=0, le=100)


class AlterationIn(_Strict):
    name: str = _Text
    note: str = Field(default="", max_length=2000)


class MutationIn(_Strict):
    gene: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-@/]*$")
    protein_change: str = Field(default="", max_length=500)
    classification: str = Field(default="", max_length=200)


class CopyNumberIn(_Strict):
    gene: str = Field(min_length=1, max_length=60)
    call: Literal["amplification", "deletion"]


class ExpressionIn(_Strict):
    gene: str = Field(min_length=1, max_length=60)
    z: float = Field(ge=-1000, le=1000)


class ProfileIn(_Strict):
    """The schema of one profile in a YAML or JSON profile file."""

    sample: str = _Text
    her2: Her2In | Literal["positive", "negative", "equivocal", "0", "0+", "1", "1+", "2",
                           "2+", "3", "3+"] | None = None
    er: ReceptorIn | Literal["positive", "low", "negative", "unknown"] | None = None
    pr: ReceptorIn | Literal["positive", "low", "negative", "unknown"] | None = None
    alterations: list[str | AlterationIn] = Field(default_factory=list, max_length=10_000)
    mutations: list[MutationIn] = Field(default_factory=list, max_length=1_000_000)
    copy_number: list[CopyNumberIn] = Field(default_factory=list, max_length=100_000)
    expression: list[ExpressionIn] = Field(default_factory=list, max_length=100_000)
    expression_threshold: float = Field(default=2.0, gt=0, le=100)


def _parse(path: str, text: str) -> tuple[Any, yaml.Node | None]:
    """The data and the node tree that knows every position (the shared safe loader)."""
    doc = parse_document(text, path, error=ProfileError, as_json=path.lower().endswith(".json"))
    return doc.data, doc.root


def _locate(node: yaml.Node | None, loc: tuple[Any, ...]) -> tuple[int | None, int | None]:
    """Line and column (from 1) of the value at ``loc`` in the node tree, or the nearest."""
    if node is None:
        return None, None
    for key in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and \
                0 <= key < len(node.value):
            child = node.value[key]
        if child is None:
            break
        node = child
    return node.start_mark.line + 1, node.start_mark.column + 1


#: What each top-level field accepts, for error messages.
ACCEPTED = {
    "sample": "a sample id (1-200 characters)",
    "her2": "a mapping with ihc (0, 1+, 2+, 3+), ish_ratio, copy_number, ish, amplified, status; "
            "or one of positive, negative, equivocal, 0, 1+, 2+, 3+",
    "er": "positive, low, negative, unknown, or a mapping with status and percent (0-100)",
    "pr": "positive, low, negative, unknown, or a mapping with status and percent (0-100)",
    "alterations": "a list of alteration names such as 'PIK3CA H1047R' or {name, note}",
    "mutations": "a list of {gene, protein_change, classification}",
    "copy_number": "a list of {gene, call: amplification or deletion}",
    "expression": "a list of {gene, z}",
    "expression_threshold": "a positive number",
}


#: Names pydantic puts in an error's location for the members of a union (not fields).
_UNION_TAGS = frozenset({"Her2In", "ReceptorIn", "AlterationIn", "str", "float", "int", "bool"})


def _validate(path: str, raw: Any, node: yaml.Node | None, prefix: tuple[Any, ...]) -> ProfileIn:
    if not isinstance(raw, dict):
        line, column = _locate(node, prefix)
        raise ProfileError(path, "a profile must be a mapping with at least 'sample'",
                           line=line, column=column)
    try:
        return ProfileIn.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if p not in _UNION_TAGS and "[" not in str(p))
        line, column = _locate(node, prefix + loc)
        top = str(loc[0]) if loc else ""
        hint = ACCEPTED.get(top, f"known fields: {', '.join(ACCEPTED)}")
        shown = repr(err.get("input"))
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        raise ProfileError(path, f"{err['msg']} (got {shown}); accepted: {hint}", line=line,
                           column=column, field=".".join(str(p) for p in loc) or None) from None


def _her2(value: Her2In | str | None, source: Source) -> Her2Status:
    if value is None:
        return Her2Status()
    if isinstance(value, str):
        if value in _IHC:
            return Her2Status(ihc=_IHC[value], sources=(source,))
        return Her2Status(reported=value, sources=(source,))  # type: ignore[arg-type]
    return Her2Status(
        ihc=_IHC[value.ihc] if value.ihc else None, ish_ratio=value.ish_ratio,
        copy_number=value.copy_number,
        ish_amplified=None if value.ish in (None, "equivocal") else value.ish == "positive",
        amplified=value.amplified, reported=value.status, sources=(source,),
    )


def _receptor(value: ReceptorIn | str | None, source: Source) -> ReceptorStatus:
    if value is None:
        return ReceptorStatus()
    if isinstance(value, str):
        return ReceptorStatus(value, sources=(source,))  # type: ignore[arg-type]
    call, pct = value.status, value.percent
    if call == "unknown" and pct is not None:
        call = "negative" if pct < 1 else "low" if pct <= 10 else "positive"
    return ReceptorStatus(call, pct, (source,))


def _alterations(path: str, record: ProfileIn, node: yaml.Node | None, prefix: tuple[Any, ...],
                 cat: Catalogue) -> list[Mapped]:
    found: list[Mapped] = []
    for index, item in enumerate(record.alterations):
        name = item if isinstance(item, str) else item.name
        line, column = _locate(node, (*prefix, "alterations", index))
        try:
            alt = cat.parse_alteration(name)
        except UnknownNameError as exc:
            raise ProfileError(path, str(exc), line=line, column=column,
                               field=f"alterations.{index}") from None
        note = "" if isinstance(item, str) else item.note
        text = name + (f" ({note})" if note else "")
        found.append(ProfileAlteration.of(alt, (Source(path, line, "alterations", text),)))
    return found


def _observations(path: str, record: ProfileIn, node: yaml.Node | None,
                  prefix: tuple[Any, ...], cat: Catalogue) -> tuple[list[Mapped], bool]:
    """Mapped mutations, copy-number and expression calls; whether ERBB2 is amplified."""
    out: list[Mapped] = []
    erbb2_amp = False
    for index, m in enumerate(record.mutations):
        line, _ = _locate(node, (*prefix, "mutations", index))
        src = Source(path, line, "mutations")
        out.append(map_mutation(m.gene, m.protein_change, m.classification, src, catalogue=cat))
    for index, c in enumerate(record.copy_number):
        line, _ = _locate(node, (*prefix, "copy_number", index))
        if c.gene.upper() == "ERBB2" and c.call == "amplification":
            erbb2_amp = True
            continue
        out.append(map_copy_number(c.gene, c.call, Source(path, line, "copy_number"),
                                   catalogue=cat))
    for index, e in enumerate(record.expression):
        if abs(e.z) >= record.expression_threshold:
            line, _ = _locate(node, (*prefix, "expression", index))
            src = Source(path, line, "expression", f"{e.gene} z={e.z:g}")
            out.append(map_expression(e.gene, "high" if e.z > 0 else "low", src, catalogue=cat))
    return out, erbb2_amp


def _to_profile(path: str, record: ProfileIn, node: yaml.Node | None, prefix: tuple[Any, ...],
                cat: Catalogue) -> TumourProfile:
    def source(field: str) -> Source:
        line, _ = _locate(node, (*prefix, field))
        return Source(path, line, field, f"{field} in {Path(path).name}")

    found = _alterations(path, record, node, prefix, cat)
    observed, erbb2_amp = _observations(path, record, node, prefix, cat)
    her2 = _her2(record.her2, source("her2"))
    if erbb2_amp:
        her2 = her2.merged(Her2Status(amplified=True, sources=(source("copy_number"),)))
    results = found + observed
    return TumourProfile(
        record.sample, her2=her2, er=_receptor(record.er, source("er")),
        pr=_receptor(record.pr, source("pr")),
        alterations=merge_alterations(r for r in results if isinstance(r, ProfileAlteration)),
        unmapped=tuple(r for r in results if isinstance(r, UnmappedVariant)),
    )


def read_profile(
    path: str | Path, *, sample: str | None = None, catalogue: Catalogue | None = None
) -> dict[str, TumourProfile]:
    """Read a YAML or JSON profile file (one profile, or ``samples: [...]``).

    Parameters
    ----------
    path
        The file; ``.json`` is read as JSON, anything else as YAML.
    sample
        Keep only this sample.
    catalogue
        The knowledge base that names the alterations and maps the variants.

    Returns
    -------
    dict
        Sample id to :class:`TumourProfile`.

    Examples
    --------
    >>> profiles = read_profile("examples/profiles/her2_pik3ca.yaml")
    >>> profile = profiles["HER2-PIK3CA-01"]
    >>> profile.her2.call, profile.alteration_ids()
    ('positive', ('PIK3CA_mut',))
    """
    path = str(path)
    cat = catalogue or load_catalogue()
    data, node = _parse(path, read_text(path))
    items: list[tuple[Any, tuple[Any, ...]]]
    if isinstance(data, dict) and set(data) == {"samples"} and isinstance(data["samples"], list):
        items = [(raw, ("samples", i)) for i, raw in enumerate(data["samples"])]
    else:
        items = [(data, ())]
    out: dict[str, TumourProfile] = {}
    for raw, prefix in items:
        record = _validate(path, raw, node, prefix)
        if record.sample in out:
            line, column = _locate(node, (*prefix, "sample"))
            raise ProfileError(path, f"sample {record.sample!r} appears twice", line=line,
                               column=column, field="sample")
        if sample is None or record.sample == sample:
            out[record.sample] = _to_profile(path, record, node, prefix, cat)
    return out
