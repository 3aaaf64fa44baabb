"""Map observed variants to model alterations with the knowledge base's variant rules.

Three kinds of observation, each checked against the rules in ``alterations.yaml``:

- a mutation (gene, protein change in one- or three-letter form, classification): it maps when
  the alteration lists the protein change (``G12*`` is any change at codon 12) or when the
  alteration counts truncating variants and this one is truncating (nonsense, frameshift,
  splice site, start or stop lost);
- a copy-number call (``amplification`` or ``deletion``);
- an expression call (``high`` or ``low``).

What no rule covers comes back as an :class:`~her2resist.profile.tumour.UnmappedVariant` with
the reason, so that the report can list it.

Examples
--------
>>> from her2resist.profile.tumour import Source
>>> hit = map_mutation("PIK3CA", "p.His1047Arg", "Missense_Mutation", Source("x.maf", 2))
>>> hit.id
'PIK3CA_mut'
>>> map_mutation("TP53", "p.R175H", "Missense_Mutation", Source("x.maf", 3)).reason
'the model has no alteration of TP53'
>>> map_copy_number("PTEN", "deletion", Source("cna.txt", 4)).id
'PTEN_loss'
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from functools import lru_cache
from typing import Literal

from her2resist.exceptions import UnmappedVariantWarning
from her2resist.knowledge.catalogue import Catalogue, load_catalogue, normalise_protein_change
from her2resist.knowledge.schema import Alteration
from her2resist.profile.tumour import (
    ProfileAlteration,
    Source,
    TumourProfile,
    UnmappedVariant,
    merge_alterations,
)

Mapped = ProfileAlteration | UnmappedVariant

#: MAF Variant_Classification values and Sequence Ontology terms (VEP, SnpEff) that truncate.
TRUNCATING = frozenset({
    "nonsense_mutation", "frame_shift_del", "frame_shift_ins", "splice_site",
    "nonstop_mutation", "translation_start_site", "stop_gained", "frameshift_variant",
    "splice_acceptor_variant", "splice_donor_variant", "start_lost", "stop_lost",
    "exon_loss_variant", "transcript_ablation",
})
#: Classifications that leave the protein as it is (listed as unmapped with this reason).
NOT_PROTEIN_CHANGING = frozenset({
    "silent", "intron", "3'utr", "5'utr", "3'flank", "5'flank", "igr", "rna", "lincrna",
    "synonymous_variant", "intron_variant", "3_prime_utr_variant", "5_prime_utr_variant",
    "upstream_gene_variant", "downstream_gene_variant", "intergenic_variant",
    "non_coding_transcript_exon_variant",
})
_THREE_ANY_CASE = re.compile(r"(?i)(Ala|Arg|Asn|Asp|Cys|Gln|Glu|Gly|His|Ile|Leu|Lys|"
                             r"Met|Phe|Pro|Ser|Thr|Trp|Tyr|Val|Ter|Sec|Xaa)")
_TRUNCATING_CHANGE = re.compile(r"(\*|X|Ter)\d*$|fs|_splice$", re.IGNORECASE)


@lru_cache(maxsize=4)
def _by_gene(catalogue: Catalogue) -> dict[str, tuple[Alteration, ...]]:
    index: dict[str, list[Alteration]] = {}
    for alt in catalogue.alterations.values():
        index.setdefault(alt.gene.upper(), []).append(alt)
    return {gene: tuple(alts) for gene, alts in index.items()}


def modelled_genes(catalogue: Catalogue | None = None) -> frozenset[str]:
    """Upper-case symbols of the genes the model has an alteration of (any rule).

    A variant of any other gene is never mapped, whatever its change.

    Examples
    --------
    >>> "PIK3CA" in modelled_genes(), "TP53" in modelled_genes()
    (True, False)
    """
    return frozenset(_by_gene(catalogue or load_catalogue()))


def genes_with_rule(kind: Literal["copy_number", "expression"], call: str,
                    catalogue: Catalogue | None = None) -> frozenset[str]:
    """Upper-case symbols of the genes whose ``kind`` ``call`` maps to an alteration.

    Examples
    --------
    >>> "MUC4" in genes_with_rule("expression", "high")
    True
    """
    cat = catalogue or load_catalogue()
    return frozenset(gene for gene, alts in _by_gene(cat).items()
                     if any(getattr(a.variants, kind) == call for a in alts))


def _hit(alt: Alteration, source: Source) -> ProfileAlteration:
    return ProfileAlteration.of(alt, (source,))


def clean_protein_change(change: str) -> str:
    """A protein change as the catalogue reads it: reference prefix, parentheses and case
    undone ('NP_006209.2:p.(His1047Arg)', 'p.HIS1047ARG' -> 'p.His1047Arg').

    Examples
    --------
    >>> clean_protein_change("NP_006209.2:p.(His1047Arg)"), clean_protein_change("P.GLU17LYS")
    ('p.His1047Arg', 'p.Glu17Lys')
    >>> clean_protein_change("p.H1047R"), clean_protein_change("")
    ('p.H1047R', '')
    """
    text = change.strip()
    if not text:
        return ""
    text = text.rsplit(":", 1)[-1].strip()
    text = re.sub(r"^[pP]\.", "", text).strip("()")
    if re.search(r"[a-z]", text) is None and _THREE_ANY_CASE.search(text):
        text = _THREE_ANY_CASE.sub(lambda m: m.group(0).capitalize(), text)
    return "p." + text


def classification_terms(classification: str) -> set[str]:
    """Lower-case terms of a classification ('stop_gained&splice_region_variant' -> 2 terms)."""
    return {t.strip().lower() for t in re.split(r"[&,]", classification) if t.strip()}


def is_truncating(change: str, classification: str) -> bool:
    """Whether a variant truncates the protein, by classification or by its protein change.

    Examples
    --------
    >>> is_truncating("p.R233*", ""), is_truncating("p.K267fs", ""), is_truncating("E17K", "")
    (True, True, False)
    """
    if classification_terms(classification) & TRUNCATING:
        return True
    short = normalise_protein_change(change) if change else ""
    return bool(short) and bool(_TRUNCATING_CHANGE.search(short))


def map_mutation(
    gene: str, change: str, classification: str, source: Source,
    *, catalogue: Catalogue | None = None,
) -> Mapped:
    """Map a mutation to an alteration, or say why it is not used.

    Examples
    --------
    >>> map_mutation("PTEN", "p.Arg233Ter", "", Source("v.vcf", 30)).id
    'PTEN_loss'
    """
    cat = catalogue or load_catalogue()
    gene = gene.strip()
    change = clean_protein_change(change)
    text = f"{gene} {change}".strip() + (f" ({classification})" if classification else "")
    source = Source(source.file, source.line, source.column, source.text or text)
    terms = classification_terms(classification)
    if terms and terms <= NOT_PROTEIN_CHANGING:
        return UnmappedVariant(gene, change, "mutation", "does not change the protein", source)
    alts = _by_gene(cat).get(gene.upper(), ())
    if not alts:
        return UnmappedVariant(gene, change, "mutation",
                               f"the model has no alteration of {gene}", source)
    # A nonsense change must not match a "G12*"-style wildcard of an activating rule.
    if is_truncating(change, classification):
        for alt in alts:
            if alt.variants.truncating:
                return _hit(alt, source)
        return UnmappedVariant(gene, change, "mutation", f"truncating variants of {gene} are not "
                               "in the model's rules", source)
    if change:
        found = cat.match_protein_change(gene, change)
        if found is not None:
            return _hit(found, source)
    if not change:
        return UnmappedVariant(gene, change, "mutation", "protein change unknown", source)
    return UnmappedVariant(gene, change, "mutation", f"{gene} {normalise_protein_change(change)}"
                           " is not among the changes the model's rules list", source)


def map_copy_number(
    gene: str, call: Literal["amplification", "deletion"], source: Source,
    *, catalogue: Catalogue | None = None,
) -> Mapped:
    """Map a gene amplification or deep deletion to an alteration, or say why not.

    Examples
    --------
    >>> from her2resist.profile import Source
    >>> mapped = map_copy_number("CCNE1", "amplification", Source("cna.txt", 3))
    >>> mapped.id, mapped.sources[0].describe()
    ('CCNE1_amp', 'cna.txt, line 3: CCNE1 amplification')
    """
    return _map_rule(gene, call, "copy_number", source, catalogue)


def map_expression(
    gene: str, call: Literal["high", "low"], source: Source, *, catalogue: Catalogue | None = None,
) -> Mapped:
    """Map a gene's high or low expression to an alteration, or say why not.

    Examples
    --------
    >>> map_expression("MUC4", "high", Source("z.txt", 5)).id
    'MUC4_high'
    """
    return _map_rule(gene, call, "expression", source, catalogue)


def _map_rule(gene: str, call: str, kind: str, source: Source, catalogue: Catalogue | None
              ) -> Mapped:
    cat = catalogue or load_catalogue()
    gene = gene.strip()
    source = Source(source.file, source.line, source.column, source.text or f"{gene} {call}")
    for alt in _by_gene(cat).get(gene.upper(), ()):
        if getattr(alt.variants, kind) == call:
            return _hit(alt, source)
    label = "copy number" if kind == "copy_number" else "expression"
    return UnmappedVariant(gene, call, kind, f"the model's rules have no {label} {call} "
                           f"of {gene}", source)


def profiles_from_results(
    path: str, results: dict[str, list[Mapped]], notes: tuple[str, ...] = (),
    inputs: tuple[str, ...] = (), *, not_listed: Mapping[str, int] | None = None,
) -> dict[str, TumourProfile]:
    """One partial profile per sample from its mapped and unmapped observations.

    Gives one :class:`~her2resist.exceptions.UnmappedVariantWarning` per file when some
    observations are not used (the report lists them; ``not_listed`` counts, per sample,
    those a streaming reader counted without keeping).
    """
    total = sum(isinstance(r, UnmappedVariant) for rs in results.values() for r in rs)
    total += sum((not_listed or {}).values())
    if total:
        warnings.warn(f"{path}: {total} variant(s) not covered by the model's rules; they are "
                      "listed (or counted) in the report as not used", UnmappedVariantWarning,
                      stacklevel=3)
    return {
        name: TumourProfile(
            name,
            alterations=merge_alterations(r for r in rs if isinstance(r, ProfileAlteration)),
            unmapped=tuple(r for r in rs if isinstance(r, UnmappedVariant)),
            notes=notes,
            inputs=inputs,
        )
        for name, rs in results.items()
    }
