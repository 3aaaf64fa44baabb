"""The drug catalogue and the alteration vocabulary, loaded from the package's YAML files.

Examples
--------
>>> cat = load_catalogue()
>>> cat.find_drug("Kadcyla").id
'trastuzumab_emtansine'
>>> cat.parse_alteration("PIK3CA p.His1047Arg").id
'PIK3CA_mut'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from her2resist.common.cached import load_cached
from her2resist.exceptions import KnowledgeBaseError, UnknownNameError
from her2resist.knowledge.schema import Alteration, Drug, DrugClass

THREE_TO_ONE = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E",
    "Gly": "G", "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F",
    "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Ter": "*",
    "Sec": "U", "Xaa": "X",
}
_THREE = "|".join(THREE_TO_ONE)  # a pattern, compiled when first used

#: Other words for the events of the vocabulary, as papers write them ("PTEN knockdown").
EVENT_SYNONYMS = {
    "knockdown": "loss", "silencing": "loss", "knockout": "loss", "deficiency": "loss",
    "null": "loss", "deleted": "deletion", "lost": "loss", "downregulation": "low expression",
    "upregulation": "overexpression", "overexpressed": "overexpression",
    "highexpression": "overexpression", "elevated": "overexpression",
    "amplified": "amplification", "gain": "amplification", "copygain": "amplification",
    "activated": "activation", "hyperactivation": "activation",
    "mutant": "mutation", "mutated": "mutation", "activatingmutation": "mutation",
}


def data_dir() -> Path:
    """The folder of the knowledge base's YAML files inside the package."""
    return Path(str(resources.files("her2resist.knowledge") / "data"))


_NAME_SEPARATORS = re.compile(r"[\s\-_/]+")


def normalise_name(text: str) -> str:
    """Case-, space- and hyphen-insensitive key for names ("T-DM1" == "tdm1" == "T DM1")."""
    return _NAME_SEPARATORS.sub("", str(text).strip().lower())


def normalise_protein_change(text: str) -> str:
    """One-letter form of a protein change: 'p.His1047Arg' -> 'H1047R', 'p.E545K' -> 'E545K'."""
    change = str(text).strip()
    if change.startswith("p."):
        change = change[2:]
    change = change.strip("()")
    change = re.sub(_THREE, lambda m: THREE_TO_ONE[m.group(0)], change)
    return change.replace("Ter", "*")


@dataclass(frozen=True, slots=True, eq=False)
class Catalogue:
    """Drugs, drug classes and alterations, with name indexes for look-up.

    Examples
    --------
    >>> catalogue = load_catalogue()
    >>> catalogue.lookup_drug("Herceptin").id
    'trastuzumab'
    """

    drugs: Mapping[str, Drug]
    classes: Mapping[str, DrugClass]
    alterations: Mapping[str, Alteration]
    gene_aliases: Mapping[str, str] = field(default_factory=dict)

    def _drug_index(self) -> dict[str, Drug]:
        return _drug_index(self)

    @property
    def her2_negative(self) -> dict[str, int]:
        """The nodes a HER2-negative tumour sets to 0 (the ``her2_status`` alteration's)."""
        return {n: 0 for a in self.alterations.values() if a.her2_status for n in a.set}

    @property
    def her2_directed_classes(self) -> frozenset[str]:
        """Ids of the drug classes aimed at HER2 itself (``her2_directed`` in drugs.yaml)."""
        return frozenset(c.id for c in self.classes.values() if c.her2_directed)

    def drug_names(self) -> list[str]:
        """Every accepted drug name (generic, brand, synonym)."""
        return sorted({n for d in self.drugs.values() for n in (d.name, *d.brands, *d.synonyms)})

    def class_names(self) -> list[str]:
        return sorted({n for c in self.classes.values() for n in (c.name, *c.synonyms)})

    def lookup_drug(self, name: str) -> Drug | None:
        """The drug with this generic, brand or synonym name (case-insensitive), or None."""
        return _drug_index(self).get(normalise_name(name))

    def find_drug(self, name: str) -> Drug:
        """The drug with this generic, brand or synonym name (case-insensitive)."""
        found = self.lookup_drug(name)
        if found is None:
            raise UnknownNameError("drug", name, self.drug_names())
        return found

    def find_class(self, name: str) -> DrugClass | None:
        """The drug class with this name or synonym, or None."""
        index = _class_index(self)
        key = normalise_name(name)
        for candidate in (key, key[:-3] + "y" if key.endswith("ies") else key, key.rstrip("s")):
            if candidate in index:
                return index[candidate]
        return None

    def drugs_in_class(self, class_id: str) -> list[Drug]:
        return [d for d in self.drugs.values() if class_id in d.classes]

    def alteration_names(self) -> list[str]:
        names: set[str] = set()
        for alt in self.alterations.values():
            names.update(f"{alt.gene} {e}" for e in alt.events)
            names.update(alt.aliases)
        return sorted(names)

    def parse_alteration(self, text: str) -> Alteration:
        """The alteration named by ``text``: 'GENE EVENT', 'GENE <protein change>' or an alias."""
        key = normalise_name(text)
        by_phrase = _alteration_index(self)
        if key in by_phrase:
            return by_phrase[key]
        parts = str(text).strip().split(None, 1)
        if len(parts) == 2:
            found = self.match_protein_change(parts[0], parts[1])
            if found is not None:
                return found
            event = EVENT_SYNONYMS.get(normalise_name(parts[1]))
            if event is not None and normalise_name(f"{parts[0]} {event}") in by_phrase:
                return by_phrase[normalise_name(f"{parts[0]} {event}")]
        raise UnknownNameError("alteration", str(text).strip(), self.alteration_names())

    def match_protein_change(self, gene: str, change: str) -> Alteration | None:
        """The alteration whose variant rules accept ``change`` in ``gene``, or None."""
        one = normalise_protein_change(change)
        for alt in self.alterations.values():
            if alt.gene.upper() != gene.strip().upper():
                continue
            for pattern in alt.variants.protein_changes:
                if pattern == one or (pattern.endswith("*") and one.startswith(pattern[:-1])
                                      and len(one) == len(pattern)):
                    return alt
        return None


@lru_cache(maxsize=4)
def _drug_index(cat: Catalogue) -> dict[str, Drug]:
    index: dict[str, Drug] = {}
    for drug in cat.drugs.values():
        for name in (drug.id, drug.name, *drug.brands, *drug.synonyms):
            index[normalise_name(name)] = drug
    return index


@lru_cache(maxsize=4)
def _class_index(cat: Catalogue) -> dict[str, DrugClass]:
    index: dict[str, DrugClass] = {}
    for cls in cat.classes.values():
        for name in (cls.id, cls.name, *cls.synonyms):
            index[normalise_name(name)] = cls
    return index


@lru_cache(maxsize=4)
def _alteration_index(cat: Catalogue) -> dict[str, Alteration]:
    index: dict[str, Alteration] = {}
    for alt in cat.alterations.values():
        for event in alt.events:
            index.setdefault(normalise_name(f"{alt.gene} {event}"), alt)
        for alias in alt.aliases:
            index.setdefault(normalise_name(alias), alt)
        index.setdefault(normalise_name(alt.id), alt)
    return index


def _unique(records: list, path: Path, what: str) -> dict:
    out: dict = {}
    for record in records:
        if record.id in out:
            raise KnowledgeBaseError(path, f"{what} {record.id!r} is defined twice", field="id")
        out[record.id] = record
    return out


def read_catalogue(folder: Path) -> Catalogue:
    """Read and validate ``drugs.yaml`` and ``alterations.yaml`` from ``folder``."""
    from her2resist.knowledge._yaml import read_yaml, validate_records

    drugs_path = folder / "drugs.yaml"
    drug_data = read_yaml(drugs_path)
    classes = _unique(
        validate_records(drugs_path, drug_data, "classes", DrugClass), drugs_path, "class"
    )
    drugs = _unique(validate_records(drugs_path, drug_data, "drugs", Drug), drugs_path, "drug")
    for drug in drugs.values():
        for cls in drug.classes:
            if cls not in classes:
                raise KnowledgeBaseError(
                    drugs_path, f"drug {drug.id!r}: unknown class {cls!r}; known: "
                    f"{', '.join(sorted(classes))}", field="classes",
                )
    alt_path = folder / "alterations.yaml"
    alt_data = read_yaml(alt_path)
    alterations = _unique(validate_records(alt_path, alt_data, "alterations", Alteration),
                          alt_path, "alteration")
    for alt in alterations.values():
        full = alterations.get(alt.partial_of) if alt.partial_of else alt
        if full is None or full.gene != alt.gene or full.partial_of:
            raise KnowledgeBaseError(alt_path, f"alteration {alt.id!r}: partial_of must name a "
                                     f"full alteration of {alt.gene} (got {alt.partial_of!r})",
                                     field="partial_of")
    return Catalogue(
        drugs=MappingProxyType(drugs),
        classes=MappingProxyType(classes),
        alterations=MappingProxyType(alterations),
        gene_aliases=MappingProxyType(_gene_aliases(alt_path, alt_data)),
    )


def _gene_aliases(path: Path, data: Any) -> dict[str, str]:
    """``gene_aliases``: upper-case names other models use -> the HGNC symbol."""
    from her2resist.knowledge._yaml import strip_lines

    raw = strip_lines(data.get("gene_aliases", {})) if isinstance(data, dict) else {}
    if not isinstance(raw, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise KnowledgeBaseError(path, "gene_aliases must map names to HGNC symbols",
                                 field="gene_aliases")
    return {k.upper(): v for k, v in raw.items()}


#: Modules whose code defines the catalogue's records and reads them (part of the cache key).
LOADER_MODULES = ("her2resist.knowledge.schema", "her2resist.knowledge._yaml",
                  "her2resist.knowledge.catalogue", "her2resist.common.documents")


@lru_cache(maxsize=2)
def load_catalogue(folder: str | None = None) -> Catalogue:
    """The package's catalogue (cached, in memory and on disk: :mod:`her2resist.common.cached`);
    ``folder`` reads another copy of the data files (never cached on disk)."""
    if folder:
        return read_catalogue(Path(folder))
    source = data_dir()
    drugs, classes, alterations, aliases = load_cached(
        "catalogue", [source / "drugs.yaml", source / "alterations.yaml"], LOADER_MODULES,
        lambda: catalogue_parts(read_catalogue(source)))
    return Catalogue(drugs=MappingProxyType(drugs), classes=MappingProxyType(classes),
                     alterations=MappingProxyType(alterations),
                     gene_aliases=MappingProxyType(aliases))


def catalogue_parts(cat: Catalogue) -> tuple[dict[str, Drug], dict[str, DrugClass],
                                             dict[str, Alteration], dict[str, str]]:
    """The catalogue's tables as plain dicts (what the disk cache stores)."""
    return dict(cat.drugs), dict(cat.classes), dict(cat.alterations), dict(cat.gene_aliases)
