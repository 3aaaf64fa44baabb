"""``her2resist screen`` and ``her2resist targets``: output, files and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from her2resist.cli.main import _register_all, app

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
SAHIN = REFERENCE / "models" / "sahin2009.bnet"
CANDIDATES = "ERBB1,ERBB3,IGF1R,AKT1,MEK1,ERalpha,MYC,CyclinD1,CDK4,CDK6,CDK2,CyclinE1"

runner = CliRunner()
_register_all()


def test_targets_json_on_sahin_2009() -> None:
    if not SAHIN.is_file():
        pytest.skip(f"reference model {SAHIN} is absent")
    result = runner.invoke(app, ["targets", "--model", str(SAHIN), "--fix", "EGF=1", "--fix",
                                 "ERBB2=0", "--candidates", CANDIDATES, "--readout", "pRB1=0",
                                 "--max-size", "3", "--json", "--workers", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    found = {tuple(t["nodes"]) for t in data["targets"]}
    assert found == {("ERalpha",), ("MYC",), ("CyclinD1",), ("CDK4",), ("CDK6",),
                     ("ERBB1", "IGF1R"), ("AKT1", "MEK1")}
    assert data["targets"][0]["values"] == {data["targets"][0]["nodes"][0]: 0}
    assert isinstance(data["targets"][0]["drugs"], list)


def test_targets_table_figures_and_csv(tmp_path: Path) -> None:
    png, html, csv = tmp_path / "t.png", tmp_path / "t.html", tmp_path / "t.csv"
    result = runner.invoke(app, ["targets", "-a", "PTEN loss", "--candidates", "AKT,E2F,MYC",
                                 "--max-size", "2", "--figure", str(png), "--output", str(csv),
                                 "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # -o is the result: written there, not printed
    assert "AKT=0" in csv.read_text() and "capivasertib" in csv.read_text()
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert csv.read_text().splitlines()[0] == "size,nodes,values,drugs"
    result = runner.invoke(app, ["targets", "-a", "PTEN loss", "--candidates", "AKT,E2F",
                                 "--max-size", "1", "--figure", str(html), "--workers", "1"])
    assert result.exit_code == 0 and "<table>" in html.read_text()


def test_screen_json_and_heatmap(tmp_path: Path) -> None:
    figure = tmp_path / "screen.html"
    result = runner.invoke(app, ["screen", "-a", "PTEN loss", "--agents",
                                 "trastuzumab,AKT inhibitor,CDK4/6 inhibitor", "--json",
                                 "--top", "2", "--figure", str(figure), "--workers", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["agents"] == ["trastuzumab", "AKT inhibitor", "CDK4/6 inhibitor"]
    assert [row["rank"] for row in data["combinations"]] == [1, 2]
    assert data["top"][0]["trace"]
    assert "PTEN_loss" in figure.read_text()


def test_screen_table_output() -> None:
    result = runner.invoke(app, ["screen", "-a", "PTEN loss", "--agents", "trastuzumab,MEKi",
                                 "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "Best combinations" in result.stdout


def test_a_bad_node_setting_is_a_usage_error() -> None:
    result = runner.invoke(app, ["targets", "--fix", "EGF"])
    assert result.exit_code == 2 and "NODE=0 or NODE=1" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["targets", "--candidates", "NOPE", "--max-size", "1"], "Unknown candidate node 'NOPE'"),
        (["screen", "--agents", "aspirinn", "-a", "PTEN loss"], "Unknown drug or drug class"),
    ],
)
def test_errors_exit_1_without_traceback(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
