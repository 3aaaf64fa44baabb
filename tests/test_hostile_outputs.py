"""Issue 14, finding 9: every output of a command is written only when the whole command has
succeeded, all of them together; a failure late in the command (a figure that cannot be drawn
after the table was rendered, a rename that fails at the very end) leaves the old outputs as
they were and no temporary file behind."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli_inputs import PLATE, PROFILE, SCENARIO
from her2resist.cli.main import app
from her2resist.common import outputs
from her2resist.common.outputs import StagedOutputs, write_all

ROOT = Path(__file__).parents[1]
STUDY = ROOT / "tests" / "data" / "cohort" / "study"
TRIAL = ROOT / "examples" / "trials" / "neosphere.yaml"
OLD = "old output\n"


def _fail(*_: Any, **__: Any) -> Any:
    raise RuntimeError("drawing failed")


def _fail_second(real: Callable[..., Any]) -> Callable[..., Any]:
    calls = [0]

    def fake(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] >= 2:
            raise RuntimeError("drawing failed")
        return real(*args, **kwargs)

    return fake


def _fail_html(real: Callable[..., Any]) -> Callable[..., Any]:
    def fake(frame: Any, suffix: str, **kwargs: Any) -> Any:
        if suffix in (".html", ".htm"):
            raise RuntimeError("drawing failed")
        return real(frame, suffix, **kwargs)

    return fake


#: command line ({tmp} is the test's folder), the outputs it writes, the function that fails
#: late (module, name, how), the output rendered last (its rename is made to fail).
CASES = {
    "evolve": (["evolve", "{tmp}/s.yaml", "-n", "30", "--seed", "1", "-o", "{tmp}/x.json",
                "--table", "{tmp}/x.csv", "--figure", "{tmp}/x.png"],
               ["x.json", "x.csv", "x.png"], ("her2resist.evolution.plots", "summary_figure",
                                              _fail)),
    "synergy": (["synergy", str(PLATE), "--method", "bliss", "--plots", "{tmp}/plots", "-o",
                 "{tmp}/s.csv"],
                ["s.csv"], ("her2resist.synergy.plots", "heatmap_html", _fail_second)),
    "screen": (["screen", "-a", "PTEN loss", "--agents", "trastuzumab,lapatinib", "--workers",
                "1", "--no-progress", "--figure", "{tmp}/f.png", "-o", "{tmp}/s.html"],
               ["f.png", "s.html"], ("her2resist.screen.plots", "figure_bytes", _fail_html)),
    "targets": (["targets", "-a", "PTEN loss", "--candidates", "AKT,PI3K,MYC", "--max-size",
                 "1", "--workers", "1", "--no-progress", "--figure", "{tmp}/f.png", "-o",
                 "{tmp}/t.html"],
                ["f.png", "t.html"], ("her2resist.screen.plots", "figure_bytes", _fail_html)),
    "cohort": (["cohort", str(STUDY), "--regimen-column", "TREATMENT", "--outcome",
                "PATHOLOGIC_RESPONSE", "--min-patients", "2", "--no-progress", "--csv",
                "{tmp}/c.csv", "--html", "{tmp}/c.html", "-o", "{tmp}/c.json"],
               ["c.csv", "c.html", "c.json"], ("her2resist.cohort.html", "cohort_html", _fail)),
    "trial": (["trial", str(TRIAL), "--patients", "60", "--seed", "2", "--no-progress",
               "--html", "{tmp}/t.html", "-o", "{tmp}/t.json"],
              ["t.html", "t.json"], ("her2resist.cohort.trial_report", "trial_html", _fail)),
    "report": (["report", str(PROFILE), "--samples", "0", "-o", "{tmp}/r.html"], ["r.html"],
               ("her2resist.report", "render_html", _fail)),
    "model export": (["model", "export", "-f", "maboss", "-o", "{tmp}/m"], ["m.bnd", "m.cfg"],
                     None),
}


def _setup(tmp_path: Path, names: list[str]) -> list[str]:
    (tmp_path / "s.yaml").write_text(SCENARIO, encoding="utf-8")
    for name in names:
        (tmp_path / name).write_text(OLD)
    return sorted(p.name for p in tmp_path.iterdir())


def _argv(args: list[str], tmp_path: Path) -> list[str]:
    return [a.replace("{tmp}", str(tmp_path)) for a in args]


def _assert_untouched(tmp_path: Path, before: list[str], names: list[str]) -> None:
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no temporary file, no folder
    for name in names:
        assert (tmp_path / name).read_text() == OLD, name


@pytest.mark.parametrize("command", [c for c, case in CASES.items() if case[2] is not None])
def test_a_late_drawing_failure_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               command: str) -> None:
    import importlib

    args, names, (module, name, how) = CASES[command]
    before = _setup(tmp_path, names)
    target = importlib.import_module(module)
    real = getattr(target, name)
    monkeypatch.setattr(target, name, how if how is _fail else how(real))
    result = CliRunner().invoke(app, _argv(args, tmp_path))
    assert result.exit_code == 3, result.output
    assert "drawing failed" in result.output and "Traceback" not in result.output
    _assert_untouched(tmp_path, before, names)


@pytest.mark.parametrize("command", list(CASES))
def test_a_failed_last_rename_puts_the_old_outputs_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    args, names, _ = CASES[command]
    before = _setup(tmp_path, names)
    last = Path(_argv(args, tmp_path)[-1])
    last = last if last.suffix else last.with_suffix(".cfg")
    real = os.replace

    def replace(src: Any, dst: Any) -> None:
        if Path(dst) == last:
            raise PermissionError(13, "Permission denied")
        real(src, dst)

    monkeypatch.setattr(outputs.os, "replace", replace)
    result = CliRunner().invoke(app, _argv(args, tmp_path))
    assert result.exit_code == 1, result.output
    assert str(last) in result.output.replace("\n", "") and ".part" not in result.output
    _assert_untouched(tmp_path, before, names)


@pytest.mark.parametrize("command", list(CASES))
def test_each_command_writes_all_its_outputs_on_success(tmp_path: Path, command: str) -> None:
    args, names, _ = CASES[command]
    _setup(tmp_path, names)
    result = CliRunner().invoke(app, _argv(args, tmp_path))
    assert result.exit_code == 0, result.output
    for name in names:
        assert (tmp_path / name).read_bytes() != OLD.encode(), name
    assert not [p for p in tmp_path.rglob(".*") if p.is_file()]  # no temporary left
    if command == "synergy":
        assert len(list((tmp_path / "plots").iterdir())) == 6


def test_staged_outputs_remove_the_folders_they_made(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), StagedOutputs() as staged:
        staged.add(tmp_path / "new" / "deeper" / "a.png", b"x")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_staged_outputs_refuse_one_path_twice(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="written twice"):
        write_all([(tmp_path / "a.txt", "1"), (tmp_path / "a.txt", "2")])
    assert list(tmp_path.iterdir()) == []


def test_a_write_error_names_the_users_path(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(OSError) as info:
        write_all([(tmp_path / "ok.txt", "1"), (tmp_path / "file" / "out.json", "{}")])
    assert info.value.filename == str(tmp_path / "file" / "out.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


@pytest.mark.parametrize("args", [
    ["evolve", "{tmp}/s.yaml", "-o", "{tmp}/x.csv", "--table", "{tmp}/x.csv"],
    ["screen", "-a", "PTEN loss", "-o", "{tmp}/f.png", "--figure", "{tmp}/f.png"],
    ["cohort", str(STUDY), "-o", "{tmp}/c.csv", "--csv", "{tmp}/c.csv"],
])
def test_one_path_for_two_outputs_is_refused_before_computing(tmp_path: Path,
                                                              args: list[str]) -> None:
    before = _setup(tmp_path, [])
    result = CliRunner().invoke(app, _argv(args, tmp_path))
    assert result.exit_code == 2, result.output
    assert "give each output its own file" in " ".join(result.output.replace("│", " ").split())
    assert sorted(p.name for p in tmp_path.iterdir()) == before
