"""Sahin et al. 2009 (BMC Syst Biol 3:1): the most-permissive engine reproduces the stable
states of every knockdown in the paper's Additional File Table 1 (137 rows).

The model holds EGF at 1; each row fixes its knockdowns to 0 (a knockdown of EGF wins over the
EGF=1 of the set-up).  Stable states are the attractors without oscillating nodes, compared as
sets of ON-node sets.  See ../shared/reference/README.md for the files.
"""

from __future__ import annotations

import csv
from pathlib import Path

import mpbn
import pytest

from her2resist.engines.mp import MostPermissiveEngine, attractor_dicts
from her2resist.model import Network, load_model
from her2resist.model.sbml import read_sbml_string, write_sbml

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
MODEL = REFERENCE / "models" / "sahin2009.bnet"
TABLE = REFERENCE / "models" / "sahin2009_table1.csv"

pytestmark = pytest.mark.skipif(
    not (MODEL.exists() and TABLE.exists()),
    reason=f"Sahin 2009 reference files not found under {REFERENCE} (the shared reference "
    "folder is absent in this checkout)",
)

States = set[frozenset[str]]


def _table() -> list[dict[str, str]]:
    with TABLE.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _perturbation(row: dict[str, str]) -> dict[str, int]:
    return {"EGF": 1, **{node: 0 for node in row["knockdowns"].split()}}


def _expected(row: dict[str, str]) -> States:
    states = {frozenset(part.split()) for part in row["stable_states_on_nodes"].split("|")}
    assert len(states) == int(row["n_stable_states"]), row["row"]
    return states


def _engine_stable_states(network: Network, perturbation: dict[str, int]) -> States:
    result = MostPermissiveEngine().simulate(network, perturbation)
    return {
        frozenset(n for n, v in att.items() if v == 1)
        for att in attractor_dicts(result)
        if "*" not in att.values()
    }


def _mpbn_fixed_points(network: Network, perturbation: dict[str, int]) -> States:
    bn = mpbn.MPBooleanNetwork(network.bnet_rules(perturbation))
    return {frozenset(n for n, v in fp.items() if v == 1) for fp in bn.fixedpoints()}


def test_engine_reproduces_every_row_of_table_1() -> None:
    network = load_model(MODEL)
    rows = _table()
    assert len(rows) == 137
    mismatches = []
    for row in rows:
        got = _engine_stable_states(network, _perturbation(row))
        if got != _expected(row):
            mismatches.append((row["row"], sorted(map(sorted, got))))
    assert mismatches == [], f"{len(rows) - len(mismatches)}/137 rows reproduced"


def test_myc_cyce1_row_knocks_out_cyclin_e1_and_eralpha() -> None:
    row = next(r for r in _table() if r["row"] == "MYC_CycE1")
    assert set(row["knockdowns"].split()) == {"CyclinE1", "ERalpha"}
    assert _engine_stable_states(load_model(MODEL), _perturbation(row)) == _expected(row)


def test_sahin_model_loads_as_bnet_with_egf_as_input() -> None:
    network = load_model(MODEL)
    assert len(network) == 20
    assert network.inputs == ("EGF",)
    assert network.nodes["CDK2"].rule == "CyclinE1 & !p21 & !p27"


def test_sbml_round_trip_keeps_the_fixed_points() -> None:
    network = load_model(MODEL)
    back = read_sbml_string(write_sbml(network), source="sahin2009.sbml")
    rows = _table()
    for row in [rows[0], *rows[:: max(1, len(rows) // 20)]]:
        perturbation = _perturbation(row)
        assert _mpbn_fixed_points(back, perturbation) == _mpbn_fixed_points(network, perturbation)
        assert _mpbn_fixed_points(back, perturbation) == _expected(row)
