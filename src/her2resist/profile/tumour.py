"""The tumour profile: HER2, ER and PR status, model alterations, and where each came from.

A :class:`TumourProfile` is frozen data.  Readers build partial profiles (a MAF gives
alterations, a clinical file gives receptor status) and :func:`merge_profiles` joins them by
sample.  :meth:`TumourProfile.perturbation` is the model perturbation the tumour implies.

Examples
--------
>>> p = TumourProfile.from_alterations("T1", ["PIK3CA H1047R", "PTEN loss"])
>>> p.alteration_ids()
('PIK3CA_mut', 'PTEN_loss')
>>> p.perturbation()
{'PIK3CA_mut': 1, 'PTEN_loss': 1}
>>> TumourProfile("T2", her2=Her2Status(ihc=1)).perturbation()
{'ERBB2_amp': 0}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from her2resist.knowledge.catalogue import Catalogue, load_catalogue
from her2resist.knowledge.perturbation import Perturbation, build_perturbation

if TYPE_CHECKING:
    from her2resist.knowledge.schema import Alteration

Her2Call = Literal["positive", "negative", "equivocal", "unknown"]
ReceptorCall = Literal["positive", "low", "negative", "unknown"]

#: ISH thresholds of the ASCO/CAP 2018 guideline (HER2/CEP17 ratio; mean HER2 signals per cell).
ISH_RATIO_AMPLIFIED = 2.0
ISH_COPY_NUMBER_AMPLIFIED = 6.0
#: The alteration an ER-positive tumour carries in the model: the tumour state "ER positive"
#: (ER signalling at the level of an ER-positive tumour), not ER overexpression (``ESR1_high``),
#: the resistance mechanism a tumour may acquire on top of it.
ER_ALTERATION = "ER_positive"
#: The alteration that contradicts a HER2-positive status in the same sample.
HER2_LOSS = "ERBB2_loss"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a piece of the profile came from: file, line, column and the original text.

    Examples
    --------
    >>> Source("tumour.maf", 12, "HGVSp_Short", "p.H1047R").describe()
    'tumour.maf, line 12, column HGVSp_Short: p.H1047R'
    """

    file: str
    line: int | None = None
    column: str | None = None
    text: str = ""

    def describe(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column {self.column}")
        return ", ".join(where) + (f": {self.text}" if self.text else "")

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "column": self.column, "text": self.text}


@dataclass(frozen=True, slots=True)
class ProfileAlteration:
    """A model alteration the tumour carries, with every observation that supports it.

    Examples
    --------
    >>> profile = TumourProfile.from_alterations("T1", ["PTEN loss"])
    >>> alteration = profile.alterations[0]
    >>> alteration.id, alteration.set
    ('PTEN_loss', {'PTEN_loss': 1})
    """

    id: str
    gene: str
    name: str
    set: Mapping[str, int]
    sources: tuple[Source, ...] = ()
    #: The full alteration this is a reduced-level reading of (the catalogue's partial_of).
    partial_of: str | None = None

    @classmethod
    def of(cls, alt: Alteration, sources: tuple[Source, ...]) -> ProfileAlteration:
        """The catalogue's alteration ``alt``, found in ``sources``."""
        return cls(alt.id, alt.gene, alt.name, dict(alt.set), sources, alt.partial_of)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id, "gene": self.gene, "name": self.name, "set": dict(self.set),
            "sources": [s.to_dict() for s in self.sources],
        }


@dataclass(frozen=True, slots=True)
class UnmappedVariant:
    """An observed variant that no rule of the knowledge base maps to a model alteration.

    Examples
    --------
    >>> from her2resist.profile import read_profile
    >>> (variant,) = read_profile("examples/profiles/her2_pik3ca.yaml")["HER2-PIK3CA-01"].unmapped
    >>> variant.gene, variant.change
    ('TP53', 'p.R248Q')
    """

    gene: str
    change: str
    kind: str
    reason: str
    source: Source

    def to_dict(self) -> dict[str, object]:
        return {
            "gene": self.gene, "change": self.change, "kind": self.kind, "reason": self.reason,
            "source": self.source.to_dict(),
        }


_HER2_FIELDS = ("ihc", "ish_ratio", "copy_number", "ish_amplified", "amplified", "reported")


@dataclass(frozen=True, slots=True)
class Her2Status:
    """HER2 test results; :attr:`call` combines them as the ASCO/CAP 2018 guideline does.

    ``ihc`` is the IHC score 0-3, ``ish_ratio`` the HER2/CEP17 ratio, ``copy_number`` the mean
    HER2 copies per cell (or gene-level copy number), ``ish_amplified`` a reported ISH result,
    ``amplified`` an amplification flag (e.g. cBioPortal discrete CNA 2), ``reported`` a
    reported overall status.

    Examples
    --------
    >>> Her2Status(ihc=2, ish_ratio=2.4).call, Her2Status(ihc=2).call, Her2Status(ihc=1).call
    ('positive', 'equivocal', 'negative')
    """

    ihc: int | None = None
    ish_ratio: float | None = None
    copy_number: float | None = None
    ish_amplified: bool | None = None
    amplified: bool | None = None
    reported: Literal["positive", "negative", "equivocal"] | None = None
    sources: tuple[Source, ...] = ()

    def ish_positive(self) -> bool | None:
        """ISH result: ratio >= 2.0 or >= 6 copies is positive; None when no ISH was given."""
        if self.ish_amplified is not None:
            return self.ish_amplified
        if self.ish_ratio is None and self.copy_number is None:
            return None
        return (self.ish_ratio or 0.0) >= ISH_RATIO_AMPLIFIED or (
            self.copy_number or 0.0
        ) >= ISH_COPY_NUMBER_AMPLIFIED

    @property
    def call(self) -> Her2Call:
        """'positive', 'negative', 'equivocal' (IHC 2+ without ISH) or 'unknown'."""
        ish = self.ish_positive()
        if self.amplified or self.ihc == 3 or ish or self.reported == "positive":
            return "positive"
        if self.ihc == 2 and ish is None and self.reported in (None, "equivocal"):
            return "equivocal"
        if self.reported == "equivocal":
            return "equivocal"
        if self.ihc in (0, 1, 2) or ish is False or self.amplified is False or self.reported:
            return "negative"
        return "unknown"

    def merged(self, other: Her2Status) -> Her2Status:
        """Fields of ``self`` filled in with those of ``other`` where ``self`` has none."""
        values = {
            name: getattr(self, name) if getattr(self, name) is not None else getattr(other, name)
            for name in _HER2_FIELDS
        }
        return Her2Status(**values, sources=self.sources + other.sources)

    def to_dict(self) -> dict[str, object]:
        return {
            "call": self.call, "ihc": self.ihc, "ish_ratio": self.ish_ratio,
            "copy_number": self.copy_number, "ish_amplified": self.ish_amplified,
            "amplified": self.amplified, "reported": self.reported,
            "sources": [s.to_dict() for s in self.sources],
        }


@dataclass(frozen=True, slots=True)
class ReceptorStatus:
    """ER or PR status: 'positive', 'low' (1-10 % of cells), 'negative' or 'unknown'.

    Examples
    --------
    >>> ReceptorStatus("low", 5.0).to_dict()["call"]
    'low'
    """

    call: ReceptorCall = "unknown"
    percent: float | None = None
    sources: tuple[Source, ...] = ()

    def merged(self, other: ReceptorStatus) -> ReceptorStatus:
        if self.call != "unknown":
            percent = self.percent if self.percent is not None else other.percent
            return replace(self, percent=percent)
        return ReceptorStatus(other.call, other.percent if other.percent is not None
                              else self.percent, self.sources + other.sources)

    def to_dict(self) -> dict[str, object]:
        return {"call": self.call, "percent": self.percent,
                "sources": [s.to_dict() for s in self.sources]}


@dataclass(frozen=True, slots=True)
class TumourProfile:
    """One tumour sample: receptor status, model alterations, unmapped variants, caveats.

    ``inputs`` says how each file was read (the scale a matrix was taken to be, which VCF
    sample is the tumour, what was filtered); the report keeps it in its provenance.

    Examples
    --------
    >>> profile = TumourProfile.from_alterations("T1", ["PTEN loss", "CCNE1 amplification"])
    >>> profile.alteration_ids(), profile.perturbation()["CCNE1_amp"]
    (('PTEN_loss', 'CCNE1_amp'), 1)
    """

    sample: str
    her2: Her2Status = field(default_factory=Her2Status)
    er: ReceptorStatus = field(default_factory=ReceptorStatus)
    pr: ReceptorStatus = field(default_factory=ReceptorStatus)
    alterations: tuple[ProfileAlteration, ...] = ()
    unmapped: tuple[UnmappedVariant, ...] = ()
    notes: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()

    @classmethod
    def from_alterations(
        cls, sample: str, alterations: Iterable[str], *, catalogue: Catalogue | None = None
    ) -> TumourProfile:
        """A profile from alteration names of the vocabulary ("PTEN loss", "PIK3CA E545K")."""
        cat = catalogue or load_catalogue()
        found = []
        for text in alterations:
            alt = cat.parse_alteration(text)
            found.append(ProfileAlteration.of(alt, (Source("<python>", text=str(text)),)))
        return cls(sample, alterations=merge_alterations(found))

    def model_alterations(self) -> tuple[ProfileAlteration, ...]:
        """The alterations, plus ``ER_positive`` when the tumour is ER-positive (>10 % cells).

        ER-low (1-10 %) and ER-negative tumours add nothing: the model's ER is then off.
        """
        if self.er.call != "positive" or any(a.id == ER_ALTERATION for a in self.alterations):
            return self.alterations
        alt = load_catalogue().alterations[ER_ALTERATION]
        sources = self.er.sources or (Source("<profile>", text="ER positive"),)
        return (*self.alterations, ProfileAlteration.of(alt, sources))

    def alteration_ids(self) -> tuple[str, ...]:
        """Ids of the model alterations, in the order they were first seen."""
        return tuple(a.id for a in self.model_alterations())

    def model_perturbation(self, catalogue: Catalogue | None = None, *, warn: bool = True
                           ) -> Perturbation:
        """The tumour's model perturbation, built by the one builder
        (:func:`~her2resist.knowledge.perturbation.build_perturbation`): the union of the
        alterations' ``set`` (conflicts warned, the activating value kept), and for a
        HER2-negative tumour the HER2-amplified context switched off (the model's default
        context is HER2-amplified)."""
        environment = {}
        if self.her2.call == "negative":
            environment = (catalogue or load_catalogue()).her2_negative
        return build_perturbation(self.model_alterations(), environment=environment,
                                  owner=self.sample, warn=warn)

    def perturbation(self) -> dict[str, int]:
        """The model perturbation ``{node: value}`` (see :meth:`model_perturbation`)."""
        return self.model_perturbation().as_dict()

    def caveats(self) -> tuple[str, ...]:
        """Notes from reading plus what the receptor status implies for the model."""
        extra = []
        call = self.her2.call
        if call == "negative":
            extra.append(f"sample {self.sample} is HER2-negative: the model is built for HER2+ "
                         "tumours; it was run with ERBB2_amp=0 and its predictions are unreliable")
        elif call in ("unknown", "equivocal"):
            extra.append(f"sample {self.sample}: HER2 status is {call}; the model assumes a "
                         "HER2-amplified tumour")
        if call == "positive" and any(a.id == HER2_LOSS for a in self.alterations):
            extra.append(f"sample {self.sample}: HER2 loss is reported together with a "
                         "HER2-positive status (contradictory unless the samples differ in "
                         "time, e.g. HER2 lost on therapy); both were used: check the sources")
        return self.notes + tuple(extra)

    def to_dict(self) -> dict[str, object]:
        return {
            "sample": self.sample, "her2": self.her2.to_dict(), "er": self.er.to_dict(),
            "pr": self.pr.to_dict(), "alterations": [a.to_dict() for a in self.model_alterations()],
            "unmapped_variants": [u.to_dict() for u in self.unmapped],
            "perturbation": self.perturbation(), "warnings": list(self.caveats()),
            "inputs": list(self.inputs),
        }


def merge_alterations(alterations: Iterable[ProfileAlteration]) -> tuple[ProfileAlteration, ...]:
    """One entry per alteration id, collecting the sources of repeated ones, first-seen order.

    A reduced-level reading (``partial_of``, such as PTEN_low from low mRNA) found with the
    full alteration it reads (PTEN_loss from a deep deletion) is folded into it: the full one
    stays, with the sources of both.

    Examples
    --------
    >>> profile = TumourProfile.from_alterations("T1", ["PTEN low", "PTEN loss"])
    >>> profile.alteration_ids(), len(profile.alterations[0].sources)
    (('PTEN_loss',), 2)
    """
    by_id: dict[str, ProfileAlteration] = {}
    for alt in alterations:
        seen = by_id.get(alt.id)
        by_id[alt.id] = alt if seen is None else replace(seen, sources=seen.sources + alt.sources)
    for alt in list(by_id.values()):
        full = by_id.get(alt.partial_of or "")
        if full is not None:
            by_id[full.id] = replace(full, sources=full.sources + alt.sources)
            del by_id[alt.id]
    return tuple(by_id.values())


def merge_two(a: TumourProfile, b: TumourProfile) -> TumourProfile:
    """Join two partial profiles of the same sample (``a`` wins where both give a value)."""
    return TumourProfile(
        sample=a.sample,
        her2=a.her2.merged(b.her2),
        er=a.er.merged(b.er),
        pr=a.pr.merged(b.pr),
        alterations=merge_alterations(a.alterations + b.alterations),
        unmapped=a.unmapped + b.unmapped,
        notes=tuple(dict.fromkeys(a.notes + b.notes)),
        inputs=tuple(dict.fromkeys(a.inputs + b.inputs)),
    )


def merge_profiles(*groups: Mapping[str, TumourProfile]) -> dict[str, TumourProfile]:
    """Join partial profiles by sample id, in the order samples are first seen.

    Examples
    --------
    >>> a = {"T1": TumourProfile("T1", her2=Her2Status(ihc=3))}
    >>> b = {"T1": TumourProfile.from_alterations("T1", ["PTEN loss"])}
    >>> merged = merge_profiles(a, b)["T1"]
    >>> merged.her2.call, merged.alteration_ids()
    ('positive', ('PTEN_loss',))
    """
    out: dict[str, TumourProfile] = {}
    for group in groups:
        for sample, profile in group.items():
            out[sample] = merge_two(out[sample], profile) if sample in out else profile
    return out
