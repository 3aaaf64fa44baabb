"""The fast indented JSON writer gives json.dumps(indent=2, ensure_ascii=False)'s bytes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from her2resist.common import jsontext
from her2resist.common.jsontext import dumps_indented

_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
            | st.text(alphabet=st.characters(), max_size=12))
_KEYS = st.text(max_size=6) | st.integers() | st.floats() | st.booleans() | st.none()
_DOCS = st.recursive(
    _SCALARS,
    lambda inner: (st.lists(inner, max_size=4) | st.tuples(inner, inner)
                   | st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=40)


@settings(max_examples=300, deadline=None)
@given(_DOCS)
def test_random_documents_are_written_byte_for_byte_as_json_does(doc: object) -> None:
    expected = json.dumps(doc, indent=2, ensure_ascii=False)
    assert dumps_indented(doc) == expected
    assert dumps_indented(doc, fast=False) == expected


_EDGES = [1e-05, -2.5e-07, 1e16, 1.5e300, 9999999999999998.0, 0.0001, -0.0, 5e-324,
          float("nan"), float("inf"), -float("inf"), 2**64, -(2**63) - 1, "\x7f\u2028\x00"]


@pytest.mark.parametrize("value", _EDGES, ids=repr)
def test_values_orjson_writes_otherwise_are_written_as_json_does(value: object) -> None:
    doc = {"a": [value, {"b": (value, 0.5)}]}
    assert dumps_indented(doc) == json.dumps(doc, indent=2, ensure_ascii=False)


def test_the_plain_check_sends_what_orjson_writes_otherwise_to_the_python_writer() -> None:
    import enum

    class Colour(enum.IntEnum):
        RED = 1

    class Name(str):
        pass

    assert jsontext._plain({"a": [1, 2.5, None, True, "x", (0.0, 1e-4)]})
    for odd in (float("nan"), 1e16, 1e-05, Colour.RED, Name("x"), object()):
        assert not jsontext._plain({"a": [odd]})
    doc = {Name("k"): [Colour.RED, Name("v")]}
    assert dumps_indented(doc) == json.dumps(doc, indent=2, ensure_ascii=False)


def test_without_orjson_the_python_writer_gives_the_same_text(monkeypatch) -> None:
    doc = {"x": [{"y": (1, True)}, [], "a,b]", 2.5e-07], "z": {}}
    fast = dumps_indented(doc)
    monkeypatch.setattr(jsontext, "orjson", None)
    assert dumps_indented(doc) == fast == json.dumps(doc, indent=2, ensure_ascii=False)


def test_a_report_is_written_byte_for_byte_as_json_does() -> None:
    from her2resist.profile import TumourProfile
    from her2resist.report import build_report

    report = build_report(TumourProfile.from_alterations("T1", ["PTEN loss"]),
                          regimens=["trastuzumab"], standard=False, graded=None)
    data = {"reports": [report.to_dict()], "brackets": "a[b]{c},d\"e\\ \u2028 é"}
    expected = json.dumps(data, indent=2, ensure_ascii=False)
    assert jsontext._plain(data)  # so orjson writes it, where installed
    assert dumps_indented(data) == expected
    assert dumps_indented(data, fast=False) == expected


@pytest.mark.parametrize("bad", [{"x": object()}, {(1, 2): 1}, [b"bytes"]])
def test_what_json_refuses_is_refused(bad: object) -> None:
    with pytest.raises(TypeError):
        json.dumps(bad, indent=2)
    with pytest.raises(TypeError):
        dumps_indented(bad)
    with pytest.raises(TypeError):
        dumps_indented(bad, fast=False)


def test_where_orjson_is_installed_it_writes_plain_documents() -> None:
    # Guards the speed claim: a plain document (non-ASCII and control characters, big ints,
    # nesting) goes through orjson, not silently through the Python writer, with json's bytes.
    pytest.importorskip("orjson")
    doc = {"é\u2028\x1f": [2**63, -(2**63), 0.1, -0.0, {"k": [[], {}]}], "n": None}
    text = jsontext._orjson_text(doc)
    assert text is not None
    assert text == json.dumps(doc, indent=2, ensure_ascii=False)
    assert jsontext._orjson_text({"x": float("nan")}) is None  # orjson would write null
