"""One grammar for every command (issue 10, item 5): ``--format json`` works everywhere, a bad
option value is a usage error (exit 2), a bad file is bad input (exit 1), ``-o`` writes the
result, and the shared options mean the same thing in every command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli_inputs import PLATE, PROFILE, SCENARIO
from her2resist.cli._options import resolve_seed, resolve_workers, usable_cpus
from her2resist.cli.main import app

runner = CliRunner()
CASES = ("id,alterations,regimen,expected,ref_alterations,ref_regimen,source\n"
         "A,PTEN loss,trastuzumab,resistant,,,x\n")

#: One quick run of every command that prints a result.
COMMANDS = {
    "predict": ["predict", "-r", "trastuzumab"],
    "validate": ["validate", "{tmp}/cases.csv", "--engine", "most-permissive"],
    "simulate": ["simulate", "--samples", "50", "--max-time", "5", "--seed", "1"],
    "report": ["report", str(PROFILE), "--only-named", "-r", "trastuzumab"],
    "screen": ["screen", "-a", "PTEN loss", "--agents", "trastuzumab,lapatinib",
               "--workers", "1", "--no-progress"],
    "targets": ["targets", "-a", "PTEN loss", "--candidates", "AKT,E2F", "--max-size", "1",
                "--workers", "1", "--no-progress"],
    "synergy": ["synergy", str(PLATE), "--workers", "1"],
    "evolve": ["evolve", "{tmp}/s.yaml", "-n", "20", "--seed", "1", "--workers", "1"],
    "kb drugs": ["kb", "drugs"],
    "kb stats": ["kb", "stats"],
    "model nodes": ["model", "nodes"],
}
#: For each command that reads a file: the same command with a file that does not exist.
MISSING_FILE = {
    "validate": ["validate", "{tmp}/none.csv"],
    "report": ["report", "{tmp}/none.yaml"],
    "synergy": ["synergy", "{tmp}/none.csv"],
    "evolve": ["evolve", "{tmp}/none.yaml"],
    "targets": ["targets", "--model", "{tmp}/none.bnet"],
    "model nodes": ["model", "nodes", "--model", "{tmp}/none.yaml"],
}


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    (tmp_path / "s.yaml").write_text(SCENARIO, encoding="utf-8")
    (tmp_path / "cases.csv").write_text(CASES, encoding="utf-8")
    return tmp_path


def _argv(args: list[str], tmp: Path, *extra: str) -> list[str]:
    return [a.replace("{tmp}", str(tmp)) for a in args] + list(extra)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_prints_json_and_writes_it_with_o(name: str, tmp: Path) -> None:
    result = runner.invoke(app, _argv(COMMANDS[name], tmp, "--format", "json"))
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    out = tmp / "result.json"
    written = runner.invoke(app, _argv(COMMANDS[name], tmp, "-o", str(out)))
    assert written.exit_code == 0, written.output
    assert written.stdout == ""  # -o is where the result goes
    assert type(json.loads(out.read_text())) is type(printed)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_refuses_a_bad_format_as_usage(name: str, tmp: Path) -> None:
    result = runner.invoke(app, _argv(COMMANDS[name], tmp, "--format", "xml"))
    assert result.exit_code == 2 and "'--format'" in result.output
    assert list(p.name for p in tmp.iterdir()) == ["s.yaml", "cases.csv"] or \
        sorted(p.name for p in tmp.iterdir()) == ["cases.csv", "s.yaml"]


@pytest.mark.parametrize("name", MISSING_FILE)
def test_a_missing_file_is_bad_input(name: str, tmp: Path) -> None:
    result = runner.invoke(app, _argv(MISSING_FILE[name], tmp))
    assert result.exit_code == 1, result.output
    assert "none." in result.output and "Traceback" not in result.output


def test_json_shortcut_equals_format_json(tmp: Path) -> None:
    a = runner.invoke(app, ["kb", "stats", "--json"])
    b = runner.invoke(app, ["kb", "stats", "--format", "json"])
    assert a.exit_code == b.exit_code == 0 and json.loads(a.stdout) == json.loads(b.stdout)
    clash = runner.invoke(app, ["kb", "stats", "--json", "--format", "table"])
    assert clash.exit_code == 2


def test_csv_from_the_suffix_of_o(tmp: Path) -> None:
    out = tmp / "trace.csv"
    result = runner.invoke(app, ["predict", "-r", "trastuzumab", "-a", "PTEN loss", "-o",
                                 str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines()[0] == "node,value,because,references"


def test_set_and_fix_are_one_option_and_lists_take_commas() -> None:
    one = runner.invoke(app, ["predict", "-r", "trastuzumab", "--set", "EGF=1,IGF1=1",
                              "--json", "--engine", "most-permissive"])
    two = runner.invoke(app, ["predict", "-r", "trastuzumab", "--fix", "EGF=1", "--fix",
                              "IGF1=1", "--json", "--engine", "most-permissive"])
    assert one.exit_code == two.exit_code == 0, one.output + two.output
    assert json.loads(one.stdout)["score"] == json.loads(two.stdout)["score"]
    conflict = runner.invoke(app, ["predict", "-r", "trastuzumab", "--set", "EGF=1,EGF=0"])
    assert conflict.exit_code == 2 and "each node once" in conflict.output


def test_a_fresh_seed_is_printed_and_repeats_the_run(tmp: Path) -> None:
    first = runner.invoke(app, ["evolve", str(tmp / "s.yaml"), "-n", "30", "--json"])
    assert first.exit_code == 0, first.output
    seed = json.loads(first.stdout)["seed"]
    assert f"--seed {seed}" in first.stderr
    again = runner.invoke(app, ["evolve", str(tmp / "s.yaml"), "-n", "30", "--json",
                                "--seed", str(seed)])
    assert json.loads(again.stdout) == json.loads(first.stdout)
    assert resolve_seed(7) == 7


def test_workers_default_from_usable_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    monkeypatch.setattr("her2resist.cli._options._cgroup_cpus", lambda: None)
    assert usable_cpus() == 3
    monkeypatch.setattr("her2resist.cli._options._cgroup_cpus", lambda: 2)
    assert usable_cpus() == 2
    assert resolve_workers(None, jobs=100, per_worker=50) == 2
    assert resolve_workers(None, jobs=10, per_worker=50) == 1
    assert resolve_workers(5, jobs=1) == 5


def test_cgroup_v2_quota_is_read(tmp_path: Path) -> None:
    from her2resist.cli._options import _v2_quota

    quota = tmp_path / "cpu.max"
    quota.write_text("150000 100000\n")
    assert _v2_quota(quota) == 2
    quota.write_text("max 100000\n")
    assert _v2_quota(quota) is None


def test_traceback_before_or_after_the_subcommand() -> None:
    for args in (["--traceback", "kb", "show", "nothing-like-this"],
                 ["kb", "show", "nothing-like-this", "--traceback"]):
        result = runner.invoke(app, args)
        assert result.exception is not None and not isinstance(result.exception, SystemExit)
    plain = runner.invoke(app, ["kb", "show", "nothing-like-this"])
    assert plain.exit_code == 1 and isinstance(plain.exception, SystemExit)


@pytest.mark.parametrize("args", [
    ["predict", "-r", "trastuzumab", "-r", "lapatinib"],
    ["predict", "-r", "trastuzumab", "--regimen=lapatinib"],
    ["screen", "--max-size", "2", "--max-size", "3"],
])
def test_an_option_taking_one_value_given_twice_is_refused(args: list[str]) -> None:
    """click would keep the last value silently: predict -r A -r B would answer for B alone."""
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "given 2 times" in result.output and "Traceback" not in result.output
