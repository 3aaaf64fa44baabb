"""The knowledge base: drugs, alterations, mechanisms of resistance and their evidence.

Everything is read from the package's YAML files (and the packaged CIViC release), validated
record by record (pydantic) and then across records: every drug, class, alteration and
evidence id that a record names must exist.  Errors name the file, record, field and line.

Examples
--------
>>> kb = load_knowledge_base()
>>> kb.mechanisms["PTEN_loss"].category
'downstream_activation'
>>> [m.id for m in kb.mechanisms_for(drug="Kadcyla", gene="SLC46A3")]
['SLC46A3_loss']
>>> kb.stats()["civic_evidence"]
74
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from her2resist.common.cached import load_cached
from her2resist.exceptions import UnknownNameError
from her2resist.knowledge._yaml import read_yaml, record_lines, validate_records
from her2resist.knowledge.catalogue import (
    LOADER_MODULES,
    Catalogue,
    _unique,
    data_dir,
    load_catalogue,
    normalise_name,
    read_catalogue,
)
from her2resist.knowledge.checks import check_references, split_regimen
from her2resist.knowledge.civic import CIVIC_FILE, import_civic
from her2resist.knowledge.kb_records import Evidence, Mechanism

MECHANISMS_FILE = "mechanisms.yaml"
EVIDENCE_FILE = "evidence.yaml"

Record = Any


@dataclass(frozen=True, slots=True, eq=False)
class KnowledgeBase:
    """Catalogue (drugs, classes, alterations), mechanisms and evidence, indexed by id."""

    catalogue: Catalogue
    mechanisms: Mapping[str, Mechanism]
    evidence: Mapping[str, Evidence]

    def resolve_drug(self, name: str) -> set[str]:
        """Drug and class ids that ``name`` (a drug or class name) stands for, with its classes."""
        cls = self.catalogue.find_class(name)
        if cls is not None:
            return {cls.id, *(d.id for d in self.catalogue.drugs_in_class(cls.id))}
        drug = self.catalogue.find_drug(name)
        return {drug.id, *drug.classes}

    def mechanism_drugs(self, mechanism: Mechanism) -> set[str]:
        """Every drug or class id named in a mechanism's regimens and strategies."""
        regimens = (*mechanism.resistant_to, *mechanism.active)
        return {part for reg in regimens for part in split_regimen(reg)}

    def mechanism_genes(self, mechanism: Mechanism) -> set[str]:
        genes = set(mechanism.genes)
        genes.update(self.catalogue.alterations[a].gene for a in mechanism.alterations)
        return {g.upper() for g in genes}

    def mechanisms_for(
        self, *, drug: str | None = None, gene: str | None = None
    ) -> list[Mechanism]:
        """Mechanisms that name ``drug`` (resisted or active) and involve ``gene``.

        Examples
        --------
        >>> kb = load_knowledge_base()
        >>> "p95HER2" in [m.id for m in kb.mechanisms_for(drug="Herceptin")]
        True
        """
        wanted = self.resolve_drug(drug) if drug else None
        out = []
        for mech in self.mechanisms.values():
            if wanted is not None and not wanted & self.mechanism_drugs(mech):
                continue
            if gene and gene.strip().upper() not in self.mechanism_genes(mech):
                continue
            out.append(mech)
        return out

    def evidence_for(self, *, drug: str | None = None, gene: str | None = None,
                     mechanism: str | None = None) -> list[Evidence]:
        """Evidence items filtered by drug name, gene symbol and mechanism id.

        Examples
        --------
        >>> kb = load_knowledge_base()
        >>> items = kb.evidence_for(mechanism="PIK3CA_activation", drug="trastuzumab")
        >>> "berns2007_pi3k" in {e.id for e in items}
        True
        """
        items: Iterable[Evidence] = self.evidence.values()
        if mechanism is not None:
            mech = self.get_mechanism(mechanism)
            items = [self.evidence[e] for e in mech.evidence]
        if drug:
            wanted = self.resolve_drug(drug)
            items = [e for e in items if wanted & set(e.drugs)]
        if gene:
            symbol = gene.strip().upper()
            items = [e for e in items if symbol in self._evidence_genes(e)]
        return list(items)

    def _evidence_genes(self, item: Evidence) -> set[str]:
        genes = {self.catalogue.alterations[a].gene.upper() for a in item.alterations}
        for mech in self.mechanisms.values():
            if item.id in mech.evidence:
                genes.update(self.mechanism_genes(mech))
        return genes

    def get_mechanism(self, mechanism_id: str) -> Mechanism:
        found = self.mechanisms.get(mechanism_id)
        if found is None:
            raise UnknownNameError("mechanism", mechanism_id, self.mechanisms)
        return found

    def get(self, record_id: str) -> tuple[str, Record]:
        """``(kind, record)`` for a drug, class, alteration, mechanism or evidence id or name.

        Examples
        --------
        >>> load_knowledge_base().get("CIVIC_EID241")[0]
        'evidence'
        """
        for kind, table in (("mechanism", self.mechanisms), ("evidence", self.evidence),
                            ("drug", self.catalogue.drugs), ("class", self.catalogue.classes),
                            ("alteration", self.catalogue.alterations)):
            if record_id in table:
                return kind, table[record_id]
        try:
            return "drug", self.catalogue.find_drug(record_id)
        except UnknownNameError:
            pass
        key = normalise_name(record_id)
        for kind, table in (("mechanism", self.mechanisms), ("evidence", self.evidence)):
            for rid, rec in table.items():
                if normalise_name(rid) == key:
                    return kind, rec
        known = [*self.mechanisms, *self.evidence, *self.catalogue.drugs,
                 *self.catalogue.alterations]
        raise UnknownNameError("knowledge-base id", record_id, known)

    def stats(self) -> dict[str, int]:
        """Counts of the knowledge base's records."""
        ev = list(self.evidence.values())
        return {
            "mechanisms": len(self.mechanisms),
            "drugs": len(self.catalogue.drugs),
            "evidence": len(ev),
            "curated_evidence": sum(e.source == "curated" for e in ev),
            "civic_evidence": sum(e.source == "civic" for e in ev),
            "checked_evidence": sum(e.checked in ("abstract", "full text") for e in ev),
            "conflicting_mechanisms": sum(m.conflict is not None for m in self.mechanisms.values()),
            "drug_classes": len(self.catalogue.classes),
            "alterations": len(self.catalogue.alterations),
            "publications": len({e.ref for e in ev}),
        }


def read_knowledge_base(folder: Path) -> KnowledgeBase:
    """Read and validate every data file in ``folder``, then check references across files."""
    catalogue = read_catalogue(folder)
    ev_path = folder / EVIDENCE_FILE
    ev_data = read_yaml(ev_path)
    curated = validate_records(ev_path, ev_data, "evidence", Evidence)
    civic = import_civic(folder / CIVIC_FILE, catalogue=catalogue)
    evidence = _unique([*curated, *civic], ev_path, "evidence")
    mech_path = folder / MECHANISMS_FILE
    mech_data = read_yaml(mech_path)
    mechanisms = _unique(validate_records(mech_path, mech_data, "mechanisms", Mechanism),
                         mech_path, "mechanism")
    kb = KnowledgeBase(catalogue, MappingProxyType(mechanisms), MappingProxyType(evidence))
    check_references(kb, ev_path, record_lines(ev_data, "evidence"),
                     mech_path, record_lines(mech_data, "mechanisms"))
    return kb


@lru_cache(maxsize=2)
def load_knowledge_base(folder: str | None = None) -> KnowledgeBase:
    """The package's knowledge base (cached); ``folder`` reads another copy of the data files.

    Examples
    --------
    >>> kb = load_knowledge_base()
    >>> kb.catalogue.find_drug("Enhertu").id
    'trastuzumab_deruxtecan'
    """
    if folder:
        return read_knowledge_base(Path(folder))
    source = data_dir()
    catalogue = load_catalogue()
    files = [source / name for name in ("drugs.yaml", "alterations.yaml", EVIDENCE_FILE,
                                        MECHANISMS_FILE)]
    mechanisms, evidence = load_cached(
        "knowledge-base", [*files, source / CIVIC_FILE],
        (*LOADER_MODULES, __name__, "her2resist.knowledge.kb_records", "her2resist.knowledge.civic",
         "her2resist.knowledge.checks"),
        lambda: _parts(read_knowledge_base(source)))
    return KnowledgeBase(catalogue, MappingProxyType(mechanisms), MappingProxyType(evidence))


def _parts(kb: KnowledgeBase) -> tuple[dict[str, Mechanism], dict[str, Evidence]]:
    return dict(kb.mechanisms), dict(kb.evidence)
