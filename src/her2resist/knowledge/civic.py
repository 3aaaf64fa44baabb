"""Import CIViC evidence items into the knowledge base's :class:`Evidence` form.

CIViC (CC0) is one anchor of evidence representation; its items keep their CIViC evidence id
(``CIVIC_EID241``), level (CIViC A-E), direction and clinical significance.  Drugs and variants
are mapped to the catalogue and the alteration vocabulary where they can be; CIViC's own
statement is kept verbatim in ``statement`` (CC0), the ``summary`` is built from the fields,
and ``release`` records the CIViC release the item was read from.

Two layouts of CIViC's ``ClinicalEvidenceSummaries`` TSV are read, recognised by their header:

- **2017** (:data:`COLUMNS`): ``gene``, ``variant``, ``drugs``, ``clinical_significance``
  (``Sensitivity``, ``Resistance or Non-Response``), ``pubmed_id``, ...
- **current** (:data:`CURRENT_COLUMNS`, the nightly and monthly files since CIViC's molecular
  profiles, 2022): ``molecular_profile`` (``"ERBB2 L755S"``, or several variants joined by
  ``AND``/``OR``/``NOT``), ``therapies``, ``significance`` (``Sensitivity/Response``,
  ``Resistance``, ``Reduced Sensitivity``, ``Adverse Response``, ...), ``citation_id`` with
  ``source_type`` (``PubMed``, ``ASCO``, ``ASH``), ``evidence_status``, ...

Only accepted items are imported; items without a PubMed citation (ASCO or ASH abstracts) or not
accepted are counted in a warning.  The release is taken from the ``release`` argument, else from
the file name (``01-Nov-2024-ClinicalEvidenceSummaries.tsv``, ``civic_2017-02_...``), else it
is ``nightly, file dated YYYY-MM-DD`` (the file's modification date).

Examples
--------
>>> items = import_civic()
>>> item = next(e for e in items if e.civic_id == 241)
>>> item.id, item.level, item.drugs, item.alterations, item.release
('CIVIC_EID241', 'D', ('lapatinib',), ('ERBB2_kinase_mut',), '2017-02')
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path

from pydantic import ValidationError

from her2resist.exceptions import DataQualityWarning, KnowledgeBaseError, UnknownNameError
from her2resist.knowledge._yaml import check_record, first_error
from her2resist.knowledge.catalogue import Catalogue, data_dir, load_catalogue
from her2resist.knowledge.kb_records import Evidence

#: The CIViC release copied into the package (provenance in ``data/civic/PROVENANCE.md``).
CIVIC_FILE = Path("civic") / "civic_2017-02_her2_therapy_evidence.tsv"
#: Columns read from the 2017 layout.
COLUMNS = (
    "gene", "variant", "disease", "drugs", "evidence_type", "evidence_direction",
    "evidence_level", "clinical_significance", "evidence_id", "pubmed_id", "citation",
    "evidence_statement",
)
#: Columns read from the current layout (CIViC's ClinicalEvidenceSummaries since 2022).
CURRENT_COLUMNS = (
    "molecular_profile", "disease", "therapies", "evidence_type", "evidence_direction",
    "evidence_level", "significance", "evidence_statement", "citation_id", "source_type",
    "citation", "evidence_status", "evidence_id",
)
_KIND = {"A": "clinical", "B": "clinical", "C": "case_report", "D": "preclinical",
         "E": "preclinical"}
_SIGNIFICANCE = {"Resistance or Non-Response": "resistance", "Sensitivity": "sensitivity",
                 "N/A": "mechanism", "Poor Outcome": "prognostic",
                 "Better Outcome": "prognostic",
                 # the current layout's words
                 "Sensitivity/Response": "sensitivity", "Resistance": "resistance",
                 "Reduced Sensitivity": "resistance"}
_DIRECTION = {"Supports": "supports", "Does Not Support": "does_not_support"}
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                       "Sep", "Oct", "Nov", "Dec"), start=1)}
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


def molecular_profile_variants(profile: str) -> list[tuple[str, str]]:
    """(gene, variant) of each variant a current-layout molecular profile names; the variants
    after ``NOT`` are left out (the profile is their absence).

    Examples
    --------
    >>> molecular_profile_variants("ERBB2 Amplification AND NOT PTEN Loss")
    [('ERBB2', 'Amplification')]
    >>> molecular_profile_variants("PIK3CA E545K OR PIK3CA H1047R")
    [('PIK3CA', 'E545K'), ('PIK3CA', 'H1047R')]
    """
    out = []
    for part in re.split(r"\s+(?:AND|OR)\s+", profile.strip().strip("()")):
        part = part.strip().strip("()").strip()
        if not part or part.upper().startswith("NOT "):
            continue
        gene, _, variant = part.partition(" ")
        out.append((gene, variant.strip()))
    return out


def civic_row_to_evidence(row: Mapping[str, str], catalogue: Catalogue,
                          release: str | None = None) -> Evidence:
    """One CIViC row, in either layout, as :class:`Evidence` (raises ``ValidationError``,
    ``KeyError`` or ``ValueError``).

    Examples
    --------
    >>> row = {"molecular_profile": "ERBB2 L755S", "disease": "Breast Cancer",
    ...        "therapies": "Lapatinib", "evidence_type": "Predictive",
    ...        "evidence_direction": "Supports", "evidence_level": "D",
    ...        "significance": "Resistance", "evidence_statement": "", "citation_id": "23220880",
    ...        "source_type": "PubMed", "citation": "Bose et al., 2013", "evidence_id": "241"}
    >>> e = civic_row_to_evidence(row, load_catalogue(), "2024-11-01")
    >>> e.significance, e.ref, e.alterations, e.release
    ('resistance', 'PMID:23220880', ('ERBB2_kinase_mut',), '2024-11-01')
    """
    current = "molecular_profile" in row
    if current:
        variants = molecular_profile_variants(row["molecular_profile"])
        what, drugs, significance_text = (row["molecular_profile"].strip(), row["therapies"],
                                          row["significance"].strip())
        if row.get("source_type", "PubMed").strip() != "PubMed":
            raise ValueError(f"source_type {row['source_type']!r} (only PubMed citations)")
        pmid = row["citation_id"]
    else:
        variants = [(row["gene"].strip(), row["variant"].strip())]
        what, drugs, significance_text = (f"{row['gene']} {row['variant']}", row["drugs"],
                                          row["clinical_significance"].strip())
        pmid = row["pubmed_id"]
    level = row["evidence_level"].strip()
    significance = _SIGNIFICANCE.get(significance_text, "mechanism")
    direction = _DIRECTION[row["evidence_direction"].strip()]
    summary = (
        f"CIViC {row['evidence_type'].strip().lower()} evidence, {what} in {row['disease']} "
        f"treated with {drugs or 'no therapy'}: {significance_text} "
        f"({direction.replace('_', ' ')})."
    )
    alterations = [a for gene, variant in variants for a in map_variant(gene, variant, catalogue)]
    return check_record(Evidence, dict(
        id=f"CIVIC_EID{int(row['evidence_id'])}",
        ref=f"PMID:{int(pmid)}",
        citation=row["citation"].strip(),
        kind=_KIND[level],
        scale="CIViC",
        level=level,
        direction=direction,
        significance=significance,
        drugs=map_drugs(drugs, catalogue),
        alterations=tuple(dict.fromkeys(alterations)),
        summary=summary,
        checked="not checked",
        source="civic",
        civic_id=int(row["evidence_id"]),
        statement=row["evidence_statement"].strip() or None,
        disease=row["disease"].strip(),
        release=release,
    ))


def civic_release(path: Path) -> str:
    """The CIViC release of a file, from its name, else its modification date.

    Examples
    --------
    >>> civic_release(Path("01-Nov-2024-ClinicalEvidenceSummaries.tsv"))
    '2024-11-01'
    >>> civic_release(CIVIC_FILE)
    '2017-02'
    """
    found = re.search(r"(\d{2})-([A-Z][a-z]{2})-(\d{4})", path.name)
    if found and found.group(2) in _MONTHS:
        day, month, year = found.groups()
        return f"{year}-{_MONTHS[month]:02d}-{day}"
    found = re.search(r"(\d{4}-\d{2}(?:-\d{2})?)", path.name)
    if found:
        return found.group(1)
    try:
        stamp = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.timezone.utc)
    except OSError:
        return "unknown"
    return f"nightly, file dated {stamp.date().isoformat()}"


def import_civic(path: str | Path | None = None, *, catalogue: Catalogue | None = None,
                 release: str | None = None) -> tuple[Evidence, ...]:
    """Read a CIViC evidence TSV (2017 or current layout) into :class:`Evidence` records,
    keeping CIViC ids and recording the release.

    Parameters
    ----------
    path
        A CIViC ``ClinicalEvidenceSummaries`` export with (at least) the columns of
        :data:`COLUMNS` or :data:`CURRENT_COLUMNS`; default: the release copied into the package.
    catalogue
        Drug catalogue and alteration vocabulary used for mapping (default: the package's).
    release
        The CIViC release (e.g. ``"2024-11-01"``); default: from the file name (see module).

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
    release = release or civic_release(path)
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t")
            header = reader.fieldnames or []
            layout = CURRENT_COLUMNS if "molecular_profile" in header else COLUMNS
            missing = [c for c in layout if c not in header]
            if missing:
                which = "current" if layout is CURRENT_COLUMNS else "2017"
                raise KnowledgeBaseError(
                    path, f"missing CIViC columns ({which} layout): {', '.join(missing)}; a "
                    "CIViC ClinicalEvidenceSummaries TSV has either 'molecular_profile', "
                    "'therapies', 'significance', 'citation_id' (current) or 'gene', "
                    "'variant', 'drugs', 'pubmed_id' (2017)", line=1)
            return tuple(_convert(path, reader, catalogue, release))
    except OSError as exc:
        raise KnowledgeBaseError(path, f"cannot read: {exc.strerror}") from None


def _accepted(path: Path, reader: csv.DictReader) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows that are accepted and cite PubMed; the others are counted in one warning."""
    left_out: dict[str, list[str]] = {}
    for line, row in enumerate(reader, start=2):
        status = (row.get("evidence_status") or "accepted").strip()
        source = (row.get("source_type") or "PubMed").strip()
        if status != "accepted" or source != "PubMed":
            reason = f"status {status}" if status != "accepted" else f"{source} citation"
            left_out.setdefault(reason, []).append(f"EID{row.get('evidence_id') or '?'}")
            continue
        yield line, row
    if left_out:
        listed = "; ".join(f"{len(ids)} with {reason} ({', '.join(ids[:5])}"
                           f"{', ...' if len(ids) > 5 else ''})"
                           for reason, ids in left_out.items())
        warnings.warn(f"{path}: CIViC items left out: {listed}", DataQualityWarning,
                      stacklevel=4)


def _convert(path: Path, reader: csv.DictReader, catalogue: Catalogue,
             release: str) -> list[Evidence]:
    out = []
    for line, row in _accepted(path, reader):
        eid = row.get("evidence_id") or "?"
        try:
            out.append(civic_row_to_evidence(row, catalogue, release))
        except ValidationError as exc:
            field, message, _ = first_error(exc)
            raise KnowledgeBaseError(path, f"CIViC EID{eid}: {message}", line=line,
                                     field=field or "?") from None
        except (KeyError, ValueError) as exc:
            raise KnowledgeBaseError(path, f"CIViC EID{eid}: unreadable value {exc}",
                                     line=line) from None
    return out
