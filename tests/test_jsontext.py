"""The fast indented JSON writer gives json.dumps(indent=2, ensure_ascii=False)'s bytes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    assert dumps_indented(doc) == json.dumps(doc, indent=2, ensure_ascii=False)


def test_a_report_is_written_byte_for_byte_as_json_does() -> None:
    from her2resist.profile import TumourProfile
    from her2resist.report import build_report

    report = build_report(TumourProfile.from_alterations("T1", ["PTEN loss"]),
                          regimens=["trastuzumab"], standard=False, graded=None)
    data = {"reports": [report.to_dict()], "brackets": "a[b]{c},d\"e\\ \u2028 é"}
    assert dumps_indented(data) == json.dumps(data, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("bad", [{"x": object()}, {(1, 2): 1}, [b"bytes"]])
def test_what_json_refuses_is_refused(bad: object) -> None:
    with pytest.raises(TypeError):
        json.dumps(bad, indent=2)
    with pytest.raises(TypeError):
        dumps_indented(bad)
