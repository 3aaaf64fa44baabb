"""profile/_table.read_text: bounded reads (no 2 GiB reservation), one decoder for every
reader (common.text.decode_text), gzip with the same bound."""

from __future__ import annotations

import gzip
import tracemalloc
from pathlib import Path

import pytest

from her2resist.exceptions import ProfileError
from her2resist.profile import _table
from her2resist.profile._table import read_text


def test_small_file_reserves_no_large_buffer(tmp_path: Path) -> None:
    path = tmp_path / "cna.txt"
    path.write_bytes(b"Hugo_Symbol\tT1\nERBB2\t2\n")
    tracemalloc.start()
    try:
        assert read_text(path) == "Hugo_Symbol\tT1\nERBB2\t2\n"
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024**2  # a read(MAX_BYTES + 1) reserves 2 GiB


def test_utf16_and_bom_are_decoded_as_every_other_reader_does(tmp_path: Path) -> None:
    utf16 = tmp_path / "excel.txt"
    utf16.write_bytes("Hugo_Symbol\tT1\nERBB2\t2\n".encode("utf-16"))
    assert read_text(utf16).startswith("Hugo_Symbol\tT1")
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbfa\tb\n")
    assert read_text(bom) == "a\tb\n"


def test_undecodable_byte_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"a\tb\nc\t\xe9\n")
    with pytest.raises(ProfileError, match=r"latin1.txt, line 2, column 3: not UTF-8 text: "
                                           r"byte 0xe9"):
        read_text(path)


def test_gzip_read_with_the_same_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                       ) -> None:
    path = tmp_path / "t.txt.gz"
    path.write_bytes(gzip.compress(b"x" * 5000))
    assert len(read_text(path)) == 5000
    monkeypatch.setattr(_table, "MAX_BYTES", 4096)
    with pytest.raises(ProfileError, match="larger than 4096 bytes"):
        read_text(path)
    broken = tmp_path / "broken.gz"
    broken.write_bytes(gzip.compress(b"abc" * 100)[:20])
    with pytest.raises(ProfileError, match="not a readable gzip file"):
        read_text(broken)


def test_plain_file_over_the_bound_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    monkeypatch.setattr(_table, "MAX_BYTES", 100)
    path = tmp_path / "big.txt"
    path.write_bytes(b"a\n" * 51)
    with pytest.raises(ProfileError, match="larger than 100 bytes"):
        read_text(path)
    path.write_bytes(b"a\n" * 50)
    assert read_text(path) == "a\n" * 50
