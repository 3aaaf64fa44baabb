"""``her2resist evolve``: output, exit codes, atomic files, no tracebacks."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from her2resist.cli import evolve_cmd

EXAMPLES = Path(__file__).parents[1] / "examples" / "evolution"
SMALL = """\
name: small
base: {birth: 1.0, death: 0.5}
types:
  - name: S
    drugs: {A: {death: 2.0}}
  - name: R
    alterations: [PIK3CA H1047R]
mutations:
  - {from: S, to: R, rate: 1.0e-5}
start: {S: 1}
detection_size: 1.0e4
dt: 0.25
max_time: 60
schedule: {kind: continuous, drugs: [A]}
"""


@pytest.fixture
def app() -> typer.Typer:
    application = typer.Typer()

    @application.callback()
    def _root() -> None:
        """Test application."""

    evolve_cmd.register(application)
    return application


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def test_json_has_the_headline_numbers(app: typer.Typer, scenario: Path) -> None:
    run = CliRunner().invoke(
        app, ["evolve", str(scenario), "--tumours", "200", "--seed", "1", "--json"]
    )
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    assert 0.0 < data["p_eradication"] < 1.0
    assert data["median_time_to_progression"] is None or data["median_time_to_progression"] > 0
    assert set(data["composition_at_progression"]) == {"S", "R"}
    assert data["composition_at_progression"]["R"]["alterations"] == "PIK3CA H1047R"
    assert data["tumours"] == 200 and data["seed"] == 1


def test_same_seed_same_output_and_files_written(
    app: typer.Typer, scenario: Path, tmp_path: Path
) -> None:
    args = ["evolve", str(scenario), "-n", "100", "--seed", "4", "--json"]
    first = CliRunner().invoke(app, args)
    out, table, fig = tmp_path / "s.json", tmp_path / "t.csv", tmp_path / "f.png"
    second = CliRunner().invoke(
        app, [*args, "-o", str(out), "--table", str(table), "--figure", str(fig)]
    )
    assert second.exit_code == 0, second.output
    # -o writes the result there instead of standard output.
    assert json.loads(out.read_text()) == json.loads(first.stdout)
    assert second.stdout == ""
    assert table.read_text().splitlines()[0].startswith("replicate,outcome,time")
    assert fig.read_bytes()[:4] == b"\x89PNG"


def test_rich_summary(app: typer.Typer, scenario: Path) -> None:
    run = CliRunner().invoke(app, ["evolve", str(scenario), "-n", "50", "--seed", "2"])
    assert run.exit_code == 0
    assert "P(eradication)" in run.output and "Clone composition at progression" in run.output


def test_bad_scenario_exits_1_with_one_message(app: typer.Typer, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("rate: 1.0e-5", "rate: lots"), encoding="utf-8")
    run = CliRunner().invoke(app, ["evolve", str(bad)])
    assert run.exit_code == 1
    assert "line 9" in run.output and "mutations.0.rate" in run.output
    assert "Traceback" not in run.output


def test_missing_file_exits_1(app: typer.Typer, tmp_path: Path) -> None:
    run = CliRunner().invoke(app, ["evolve", str(tmp_path / "nope.yaml")])
    assert run.exit_code == 1 and "nope.yaml" in run.output and "Traceback" not in run.output


def test_regimen_without_model_fails_with_one_line(
    app: typer.Typer, scenario: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "her2resist.predict", types.ModuleType("her2resist.predict"))
    run = CliRunner().invoke(app, ["evolve", str(scenario), "--regimen", "trastuzumab"])
    assert run.exit_code == 3  # an engine that is not available: exit 3
    assert "--regimen needs the mechanistic model" in run.output
    assert "Traceback" not in run.output


def test_regimen_takes_rates_from_model_scores(
    app: typer.Typer, scenario: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = types.ModuleType("her2resist.predict")
    fake.predict_response = lambda alterations, regimen: types.SimpleNamespace(  # type: ignore[attr-defined]
        score=0.0 if alterations else 1.0
    )
    monkeypatch.setitem(sys.modules, "her2resist.predict", fake)
    run = CliRunner().invoke(
        app,
        [
            "evolve",
            str(scenario),
            "-n",
            "50",
            "--seed",
            "3",
            "--regimen",
            "trastuzumab+pertuzumab",
            "--json",
        ],
    )
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    assert data["scenario"].endswith("under trastuzumab+pertuzumab")
