"""The graded engine (logic ODEs, normalised Hill functions): its Boolean limit and its integrator.

Oracle tests: in the limit of saturating exposure and full-strength alterations (every input at
0 or 1), the graded engine must give the class of the most-permissive engine on every validation
case, and its Euler integration must land on the steady state that scipy's LSODA finds.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from her2resist.engines import get_engine
from her2resist.engines.graded import GradedEngine, HillParameters, interpolation_source
from her2resist.exceptions import ParameterError
from her2resist.model.formats import read_bnet_text
from her2resist.model.parse import load_model
from her2resist.model.rules import evaluate, parse_rule
from her2resist.predict import predict_response
from her2resist.predict.validate import read_cases, validate_cases

EXTRA = Path(__file__).parent / "data" / "validation_extra.csv"


def _case_files(shared_dir: Path | None) -> list[Path]:
    return [EXTRA] + ([shared_dir / "validation" / "cases.csv"] if shared_dir else [])


@pytest.fixture(scope="module")
def cases(request: pytest.FixtureRequest) -> list:
    shared = Path(__file__).resolve().parents[1].parent / "shared"
    files = _case_files(shared if shared.is_dir() else None)
    return [c for f in files for c in read_cases(f)]


def test_boolean_limit_passes_every_validation_case(cases: list) -> None:
    report = validate_cases(cases, engine="graded")
    failed = [r.as_dict() for r in report.results if not r.passed]
    assert report.total >= 27
    assert failed == []


def test_boolean_limit_gives_the_most_permissive_class_on_every_case(cases: list) -> None:
    pairs = {(c.alterations, c.regimen) for c in cases}
    pairs |= {(c.ref_alterations, c.ref_regimen) for c in cases if c.ref_regimen}
    differing = []
    for alterations, regimen in sorted(pairs):
        mp = predict_response(alterations, regimen, explain=False)
        graded = predict_response(alterations, regimen, engine="graded", explain=False)
        if mp.response_class != graded.response_class:
            differing.append((alterations, regimen, mp.score, graded.score))
    assert differing == []


@pytest.mark.parametrize("rule", ["A & !B", "A | (B & !C)", "(A & B) | (A & C) | !A & D",
                                  "!(A | B) & (C | !D)", "A & !A | B"])
def test_interpolation_equals_the_rule_on_boolean_states(rule: str) -> None:
    expr = parse_rule(rule)
    source = interpolation_source(expr, str.lower)
    for bits in range(16):
        state = {v: (bits >> i) & 1 for i, v in enumerate("ABCD")}
        values = {k.lower(): float(v) for k, v in state.items()}
        assert eval(source, values) == float(evaluate(expr, state))


def test_interpolation_is_multilinear_for_repeated_regulators() -> None:
    source = interpolation_source(parse_rule("(A & B) | (A & C)"), str.lower)
    # A (B + C - BC) at A = 0.5, B = 0.5, C = 0.5: 0.5 * 0.75
    assert eval(source, {"a": 0.5, "b": 0.5, "c": 0.5}) == pytest.approx(0.375)


def _lsoda_steady_state(network, levels: dict[str, float], p: HillParameters) -> np.ndarray:
    from scipy.integrate import solve_ivp

    engine = GradedEngine(p)
    code = engine.compiled(network, frozenset(levels))
    start = engine.start_vector(network, levels, None)
    kn = p.k**p.n

    def rhs(_t: float, y: np.ndarray) -> np.ndarray:
        state = list(y)
        after = code.advance(state, 1, 1.0, p.n, kn, 1.0 + kn, False)  # x + (B(x) - x)
        return (np.array(after) - y) / p.tau

    solution = solve_ivp(rhs, (0.0, p.t_max), start, method="LSODA", rtol=1e-8, atol=1e-10)
    return solution.y[:, -1]


@pytest.mark.parametrize("levels", [
    {"trastuzumab": 0.8},
    {"lapatinib": 0.6, "PTEN_loss": 0.5},
    {"PIK3CA_mut": 0.7, "trastuzumab": 1.0, "lapatinib": 0.9},
])
def test_euler_steady_state_matches_lsoda(levels: dict[str, float]) -> None:
    network = load_model()
    p = HillParameters()
    result = GradedEngine(p).simulate(network, levels)
    reference = _lsoda_steady_state(network, levels, p)
    assert np.max(np.abs(result.values[0] - reference)) < 1e-3


def test_graded_levels_grade_the_response() -> None:
    network = read_bnet_text("Drug, Drug\nS, !Drug\nGrowth, S")
    engine = GradedEngine()
    growth = [engine.simulate(network, {"Drug": d}).value("Growth") for d in (0.0, 0.3, 0.6, 1.0)]
    assert growth[0] == pytest.approx(1.0) and growth[-1] == pytest.approx(0.0, abs=1e-9)
    assert all(a > b for a, b in itertools.pairwise(growth))


def test_oscillating_loop_reports_its_mean() -> None:
    network = read_bnet_text("A, !C\nB, A\nC, B")
    value = GradedEngine().simulate(network, {}).value("A")
    assert 0.2 < value < 0.8


def test_engine_is_registered_and_cached() -> None:
    engine = get_engine("graded")
    network = load_model()
    first = engine.simulate(network, {"trastuzumab": 0.5})
    assert engine.simulate(network, {"trastuzumab": 0.5}) is first
    assert first.provenance.engine == "graded" and first.n_states == 1


@pytest.mark.parametrize("levels", [{"trastuzumab": 1.5}, {"trastuzumab": "high"},
                                    {"trastuzumab": True}])
def test_levels_outside_zero_one_are_refused(levels: dict[str, object]) -> None:
    with pytest.raises(ParameterError, match="levels in \\[0, 1\\]"):
        GradedEngine().simulate(load_model(), levels)  # type: ignore[arg-type]


def test_bad_hill_parameters_are_refused() -> None:
    with pytest.raises(ParameterError, match="0 < k < 1"):
        GradedEngine(HillParameters(k=1.5))


def test_service_keeps_levels_apart() -> None:
    from her2resist.engines.service import get_service

    service = get_service(load_model(), "graded")
    half = service.untreated({"ESR1_high": 0.5, "trastuzumab": 1})
    none = service.untreated({"ESR1_high": 0, "trastuzumab": 1})
    assert half.value("ER") > none.value("ER") + 0.1


def _naive_steps(network, state: list[float], fixed: frozenset[str], steps: int,
                 p: HillParameters) -> list[float]:
    """Euler steps written from interpolation_source, node by node, nothing hoisted."""
    order = list(network.nodes)
    free = [n for n in order if not network.nodes[n].is_input and n not in fixed]
    kn = p.k ** p.n
    sources = {n: compile(interpolation_source(network.nodes[n].expr, lambda v: f"v_{v}"),
                          n, "eval") for n in free}
    values = dict(zip(order, state, strict=True))
    for _ in range(steps):
        env = {f"v_{n}": (values[n] ** p.n * (1 + kn) / (values[n] ** p.n + kn)
                          if n in free else values[n]) for n in order}
        targets = {n: eval(sources[n], {}, env) for n in free}
        for n in free:
            values[n] = values[n] + p.dt * (targets[n] - values[n])
    return [values[n] for n in order]


def test_generated_integrator_is_the_interpolation_step_for_step() -> None:
    # The generated code hoists fixed subexpressions and shares repeated ones; the numbers
    # must be those of the plain interpolation, bit for bit, on floats and on samples.
    network, p = load_model(), HillParameters()
    rng = np.random.default_rng(3)
    fixed = frozenset({"PTEN_loss"})
    start = rng.uniform(0, 1, len(network.nodes)).tolist()
    expected = _naive_steps(network, start, fixed, 6, p)
    code = GradedEngine().compiled(network, fixed)
    kn = p.k ** p.n
    got = code.advance(list(start), 6, p.dt, p.n, kn, 1 + kn, False)
    assert got == expected
    many = code.advance_many([np.full(3, v) for v in start], 6, p.dt, p.n, kn, 1 + kn, False)
    assert all((np.asarray(m) == e).all() for m, e in zip(many, expected, strict=True))


@pytest.mark.parametrize(("alone", "dead"), [(0, 0.0), (24, 0.0), (0, 1.0), (24, 0.125)])
def test_runs_stepped_together_give_each_its_own_numbers(alone: int, dead: float,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # integrate_runs steps many integrations as one array (dropping each run when it stops,
    # integrating identical runs once); every run must get, bit for bit, what integrate gives
    # it alone: converged or not (the window mean), with samples or without, whatever it holds.
    from her2resist.engines import graded_batch
    from her2resist.engines.graded import SAMPLED
    from her2resist.engines.graded_batch import Run, integrate_runs

    # the last few runs without samples are stepped alone in plain floats (or never: 0); the
    # columns of runs that have left are dropped at once (0.0), or only when all have (1.0)
    monkeypatch.setattr(graded_batch, "_ALONE", alone)
    monkeypatch.setattr(graded_batch, "_DEAD_SHARE", dead)
    network, engine = load_model(), GradedEngine()
    rng = np.random.default_rng(11)
    order = list(network.nodes)
    short = HillParameters(t_max=3.0, window=2.0)  # stops before converging: window mean
    runs = []
    for fixed, parameters, samples in [({"PTEN_loss": 1.0}, engine.parameters, 0),
                                       ({"PTEN_loss": 0.4, "AKT": 1.0}, engine.parameters, 0),
                                       ({"IGF1": 0.7}, short, 0), ({}, SAMPLED, 5),
                                       ({"EGF": 0.3}, short, 4), ({"AKT": 0.0}, SAMPLED, 3)]:
        start = rng.uniform(0, 1, len(order)).tolist()
        hill: tuple[object, object] = (None, None)
        if samples:
            start[order.index("HER2")] = rng.uniform(0, 1, samples)
            hill = (rng.uniform(2, 4, samples), rng.uniform(0.4, 0.6, samples))
        for node, level in fixed.items():
            start[order.index(node)] = level
        runs.append(Run(fixed, start, parameters, *hill))
    runs.append(runs[3])  # an identical run is integrated once and given to both
    together = integrate_runs(engine, network, runs)
    for run, got in zip(runs, together, strict=True):
        alone = engine.integrate(network, run.fixed, run.start, parameters=run.parameters,
                                 hill_n=run.hill_n, hill_k=run.hill_k)
        assert all(np.array_equal(np.broadcast_to(a, np.shape(g)), g)
                   for a, g in zip(alone, got, strict=True))


def test_block_integrator_is_advance_many_step_for_step() -> None:
    # The block integrator (graded_block) writes in place, hoists held subexpressions once per
    # block and orders rows by what the rules read; the numbers must be advance_many's, bit
    # for bit, every step, in the final window's mean, and after columns are taken out.
    from her2resist.engines.graded_block import Block

    network, engine = load_model(), GradedEngine()
    fixed = frozenset({"PTEN_loss", "AKT"})
    code, block_code = engine.compiled(network, fixed), engine.compiled_block(network, fixed)
    rng = np.random.default_rng(5)
    width = 7
    start = rng.uniform(0, 1, (len(network.nodes), width))
    n, k = rng.uniform(2, 4, width), rng.uniform(0.4, 0.6, width)
    kn = k ** n
    block = Block(block_code, start[list(block_code.layout)],
                  block_code.constants(list(start)), n, kn)
    state: list[object] = list(start)
    for steps in (1, 2, 3):
        state = code.advance_many(state, steps, 0.5, n, kn, 1.0 + kn, False)
        got = block.advance(steps, 0.5)
        assert all(np.array_equal(got[row], state[i])
                   for row, i in enumerate(block_code.layout))
    keep = np.array([0, 3, 6])
    mean = code.advance_many([v[keep] for v in state], 4, 0.5, n[keep], kn[keep],
                             1.0 + kn[keep], True)
    got = block.take(keep).advance(4, 0.5, mean=True)
    assert all(np.array_equal(got[row], mean[i]) for row, i in enumerate(block_code.layout))


def test_block_raises_only_changed_levels_with_the_full_powers() -> None:
    # After its first step a block raises to the Hill power only the levels that changed
    # since the step before and keeps the other powers: bit for bit advance_many's numbers,
    # step after step, with levels held at exactly 0 or 1, settling, just below 0 and -0.0,
    # and in a block taken from it (which raises everything again at its first step).
    from her2resist.engines.graded_block import Block

    network, engine = load_model(), GradedEngine()
    fixed = frozenset({"PTEN_loss"})
    code, block_code = engine.compiled(network, fixed), engine.compiled_block(network, fixed)
    rng = np.random.default_rng(11)
    width = 9
    start = rng.uniform(0, 1, (len(network.nodes), width))
    start[rng.uniform(0, 1, start.shape) < 0.4] = 0.0
    start[rng.uniform(0, 1, start.shape) < 0.1] = 1.0
    reads = [i for i in block_code.layout[:block_code.reads]]
    start[reads[0], 2], start[reads[1], 3] = -1e-17, -0.0
    n, k = rng.uniform(2, 4, width), rng.uniform(0.4, 0.6, width)
    n[0] = 3.0
    kn = k ** n
    block = Block(block_code, start[list(block_code.layout)],
                  block_code.constants(list(start)), n, kn)
    state: list[object] = list(start)

    def same(got: np.ndarray, want: list[object], columns: slice | np.ndarray) -> bool:
        return all(np.asarray(got[row]).tobytes() == np.asarray(want[i])[columns].tobytes()
                   for row, i in enumerate(block_code.layout))

    unchanged = 0
    for _ in range(30):
        before = block.x.copy()
        state = code.advance_many(state, 2, 0.5, n, kn, 1.0 + kn, False)
        got = block.advance(2, 0.5)
        assert same(got, state, slice(None))
        unchanged += int((got[:block_code.reads] == before[:block_code.reads]).sum())
    assert unchanged > 0  # the kept powers were used
    keep = np.array([1, 2, 3, 8])
    taken = block.take(keep)
    kept = [v[keep] for v in state]
    for _ in range(3):
        kept = code.advance_many(kept, 2, 0.5, n[keep], kn[keep], 1.0 + kn[keep], False)
        assert same(taken.advance(2, 0.5), kept, slice(None))


def test_generated_integrators_kept_are_bounded() -> None:
    # One integrator per set of held nodes: a long session holding ever new sets of nodes
    # keeps only the most recently used ones.
    network = read_bnet_text("A, A\nB, A & !C\nC, B\nD, C | B")
    engine = GradedEngine(compiled_size=2)
    first = engine.compiled(network, frozenset({"B"}))
    assert engine.compiled(network, frozenset({"B"})) is first  # kept
    for held in ({"C"}, {"D"}, {"C", "D"}):
        engine.compiled(network, frozenset(held))
    assert len(engine._compiled) == 2
    assert engine.compiled(network, frozenset({"B"})) is not first  # generated again
    with pytest.raises(ParameterError, match="size"):
        GradedEngine(compiled_size=0)


def test_every_regulated_node_held_integrates_to_the_held_levels() -> None:
    """Nothing moves when every regulated node is held (as ``--set`` can do): the generated
    integrator still compiles and returns the held state, alone and stepped as columns."""
    from her2resist.engines.graded_batch import Run, integrate_runs

    net = read_bnet_text("A, A\nB, A\nC, B")
    engine = GradedEngine()
    fixed = {"A": 1.0, "B": 0.3, "C": 0.2}
    assert engine.integrate(net, fixed, [1.0, 0.3, 0.2]) == [1.0, 0.3, 0.2]
    sampled = Run(fixed, [1.0, np.array([0.3, 0.3]), 0.2], engine.parameters)
    alone, columns = integrate_runs(engine, net, [Run(fixed, [1.0, 0.3, 0.2], engine.parameters),
                                                   sampled])
    assert list(alone) == [1.0, 0.3, 0.2]
    assert np.asarray(columns).tolist() == [[1.0, 1.0], [0.3, 0.3], [0.2, 0.2]]
