"""Scenario YAML: the example reads; every error names file, line, field, value, accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from her2resist.evolution import (
    CellType,
    Mutation,
    Rates,
    Scenario,
    Schedule,
    read_scenario,
    scenario_from_dict,
)
from her2resist.exceptions import ParameterError, ScenarioError

EXAMPLES = Path(__file__).parents[1] / "examples" / "evolution"

GOOD = """\
name: test
base: {birth: 0.14, death: 0.13}
types:
  - name: S
    drugs:
      A: {death: 0.17}
  - name: R
    fitness_cost: 0.1
    drugs:
      A: {score: 0.2}
mutations:
  - {from: S, to: R, rate: 1.0e-7}
start: {S: 1}
detection_size: 1.0e6
schedule: {kind: continuous, drugs: [A]}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_examples_read(name: str) -> None:
    scenario = read_scenario(EXAMPLES / name)
    assert isinstance(scenario, Scenario) and scenario.types


def test_good_file_reads_with_scores_and_fitness_cost(tmp_path: Path) -> None:
    s = read_scenario(_write(tmp_path, GOOD))
    assert s.type_names == ("S", "R")
    resistant = s.types[1]
    assert resistant.untreated == Rates(0.14 * 0.9, 0.13)
    # score 0.2 of the way from the untreated net rate to -0.03
    expected_death = 0.13 + 0.2 * (0.14 * 0.9 - 0.13 + 0.03)
    assert resistant.drugs["A"].death == pytest.approx(expected_death)
    assert s.progression_threshold == pytest.approx(1.2e6)


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "match"),
    [
        (
            "  - {from: S, to: R, rate: 1.0e-7}",
            "  - {from: S, to: X, rate: 1.0e-7}",
            12,
            "mutations.0.to",
            "one of the types",
        ),
        (
            "  - {from: S, to: R, rate: 1.0e-7}",
            "  - {from: S, to: R, rate: -1}",
            12,
            "mutations.0.rate",
            "greater than or equal to 0",
        ),
        ("detection_size: 1.0e6", "detection_size: big", 14, "detection_size", "'big'"),
        (
            "schedule: {kind: continuous, drugs: [A]}",
            "schedule: {kind: weekly, drugs: [A]}",
            15,
            "schedule.kind",
            "'continuous'",
        ),
        (
            "schedule: {kind: continuous, drugs: [A]}",
            "schedule: {kind: continuous, drugs: [Z]}",
            15,
            "schedule.drugs",
            "a drug given for some type",
        ),
        (
            "schedule: {kind: continuous, drugs: [A]}",
            "schedule: {kind: sequential, drugs: [A]}",
            15,
            "schedule",
            "takes 'lines'",
        ),
        (
            "      A: {score: 0.2}",
            "      A: {score: 1.5}",
            10,
            "types.1.drugs.A.score",
            "less than or equal to 1",
        ),
        (
            "      A: {score: 0.2}",
            "      A: {score: 0.2, death: 1}",
            10,
            "types.1.drugs.A",
            "either 'score'",
        ),
        ("start: {S: 1}", "start: {S: 1.5}", 13, "start.S", "whole number"),
        ("start: {S: 1}", "start: {Q: 1}", 13, "start.Q", "one of the types"),
        ("name: test", "name: test\nspeed: 3", 2, "speed", "Extra inputs"),
    ],
)
def test_errors_name_file_line_field_and_accepted_values(
    tmp_path: Path, old: str, new: str, line: int, field: str, match: str
) -> None:
    path = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(ScenarioError, match=match) as info:
        read_scenario(path)
    assert info.value.path == str(path)
    assert info.value.line == line
    assert info.value.field == field
    assert str(path) in str(info.value) and f"line {line}" in str(info.value)


def test_missing_rates_without_base(tmp_path: Path) -> None:
    text = GOOD.replace("base: {birth: 0.14, death: 0.13}\n", "")
    with pytest.raises(ScenarioError, match="has no birth rate") as info:
        read_scenario(_write(tmp_path, text))
    assert info.value.line == 3 and info.value.field == "types.0"


def test_duplicate_keys_and_bad_yaml_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="'dt' is given twice") as info:
        read_scenario(_write(tmp_path, GOOD + "dt: 1\ndt: 2\n"))
    assert info.value.line == 17
    with pytest.raises(ScenarioError, match="not valid YAML") as info:
        read_scenario(_write(tmp_path, GOOD + "types: [\n"))
    assert info.value.line is not None


def test_tumour_that_cannot_grow_is_rejected(tmp_path: Path) -> None:
    text = GOOD.replace("base: {birth: 0.14, death: 0.13}", "base: {birth: 0.1, death: 0.13}")
    with pytest.raises(ScenarioError, match="can reach detection_size") as info:
        read_scenario(_write(tmp_path, text))
    assert info.value.field == "start"


def test_scenario_from_dict_and_python_construction_validate() -> None:
    with pytest.raises(ScenarioError, match="Field required"):
        scenario_from_dict({"name": "x"})
    with pytest.raises(ParameterError, match=r"mutations\.0\.source"):
        Scenario(
            "x",
            (CellType("S", Rates(1, 0.5)),),
            (Mutation("Q", "S", 0.1),),
            {"S": 1},
            10.0,
            Schedule.continuous([]),
        )
