"""A graded prediction computed without numpy is the one computed with it, bit for bit.

A one-shot ``predict`` draws its parameter samples with a plain-Python copy of numpy's
generator (common/pcg64.py) and integrates them in plain floats (GradedEngine.
integrate_route_columns), where that gives numpy's numbers (common/plainmath.py); these tests
compare both ways on the same questions, and check that the one-shot command loads no numpy.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from her2resist.common import plainmath
from her2resist.common.pcg64 import Uniform
from her2resist.predict import graded

needs_exact = pytest.mark.skipif(not plainmath.plain_is_exact(),
                                 reason="numpy's exp/log/power are not the C library's here")


@pytest.mark.parametrize("seed", [0, 1, 7, 2**32 - 1, 2**32, 2**64 + 3, 2**130 + 17])
def test_uniform_draws_are_numpys(seed: int) -> None:
    ours, theirs = Uniform(seed), np.random.default_rng(seed)
    for low, high, count in [(0.4, 0.6, 16), (2, 4, 16), (0.0, 1.0, 33), (4.0, 16.0, 1)]:
        assert ours.uniform(low, high, count) == theirs.uniform(low, high, count).tolist()


def test_uniform_refuses_what_numpy_would_not_seed_the_same_way() -> None:
    for seed in (-1, 1.5, True, None):
        with pytest.raises(ValueError, match="non-negative integer"):
            Uniform(seed)  # type: ignore[arg-type]


@needs_exact
def test_plain_functions_are_numpys() -> None:
    x = np.random.default_rng(5).uniform(0.0, 1.0, 20_000)
    xs = x.tolist()
    assert [plainmath.exp(-4 * v) for v in xs] == np.exp(-4 * x).tolist()
    assert [plainmath.log(v) for v in xs] == np.log(x).tolist()
    assert [plainmath.clip(3 * v - 1, 0.0, 1.0) for v in xs] == np.clip(3 * x - 1, 0, 1).tolist()
    assert [plainmath.minimum(1.0, 2 * v) for v in xs] == np.minimum(1.0, 2 * x).tolist()
    for e in (0.5, 1.5, 2.0, 2.5, 3.0, -1.0, 2, 3):
        assert [plainmath.array_power(v, e) for v in xs] == (x ** e).tolist(), e


#: Questions that reach every sampled kind of input: drawn context levels and Fc engagement 2
#: (trastuzumab + pertuzumab in patients), 1.5 (margetuximab), an ADC's payload and bystander
#: kill, kinase inhibitors' doses, chemotherapy's kill, drawn alteration levels.
QUESTIONS = [
    ([], "trastuzumab + pertuzumab + docetaxel", "patient"),
    (["ER positive", "PIK3CA H1047R"], "margetuximab + capecitabine", "patient"),
    (["HER2 low"], "trastuzumab deruxtecan", "patient"),
    (["PTEN loss"], "lapatinib + capecitabine", "culture"),
    (["AKT1 amplification"], "tucatinib + trastuzumab + capecitabine", "patient"),
    (["PIK3CA_mut"], "trastuzumab + everolimus", "patient"),
    (["CCND1 amplification"], "neratinib", "culture"),
]


@needs_exact
@pytest.mark.parametrize("alterations, regimen, context", QUESTIONS)
def test_prediction_without_numpy_is_the_one_with_numpy(
        alterations: list[str], regimen: str, context: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    def one() -> graded.Prediction:
        graded._CACHE.clear()
        return graded.predict_graded(alterations, regimen, context=context, endpoint="pCR",
                                     seed=4)

    plain = one()
    monkeypatch.setattr(graded, "PLAIN_SAMPLES", -1)  # numpy's arrays, as before
    with_numpy = one()
    graded._CACHE.clear()
    assert (plain.score, plain.interval, plain.response_probability, plain.levels) == (
        with_numpy.score, with_numpy.interval, with_numpy.response_probability,
        with_numpy.levels)
    assert json.dumps(plain.to_dict()) == json.dumps(with_numpy.to_dict())
    assert plain.interval[0] < plain.interval[1]


@needs_exact
def test_one_shot_predict_loads_no_numpy_and_prints_what_the_command_prints() -> None:
    code = (
        "import sys\n"
        "from her2resist.cli._fast import run_plain_predict\n"
        "assert run_plain_predict(['predict', '-a', 'PIK3CA_mut', '-r', "
        "'trastuzumab + everolimus', '--json'])\n"
        "print('numpy' in sys.modules, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stderr.strip().splitlines()[-1] == "False"
    printed = json.loads(done.stdout)
    from her2resist.predict.record import prediction_record

    monkey = graded.PLAIN_SAMPLES
    try:
        graded.PLAIN_SAMPLES = -1
        graded._CACHE.clear()
        expected = prediction_record(["PIK3CA_mut"], "trastuzumab + everolimus").data
    finally:
        graded.PLAIN_SAMPLES = monkey
        graded._CACHE.clear()
    assert printed == json.loads(json.dumps(expected))
    assert math.isfinite(printed["score"])


@needs_exact
@pytest.mark.parametrize("alterations, regimen, context", QUESTIONS)
def test_sampled_controls_without_numpy_are_numpys_unrounded(
        alterations: list[str], regimen: str, context: str) -> None:
    # The scores are rounded to 6 decimals; the controls they come from must agree to the bit.
    call = graded._prepare(tuple(alterations), regimen, context, None, None, "pCR", 16, 9,
                           False, None, None, "graded")
    service, p = call.arguments[0], call.arguments[1]
    setup = graded._setup(*call.arguments[1:8])  # type: ignore[arg-type]
    plain = graded._run_plain(service, p, setup, 16, 9)  # type: ignore[arg-type]
    drawn, hill = graded._draw(p, setup, 16, 9)  # type: ignore[arg-type]
    arrays = graded._run(service, p, setup, samples=drawn, hill=hill)  # type: ignore[arg-type]
    assert plain is not None
    assert plain[0] == np.asarray(arrays[0]).tolist()
    assert plain[1] == np.asarray(arrays[1]).tolist()


def test_one_shot_path_leaves_the_garbage_collector_as_it_found_it(
        capsys: pytest.CaptureFixture[str]) -> None:
    import gc

    from her2resist.cli._fast import run_plain_predict

    assert gc.isenabled()
    assert run_plain_predict(["predict", "-a", "PTEN loss", "-r", "trastuzumab", "--json"])
    assert gc.isenabled()
    assert json.loads(capsys.readouterr().out)["regimen"] == "trastuzumab"
    gc.disable()
    try:
        assert run_plain_predict(["predict", "-r", "trastuzumab", "--json"])
        assert not gc.isenabled()
    finally:
        gc.enable()
