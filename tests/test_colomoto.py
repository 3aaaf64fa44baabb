"""CoLoMoTo round trips: the project model and the shared third-party models (Sahin 2009,
Zanudo 2017) through bnet, SBML-qual, MaBoSS, SIF and GraphML, and the engines on what comes
back; SBML-qual from other tools (names, missing compartments); screens on imported models."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from her2resist.engines.mp import MostPermissiveEngine, attractor_dicts
from her2resist.engines.stochastic import StochasticEngine, cmaboss_for
from her2resist.exceptions import ModelError, ModelWarning, ParameterError
from her2resist.model import Network, load_model
from her2resist.model.formats import read_bnet_text, write_bnet, write_maboss
from her2resist.model.graph import regulations, write_graphml, write_sif
from her2resist.model.sbml import read_sbml_string, write_sbml

runner = CliRunner()


@pytest.fixture(scope="module")
def models(shared_dir: Path) -> dict[str, Network]:
    folder = shared_dir / "reference" / "models"
    return {"her2resist": load_model(),
            "sahin2009": load_model(folder / "sahin2009.bnet"),
            "zanudo2017": load_model(folder / "zanudo2017.bnet", implicit_inputs=True)}


def _attractors(network: Network, fixed: dict[str, int]) -> set[frozenset]:
    result = MostPermissiveEngine().simulate(network, fixed)
    return {frozenset(a.items()) for a in attractor_dicts(result)}


@pytest.mark.parametrize("name", ["her2resist", "sahin2009", "zanudo2017"])
def test_bnet_and_sbml_round_trips_give_the_same_attractors(models: dict[str, Network],
                                                            name: str) -> None:
    network = models[name]
    inputs = network.inputs
    cases = [network.defaults(), {**network.defaults(), **{n: 1 for n in inputs[:3]}}]
    via_bnet = read_bnet_text(write_bnet(network))
    via_sbml = read_sbml_string(write_sbml(network))
    assert via_bnet.inputs == via_sbml.inputs == inputs
    for case in cases:
        expected = _attractors(network, case)
        assert _attractors(via_bnet, case) == expected
        assert _attractors(via_sbml, case) == expected


@pytest.mark.parametrize("name", ["her2resist", "sahin2009", "zanudo2017"])
def test_maboss_export_runs_in_the_build_for_its_size(models: dict[str, Network],
                                                      name: str) -> None:
    network = models[name]
    bnd, cfg = write_maboss(network, network.defaults(), max_time=5, sample_count=50)
    result = cmaboss_for(len(network)).MaBoSSSim(network_str=bnd, config_str=cfg).run()
    probabilities, _, _, _ = result.get_last_probtraj()
    assert probabilities.sum() == pytest.approx(1.0)
    assert cfg.count("is_internal") == len(network)


def test_stochastic_engine_runs_models_beyond_64_nodes() -> None:
    # A ring of 100 regulated nodes: nothing to substitute, so MaBoSS gets all 100.
    size = 100
    ring = "\n".join(f"X{i}, X{(i - 1) % size} | !X{(i + 1) % size}" for i in range(size))
    network = read_bnet_text(ring)
    result = StochasticEngine(sample_count=20, max_time=2, seed=2).simulate(network, {})
    assert "cmaboss_128n" in result.provenance.solver
    assert result.trajectory is not None and result.trajectory.shape[1] == size


@pytest.mark.parametrize("name", ["her2resist", "sahin2009", "zanudo2017"])
def test_sif_and_graphml_hold_every_node_and_regulation(models: dict[str, Network],
                                                        name: str) -> None:
    network = models[name]
    edges = list(regulations(network))
    assert len(edges) == sum(len(node.regulators) for node in network.nodes.values())
    sif = write_sif(network).splitlines()
    named = {part for line in sif for part in line.split("\t")[::2]}
    assert named == set(network.nodes)
    assert sum(1 for line in sif if "\t" in line) == len(edges)
    root = ET.fromstring(write_graphml(network))
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert len(root.findall(".//g:node", ns)) == len(network)
    found = {(e.get("source"), e.get("target")) for e in root.findall(".//g:edge", ns)}
    assert found == {(a, b) for a, _, b in edges}


def test_graphml_edges_carry_sign_and_references() -> None:
    network = load_model()
    root = ET.fromstring(write_graphml(network))
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    edge = next(e for e in root.findall(".//g:edge", ns)
                if (e.get("source"), e.get("target")) == ("AKT", "FOXO"))
    data = {d.get("key"): d.text for d in edge.findall("g:data", ns)}
    assert data["edge_interaction"] == "inhibits" and data["edge_sign"] == "-"
    assert data["edge_references"] == ", ".join(network.nodes["FOXO"].refs["AKT"])


def test_bnet_import_lists_every_undeclared_input(shared_dir: Path) -> None:
    path = shared_dir / "reference" / "models" / "zanudo2017.bnet"
    with pytest.raises(ModelError, match=r"18 node\(s\) are read by rules but never defined"
                       r".*Ipatasertib.*Everolimus.*--implicit-inputs") as caught:
        load_model(path)
    named = re.findall(r"(\w+) \(read by", str(caught.value))
    implicit = load_model(path, implicit_inputs=True)
    assert len(named) == 18 and set(named) <= set(implicit.inputs)
    assert all(implicit.nodes[n].default == 0 for n in named)


def _cellcollective_style() -> str:
    """SBML-qual as CellCollective writes it: ids S_1..., the gene as the name."""
    network = read_bnet_text("S_1, S_2 & !S_3\nS_2, S_2\nS_3, S_1")
    text = write_sbml(network)
    for sid, name in (("S_1", "ERK1/2"), ("S_2", "MEK"), ("S_3", "DUSP6")):
        text = text.replace(f'qual:name="{sid}"', f'qual:name="{name}"')
    return text


def test_sbml_import_uses_species_names_for_generated_ids() -> None:
    back = read_sbml_string(_cellcollective_style())
    assert list(back.nodes) == ["ERK1_2", "MEK", "DUSP6"]
    assert back.nodes["ERK1_2"].rule == "MEK & !DUSP6"
    assert back.nodes["DUSP6"].rule == "ERK1_2"


def test_sbml_without_compartment_reads_with_a_warning() -> None:
    text = re.sub(r' qual:compartment="cell"', "", _cellcollective_style())
    text = re.sub(r"<listOfCompartments>.*?</listOfCompartments>", "", text, flags=re.S)
    with pytest.warns(ModelWarning, match="3 qualitativeSpecies have no compartment"):
        back = read_sbml_string(text, source="biodivine.sbml")
    assert back.nodes["ERK1_2"].rule == "MEK & !DUSP6"


def test_other_sbml_errors_are_still_refused() -> None:
    text = _cellcollective_style().replace('qual:constant="false"', 'qual:constant="maybe"', 1)
    with pytest.raises(ModelError, match="not valid SBML"):
        read_sbml_string(text)


def test_screen_maps_drugs_to_an_imported_models_nodes(models: dict[str, Network]) -> None:
    from her2resist.screen import screen_combinations

    sahin = models["sahin2009"]
    result = screen_combinations(agents=["lapatinib", "CDK4=0"], model=sahin,
                                 fix={"EGF": 1}, readout={"pRB1": 0}, workers=1)
    lapatinib = next(a for a in result.agents if a.name == "lapatinib")
    assert lapatinib.nodes == (("ERBB1", 0), ("ERBB2", 0))
    assert {"lapatinib", "CDK4=0", "lapatinib + CDK4=0"} <= set(result.table["combination"])
    with pytest.raises(ParameterError, match="act on a node of model 'sahin2009'"):
        screen_combinations(agents=["ABCB1 inhibitor"], model=sahin, fix={"EGF": 1},
                            readout={"pRB1": 0}, workers=1)


def test_cli_exports_graphs_and_reads_implicit_inputs(shared_dir: Path, tmp_path: Path) -> None:
    from her2resist.cli.main import _register_all, app

    _register_all()
    model = shared_dir / "reference" / "models" / "zanudo2017.bnet"
    refused = runner.invoke(app, ["model", "check", str(model)])
    assert refused.exit_code == 1 and "--implicit-inputs" in refused.output
    checked = runner.invoke(app, ["model", "check", str(model), "--implicit-inputs"])
    assert checked.exit_code == 0 and "80 nodes (18 inputs" in checked.output
    out = tmp_path / "z.graphml"
    done = runner.invoke(app, ["model", "export", "-f", "graphml", "-m", str(model),
                               "--implicit-inputs", "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert ET.parse(out).getroot().tag.endswith("graphml")
    sif = runner.invoke(app, ["model", "export", "-f", "sif"])
    assert sif.exit_code == 0 and "AKT\tinhibits\tFOXO" in sif.stdout
