"""The report's evidence index: looked-up answers equal to a scan, memory bounded."""

from __future__ import annotations

import pytest

from her2resist.report import evidence


def test_regimen_texts_kept_are_bounded_and_answers_unchanged(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Regimen texts come from users (the web service), so the index must not keep every one.
    first = evidence.regimen_evidence("trastuzumab", ["PTEN_loss"])
    assert first  # the knowledge base has evidence on trastuzumab in PTEN loss
    monkeypatch.setattr(evidence, "_MAX_REGIMENS", 8)
    kb, _ = evidence.knowledge_base()
    index = evidence._index(kb)
    for spaces in range(1, 41):  # texts no other test has asked for: each one is new
        text = " " * spaces + "trastuzumab" + " " * spaces
        assert evidence.regimen_evidence(text, ["PTEN_loss"]) == first
        assert len(index.drugs) <= 8
