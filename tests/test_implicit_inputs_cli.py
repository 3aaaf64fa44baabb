"""``--implicit-inputs`` on every command that reads ``--model`` (issue 15, item 1): a bnet whose
rules read names it never defines (Zañudo et al. 2017 has 18) is refused with the list, or read
with them as free inputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from her2resist.cli.main import _register_all, app

runner = CliRunner()


def _commands() -> dict[str, Any]:
    _register_all()
    root = typer.main.get_command(app)
    found: dict[str, Any] = {}

    def walk(command: Any, path: str) -> None:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}".strip())
        else:
            found[path] = command

    walk(root, "")
    return found


def test_every_command_with_model_takes_implicit_inputs() -> None:
    with_model = {name: cmd for name, cmd in _commands().items()
                  if any("--model" in p.opts for p in cmd.params)}
    assert {"screen", "targets", "model export", "model show"} <= set(with_model)
    lacking = [name for name, cmd in with_model.items()
               if not any("--implicit-inputs" in p.opts for p in cmd.params)]
    assert lacking == []


@pytest.fixture
def zanudo(shared_dir: Path) -> str:
    return str(shared_dir / "reference" / "models" / "zanudo2017.bnet")


SCREEN = ["--readout", "Proliferation=0", "--agents", "Alpelisib=1,Fulvestrant=1",
          "--set", "ER=1", "--workers", "1", "--no-progress"]


def test_screen_refuses_undeclared_inputs_then_reads_them(zanudo: str) -> None:
    _register_all()
    refused = runner.invoke(app, ["screen", "--model", zanudo, *SCREEN])
    assert refused.exit_code == 1
    assert "18 node(s)" in refused.output and "--implicit-inputs" in refused.output
    done = runner.invoke(app, ["screen", "--model", zanudo, "--implicit-inputs", *SCREEN,
                               "--json"])
    assert done.exit_code == 0, done.output
    table = json.loads(done.stdout)["combinations"]
    combos = {row["combination"] for row in table}
    assert {"Alpelisib=1", "Fulvestrant=1", "Alpelisib=1 + Fulvestrant=1"} <= combos


def test_targets_reads_undeclared_inputs(zanudo: str) -> None:
    _register_all()
    args = ["targets", "--model", zanudo, "--set", "ER=1,HER2=1,PIM=1",
            "--readout", "Proliferation=0", "--candidates", "mTORC1,E2F,ER_transcription",
            "--max-size", "2", "--workers", "1", "--no-progress", "--json"]
    assert runner.invoke(app, args).exit_code == 1
    done = runner.invoke(app, [*args, "--implicit-inputs"])
    assert done.exit_code == 0, done.output
    sets = {tuple(t["nodes"]) for t in json.loads(done.stdout)["targets"]}
    assert ("mTORC1", "E2F") in sets


def test_model_show_and_nodes_read_undeclared_inputs(zanudo: str) -> None:
    _register_all()
    shown = runner.invoke(app, ["model", "show", "PIM", "-m", zanudo, "--implicit-inputs"])
    assert shown.exit_code == 0 and "input, default 0" in shown.output
    listed = runner.invoke(app, ["model", "nodes", "-m", zanudo, "--implicit-inputs",
                                 "--kind", "input", "--json"])
    assert listed.exit_code == 0
    assert len(json.loads(listed.stdout)) == 18
