"""Loading, validation errors, queries, CIViC import, docs and CLI of the knowledge base."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from her2resist.cli.main import _register_all, app
from her2resist.exceptions import KnowledgeBaseError, UnknownNameError
from her2resist.knowledge.catalogue import data_dir, load_catalogue
from her2resist.knowledge.civic import import_civic, map_variant
from her2resist.knowledge.docs import render_mechanisms_markdown
from her2resist.knowledge.kb import load_knowledge_base, read_knowledge_base

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "reference"
REQUIRED = {
    "p95HER2", "MUC4_masking", "HER2_loss", "ERBB2_kinase_mutation", "ERBB2_T798I",
    "HER3_upregulation", "NRG1_heregulin", "EGFR_ligands", "IGF1R_signalling", "MET_HGF",
    "AXL_activation", "HER4_nuclear", "SRC_activation", "ER_switching", "PIK3CA_activation",
    "PTEN_loss", "AKT_activation", "mTORC1_activation", "FOXO_feedback", "CCND1_CDK46",
    "CCNE1_CDK2", "p27_loss", "BCL2_survival", "FCGR_polymorphism", "SLC46A3_loss",
    "ABCB1_efflux",
}


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    shutil.copytree(data_dir(), tmp_path / "data")
    return tmp_path / "data"


def test_every_mission_mechanism_is_present_with_checked_evidence() -> None:
    kb = load_knowledge_base()
    assert set(kb.mechanisms) >= REQUIRED
    for mech in kb.mechanisms.values():
        checked = [e for e in mech.evidence if kb.evidence[e].checked in ("abstract", "full text")]
        assert checked, mech.id


def test_conflicts_are_recorded_as_conflicts() -> None:
    kb = load_knowledge_base()
    for mid in ("FCGR_polymorphism", "p95HER2", "ERBB2_kinase_mutation"):
        mech = kb.mechanisms[mid]
        assert mech.conflict
        assert any(kb.evidence[e].direction == "does_not_support" for e in mech.evidence)


def test_stats_count_records() -> None:
    stats = load_knowledge_base().stats()
    assert stats["mechanisms"] >= 26 and stats["civic_evidence"] == 74
    assert stats["evidence"] == stats["curated_evidence"] + stats["civic_evidence"]


def test_queries_by_drug_and_gene() -> None:
    kb = load_knowledge_base()
    assert {m.id for m in kb.mechanisms_for(drug="Kadcyla")} >= {"SLC46A3_loss", "ABCB1_efflux"}
    assert [m.id for m in kb.mechanisms_for(gene="pten")] == ["PTEN_loss"]
    assert all("lapatinib" in e.drugs or "her2_tki" in e.drugs
               for e in kb.evidence_for(drug="Tykerb"))
    with pytest.raises(UnknownNameError, match="Unknown drug"):
        kb.mechanisms_for(drug="aspirin")


def test_get_finds_every_kind() -> None:
    kb = load_knowledge_base()
    assert kb.get("PTEN_loss")[0] == "mechanism"
    assert kb.get("CIVIC_EID241")[0] == "evidence"
    assert kb.get("Herceptin")[0] == "drug"
    with pytest.raises(UnknownNameError, match="knowledge-base id"):
        kb.get("no_such_thing")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_schema_error_names_file_record_field_and_line(data_copy: Path) -> None:
    _replace(data_copy / "evidence.yaml", "kind: preclinical, level: D", "kind: anecdote, level: D")
    with pytest.raises(KnowledgeBaseError, match=r"evidence\.yaml, line \d+, field 'kind'.*"
                                                 r"record 'nagata2004_pten'"):
        read_knowledge_base(data_copy)


def test_level_must_be_on_the_scale(data_copy: Path) -> None:
    _replace(data_copy / "evidence.yaml", "kind: preclinical, level: D",
             "kind: preclinical, level: Z")
    with pytest.raises(KnowledgeBaseError, match="not on the CIViC scale"):
        read_knowledge_base(data_copy)


def test_unknown_drug_in_mechanism_is_an_error(data_copy: Path) -> None:
    _replace(data_copy / "mechanisms.yaml", "resistant_to: [trastuzumab]\n    active: [lapatinib]",
             "resistant_to: [trastuzumabb]\n    active: [lapatinib]")
    with pytest.raises(KnowledgeBaseError, match=r"mechanisms\.yaml, line \d+, field "
                                                 r"'resistant_to'.*'p95HER2'.*'trastuzumabb'"):
        read_knowledge_base(data_copy)


def test_unknown_evidence_id_is_an_error(data_copy: Path) -> None:
    _replace(data_copy / "mechanisms.yaml", "evidence: [bruni2023_muc4, nagy2005_muc4]",
             "evidence: [bruni2023_muc4, nobody2099]")
    with pytest.raises(KnowledgeBaseError, match="unknown evidence id 'nobody2099'"):
        read_knowledge_base(data_copy)


def test_undeclared_conflict_is_an_error(data_copy: Path) -> None:
    _replace(data_copy / "mechanisms.yaml", '    conflict: "Positive association',
             '    notes_removed: "Positive association')
    with pytest.raises(KnowledgeBaseError, match=r"Extra inputs are not permitted|conflict"):
        read_knowledge_base(data_copy)


def test_duplicate_key_is_an_error(data_copy: Path) -> None:
    _replace(data_copy / "evidence.yaml", "kind: preclinical, level: D,",
             "kind: preclinical, kind: clinical, level: D,")
    with pytest.raises(KnowledgeBaseError, match="the key 'kind' is given twice"):
        read_knowledge_base(data_copy)


def test_civic_import_keeps_ids_levels_and_directions() -> None:
    items = {e.civic_id: e for e in import_civic()}
    assert len(items) == 74
    assert items[241].alterations == ("ERBB2_kinase_mut",) and items[241].level == "D"
    assert items[1386].direction == "does_not_support"
    assert items[1087].alterations == ("FCGR_low",)
    assert map_variant("PTEN", "LOSS", load_catalogue()) == ("PTEN_loss",)


def test_civic_import_from_shared_reference_matches_package_copy() -> None:
    source = SHARED / "civic" / "civic_2017-02_her2_therapy_evidence.tsv"
    if not source.exists():
        pytest.skip(f"shared reference folder absent: {source}")
    assert import_civic(source) == import_civic()


def test_civic_import_errors_name_the_line(tmp_path: Path) -> None:
    source = data_dir() / "civic" / "civic_2017-02_her2_therapy_evidence.tsv"
    lines = source.read_text().splitlines()
    lines[3] = lines[3].replace("\tD\t", "\tQ\t", 1)
    bad = tmp_path / "bad.tsv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(KnowledgeBaseError, match=r"bad\.tsv, line 4, field 'kind'|line 4"):
        import_civic(bad)
    (tmp_path / "short.tsv").write_text("gene\tvariant\nA\tB\n")
    with pytest.raises(KnowledgeBaseError, match="missing CIViC columns"):
        import_civic(tmp_path / "short.tsv")


def test_docs_mechanisms_md_is_current() -> None:
    doc = ROOT / "docs" / "mechanisms.md"
    assert doc.read_text() == render_mechanisms_markdown(load_knowledge_base()), (
        "docs/mechanisms.md is stale: run `her2resist kb docs -o docs/mechanisms.md`")


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    _register_all()
    return CliRunner()


def test_cli_stats_json(runner: CliRunner) -> None:
    result = runner.invoke(app, ["kb", "stats", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    kb = load_knowledge_base()
    assert data["mechanisms"] == len(kb.mechanisms) >= 26
    assert data["drugs"] == len(kb.catalogue.drugs) and data["evidence"] > 100


def test_cli_mechanisms_json_shape(runner: CliRunner) -> None:
    result = runner.invoke(app, ["kb", "mechanisms", "--drug", "trastuzumab", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert {"id", "name", "resistant_to", "active", "alterations", "strategies", "evidence"} <= \
        set(rows[0])
    assert "p95HER2" in {r["id"] for r in rows}


def test_cli_tables_and_show(runner: CliRunner) -> None:
    for args in (["kb", "drugs"], ["kb", "mechanisms", "--gene", "PIK3CA"],
                 ["kb", "evidence", "--gene", "PTEN"], ["kb", "show", "PTEN_loss"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, args
    assert "PTEN_loss" in runner.invoke(app, ["kb", "show", "PTEN_loss"]).stdout


def test_cli_unknown_id_exits_1_without_traceback(runner: CliRunner) -> None:
    result = runner.invoke(app, ["kb", "show", "nothing_here"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
