"""Text from files and for messages: decoding with clear refusals, short excerpts.

Examples
--------
>>> excerpt({"samples": list(range(1000))})
"{'samples': [...]}"
"""

from __future__ import annotations

import codecs
from typing import Any, BinaryIO

from her2resist.exceptions import InputFileError


def excerpt(value: Any, limit: int = 60) -> str:
    """A short ``repr`` of ``value`` for an error message (never the whole input).

    Examples
    --------
    >>> excerpt("x" * 100, limit=12)
    "'xxxxxxxx..."
    >>> excerpt([1, 2])
    '[1, 2]'
    """
    if isinstance(value, (dict, list)) and len(value) > limit:
        return f"<{type(value).__name__} of {len(value)} items>"
    text = repr(value) if not isinstance(value, (dict, list)) else _short_container(value, limit)
    return text if len(text) <= limit else text[: max(limit - 3, 1)] + "..."


def _short_container(value: dict[Any, Any] | list[Any], limit: int) -> str:
    # repr() of a container built from aliases can be enormous: build only what is shown.
    parts: list[str] = []
    size = 2
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        inner = "{...}" if isinstance(item, dict) else "[...]" if isinstance(item, list) \
            else repr(item)
        part = f"{key!r}: {inner}" if isinstance(value, dict) else inner
        parts.append(part)
        size += len(part) + 2
        if size > limit:
            break
    open_, close = ("{", "}") if isinstance(value, dict) else ("[", "]")
    return open_ + ", ".join(parts) + close


def decode_text(data: bytes, source: object, *, error: type[InputFileError] = InputFileError
                ) -> str:
    """Decode a file's bytes: UTF-8 (BOM dropped), or UTF-16/UTF-32 announced by a BOM.

    Other encodings are refused with the line and column of the first undecodable byte.

    Examples
    --------
    >>> decode_text("a: ü".encode("utf-16"), "x.yaml")
    'a: ü'
    >>> decode_text(b"a: 1\\nb: \\xff", "x.yaml")
    Traceback (most recent call last):
    ...
    her2resist.exceptions.InputFileError: x.yaml, line 2, column 4: not UTF-8 text: byte 0xff \
cannot be decoded; save the file as UTF-8
    """
    boms = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
            (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
            (codecs.BOM_UTF16_BE, "utf-16"))
    codec = next((name for bom, name in boms if data.startswith(bom)),
                 "utf-16" if _looks_utf16(data) else "utf-8")
    try:
        if codec == "utf-16" and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            codec = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        if codec != "utf-8":
            raise error(source, f"not valid {codec.upper()} text (from byte {exc.start}); "
                        "save the file as UTF-8") from None
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error(source, f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded; "
                    "save the file as UTF-8", line=line, column=column) from None
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise error(source, "contains a NUL byte: a binary file, not text", line=line,
                    column=nul - (text.rfind("\n", 0, nul) + 1) + 1)
    return text


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a BOM: ASCII text with a zero byte beside every character."""
    head = data[:200]
    return len(head) >= 4 and (head[1::2].count(0) > 0.9 * (len(head) // 2)
                               or head[0::2].count(0) > 0.9 * (len(head) // 2))


def html_text(value: object) -> str:
    """The one escaping rule for every HTML and SVG the package writes: text and attribute
    values alike (``&``, ``<``, ``>``, both quotes).

    Examples
    --------
    >>> html_text('x"><script>alert(1)</script>')
    'x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;'
    """
    import html

    return html.escape(str(value), quote=True)


def read_bounded(fh: BinaryIO, max_bytes: int) -> bytes:
    """At most ``max_bytes + 1`` bytes of ``fh``, in chunks: ``read(n)`` would reserve ``n``
    bytes up front, whatever the file's size."""
    chunks: list[bytes] = []
    size = 0
    while size <= max_bytes:
        chunk = fh.read(min(1 << 20, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
