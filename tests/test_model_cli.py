"""The ``her2resist model`` command group: output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import cmaboss
import pytest
import typer
from typer.testing import CliRunner

from her2resist.cli import model_cmds
from her2resist.model import load_model
from her2resist.model.formats import read_bnet_text
from her2resist.model.sbml import read_sbml

TINY = Path(__file__).parent / "data" / "models" / "tiny.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    application = typer.Typer()
    model_cmds.register(application)

    @application.callback()
    def _root() -> None:  # keeps "model" a sub-command when it is the only group
        """Test application."""

    return application


def test_nodes_json_lists_the_kind(app: typer.Typer) -> None:
    result = runner.invoke(app, ["model", "nodes", "--kind", "drug", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {row["id"] for row in rows} == set(load_model().ids("drug"))
    assert all(row["kind"] == "drug" and row["rule"] is None for row in rows)


def test_nodes_table_of_a_model_file(app: typer.Typer) -> None:
    result = runner.invoke(app, ["model", "nodes", "--model", str(TINY)])
    assert result.exit_code == 0, result.output
    assert "4 nodes" in result.stdout and "L & !D" in result.stdout


def test_nodes_rejects_an_unknown_kind(app: typer.Typer) -> None:
    result = runner.invoke(app, ["model", "nodes", "--kind", "enzyme"])
    assert result.exit_code == 1
    assert "'--kind' parameter of model nodes must be one of" in result.output
    assert "Got 'enzyme' instead" in result.output


def test_show_prints_rule_regulators_references_and_targets(app: typer.Typer) -> None:
    result = runner.invoke(app, ["model", "show", "R", "--model", str(TINY)])
    assert result.exit_code == 0, result.output
    assert "rule: L & !D" in result.stdout
    assert "L: PMID:3798106" in result.stdout and "D: PMID:12610629" in result.stdout
    assert "targets: P" in result.stdout


def test_show_unknown_node_suggests_names(app: typer.Typer) -> None:
    result = runner.invoke(app, ["model", "show", "RR", "--model", str(TINY)])
    assert result.exit_code == 1
    assert "Unknown node 'RR'" in result.output and "'R'" in result.output


def test_check_valid_file_prints_a_summary(app: typer.Typer) -> None:
    result = runner.invoke(app, ["model", "check", str(TINY)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.stdout and "4 nodes (2 inputs, 2 regulated), 5 regulations" in (
        " ".join(result.stdout.split())
    )


def test_check_broken_file_prints_file_and_line(app: typer.Typer, tmp_path: Path) -> None:
    broken = tmp_path / "broken.bnet"
    broken.write_text("A, B\nB, A & & B\n", encoding="utf-8")
    result = runner.invoke(app, ["model", "check", str(broken)])
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "broken.bnet, line 2" in message and "syntax error in rule" in message


def test_check_rejects_unknown_suffix(app: typer.Typer, tmp_path: Path) -> None:
    other = tmp_path / "model.txt"
    other.write_text("A, A\n", encoding="utf-8")
    result = runner.invoke(app, ["model", "check", str(other)])
    assert result.exit_code == 1 and "unknown model format '.txt'" in result.output


def test_export_bnet_to_stdout(app: typer.Typer) -> None:
    result = runner.invoke(app, ["model", "export", "-f", "bnet", "-m", str(TINY),
                                 "--set", "D=1"])
    assert result.exit_code == 0, result.output
    tiny = load_model(TINY)
    back = read_bnet_text(result.stdout)
    # D is a constant; the other inputs stay free (their model values given back here).
    assert back.nodes["D"].default == 1 and back.inputs == tiny.inputs
    free = {n: v for n, v in tiny.defaults().items() if n != "D"}
    assert back.simplified_rules(free) == tiny.simplified_rules({"D": 1})


def test_export_sbml_file(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "tiny.sbml"
    result = runner.invoke(app, ["model", "export", "--format", "sbml", "-o", str(out),
                                 "-m", str(TINY)])
    assert result.exit_code == 0, result.output
    assert read_sbml(out).nodes["P"].rule == "R | P & !D"


def test_export_maboss_writes_bnd_and_cfg_that_run(app: typer.Typer, tmp_path: Path) -> None:
    result = runner.invoke(app, ["model", "export", "-f", "maboss", "-o",
                                 str(tmp_path / "tiny"), "-m", str(TINY)])
    assert result.exit_code == 0, result.output
    bnd = (tmp_path / "tiny.bnd").read_text(encoding="utf-8")
    cfg = (tmp_path / "tiny.cfg").read_text(encoding="utf-8")
    sim = cmaboss.MaBoSSSim(network_str=bnd, config_str=cfg).run()
    probabilities, _, states, _ = sim.get_last_probtraj()
    # Only the phenotype is an output; L and R are marked internal.
    assert dict(zip(states, probabilities[0], strict=True)) == pytest.approx({"P": 1.0})
    assert "L.is_internal = 1;" in cfg and "P.is_internal = 0;" in cfg


def test_export_maboss_needs_an_output(app: typer.Typer) -> None:
    result = runner.invoke(app, ["model", "export", "-f", "maboss"])
    assert result.exit_code == 1 and "MaBoSS needs two files" in result.output


def test_export_rejects_bad_set_values(app: typer.Typer) -> None:
    result = runner.invoke(app, ["model", "export", "-f", "bnet", "-m", str(TINY),
                                 "--set", "D=2"])
    assert result.exit_code == 2 and "NODE=0 or NODE=1" in result.output  # a usage error


def test_docs_writes_and_checks(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "model.md"
    assert runner.invoke(app, ["model", "docs", "-o", str(out), "-m", str(TINY)]).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("# The her2resist model")
    check = runner.invoke(app, ["model", "docs", "--check", "-o", str(out), "-m", str(TINY)])
    assert check.exit_code == 0 and "up to date" in check.stdout
    out.write_text("stale\n", encoding="utf-8")
    stale = runner.invoke(app, ["model", "docs", "--check", "-o", str(out), "-m", str(TINY)])
    assert stale.exit_code == 1 and "out of date" in stale.stdout
