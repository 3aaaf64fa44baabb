import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from her2resist.cli.main import _register_all, app

runner = CliRunner()
_register_all()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_predict_json() -> None:
    result = invoke("predict", "-a", "PTEN loss", "-r", "trastuzumab + everolimus", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["class"] == "sensitive"
    assert data["alterations"] == ["PTEN_loss"]
    assert data["trace"][0]["node"] == "Proliferation"


def test_predict_text_names_the_mechanism() -> None:
    result = invoke("predict", "-a", "PTEN loss", "-r", "trastuzumab")
    assert result.exit_code == 0
    assert "resistant" in result.stdout and "PTEN_loss" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (("predict", "-r", "trastuzumb"), "Unknown drug or drug class 'trastuzumb'"),
        (("predict", "-a", "PTEN los", "-r", "trastuzumab"), "Unknown alteration 'PTEN los'"),
    ],
)
def test_bad_input_gives_one_paragraph_and_exit_1(args, message) -> None:
    result = invoke(*args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("args, message", [
    (("predict", "-r", "trastuzumab", "--set", "Immune"), "NODE=0 or NODE=1"),
    (("predict", "-r", "trastuzumab", "--engine", "mp2"), "must be one of"),
])
def test_a_bad_option_value_is_a_usage_error_exit_2(args, message) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "get_engine" not in result.stderr


def test_traceback_flag_shows_the_stack() -> None:
    result = invoke("--traceback", "predict", "-r", "trastuzumb")
    assert result.exit_code != 0
    assert result.exception is not None


def test_validate_json_and_exit_code(tmp_path: Path) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text(
        "id,alterations,regimen,expected,ref_alterations,ref_regimen,source\n"
        "A,PTEN loss,trastuzumab,resistant,,,x\n"
        "B,,trastuzumab + lapatinib,higher_than,,trastuzumab,x\n"
    )
    result = invoke("validate", str(cases), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["passed"], data["total"], data["accuracy"]) == (2, 2, 1.0)
    assert set(data["cases"][0]) >= {"id", "predicted", "score", "expected", "pass"}
    cases.write_text("id,alterations,regimen,expected\nA,PTEN loss,trastuzumab,sensitive\n")
    failing = invoke("validate", str(cases))
    assert failing.exit_code == 1 and "Passed 0 of 1" in failing.stdout


def test_validate_missing_file() -> None:
    result = invoke("validate", "no/such/cases.csv")
    assert result.exit_code == 1
    assert "no/such/cases.csv" in result.stderr


def test_simulate_most_permissive_json() -> None:
    result = invoke(
        "simulate",
        "-a",
        "PTEN loss",
        "-r",
        "trastuzumab",
        "--engine",
        "most-permissive",
        "--nodes",
        "Proliferation,AKT",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["treated"] == [{"Proliferation": 1.0, "AKT": 1.0}]


def test_simulate_stochastic_trajectory() -> None:
    result = invoke(
        "simulate",
        "-r",
        "trastuzumab + lapatinib",
        "--samples",
        "200",
        "--max-time",
        "20",
        "--nodes",
        "Proliferation,Apoptosis",
    )
    assert result.exit_code == 0, result.output
    assert "probability over time" in result.stdout


def test_demo_runs_and_prints_the_table() -> None:
    result = invoke("demo")
    assert result.exit_code == 0
    assert "PTEN loss" in result.stdout and " 0.00/" in result.stdout


def test_demo_table_fits_80_columns() -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": "80", "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", "from her2resist.cli.main import main; main()",
                          "demo"], capture_output=True, text=True, env=env, timeout=300).stdout
    import re

    table = [line for line in out.splitlines() if re.search(r"\d\.\d\d/\d+", line)]
    assert table and all(len(line.rstrip()) <= 80 for line in table)
    assert all(line.rstrip().endswith(tuple("0123456789")) for line in table)  # no cut column
