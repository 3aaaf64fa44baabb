"""Import CIViC evidence items into the knowledge base's :class:`Evidence` form.

CIViC (CC0) is one anchor of evidence representation; its items keep their CIViC evidence id
(``CIVIC_EID241``), level (CIViC A-E), direction and clinical significance.  Drugs and variants
are mapped to the catalogue and the alteration vocabulary where they can be; CIViC's own
statement is kept verbatim in ``statement`` (CC0), the ``summary`` is built from the fields.

Examples
--------
>>> items = import_civic()
>>> item = next(e for e in items if e.civic_id == 241)
>>> item.id, item.level, item.drugs, item.alterations
('CIVIC_EID241', 'D', ('lapatinib',), ('ERBB2_kinase_mut',))
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError

from her2resist.exceptions import KnowledgeBaseError, UnknownNameError
from her2resist.knowledge.catalogue import Catalogue, data_dir, load_catalogue
from her2resist.knowledge.schema import Evidence

#: The CIViC release copied into the package (provenance in ``data/civic/PROVENANCE.md``).
CIVIC_FILE = Path("civic") / "civic_2017-02_her2_therapy_evidence.tsv"
COLUMNS = (
    "gene", "variant", "disease", "drugs", "evidence_type", "evidence_direction",
    "evidence_level", "clinical_significance", "evidence_id", "pubmed_id", "citation",
    "evidence_statement",
)
_KIND = {"A": "clinical", "B": "clinical", "C": "case_report", "D": "preclinical",
         "E": "preclinical"}
_SIGNIFICANCE = {"Resistance or Non-Response": "resistance", "Sensitivity": "sensitivity",
                 "N/A": "mechanism", "Poor Outcome": "prognostic",
                 "Better Outcome": "prognostic"}
_DIRECTION = {"Supports": "supports", "Does Not Support": "does_not_support"}
#: CIViC variants that need knowledge to map: FCGR3A F212V is the 158V/F polymorphism
#: (mature-protein numbering), whose F allele is the low-affinity genotype.
_VARIANT_MAP = {("FCGR3A", "F212V"): "FCGR_low", ("ERBB4", "NUCLEAR TRANSLOCATION"): "ERBB4_act",
                ("CDKN1B", "CYTOPLASMIC MISLOCALIZATION"): "CDKN1B_loss"}
_EVENT = {"LOSS": "loss", "DELETION": "loss", "AMPLIFICATION": "amplification",
          "EXPRESSION": "overexpression", "OVEREXPRESSION": "overexpression",
          "MUTATION": "mutation"}


def map_variant(gene: str, variant: str, catalogue: Catalogue) -> tuple[str, ...]:
    """The vocabulary alteration id(s) of a CIViC gene and variant, or ``()`` if none fits.

    Examples
    --------
    >>> map_variant("PIK3CA", "E545K", load_catalogue())
    ('PIK3CA_mut',)
    >>> map_variant("ERBB2", "V777L", load_catalogue())
    ()
    """
    if (gene, variant) in _VARIANT_MAP:
        return (_VARIANT_MAP[(gene, variant)],)
    event = _EVENT.get(variant.upper())
    if event is not None:
        try:
            return (catalogue.parse_alteration(f"{gene} {event}").id,)
        except UnknownNameError:
            return ()
    found = catalogue.match_protein_change(gene, variant)
    return (found.id,) if found is not None else ()


def map_drugs(names: str, catalogue: Catalogue) -> tuple[str, ...]:
    """Catalogue drug ids of CIViC's comma-separated drug names (unknown names are dropped).

    Examples
    --------
    >>> map_drugs("Trastuzumab Emtansine,XL147 (Pilaralisib)", load_catalogue())
    ('trastuzumab_emtansine',)
    """
    ids = []
    for name in names.split(","):
        name = name.split("(")[0].strip()
        try:
            ids.append(catalogue.find_drug(name).id)
        except UnknownNameError:
            continue
    return tuple(dict.fromkeys(ids))


def civic_row_to_evidence(row: Mapping[str, str], catalogue: Catalogue) -> Evidence:
    """One CIViC row as :class:`Evidence` (raises ``ValidationError`` or ``KeyError``)."""
    level = row["evidence_level"].strip()
    significance = _SIGNIFICANCE.get(row["clinical_significance"].strip(), "mechanism")
    direction = _DIRECTION[row["evidence_direction"].strip()]
    summary = (
        f"CIViC {row['evidence_type'].strip().lower()} evidence, {row['gene']} "
        f"{row['variant']} in {row['disease']} treated with {row['drugs']}: "
        f"{row['clinical_significance']} ({direction.replace('_', ' ')})."
    )
    return Evidence(
        id=f"CIVIC_EID{int(row['evidence_id'])}",
        ref=f"PMID:{int(row['pubmed_id'])}",
        citation=row["citation"].strip(),
        kind=_KIND[level],  # type: ignore[arg-type]
        scale="CIViC",
        level=level,
        direction=direction,  # type: ignore[arg-type]
        significance=significance,  # type: ignore[arg-type]
        drugs=map_drugs(row["drugs"], catalogue),
        alterations=map_variant(row["gene"].strip(), row["variant"].strip(), catalogue),
        summary=summary,
        checked="not checked",
        source="civic",
        civic_id=int(row["evidence_id"]),
        statement=row["evidence_statement"].strip() or None,
        disease=row["disease"].strip(),
    )


def import_civic(path: str | Path | None = None, *,
                 catalogue: Catalogue | None = None) -> tuple[Evidence, ...]:
    """Read a CIViC evidence TSV into :class:`Evidence` records, keeping CIViC ids.

    Parameters
    ----------
    path
        A CIViC evidence export with (at least) the columns of ``COLUMNS``; default: the
        release copied into the package.
    catalogue
        Drug catalogue and alteration vocabulary used for mapping (default: the package's).

    Raises
    ------
    KnowledgeBaseError
        Naming the file, the line, the CIViC id and the field at fault.

    Examples
    --------
    >>> len(import_civic())
    74
    """
    path = Path(path) if path is not None else data_dir() / CIVIC_FILE
    catalogue = catalogue or load_catalogue()
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t")
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise KnowledgeBaseError(path, f"missing CIViC columns: {', '.join(missing)}",
                                         line=1)
            return tuple(_convert(path, reader, catalogue))
    except OSError as exc:
        raise KnowledgeBaseError(path, f"cannot read: {exc.strerror}") from None


def _convert(path: Path, reader: csv.DictReader, catalogue: Catalogue) -> list[Evidence]:
    out = []
    for line, row in enumerate(reader, start=2):
        eid = row.get("evidence_id") or "?"
        try:
            out.append(civic_row_to_evidence(row, catalogue))
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or "?"
            raise KnowledgeBaseError(path, f"CIViC EID{eid}: {err['msg']}", line=line,
                                     field=field) from None
        except (KeyError, ValueError) as exc:
            raise KnowledgeBaseError(path, f"CIViC EID{eid}: unreadable value {exc}",
                                     line=line) from None
    return out
