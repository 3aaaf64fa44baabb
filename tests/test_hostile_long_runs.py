"""Issue 14, finding 4: long runs have a documented ceiling (refused above it, naming what to
lower), an estimate shown before a large run, and progress while they run.

The estimates are checked from their work units and calibrated unit costs, never by timing a
run; the ceilings by the work a command line asks for.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli_inputs import SCENARIO
from her2resist.cli import _long_runs
from her2resist.cli._long_runs import (
    duration,
    evolve_workload,
    screen_workload,
    simulate_workload,
    targets_workload,
)
from her2resist.cli.main import app

runner = CliRunner()


def _scenario(tmp_path: Path, text: str = SCENARIO) -> str:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_work_units_and_estimates() -> None:
    work = evolve_workload(10_000, 30 / 0.25, 2, workers=2)
    assert work.units == 10_000 * 120 * 2
    assert work.seconds == pytest.approx(work.units * _long_runs.EVOLVE_STEP_SECONDS / 2)
    assert simulate_workload(1000, 40).units == 2 * 1000 * 40
    assert screen_workload(25, 21, 2, workers=4).units == 25 * (21 + 210)
    assert screen_workload(1, 21, 2, workers=4).workers == 1  # one genotype: one task
    assert targets_workload(1, 47, 3, workers=1).units == 47 + 1081 + 16215


@pytest.mark.parametrize("seconds, text", [(0.2, "under 1 s"), (9.6, "about 10 s"),
                                           (130, "about 2 min"), (7200, "about 2 h"),
                                           (5 * 86400, "about 5 days")])
def test_duration_words(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_estimate_is_printed_before_a_large_run(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # A unit cost a million times the calibrated one makes this small run "large".
    monkeypatch.setattr(_long_runs, "EVOLVE_STEP_SECONDS", 1.0)
    result = runner.invoke(app, ["evolve", _scenario(tmp_path), "-n", "20", "--seed", "1",
                                 "--workers", "1", "--json"])
    assert result.exit_code == 0, result.output
    assert "About 40 min for 20 tumours; Ctrl-C to stop." in result.stderr
    assert json.loads(result.stdout)["tumours"] == 20
    quiet = runner.invoke(app, ["evolve", _scenario(tmp_path), "-n", "20", "--seed", "1",
                                "--workers", "1", "--no-progress"])
    assert "Ctrl-C" not in quiet.output


def test_no_estimate_for_a_small_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["evolve", _scenario(tmp_path), "-n", "20", "--seed", "1"])
    assert result.exit_code == 0 and "Ctrl-C" not in result.output


@pytest.mark.parametrize("args, option, words", [
    (["simulate", "--samples", "1000000", "--max-time", "5000"], "--samples",
     ("above the ceiling of 2e+09", "lower --samples or --max-time")),
    (["targets", "--max-size", "6"], "--max-size",
     ("candidate sets of up to 6", "above the ceiling of 5e+06", "--candidates")),
    (["targets", "--all-genotypes", "--max-size", "5"], "--max-size", ("--candidates",)),
    (["evolve", "{scenario}", "-n", "1000000"], "--tumours",
     ("3e+10 tumour-steps", "lower --tumours", "larger dt")),
])
def test_runs_above_the_ceiling_are_refused_before_they_start(
        tmp_path: Path, args: list[str], option: str, words: tuple[str, ...]) -> None:
    scenario = _scenario(tmp_path, SCENARIO.replace("dt: 0.25", "dt: 0.001"))
    result = runner.invoke(app, [a.replace("{scenario}", scenario) for a in args])
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.replace("│", " ").split())
    assert option in text and "Traceback" not in text
    for word in words:
        assert word in text, (word, text)


def test_screen_ceiling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_long_runs, "SCREEN_CEILING", 20)
    result = runner.invoke(app, ["screen", "-a", "PTEN loss", "--agents",
                                 "trastuzumab,lapatinib,neratinib,alpelisib,everolimus,"
                                 "palbociclib", "--max-size", "3"])
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.replace("│", " ").split())
    assert "41 combination scores" in text and "fewer --agents" in text


def test_the_documented_ceilings() -> None:
    """The ceilings that README and --help quote."""
    assert (_long_runs.EVOLVE_CEILING, _long_runs.SIMULATE_CEILING, _long_runs.SCREEN_CEILING,
            _long_runs.TARGETS_CEILING) == (1e10, 2e9, 500_000, 5_000_000)
    # On the project's model, --max-size 5 stays under the ceiling and 6 is above it.
    from her2resist.screen.setup import resolve_model
    from her2resist.screen.targets import default_candidates

    candidates = len(default_candidates(resolve_model(None), {"Proliferation": 0}))
    assert targets_workload(1, candidates, 5, workers=1).units <= _long_runs.TARGETS_CEILING
    assert targets_workload(1, candidates, 6, workers=1).units > _long_runs.TARGETS_CEILING
    assert screen_workload(25, 21, 3, workers=1).units <= _long_runs.SCREEN_CEILING


def test_progress_lines_when_asked_and_not_a_terminal(tmp_path: Path) -> None:
    result = runner.invoke(app, ["evolve", _scenario(tmp_path), "-n", "30", "--seed", "1",
                                 "--workers", "1", "--progress", "--json"])
    assert result.exit_code == 0, result.output
    assert "Simulating small: 30/30 done" in result.stderr
    assert json.loads(result.stdout)["tumours"] == 30


def test_progress_is_silent_by_default_off_a_terminal(tmp_path: Path) -> None:
    result = runner.invoke(app, ["targets", "-a", "PTEN loss", "--candidates", "AKT,PI3K",
                                 "--max-size", "2", "--workers", "1", "--json"])
    assert result.exit_code == 0, result.output
    assert "done" not in result.stderr
    forced = runner.invoke(app, ["targets", "-a", "PTEN loss", "--candidates", "AKT,PI3K",
                                 "--max-size", "2", "--workers", "1", "--json", "--progress"])
    assert "Searching targets: 3/3 done" in forced.stderr


def test_progress_mode_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    from her2resist.cli._long_runs import progress_mode

    monkeypatch.setattr(type(_long_runs.err_console), "is_terminal", property(lambda _: True))
    assert progress_mode(None, "table", True) == "bar"
    assert progress_mode(None, "json", True) == "off"  # a JSON pipeline stays silent
    assert progress_mode(None, "json", False) == "bar"  # JSON to a file: the bar is harmless
    assert progress_mode(True, "json", True) == "bar"
    assert progress_mode(False, "table", True) == "off"


def test_evolution_progress_does_not_change_the_result(tmp_path: Path) -> None:
    from her2resist.evolution import read_scenario, simulate

    scenario = read_scenario(Path(_scenario(tmp_path)))
    seen: list[tuple[int, int]] = []
    with_bar = simulate(scenario, tumours=40, seed=5, progress=lambda d, t: seen.append((d, t)))
    plain = simulate(scenario, tumours=40, seed=5)
    assert with_bar.tumours.equals(plain.tumours)
    assert seen[-1] == (40, 40) and all(t == 40 for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
