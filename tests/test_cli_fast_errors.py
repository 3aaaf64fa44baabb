"""The plain one-shot ``predict`` (cli/_fast.py) runs a failing command once.

It used to hand every error back to typer, which ran the whole command a second time to
report it. The prediction is counted here (a wrapper around ``prediction_record``, which both
paths call once per run).
"""

from __future__ import annotations

import sys
import warnings

import pytest

import her2resist.predict.record as record_module
from her2resist.exceptions import EngineError


class Counted:
    """``prediction_record`` counting its calls, raising ``failure`` when one is set."""

    def __init__(self) -> None:
        self.calls = 0
        self.failure: Exception | None = None
        self.real = record_module.prediction_record

    def __call__(self, *args: object, **kwargs: object) -> object:
        self.calls += 1
        if self.failure is not None:
            raise self.failure
        return self.real(*args, **kwargs)


@pytest.fixture()
def counted(monkeypatch: pytest.MonkeyPatch) -> Counted:
    wrapper = Counted()
    monkeypatch.setattr(record_module, "prediction_record", wrapper)
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)  # main() replaces it
    return wrapper


def _main(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    from her2resist.cli.main import main

    monkeypatch.setattr(sys, "argv", ["her2resist", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    return int(exit_info.value.code or 0)


def test_an_unknown_alteration_is_reported_once_with_exit_1(
        monkeypatch: pytest.MonkeyPatch, counted: Counted, capsys: pytest.CaptureFixture) -> None:
    code = _main(monkeypatch, "predict", "-r", "trastuzumab", "-a", "PTEN los")
    assert code == 1
    assert counted.calls == 1  # the prediction was attempted once, not again through typer
    err = capsys.readouterr().err
    assert err.count("Unknown alteration 'PTEN los'") == 1 and err.startswith("Error:")


def test_an_engine_failure_is_reported_once_with_exit_3(
        monkeypatch: pytest.MonkeyPatch, counted: Counted, capsys: pytest.CaptureFixture) -> None:
    counted.failure = EngineError("the solver gave up")
    code = _main(monkeypatch, "predict", "-r", "trastuzumab", "--engine", "most-permissive")
    assert code == 3
    assert counted.calls == 1
    assert capsys.readouterr().err.strip() == "Engine error: the solver gave up"


def test_traceback_raises_the_error_itself_once(
        monkeypatch: pytest.MonkeyPatch, counted: Counted) -> None:
    from her2resist.cli.main import main

    counted.failure = RuntimeError("a bug")
    monkeypatch.setattr(sys, "argv", ["her2resist", "predict", "-r", "trastuzumab",
                                      "--traceback"])
    with pytest.raises(RuntimeError, match="a bug"):
        main()
    assert counted.calls == 1


def test_a_usage_error_is_left_to_typer_before_any_prediction(
        monkeypatch: pytest.MonkeyPatch, counted: Counted, capsys: pytest.CaptureFixture) -> None:
    code = _main(monkeypatch, "predict", "-r", "trastuzumab", "--context", "mouse")
    assert code == 2
    assert counted.calls == 0  # refused by the checks made before any computation
    assert "must be patient or culture; got 'mouse'" in capsys.readouterr().err
