"""Malformed model files (YAML, bnet, SBML-qual) raise ModelError naming file, line and node."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from her2resist.exceptions import ModelError
from her2resist.model import load_model, read_model_yaml
from her2resist.model.formats import read_bnet_text, read_model_file
from her2resist.model.sbml import read_sbml, read_sbml_string, write_sbml

DATA = Path(__file__).parent / "data" / "models"
TINY = (DATA / "tiny.yaml").read_text(encoding="utf-8")


def _edited(tmp_path: Path, old: str, new: str, name: str = "broken.yaml") -> Path:
    assert old in TINY, old
    path = tmp_path / name
    path.write_text(TINY.replace(old, new, 1), encoding="utf-8")
    return path


def test_tiny_model_is_valid() -> None:
    net = read_model_yaml(DATA / "tiny.yaml")
    assert net.ids() == ("L", "D", "R", "P")
    assert net.nodes["R"].line == 18


@pytest.mark.parametrize(
    ("old", "new", "pattern"),
    [
        ("rule: L & !D", "rule: L & & !D",
         r"broken\.yaml, line 22, field 'rule': node 'R': syntax error in rule 'L & & !D' at "
         r"character 5"),
        ("rule: L & !D", "rule: L & !(D",
         r"broken\.yaml, line 22, field 'rule': node 'R': syntax error .* ends too early"),
        ("rule: L & !D", "rule: L & !Q",
         r"broken\.yaml, line 18, field 'rule': node 'R': rule names unknown node 'Q'"),
        ("  - id: P\n", "  - id: R\n",
         r"broken\.yaml, line 26, field 'id': node 'R' is defined twice \(first at line 18\)"),
        ("    rule: L & !D\n", "",
         r"broken\.yaml, line 18, field 'rule': node 'R' \(signalling\) has no rule"),
        ("      D: [PMID:12610629]\n  - id: P", "  - id: P",
         r"broken\.yaml, line 18, field 'refs': node 'R': regulator 'D' has no reference"),
        ("      L: [PMID:3798106]", "      L: [PMID:3798106]\n      X: [PMID:1]",
         r"broken\.yaml, line 25, field 'refs.X': node 'R': 'refs' names 'X', which is not in"),
        ("L: [PMID:3798106]", "L: [3798106]",
         r"broken\.yaml, line 24, field 'refs.L': node 'R': reference '3798106' is neither"),
        ("kind: drug", "kind: medicine",
         r"broken\.yaml, line 13, field 'kind': node 'D': kind 'medicine' is not one of"),
        ("    default: 0\n    refs: [DOI", "    default: 0\n    rule: L\n    refs: [DOI",
         r"broken\.yaml, line 17, field 'rule': node 'D' is an input \(drug\) and cannot have"),
        ("    genes: [EGFR]\n    description: An inh", "    gene: [EGFR]\n    description: An inh",
         r"broken\.yaml, line 12, field 'gene': node 'D': unknown field 'gene'"),
        ("description: A ligand in the medium.", "description: [unclosed",
         r"broken\.yaml, line 10, column \d+: not valid YAML"),
    ],
)
def test_yaml_errors_name_file_line_and_node(
    tmp_path: Path, old: str, new: str, pattern: str
) -> None:
    path = _edited(tmp_path, old, new)
    with pytest.raises(ModelError, match=pattern) as info:
        load_model(path)
    assert info.value.path == str(path)
    assert info.value.line is not None


def test_yaml_error_is_a_value_error_with_fields(tmp_path: Path) -> None:
    path = _edited(tmp_path, "rule: L & !D", "rule: L & !Q")
    with pytest.raises(ValueError, match="unknown node 'Q'") as info:
        read_model_yaml(path)
    assert (info.value.line, info.value.field) == (18, "rule")  # type: ignore[attr-defined]


def test_missing_model_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"nowhere\.yaml: cannot read the model file"):
        load_model(tmp_path / "nowhere.yaml")


BNET = "targets, factors\nA, B & !C\nB, B\nC, 1\n"


@pytest.mark.parametrize(
    ("old", "new", "pattern"),
    [
        ("A, B & !C", "A, B & & C",
         r"m\.bnet, line 2, field 'A': node 'A': syntax error in rule 'B & & C' at character 5"),
        ("A, B & !C", "A, B & !Z",
         r"m\.bnet, line 2, field 'A': 1 node\(s\) are read by rules but never defined: "
         r"Z \(read by A\)\. .*--implicit-inputs"),
        ("C, 1", "B, 1",
         r"m\.bnet, line 4, field 'B': node 'B' is defined twice \(first at line 3\)"),
        ("C, 1", "C 1", r"m\.bnet, line 4: expected 'node, rule' but found 'C 1'"),
        ("C, 1", "3C, 1", r"m\.bnet, line 4, field '3C': '3C' is not a valid node name"),
        ("A, B & !C", "A, B $ C", r"m\.bnet, line 2, field 'A': .* unexpected character '\$'"),
    ],
)
def test_bnet_errors_name_file_line_and_node(
    tmp_path: Path, old: str, new: str, pattern: str
) -> None:
    path = tmp_path / "m.bnet"
    path.write_text(BNET.replace(old, new), encoding="utf-8")
    with pytest.raises(ModelError, match=pattern):
        load_model(path)


def test_empty_bnet_is_an_error() -> None:
    with pytest.raises(ModelError, match=r"empty\.bnet: the bnet file defines no node"):
        read_bnet_text("# nothing\n", source="empty.bnet")


GOOD_SBML = write_sbml(read_bnet_text(BNET))


@pytest.mark.parametrize(
    ("old", "new", "pattern"),
    [
        ('qual:maxLevel="1"', 'qual:maxLevel="2"',
         r"m\.sbml, line \d+, field 'A': qualitativeSpecies 'A' has maxLevel 2; only Boolean"),
        ('qual:qualitativeSpecies="C" qual:transitionEffect="none"',
         'qual:qualitativeSpecies="Z" qual:transitionEffect="none"',
         r"m\.sbml, line \d+, field 'Z': transition 'tr_A': input names unknown species 'Z'"),
        ("<eq/>", "<plus/>",
         r"m\.sbml, line \d+: transition 'tr_A', functionTerm 1: cannot read .* as a Boolean"),
        ('qual:transitionEffect="assignmentLevel"', 'qual:transitionEffect="production"',
         r"m\.sbml, line \d+, field 'A': transition 'tr_A': output 'A' must have"),
        ("<qual:listOfQualitativeSpecies>", "<qual:listOfQualitativeSpecies><oops>",
         r"m\.sbml, line \d+: not valid SBML"),
    ],
)
def test_sbml_errors_name_file_line_and_element(
    tmp_path: Path, old: str, new: str, pattern: str
) -> None:
    assert old in GOOD_SBML, old
    path = tmp_path / "m.sbml"
    path.write_text(GOOD_SBML.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ModelError, match=pattern):
        read_model_file(path)


def test_sbml_without_qual_species_is_not_a_qual_model() -> None:
    text = re.sub(r"<qual:listOfQualitativeSpecies>.*</qual:listOfQualitativeSpecies>", "",
                  GOOD_SBML, flags=re.S)
    text = re.sub(r"<qual:listOfTransitions>.*</qual:listOfTransitions>", "", text, flags=re.S)
    with pytest.raises(ModelError, match=r"x\.xml, line \d+: not an SBML-qual model"):
        read_sbml_string(text, source="x.xml")


def test_missing_sbml_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"absent\.sbml: cannot read the SBML file"):
        read_sbml(tmp_path / "absent.sbml")


def test_sbml_export_rejects_ids_sbml_cannot_hold() -> None:
    with pytest.raises(ModelError, match=r"node 'a\.b' is not a valid SBML identifier"):
        write_sbml(read_bnet_text("a.b, 1\n", source="dots.bnet"))
