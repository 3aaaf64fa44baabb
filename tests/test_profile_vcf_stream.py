"""A whole-exome VCF is streamed: what maps is kept, unmapped variants listed up to a bound and
counted past it, line numbers kept without a per-record index."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from her2resist.exceptions import UnmappedVariantWarning
from her2resist.profile import vcf as vcf_module
from her2resist.profile._annotation import Annotation
from her2resist.profile.vcf import _Lines, read_vcf

HEADER = ("##fileformat=VCFv4.2\n##tumor_sample=TUMOR\n##normal_sample=NORMAL\n"
          "##contig=<ID=3,length=198022430>\n"
          '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
          'Ensembl VEP. Format: Allele|Consequence|IMPACT|SYMBOL|Gene|HGVSp|CANONICAL|PICK">\n'
          '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
          '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n'
          "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tTUMOR\n")


def _record(pos: int, gene: str, change: str) -> str:
    csq = (f"G|missense_variant|MODERATE|{gene}|ENSG1|ENSP1.1:{change}|YES|1,"
           f"G|missense_variant|MODERATE|{gene}|ENSG1|ENSP2.1:{change}||")
    return f"3\t{pos}\t.\tA\tG\t.\tPASS\tCSQ={csq}\tGT:AD\t0/0:40,0\t0/1:30,20\n"


def _exome(path: Path, others: int) -> Path:
    """``others`` variants in genes the model lacks, a PIK3CA change no rule lists, and PIK3CA
    H1047R as the last record."""
    lines = [_record(1000 + i, f"GENE{i % 50}", "p.Arg10Gln") for i in range(others)]
    lines.append(_record(900_000, "PIK3CA", "p.Ala2Thr"))
    lines.append(_record(999_999, "PIK3CA", "p.His1047Arg"))
    path.write_text(HEADER + "".join(lines))
    return path


def test_unmapped_variants_past_the_bound_are_counted_not_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vcf_module, "LISTED_OTHER", 5)
    path = _exome(tmp_path / "exome.vcf", 300)
    with pytest.warns(UnmappedVariantWarning, match="301 variant"):
        tumour = read_vcf(path)["TUMOR"]
    assert tumour.alteration_ids() == ("PIK3CA_mut",)
    source = tumour.alterations[0].sources[0]
    assert (source.line, source.column) == (8 + 302, "INFO/CSQ")
    # the first five others, and the PIK3CA near miss (a model gene), are listed
    assert [u.gene for u in tumour.unmapped] == [f"GENE{i}" for i in range(5)] + ["PIK3CA"]
    assert any("295 more variant(s) of TUMOR not used by the model" in n and
               "the first 5 are" in n for n in tumour.notes)


def test_a_small_file_lists_every_unmapped_variant(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tumour = read_vcf(_exome(tmp_path / "small.vcf", 3))["TUMOR"]
    assert len(tumour.unmapped) == 4
    assert not any("more variant(s)" in n for n in tumour.notes)


def test_line_index_keeps_runs_not_one_number_per_record() -> None:
    lines = _Lines()
    for number in (10, 11, 12, 15, 16, 30):
        lines.add(number)
    assert [lines.line(i) for i in range(6)] == [10, 11, 12, 15, 16, 30]
    assert lines.line(6) is None and lines.line(-1) is None
    assert len(lines.starts) == 3  # three runs for six records


FIELDS = ("Allele", "Consequence", "SYMBOL", "HGVSp", "Amino_acids", "Protein_position",
          "CANONICAL", "PICK")


@settings(max_examples=200, deadline=None)
@given(raw=st.text(alphabet="AG|,:.p1HisArg-/&YES", max_size=120),
       names=st.permutations(FIELDS), key=st.sampled_from(["CSQ", "ANN"]))
def test_any_annotation_text_gives_an_entry_or_none(raw: str, names: tuple[str, ...],
                                                    key: str) -> None:
    entry = Annotation(key, tuple(names)).choose(raw, ("G", "-"))
    assert entry is None or (len(entry) == 3 and all(isinstance(v, str) for v in entry))


def test_annotation_picks_the_flagged_entry_for_the_allele() -> None:
    csq = Annotation("CSQ", ("Allele", "SYMBOL", "HGVSp", "Consequence", "CANONICAL", "PICK"))
    raw = ("C|TP53|ENSP9:p.Arg1Cys|missense_variant||,G|PIK3CA|ENSP1:p.Glu545Lys|"
           "missense_variant|YES|,G|PIK3CA|ENSP2:p.His1047Arg|missense_variant||1")
    assert csq.choose(raw, ("G",)) == ("PIK3CA", "p.His1047Arg", "missense_variant")
    assert csq.choose(raw, ("T",)) is None  # no entry for T among several alleles
