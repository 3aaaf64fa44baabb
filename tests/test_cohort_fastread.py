"""The cohort's grouped reading (cohort/fastread.py) against the profile readers: the same
genotypes in the same order, the same warnings, and the readers' own errors when it declines."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from her2resist.cohort import fastread, read_cohort
from her2resist.cohort.fastread import CohortGenotypes, genotype_of, read_study_genotypes
from her2resist.exceptions import ProfileError
from her2resist.profile.load import load_profiles

STUDY = Path(__file__).parent / "data" / "cohort" / "study"
META = {"clinical_sample": ("CLINICAL", "SAMPLE_ATTRIBUTES", "data_clinical_sample.txt"),
        "clinical_patient": ("CLINICAL", "PATIENT_ATTRIBUTES", "data_clinical_patient.txt"),
        "mutations": ("MUTATION_EXTENDED", "MAF", "data_mutations.txt"),
        "cna": ("COPY_NUMBER_ALTERATION", "DISCRETE", "data_cna.txt")}


def _both(*args, **kwargs):
    """(grouped, readers) genotypes and warning texts of the same input."""
    out = []
    for read in (read_study_genotypes, load_profiles):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = read(*args, **kwargs)
        if isinstance(got, CohortGenotypes):
            pairs = [(s, got.genotypes[c]) for s, c in zip(got.samples, got.codes, strict=True)]
        else:
            pairs = None if got is None else [(p.sample, genotype_of(p)) for p in got]
        out.append((pairs, sorted(str(w.message) for w in caught)))
    return out


def _clinical(path: Path, header: list[str], rows: list[list[str]]) -> None:
    meta = ["#" + "\t".join(header)] * 2 + ["#" + "\t".join(["STRING"] * len(header)),
                                            "#" + "\t".join(["1"] * len(header))]
    path.write_text("\n".join([*meta, "\t".join(header), *("\t".join(r) for r in rows)]) + "\n")


def _study(folder: Path, rng: np.random.Generator, n: int, *, maf_extra: bool = False) -> None:
    """A small study with the values each reader distinguishes (receptor words and
    percentages, ISH, filters and read counts, every CNA call)."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"S{i}" for i in range(n)]

    def pick(values: list[str], size: int = n) -> list[str]:
        return [str(v) for v in rng.choice(values, size=size)]

    _clinical(folder / "data_clinical_sample.txt",
              ["PATIENT_ID", "SAMPLE_ID", "ER_STATUS_BY_IHC", "IHC_HER2", "HER2_FISH_STATUS"],
              [list(r) for r in zip([f"P{i % (n - 2)}" for i in range(n)], ids,
                                    pick(["Positive", "Negative", "", "Low", "[Not Available]"]),
                                    pick(["3+", "2+", "1+", "0", "", "Equivocal"]),
                                    pick(["Positive", "Negative", "", "Not Amplified"]),
                                    strict=True)])
    _clinical(folder / "data_clinical_patient.txt",
              ["PATIENT_ID", "ER_STATUS_IHC_PERCENT_POSITIVE", "PR_STATUS_BY_IHC", "HER2_STATUS"],
              [[f"P{i}", p, q, h] for i, p, q, h in zip(
                  range(n - 2), pick(["", "5", "40%", "10-19%", "0", "NA"], n - 2),
                  pick(["Positive", "Negative", ""], n - 2),
                  pick(["", "Negative", "Positive"], n - 2),
                  strict=True)])
    header = ["Hugo_Symbol", "Variant_Classification", "Tumor_Sample_Barcode", "HGVSp_Short"]
    if maf_extra:
        header += ["FILTER", "t_alt_count", "t_depth", "Mutation_Status"]
    lines = ["#version 2.4", "\t".join(header)]
    for i in rng.choice(n - 3, size=2 * n):  # the last three samples: CNA only
        row = [str(rng.choice(["PIK3CA", "PTEN", "TP53", "ERBB2", "AKT1"])),
               str(rng.choice(["Missense_Mutation", "Nonsense_Mutation", "Silent"])),
               ids[i], str(rng.choice(["p.H1047R", "p.E545K", "p.R130*", "p.L755S", "p.E17K",
                                       "p.R175H", ""]))]
        if maf_extra:
            row += [str(rng.choice(["PASS", "panel_of_normals"])), str(rng.integers(0, 30)),
                    str(rng.integers(5, 60)), str(rng.choice(["Somatic", "Germline"]))]
        lines.append("\t".join(row))
    (folder / "data_mutations.txt").write_text("\n".join(lines) + "\n")
    genes = {"ERBB2": [2, 1, 0], "PTEN": [-2, -1, 0, 0], "CCNE1": [2, 0, 0, 1],
             "KRAS": [2, -2, 0], "MYC": [2, 0]}
    order = [ids[i] for i in rng.permutation(n)][: n - 1]  # one sample without CNA
    rows = [f"{g}\t{k}\t" + "\t".join(str(rng.choice(v)) for _ in order)
            for k, (g, v) in enumerate(genes.items())]
    (folder / "data_cna.txt").write_text(
        "Hugo_Symbol\tEntrez_Gene_Id\t" + "\t".join(order) + "\n" + "\n".join(rows) + "\n")
    for name, (kind, datatype, data) in META.items():
        (folder / f"meta_{name}.txt").write_text(
            f"cancer_study_identifier: t\ngenetic_alteration_type: {kind}\n"
            f"datatype: {datatype}\nstable_id: {name}\ndata_filename: {data}\n")


def test_the_test_study_reads_the_same_both_ways() -> None:
    grouped, readers = _both(STUDY)
    assert grouped[0] is not None
    assert grouped == readers


@settings(max_examples=15, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(4, 40), extra=st.booleans())
def test_generated_studies_read_the_same_both_ways(tmp_path: Path, seed: int, n: int,
                                                   extra: bool) -> None:
    folder = tmp_path / f"s{seed}_{n}_{extra}"
    _study(folder, np.random.default_rng(seed), n, maf_extra=extra)
    grouped, readers = _both(folder)
    if grouped[0] is not None:  # None: a value a reader warns about; the readers read it
        assert grouped == readers
    else:
        assert any("read as unknown" in w for w in readers[1])


def test_separate_files_read_the_same_both_ways(tmp_path: Path) -> None:
    _study(tmp_path, np.random.default_rng(3), 30)
    files = {"maf": tmp_path / "data_mutations.txt", "cna": tmp_path / "data_cna.txt",
             "clinical": [tmp_path / "data_clinical_sample.txt",
                          tmp_path / "data_clinical_patient.txt"]}
    grouped, readers = _both(**files)
    assert grouped == readers


@pytest.mark.parametrize("fault", ["repeated id", "bad gene", "extra field", "canonical"])
def test_what_grouping_does_not_cover_is_read_by_the_readers(tmp_path: Path,
                                                             fault: str) -> None:
    _study(tmp_path, np.random.default_rng(5), 20)
    maf = tmp_path / "data_mutations.txt"
    if fault == "repeated id":
        sample = tmp_path / "data_clinical_sample.txt"
        lines = sample.read_text().splitlines()
        sample.write_text("\n".join([*lines, lines[-1]]) + "\n")
    elif fault == "bad gene":
        maf.write_text(maf.read_text() + "PIK 3CA\tMissense_Mutation\tS1\tp.H1047R\n")
    elif fault == "extra field":
        maf.write_text(maf.read_text() + "PIK3CA\tMissense_Mutation\tS1\tp.H1047R\tx\n")
    else:
        lines = maf.read_text().splitlines()
        maf.write_text("\n".join([lines[0], lines[1] + "\tCANONICAL",
                                  *(f"{line}\tYES" for line in lines[2:])]) + "\n")
    assert read_study_genotypes(tmp_path) is None
    try:
        expected = [(p.sample, genotype_of(p)) for p in load_profiles(tmp_path)]
    except ProfileError as exc:
        with pytest.raises(ProfileError) as raised:
            read_cohort(tmp_path, genotypes_only=True)
        assert str(raised.value) == str(exc) and exc.line is not None
        return
    profiles, _ = read_cohort(tmp_path, genotypes_only=True)
    assert [(p.sample, genotype_of(p)) for p in profiles] == expected


def _pairs(read: CohortGenotypes | None) -> list[tuple[str, object]] | None:
    return None if read is None else [(s, read.genotypes[c])
                                      for s, c in zip(read.samples, read.codes, strict=True)]


def test_chunk_boundaries_inside_the_files_give_the_same_genotypes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files read three lines and seven bytes at a time (CRLF ends, a BOM, characters of
    several bytes across block ends) give what one chunk and the readers give."""
    _study(tmp_path, np.random.default_rng(11), 30)
    sample = tmp_path / "data_clinical_sample.txt"
    lines = sample.read_text().splitlines()
    lines = [*lines[:4], lines[4] + "\tNOTE",
             *(f"{line}\tnaïve café {i} ✓" for i, line in enumerate(lines[5:]))]
    sample.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    whole = _pairs(read_study_genotypes(tmp_path))
    assert whole is not None
    assert whole == [(p.sample, genotype_of(p)) for p in load_profiles(tmp_path)]
    monkeypatch.setattr(fastread, "LINE_CHUNK", 3)
    monkeypatch.setattr(fastread, "BLOCK", 7)
    assert _pairs(read_study_genotypes(tmp_path)) == whole


@pytest.mark.parametrize("kind", ["maf", "clinical"])
def test_an_error_in_a_later_chunk_names_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 kind: str) -> None:
    """A bad line far past the first chunk: the error names that line of that file."""
    _study(tmp_path, np.random.default_rng(12), 30)
    monkeypatch.setattr(fastread, "LINE_CHUNK", 3)
    monkeypatch.setattr(fastread, "BLOCK", 64)
    path = tmp_path / ("data_mutations.txt" if kind == "maf" else "data_clinical_sample.txt")
    lines = path.read_text().splitlines()
    bad = len(lines) - 5  # 1-based number of the line made bad
    lines[bad - 1] += "\tone\ttoo many"
    path.write_text("\n".join(lines) + "\n")
    assert read_study_genotypes(tmp_path) is None
    with pytest.raises(ProfileError) as raised:
        read_cohort(tmp_path, genotypes_only=True)
    assert raised.value.line == bad and str(path) in str(raised.value)


_PIECES = ["a\tb", "x", "", "#c", "\r", "é", "✓", "\t", " ", "\x00", "\xff", "𝄞"]


@settings(max_examples=150, deadline=None)
@given(pieces=st.lists(st.sampled_from(_PIECES) | st.text(max_size=4), max_size=30),
       ends=st.lists(st.sampled_from(["\n", "\r\n", ""]), min_size=30, max_size=30),
       bom=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe"]), block=st.integers(1, 9),
       latin=st.booleans())
def test_the_streamed_lines_are_the_table_readers_lines(pieces: list[str], ends: list[str],
                                                       bom: bytes, block: int,
                                                       latin: bool) -> None:
    """Fuzz: the block-by-block decoder gives split_lines(read_text(...)) exactly, or
    declines (for the profile readers to read or refuse) where read_text refuses or would
    decode the bytes otherwise."""
    import tempfile

    from her2resist.profile._table import read_text, split_lines

    text = "".join(p + e for p, e in zip(pieces, ends, strict=False))
    data = bom + text.encode("latin-1" if latin and text.isascii() is False and all(
        ord(c) < 256 for c in text) else "utf-8", errors="surrogatepass")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.txt"
        path.write_bytes(data)
        try:
            expected: list[str] | None = split_lines(read_text(path))
        except ProfileError:
            expected = None
        old = fastread.BLOCK
        fastread.BLOCK = block
        try:
            got: list[str] | None = list(fastread._text_lines(path))
        except fastread._NotExact:
            got = None
        finally:
            fastread.BLOCK = old
    if got is not None:
        assert got == expected
    else:  # declined: only what read_text refuses or decodes as something else than UTF-8
        assert expected is None or b"\x00" in data or bom == b"\xff\xfe"
