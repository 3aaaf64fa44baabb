"""Indented JSON text, byte for byte what ``json.dumps(data, indent=2, ensure_ascii=False)``
writes, about three times faster.

The standard library's C encoder runs only without ``indent``; with it, ``json`` falls back to
a pure-Python encoder that passes every value up a chain of generators, one per level of
nesting.  :func:`dumps_indented` writes each value once into one list, with the C string
escaper (``json.encoder.encode_basestring``) and the same number formatting (``float.__repr__``,
``int.__repr__``, ``NaN``/``Infinity``), so the text is identical
(``tests/test_jsontext.py`` compares the two on reports and on random documents).  Like
``json.dumps`` with its defaults it encodes dicts (str, int, float, bool and None keys, in
insertion order), lists and tuples, str, int, float, bool and None, and refuses anything else
with ``TypeError``.

With the optional ``orjson`` (``pip install "her2resist[fast]"``) a document that is *plain*
is written by orjson's ``OPT_INDENT_2``, about ten times faster again: plain means str keys
only, exactly the built-in types above, and floats that ``float.__repr__`` writes without an
exponent (zero or 1e-4 <= |x| < 1e16; orjson writes ``1e-05`` as ``0.00001``, ``1e+16`` as
``1e16`` and NaN as ``null``), where orjson's text is json's byte for byte (the tests compare
both writers on the same documents).  Any other document, or any that orjson refuses (a
non-str key, an integer beyond 64 bits, a subclass, a cycle, nesting deeper than 255), is
written by the pure-Python writer as before.

Examples
--------
>>> print(dumps_indented({"a": [1, 2.5, None], "b": {}, "c": "é"}))
{
  "a": [
    1,
    2.5,
    null
  ],
  "b": {},
  "c": "é"
}
"""

from __future__ import annotations

from json.encoder import encode_basestring  # the C escaper where available
from typing import Any

try:
    import orjson
except ImportError:  # the [fast] extra is not installed: the pure-Python writer only
    orjson = None  # type: ignore[assignment]

__all__ = ["dumps_indented"]

_INFINITY = float("inf")
_float_repr = float.__repr__
_int_repr = int.__repr__


def _float_text(value: float) -> str:
    # json's floatstr with allow_nan=True.
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return _float_repr(value)


def _key_text(key: object) -> str:
    # json's key coercion with skipkeys=False.
    if isinstance(key, str):
        return encode_basestring(key)
    if isinstance(key, float):
        text = _float_text(key)
    elif key is True:
        text = "true"
    elif key is False:
        text = "false"
    elif key is None:
        text = "null"
    elif isinstance(key, int):
        text = _int_repr(key)
    else:
        raise TypeError(f"keys must be str, int, float, bool or None, not "
                        f"{key.__class__.__name__}")
    return encode_basestring(text)


def _plain(data: Any) -> bool:
    """Whether orjson writes ``data`` exactly as json does (see module docs)."""
    stack = [data]
    pop, extend = stack.pop, stack.extend
    while stack:
        value = pop()
        kind = type(value)
        if kind is str or kind is int or kind is bool or value is None:
            continue
        if kind is dict:
            extend(value.values())  # orjson refuses keys that are not str
        elif kind is list or kind is tuple:
            extend(value)
        elif kind is float:
            if value != 0.0 and not 1e-4 <= abs(value) < 1e16:  # also NaN and infinities
                return False
        else:
            return False
    return True


def _orjson_text(data: Any) -> str | None:
    """orjson's indented text of a plain document, or None where it may differ from json's."""
    if orjson is None:
        return None
    try:
        text: bytes = orjson.dumps(data, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError: let the Python writer answer as json would
        return None
    return text.decode() if _plain(data) else None


_ORJSON_OPTIONS = 0 if orjson is None else (
    orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME)


def dumps_indented(data: Any, indent: int = 2, *, fast: bool = True) -> str:
    """``json.dumps(data, indent=indent, ensure_ascii=False)``, faster (see module docs).

    ``fast=False`` always uses the pure-Python writer (the tests compare the two).

    Examples
    --------
    >>> import json
    >>> doc = {"x": [{"y": (1, True)}, [], "a,b]"], 3: -0.0}
    >>> dumps_indented(doc) == json.dumps(doc, indent=2, ensure_ascii=False)
    True
    >>> loop = []; loop.append(loop)
    >>> dumps_indented(loop)
    Traceback (most recent call last):
    ...
    ValueError: Circular reference detected
    """
    if fast and indent == 2:
        text = _orjson_text(data)
        if text is not None:
            return text
    out: list[str] = []
    append = out.append
    open_containers: set[int] = set()  # on the path from the root: a repeat is a cycle
    pads = ["\n" + " " * (indent * level) for level in range(32)]

    def pad(level: int) -> str:
        while level >= len(pads):
            pads.append("\n" + " " * (indent * len(pads)))
        return pads[level]

    def enter(container: object) -> None:
        if id(container) in open_containers:
            raise ValueError("Circular reference detected")  # json.dumps's error
        open_containers.add(id(container))

    def write(value: Any, level: int) -> None:
        if isinstance(value, str):
            append(encode_basestring(value))
        elif value is None:
            append("null")
        elif value is True:
            append("true")
        elif value is False:
            append("false")
        elif isinstance(value, int):
            append(_int_repr(value))
        elif isinstance(value, float):
            append(_float_text(value))
        elif isinstance(value, (list, tuple)):
            if not value:
                append("[]")
                return
            enter(value)
            inner = pad(level + 1)
            append("[" + inner)
            separator = "," + inner
            first = True
            for item in value:
                if first:
                    first = False
                else:
                    append(separator)
                write(item, level + 1)
            append(pad(level) + "]")
            open_containers.discard(id(value))
        elif isinstance(value, dict):
            if not value:
                append("{}")
                return
            enter(value)
            inner = pad(level + 1)
            append("{" + inner)
            separator = "," + inner
            first = True
            for key, item in value.items():
                if first:
                    first = False
                else:
                    append(separator)
                append(_key_text(key) + ": ")
                write(item, level + 1)
            append(pad(level) + "}")
            open_containers.discard(id(value))
        else:
            raise TypeError(f"Object of type {value.__class__.__name__} is not JSON "
                            "serializable")

    write(data, 0)
    return "".join(out)
