"""Every command's tables at 80 columns (issue 15, item 6): no line wider than the terminal,
and the names a reader copies into the next command (drug, mechanism and evidence ids,
references, marker and drug names) printed whole, never cut to ``trastuzumab_…``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from her2resist.cli.main import _register_all, app
from her2resist.knowledge.kb import load_knowledge_base

runner = CliRunner()
ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "examples"
#: Characters that draw a table: a line holding one is part of a table.
BOX = {chr(c) for c in range(0x2500, 0x2580)}


def _run(*args: str) -> str:
    _register_all()
    result = runner.invoke(app, list(args), env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.stdout


def _table_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if BOX & set(line)]


def _fits(text: str) -> None:
    lines = _table_lines(text)
    assert lines, "no table printed"
    assert max(len(line) for line in lines) <= 80
    # A table cut at the terminal's edge loses its right border.
    edged = [line.rstrip() for line in lines if line.lstrip()[:1] in BOX]
    assert all(line[-1] in BOX for line in edged), edged
    assert "…" not in text


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"[\w.:/()-]+", text))


def test_kb_drugs_prints_every_id_whole() -> None:
    text = _run("kb", "drugs")
    _fits(text)
    ids = set(load_knowledge_base().catalogue.drugs)
    assert ids <= _tokens(text)


def test_kb_evidence_prints_ids_and_references_whole() -> None:
    text = _run("kb", "evidence", "--drug", "lapatinib")
    _fits(text)
    items = load_knowledge_base().evidence_for(drug="lapatinib")
    assert {e.id for e in items} | {e.ref for e in items} <= _tokens(text)


def test_kb_mechanisms_and_show_fit() -> None:
    text = _run("kb", "mechanisms", "--drug", "trastuzumab")
    _fits(text)
    found = load_knowledge_base().mechanisms_for(drug="trastuzumab")
    assert {m.id for m in found} <= _tokens(text)
    shown = _run("kb", "show", "PTEN_loss")
    _fits(shown)
    assert "{" not in shown and "PTEN_loss=1" in shown  # no Python repr


def test_cohort_markers_fit_with_whole_headers_and_values() -> None:
    text = _run("cohort", str(EXAMPLES / "cohort" / "study"), "--regimen", "TCHP",
                "--time", "OS_MONTHS", "--event", "OS_STATUS")
    table = "\n".join(_table_lines(text) + [line for line in text.splitlines()
                                            if "ER_positive" in line or "without" in line])
    assert max(len(line) for line in table.splitlines()) <= 80
    assert "without" in table and "ER_positive" in table and "…" not in text


def test_synergy_prints_drug_names_whole() -> None:
    text = _run("synergy", str(EXAMPLES / "synergy" / "plate.csv"))
    _fits(text)
    assert {"lapatinib", "alpelisib", "palbociclib"} <= _tokens(text)


def test_screen_and_targets_fit() -> None:
    text = _run("screen", "-a", "PTEN loss", "--agents", "trastuzumab,everolimus,lapatinib",
                "--workers", "1", "--no-progress")
    _fits(text)
    assert "trastuzumab" in text and "everolimus" in text
    targets = _run("targets", "--model", str(EXAMPLES / "models" / "sahin2009.bnet"),
                   "--set", "EGF=1,ERBB2=0", "--candidates", "ERBB1,IGF1R,CDK4,CDK6,MYC",
                   "--readout", "pRB1=0", "--max-size", "2", "--workers", "1",
                   "--no-progress")
    _fits(targets)
    assert "palbociclib" in targets


def test_validate_fits(shared_dir: Path) -> None:
    runner_result = runner.invoke(app, ["validate", str(shared_dir / "validation" / "cases.csv"),
                                        "--engine", "most-permissive"], env={"COLUMNS": "80"})
    assert runner_result.exit_code == 0, runner_result.output
    _fits(runner_result.stdout)


@pytest.mark.parametrize("args", [["kb", "stats"], ["model", "nodes", "--kind", "drug"]])
def test_small_tables_fit(args: list[str]) -> None:
    _fits(_run(*args))
