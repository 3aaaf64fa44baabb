"""Tab-separated text files as written by cBioPortal, TCGA and most pipelines.

Every problem becomes a :class:`~her2resist.exceptions.ProfileError` that names the file, the
line (from 1), the column and the value: bad encodings, NUL bytes, missing or repeated columns,
rows with too many fields, fields that are implausibly long.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from her2resist.common.text import decode_text, read_bounded
from her2resist.exceptions import ProfileError

#: A field longer than this is an error (a gene symbol or protein change is never this long).
MAX_FIELD = 10_000
#: Files larger than this (after decompression) are refused rather than read into memory.
MAX_BYTES = 2 * 1024**3


def read_text(path: str | Path) -> str:
    """The file's text, gzip-compressed or not, decoded as :func:`~her2resist.common.text.
    decode_text` does (UTF-8 with or without BOM, UTF-16/32 with a BOM; others refused).

    The file is read in chunks up to :data:`MAX_BYTES` (after decompression), so no buffer
    larger than the file itself is ever reserved.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("wb", suffix=".txt", delete=False) as fh:
    ...     _ = fh.write(b"a\\tb\\n")
    >>> read_text(fh.name)
    'a\\tb\\n'
    >>> os.unlink(fh.name)
    """
    with open(path, "rb") as fh:
        compressed = fh.read(2) == b"\x1f\x8b"
        fh.seek(0)
        if compressed:
            try:
                with gzip.GzipFile(fileobj=fh) as inner:
                    data = read_bounded(inner, MAX_BYTES)  # type: ignore[arg-type]
            except (OSError, EOFError, zlib.error) as exc:
                raise ProfileError(path, f"not a readable gzip file: {exc}") from None
        else:
            data = read_bounded(fh, MAX_BYTES)
    if len(data) > MAX_BYTES:
        raise ProfileError(path, f"larger than {MAX_BYTES} bytes; split it by sample")
    return decode_text(data, str(path), error=ProfileError)


def split_lines(text: str) -> list[str]:
    """Lines split on LF only (CRLF tolerated), so that line numbers match an editor's."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its line number and its fields by column name."""

    line: int
    fields: dict[str, str]

    def get(self, column: str | None) -> str:
        return self.fields.get(column, "") if column else ""


@dataclass(frozen=True, slots=True)
class Table:
    """A parsed tab-separated file."""

    path: str
    header: tuple[str, ...]
    header_line: int
    rows: tuple[Row, ...]
    comments: tuple[str, ...] = ()

    def find(self, *names: str) -> str | None:
        """The first of ``names`` that is a column (case-insensitive), as spelt in the file."""
        lowered = {h.lower(): h for h in self.header}
        for name in names:
            if name.lower() in lowered:
                return lowered[name.lower()]
        return None

    def require(self, what: str, *names: str) -> str:
        """Like :meth:`find`, but a missing column is an error naming the accepted names."""
        found = self.find(*names)
        if found is None:
            raise ProfileError(
                self.path, f"no {what} column: expected one of {', '.join(names)}; the header "
                f"has {', '.join(self.header[:20]) or 'no columns'}", line=self.header_line,
            )
        return found

    def error(self, row: Row, column: str, message: str) -> ProfileError:
        """An error about one cell, naming the file, line, column and value."""
        value = row.get(column)
        shown = value if len(value) <= 60 else value[:57] + "..."
        return ProfileError(self.path, f"{message} (got {shown!r})", line=row.line,
                            column=self._column_number(column), field=column)

    def _column_number(self, column: str) -> int | None:
        return self.header.index(column) + 1 if column in self.header else None

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)


def parse_table(path: str | Path, text: str | None = None, *, what: str) -> Table:
    """Parse a tab-separated file with a header line; lines starting with '#' are comments.

    ``what`` names the format in error messages ("MAF", "copy-number file", ...).
    """
    path = str(path)
    lines = split_lines(read_text(path) if text is None else text)
    comments: list[str] = []
    header_index = None
    for index, line in enumerate(lines):
        if line.startswith("#"):
            comments.append(line)
        elif line.strip():
            header_index = index
            break
    if header_index is None:
        raise ProfileError(path, f"empty {what}: no header line", line=1)
    header = _header(path, lines[header_index], header_index + 1)
    rows = [_row(path, header, line, number)
            for number, line in enumerate(lines[header_index + 1:], start=header_index + 2)
            if line.strip() and not line.startswith("#")]
    return Table(path, header, header_index + 1, tuple(rows), tuple(comments))


def _header(path: str, line: str, number: int) -> tuple[str, ...]:
    names = tuple(name.strip().strip('"') for name in line.split("\t"))
    seen: set[str] = set()
    for column, name in enumerate(names, start=1):
        if len(name) > MAX_FIELD:
            raise ProfileError(path, f"a header name is longer than {MAX_FIELD} characters",
                               line=number, column=column)
        if name in seen and name:
            raise ProfileError(path, f"column {name[:60]!r} appears twice in the header",
                               line=number, column=column)
        seen.add(name)
    return names


def _row(path: str, header: Sequence[str], line: str, number: int) -> Row:
    values = line.split("\t")
    if len(values) > len(header) and any(v.strip() for v in values[len(header):]):
        raise ProfileError(path, f"{len(values)} tab-separated fields but the header has "
                           f"{len(header)}", line=number, column=len(header) + 1)
    for column, value in enumerate(values[: len(header)], start=1):
        if len(value) > MAX_FIELD:
            raise ProfileError(path, f"a field of {len(value)} characters; at most {MAX_FIELD} "
                               "are accepted", line=number, column=column,
                               field=header[column - 1][:60])
    fields = {name: (values[i].strip() if i < len(values) else "")
              for i, name in enumerate(header)}
    return Row(number, fields)


def parse_number(table: Table, row: Row, column: str, *, accepted: str) -> float | None:
    """The cell as a float; empty and NA-like cells are None; anything else is an error."""
    value = row.get(column)
    if value.upper() in MISSING:
        return None
    try:
        number = float(value)
    except ValueError:
        raise table.error(row, column, f"not a number; expected {accepted}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise table.error(row, column, f"not a finite number; expected {accepted}")
    return number


#: Cell values read as "no value" (cBioPortal and TCGA spellings).
MISSING = frozenset({"", "NA", "NAN", "N/A", "NULL", "NONE", "-", ".", "[NOT AVAILABLE]",
                     "[NOT EVALUATED]", "[UNKNOWN]", "[NOT APPLICABLE]", "[DISCREPANCY]",
                     "[COMPLETED]", "[NOT REPORTED]", "UNKNOWN", "INDETERMINATE"})
