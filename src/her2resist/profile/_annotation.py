"""The protein change of a VCF record from its Ensembl VEP ``CSQ`` or SnpEff ``ANN`` field.

The annotation's field names come from the header once per file; each record's entries are
then split by position (a whole-exome VCF has millions of records, each with several
transcript entries of ~40 fields: no per-entry dicts).

Which entry: for ``CSQ``, of the entries for the record's ALT allele, the one flagged
``PICK``, else ``CANONICAL``, else the first with a gene symbol; for ``ANN`` its first entry
for the allele (SnpEff sorts them most severe first).

Examples
--------
>>> csq = Annotation("CSQ", ("Allele", "SYMBOL", "HGVSp", "Consequence", "PICK"))
>>> csq.choose("G|PIK3CA|ENSP1:p.His1047Arg|missense_variant|1", ("G",))
('PIK3CA', 'p.His1047Arg', 'missense_variant')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ANN_FIELDS = ("Allele", "Annotation", "Annotation_Impact", "Gene_Name", "Gene_ID",
              "Feature_Type", "Feature_ID", "Transcript_BioType", "Rank", "HGVS.c", "HGVS.p")


@dataclass(frozen=True, slots=True)
class Annotation:
    """An annotation field (``CSQ`` or ``ANN``) and the positions of the fields used."""

    key: str
    names: tuple[str, ...]
    _at: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        at: dict[str, int] = {}
        for index, name in enumerate(self.names):
            at.setdefault(name, index)
        object.__setattr__(self, "_at", at)

    def _get(self, fields: list[str], name: str, default: str = "") -> str:
        index = self._at.get(name)
        return fields[index].strip() if index is not None and index < len(fields) else default

    def choose(self, raw: str, alleles: tuple[str, ...]) -> tuple[str, str, str] | None:
        """(gene, protein change, consequence) of the entry for ``alleles``, or None."""
        entries = [e.split("|") for e in raw.split(",")]
        first = alleles[0]
        chosen = [e for e in entries if self._get(e, "Allele", first) in (*alleles, "")]
        if not chosen and len({self._get(e, "Allele", first) for e in entries}) <= 1:
            chosen = entries
        if not chosen:
            return None
        if self.key == "CSQ":
            for flag, value in (("PICK", "1"), ("CANONICAL", "YES")):
                for entry in chosen:
                    if self._get(entry, flag) == value and self._get(entry, "SYMBOL"):
                        return self._protein_change(entry)
            chosen = [e for e in chosen if self._get(e, "SYMBOL")] or chosen
        return self._protein_change(chosen[0])

    def _protein_change(self, entry: list[str]) -> tuple[str, str, str]:
        if self.key == "ANN":
            return (self._get(entry, "Gene_Name"), self._get(entry, "HGVS.p"),
                    self._get(entry, "Annotation"))
        change = self._get(entry, "HGVSp").split(":")[-1].replace("%3D", "=")
        amino = self._get(entry, "Amino_acids")
        if not change and amino.count("/") == 1:
            ref, alt = amino.split("/")
            change = f"{ref}{self._get(entry, 'Protein_position').split('-')[0]}{alt}"
        return self._get(entry, "SYMBOL"), change, self._get(entry, "Consequence")


def annotation_format(vcf: Any) -> Annotation | None:
    """The file's annotation from its header (``CSQ`` before ``ANN``), None without one."""
    for key in ("CSQ", "ANN"):
        try:
            info = vcf.get_header_type(key)
        except KeyError:
            continue
        description = str(info.get("Description", ""))
        if key == "ANN":
            return Annotation(key, ANN_FIELDS)
        match = re.search(r"Format:\s*([^\"']+)", description)
        if match:
            return Annotation(key, tuple(f.strip() for f in match.group(1).split("|")))
    return None


def vep_allele(ref: str, alts: list[str], alt: str) -> str:
    """The ``Allele`` VEP writes for ``alt``: without the first base when every allele shares
    it (indels), '-' when nothing is left.

    Examples
    --------
    >>> vep_allele("A", ["G"], "G"), vep_allele("AT", ["A"], "A"), vep_allele("A", ["AT"], "AT")
    ('G', '-', 'T')
    """
    if all(a[:1] == ref[:1] for a in alts) and any(len(a) != len(ref) for a in alts):
        return alt[1:] or "-"
    return alt
