"""Contract suite: every engine must satisfy these on small networks with known dynamics."""

import pytest

from her2resist.engines import ENGINE_NAMES, get_engine
from her2resist.engines.mp import MostPermissiveEngine
from her2resist.exceptions import ParameterError, UnknownNameError
from her2resist.model.formats import read_bnet_text

SWITCH = read_bnet_text("A, A\nB, A\nC, B & !D\nD, D\n", source="switch.bnet")
OSCILLATOR = read_bnet_text("X, !Y\nY, X\nZ, Z\n", source="osc.bnet")
BISTABLE = read_bnet_text("P, P\nU, !V | P\nV, !U\n", source="bistable.bnet")


def make(name: str):
    if name == "stochastic":
        return get_engine(name, sample_count=400, max_time=20.0, seed=3)
    if name == "graded":
        return get_engine(name)
    return MostPermissiveEngine()


@pytest.fixture(params=ENGINE_NAMES)
def engine(request):
    return make(request.param)


def test_fixed_point_cascade(engine) -> None:
    res = engine.simulate(SWITCH, {"A": 1, "D": 0}, initial={"B": 0, "C": 0})
    assert res.value("B") == pytest.approx(1.0, abs=0.02)
    assert res.value("C") == pytest.approx(1.0, abs=0.05)
    res_off = engine.simulate(SWITCH, {"A": 1, "D": 1}, initial={"B": 0, "C": 0})
    assert res_off.value("C") == pytest.approx(0.0, abs=0.02)


def test_weights_sum_to_one_and_columns_are_nodes(engine) -> None:
    res = engine.simulate(SWITCH, {"A": 1, "D": 0}, initial={"B": 0, "C": 0})
    assert res.weights.sum() == pytest.approx(1.0)
    assert list(res.states.columns) == list(SWITCH.nodes)
    assert ((res.states >= 0) & (res.states <= 1)).all().all()


def test_oscillation_is_partial(engine) -> None:
    res = engine.simulate(OSCILLATOR, {"Z": 1}, initial={"X": 0, "Y": 0})
    assert 0.2 < res.value("X") < 0.8
    assert res.value("Z") == pytest.approx(1.0)


def test_reachability_respects_initial_state(engine) -> None:
    # From U=1, V=0 with P fixed at 1 the cell stays in the U branch.
    res = engine.simulate(BISTABLE, {"P": 1}, initial={"U": 1, "V": 0})
    assert res.value("U") == pytest.approx(1.0, abs=0.02)
    assert res.value("V") == pytest.approx(0.0, abs=0.02)


def test_provenance(engine) -> None:
    res = engine.simulate(SWITCH, {"A": 1}, initial={"B": 0, "C": 0})
    prov = res.provenance.as_dict()
    assert prov["engine"] == engine.name
    assert prov["model_hash"] == SWITCH.hash
    assert prov["package_version"]
    assert prov["solver"].split()[0] in {"mpbn", "cmaboss", "numpy"}


def test_unknown_node_is_an_error(engine) -> None:
    with pytest.raises(UnknownNameError, match="Unknown node 'Q'"):
        engine.simulate(SWITCH, {"Q": 1})


def test_mp_rejects_non_boolean_values() -> None:
    with pytest.raises(ParameterError, match="perturbation"):
        MostPermissiveEngine().simulate(SWITCH, {"A": 2})


def test_mp_cache_avoids_repeated_solver_calls() -> None:
    eng = MostPermissiveEngine()
    eng.simulate(SWITCH, {"A": 1})
    eng.simulate(SWITCH, {"A": 1})
    assert eng.calls == 1
    eng.simulate(SWITCH, {"A": 0})
    assert eng.calls == 2


def test_mp_bistability_without_initial_state_lists_both() -> None:
    res = MostPermissiveEngine().simulate(BISTABLE, {"P": 0})
    assert sorted(res.states["U"].tolist()) == [0.0, 1.0]


def test_get_engine_rejects_unknown_names() -> None:
    with pytest.raises(ParameterError, match="must be one of"):
        get_engine("mp2")
