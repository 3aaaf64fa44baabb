"""A cohort's reports are built with the cyclic collector paused, and it is on again after."""

from __future__ import annotations

import gc
import weakref

import pytest

from her2resist.common.collector import collector_paused
from her2resist.profile import TumourProfile
from her2resist.report import build


def test_reports_are_built_with_the_collector_paused_and_it_is_restored(monkeypatch) -> None:
    seen = []
    inner = build._build_reports

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return inner(*args, **kwargs)

    monkeypatch.setattr(build, "_build_reports", spy)
    assert gc.isenabled()
    (report,) = build.build_reports([TumourProfile.from_alterations("A", ["PTEN loss"])],
                                    regimens=["trastuzumab"], standard=False, graded=None)
    assert seen == [False] and gc.isenabled()
    assert report.regimens[0].response_class == "resistant"


def test_the_collector_is_restored_after_an_error_and_left_off_if_it_was_off() -> None:
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_objects_made_while_paused_are_aged_not_frozen_and_loops_among_them_still_freed() -> None:
    class Node:
        pass

    with collector_paused():
        kept = [[i] for i in range(20_000)]  # would trigger young passes once on again
        loop = Node()
        loop.me = loop  # type: ignore[attr-defined]
        alive = weakref.ref(loop)
        del loop
    assert gc.get_count()[0] < 700 and gc.get_freeze_count() == 0
    assert alive() is not None  # a loop: reference counting alone does not free it
    gc.collect()
    assert alive() is None and len(kept) == 20_000
