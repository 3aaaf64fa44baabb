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


# --------------------------------------------------------------- the plain one-shot path
_CONSOLE = """
import sys
sys.argv[0] = "her2resist"
if sys.argv.pop(1) == "typer":  # the typer application for every command line
    import her2resist.cli._fast as fast
    fast.run_plain_predict = lambda argv: False
from her2resist.cli.main import main
main()
"""


def _console(path: str, *args: str):
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "COLUMNS": "80"}
    return subprocess.run([sys.executable, "-c", _CONSOLE, path, *args], capture_output=True,
                          text=True, env=env, timeout=300)


@pytest.mark.parametrize("args", [
    ("predict", "--engine", "most-permissive", "-a", "PIK3CA H1047R", "-r",
     "trastuzumab + everolimus"),
    ("predict", "-a", "ERBB2_amp,HER2 loss", "-r", "trastuzumab", "--json"),
    ("predict", "-r", "lapatinib", "--dose", "lapatinib=0.5", "--format=csv"),
    ("predict", "-r", "trastuzumab", "-a", "PTEN los"),
    ("predict", "-r", "trastuzumab", "-r", "lapatinib"),
    ("predict", "-r", "trastuzumab", "--context", "mouse"),
])
def test_plain_predict_without_typer_prints_what_typer_prints(args) -> None:
    """The console script reads a plain predict command line itself (no typer import); its
    output, messages and exit code must be the typer command's."""
    fast, typer_path = _console("fast", *args), _console("typer", *args)
    assert (fast.returncode, fast.stdout, fast.stderr) == (
        typer_path.returncode, typer_path.stdout, typer_path.stderr)


@pytest.mark.parametrize("argv, plain", [
    (["predict", "-r", "T", "-a", "A", "--alteration=B", "--set", "X=1", "--json"],
     {"regimen": "T", "alteration": ["A", "B"], "set_node": ["X=1"], "as_json": True}),
    (["predict", "--regimen=T", "--engine", "graded", "-f", "csv", "--traceback"],
     {"regimen": "T", "engine": "graded", "fmt": "csv"}),
    (["predict", "-r", "T", "-r", "U"], None),        # given twice: typer refuses it
    (["predict", "-r", "T", "-o", "out.json"], None),  # output files: typer's path
    (["predict", "-r", "-T"], None),                   # a value like an option
    (["predict", "-rT"], None),
    (["predict", "-a", "A"], None),                    # no regimen: typer's message
    (["predict", "--help"], None),
    (["predict", "-r", "T", "--", "x"], None),
    (["--traceback", "predict", "-r", "T"], None),
    (["report", "-r", "T"], None),
])
def test_plain_predict_reader_leaves_anything_else_to_typer(argv, plain) -> None:
    from her2resist.cli._fast import plain_predict_options

    assert plain_predict_options(argv) == plain


def test_plain_predict_reader_reads_the_typer_commands_options() -> None:
    """cli/_fast.py declares predict's options a second time (to run without typer): its
    tables and defaults must be the typer command's, so an option added, renamed, made
    repeatable or given another default there cannot drift from the plain path unnoticed."""
    import click
    from typer.main import get_command

    from her2resist.cli import _fast
    from her2resist.cli.app import app
    from her2resist.engines import DEFAULT_ENGINE

    group = get_command(app)
    command = group.get_command(click.Context(group), "predict")
    params = {p.name: p for p in command.params}
    declared = {opt: p.name for p in command.params for opt in p.opts if p.name != "output"}
    flags = {opt: name for opt, name in _fast._FLAGS.items() if name}
    assert {**_fast._ONE, **_fast._MANY, **flags} == declared  # -o/--output: typer's path
    assert set(_fast._MANY.values()) == {n for n, p in params.items() if p.multiple}
    assert set(flags.values()) == {n for n, p in params.items() if getattr(p, "is_flag", False)}
    assert params["engine"].default == DEFAULT_ENGINE
    defaults = {n: p.default for n, p in params.items()
                if p.default not in (None, False) and n != "engine"}
    assert defaults == _fast._DEFAULTS


@pytest.mark.parametrize("option, value", [("--context", "mouse"), ("--endpoint", "OS")])
def test_graded_choices_are_usage_errors(option, value) -> None:
    # exit 2 naming the option, as report does (they were exit 1 with an internal name)
    from her2resist.cli._prediction import CONTEXTS, ENDPOINTS
    from her2resist.predict.calibration import ENDPOINTS as CALIBRATED
    from her2resist.predict.graded_inputs import CONTEXTS as GRADED

    assert set(CONTEXTS) == set(GRADED) and set(ENDPOINTS) == set(CALIBRATED)
    result = runner.invoke(app, ["predict", "-r", "trastuzumab", option, value])
    assert result.exit_code == 2, result.output
    assert option in result.output and value in result.output
