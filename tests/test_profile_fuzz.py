"""Every profile reader, fuzzed: bad encodings, missing columns, wrong types, huge fields,
empty files. Each either reads the file or raises a ProfileError that names the file (and the
line, where the file has lines); nothing else escapes."""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from her2resist.exceptions import ProfileError
from her2resist.profile import (
    read_clinical,
    read_cna,
    read_cna_long,
    read_expression,
    read_fusions,
    read_maf,
    read_pcgr_expression,
    read_profile,
    read_vcf,
)
from her2resist.profile.segments import read_segments

DATA = Path(__file__).parent / "data" / "profiles"
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

READERS: dict[str, tuple[Callable[..., object], str, Path]] = {
    "maf": (read_maf, ".maf", DATA / "tumour.maf"),
    "maf_gdc": (read_maf, ".maf", DATA / "gdc_somatic.maf"),
    "vcf": (read_vcf, ".vcf", DATA / "tumour_vep.vcf"),
    "vcf_strelka": (read_vcf, ".vcf", DATA / "vcf" / "strelka_somatic_snvs.vcf"),
    "vcf_multiallelic": (read_vcf, ".vcf", DATA / "vcf" / "mutect2_multiallelic.vcf"),
    "vcf_varscan": (read_vcf, ".vcf", DATA / "vcf" / "varscan_somatic.vcf"),
    "cna": (read_cna, ".txt", DATA / "cna.txt"),
    "expression": (read_expression, ".txt", DATA / "expression.txt"),
    "cna_log2": (read_cna, ".txt", DATA / "cna_log2.txt"),
    "cna_long": (read_cna_long, ".txt", DATA / "cna_long.txt"),
    "segments": (partial(read_segments, genome="GRCh37"), ".seg",
                 DATA / "segments" / "tcga_hg19.seg"),
    "segments_ascat": (partial(read_segments, genome="GRCh37"), ".txt",
                       DATA / "segments" / "ascat_segments.txt"),
    "fusions_arriba": (read_fusions, ".tsv", DATA / "fusions" / "arriba_fusions.tsv"),
    "fusions_sv": (read_fusions, ".txt", DATA / "fusions" / "data_sv.txt"),
    "fusions_pcgr": (read_fusions, ".tsv", DATA / "fusions" / "T001-BRCA.grch38.fusions.tsv"),
    "pcgr_expression": (partial(read_pcgr_expression,
                                reference=DATA / "pcgr" / "reference_tpm.txt"), ".tsv",
                        DATA / "pcgr" / "T001-BRCA.gene_expression.tsv"),
    "expression_log2": (read_expression, ".txt", DATA / "expression_log2_rsem.txt"),
    "clinical": (read_clinical, ".txt", DATA / "clinical_sample.txt"),
    "yaml": (read_profile, ".yaml", Path(__file__).parent.parent / "examples" / "profiles"
             / "her2_pik3ca.yaml"),
    "json": (read_profile, ".json", Path(__file__).parent.parent / "examples" / "profiles"
             / "her2_pik3ca.json"),
}


def _read(kind: str, data: bytes) -> None:
    reader, suffix, _ = READERS[kind]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = reader(path)
        except ProfileError as exc:
            assert str(path) in str(exc)
            assert exc.detail
            return
        assert isinstance(result, dict)


def _mutate(original: bytes, position: int, insert: bytes, cut: int) -> bytes:
    position %= max(1, len(original))
    return original[:position] + insert + original[position + cut:]


@pytest.mark.parametrize("kind", list(READERS))
@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes(kind: str, data: bytes) -> None:
    _read(kind, data)


@pytest.mark.parametrize("kind", list(READERS))
@FUZZ
@given(position=st.integers(0, 10_000), cut=st.integers(0, 40),
       insert=st.sampled_from([b"", b"\t", b"\n", b"\xff\xfe", b"\x00", b"NA", b"-2.5e400",
                               b"\t\t\t", b"#", b"x" * 20_000, "é∂".encode(), b"\r\n",
                               b"nan", b"{", b"]", b"'", b'"', b"3+", b": ", b"- "]))
def test_mutated_valid_files(kind: str, position: int, cut: int, insert: bytes) -> None:
    original = READERS[kind][2].read_bytes()
    _read(kind, _mutate(original, position, insert, cut))


@pytest.mark.parametrize("kind", list(READERS))
@FUZZ
@given(keep=st.sets(st.integers(0, 30), max_size=30))
def test_missing_columns(kind: str, keep: set[int]) -> None:
    lines = READERS[kind][2].read_bytes().split(b"\n")
    out = [b"\t".join(c for i, c in enumerate(line.split(b"\t")) if i not in keep)
           for line in lines]
    _read(kind, b"\n".join(out))


@pytest.mark.parametrize("kind", list(READERS))
@FUZZ
@given(cell=st.text(max_size=50) | st.integers().map(str) | st.floats().map(str),
       row=st.integers(0, 20), column=st.integers(0, 20))
def test_wrong_types_in_cells(kind: str, cell: str, row: int, column: int) -> None:
    lines = READERS[kind][2].read_text(encoding="utf-8").split("\n")
    row %= len(lines)
    cells = lines[row].split("\t")
    cells[column % len(cells)] = cell.replace("\n", " ")
    lines[row] = "\t".join(cells)
    _read(kind, "\n".join(lines).encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("kind", list(READERS))
@pytest.mark.parametrize("data", [b"", b"\n\n", b"\xef\xbb\xbf", b"#only a comment\n",
                                  b"\x1f\x8b\x08\x00broken gzip"])
def test_empty_and_broken_files(kind: str, data: bytes) -> None:
    _read(kind, data)


@pytest.mark.parametrize("kind", ["maf", "cna", "expression", "clinical", "vcf"])
def test_bad_encoding_names_line_and_column(kind: str, tmp_path: Path) -> None:
    reader, suffix, original = READERS[kind]
    lines = original.read_bytes().split(b"\n")
    lines[-2] = lines[-2] + b"\xe9"
    path = tmp_path / f"latin1{suffix}"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(ProfileError, match=rf"line {len(lines) - 1}, column \d+: not UTF-8"):
        reader(path)


@pytest.mark.parametrize("kind", ["maf", "cna", "expression", "clinical"])
def test_huge_field_is_refused_with_its_place(kind: str, tmp_path: Path) -> None:
    reader, suffix, original = READERS[kind]
    lines = original.read_text().split("\n")
    last = len([x for x in lines if x])
    cells = lines[last - 1].split("\t")
    cells[0] = "A" * 200_000
    lines[last - 1] = "\t".join(cells)
    path = tmp_path / f"huge{suffix}"
    path.write_text("\n".join(lines))
    with pytest.raises(ProfileError, match=rf"line {last}, column 1.*200000 characters"):
        reader(path)
