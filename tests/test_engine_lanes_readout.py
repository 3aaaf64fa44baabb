"""Reading lanes out fast (engines/lanes.py): :meth:`Lanes.vectors`, :meth:`Lanes.settled_rows`
and perturbations given as :class:`Settings` must give exactly what the plain per-lane
readings give (same values, same types), on many random masks and perturbations."""

from __future__ import annotations

import random

import pytest

from her2resist.engines.evaluate import Evaluator
from her2resist.engines.lanes import Lanes, Settings, lane_settings, percolate_lanes
from her2resist.engines.reduce import UNKNOWN
from her2resist.model import load_model

NET = load_model()


def _random_masks(rng: random.Random, size: int, nodes: int
                  ) -> tuple[tuple[int, ...], tuple[int, ...]]:
    every = (1 << size) - 1
    ones, zeros = [], []
    for _ in range(nodes):
        kind = rng.random()
        if kind < 0.25:  # one value in every lane
            one = every if rng.random() < 0.5 else 0
            zero = every & ~one
        elif kind < 0.35:  # unknown everywhere
            one = zero = 0
        else:
            one = rng.getrandbits(size)
            zero = rng.getrandbits(size) & ~one
        ones.append(one)
        zeros.append(zero)
    return tuple(ones), tuple(zeros)


def _random_lanes(rng: random.Random) -> Lanes:
    """Random masks, the first ones and the final ones different."""
    size = rng.choice([1, 2, 7, 64, 65, 200])
    nodes = rng.randrange(1, 40)
    first, final = (_random_masks(rng, size, nodes) for _ in range(2))
    known = (1 << size) - 1
    for one, zero in zip(*final, strict=True):
        known &= one | zero
    return Lanes(size, first, final, ((1 << size) - 1) & ~known)


def _typed(values: object) -> list[tuple[type, float]]:
    return [(type(v), v) for v in values]  # type: ignore[attr-defined]


@pytest.mark.parametrize("seed", range(8))
def test_vectors_are_each_lanes_vector(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(50):
        lanes = _random_lanes(rng)
        wanted = rng.getrandbits(lanes.size)
        first = rng.random() < 0.5
        found = lanes.vectors(wanted, first=first)
        assert sorted(found) == [b for b in range(lanes.size) if wanted >> b & 1]
        for lane, vector in found.items():
            expected = lanes.vector(lane, first=first)
            assert _typed(vector) == _typed(expected)
            assert all(v in (0, 1, UNKNOWN) for v in vector)


@pytest.mark.parametrize("seed", range(8))
def test_settled_rows_are_each_settled_lanes_vector_as_floats(seed: int) -> None:
    rng = random.Random(100 + seed)
    for _ in range(50):
        lanes = _random_lanes(rng)
        rows = lanes.settled_rows()
        assert len(rows) == lanes.size
        for lane, row in enumerate(rows):
            if lanes.unsettled >> lane & 1:
                assert row is None
            else:
                assert row is not None
                assert _typed(row) == _typed(float(v) for v in lanes.vector(lane))


def test_settings_percolate_each_lane_as_the_scalar_path_percolates_it() -> None:
    # The reference is the scalar percolation of each perturbation on its own (its values over
    # the background's fixed ones, then CompiledNetwork.propagate from the start), so the
    # batch's bit placement (lane_settings, then percolate_lanes placing the masks over the
    # fixed values) is checked against another computation, not against itself.  Half the
    # settings override a node the background fixes.
    ev = Evaluator(NET)
    cn = ev.compiled
    base = ev.base({"PTEN_loss": 1, "ERBB2_amp": 1, "RAS_act": 1})
    lanes = ev._lanes_of()
    rng = random.Random(5)
    names, fixed_names = list(cn.names), sorted(base.fixed)
    overridden = 0
    for _ in range(6):
        perturbations = []
        for _ in range(rng.randrange(1, 70)):
            chosen = rng.sample(names, rng.randrange(4))
            if rng.random() < 0.5:
                chosen.append(rng.choice(fixed_names))
            perturbations.append({cn.index[n]: rng.randrange(2) for n in chosen})
        settings = lane_settings(perturbations)
        assert isinstance(settings, Settings) and len(settings) == len(perturbations)
        fixed = cn.initial(base.fixed)
        for start in base.starts:
            together = percolate_lanes(lanes, fixed, settings, start)
            assert together == percolate_lanes(lanes, fixed, perturbations, start)
            for lane, perturbation in enumerate(perturbations):
                named = {cn.names[i]: v for i, v in perturbation.items()}
                overridden += any(base.fixed.get(n, v) != v for n, v in named.items())
                vector = cn.initial({**base.fixed, **named})
                cn.propagate(vector, start, cn.regulated)
                assert together.vector(lane, first=True) == tuple(vector), named
    assert overridden > 20


def test_placed_settings_are_the_lane_settings_of_the_positions() -> None:
    ev = Evaluator(NET)
    perturbations = [{"trastuzumab": 1, "PI3Ki": True}, {"lapatinib": 0}, {}, {"PI3Ki": 1.0}]
    positions = [{ev.compiled.index[n]: int(v) for n, v in p.items()} for p in perturbations]
    assert ev._placed(perturbations) == lane_settings(positions)
    assert ev._placed([{"trastuzumab": 0.5}]) is None
    assert ev._placed([]) is None


def test_placer_keeps_a_panels_settings_only_while_the_panel_is_unchanged() -> None:
    ev = Evaluator(NET)
    index = ev.compiled.index
    rng = random.Random(11)
    names = sorted(index)
    panel = [{n: rng.randrange(2) for n in rng.sample(names, rng.randrange(1, 4))}
             for _ in range(40)]

    def expected() -> Settings | None:
        return lane_settings([{index[n]: int(v) for n, v in p.items()} for p in panel])

    first = ev._placed(panel)
    assert first == expected()
    assert ev._placed(list(panel)) is first  # the same mappings again: kept
    assert ev._placed(panel[1:]) == lane_settings(
        [{index[n]: int(v) for n, v in p.items()} for p in panel[1:]])
    name = next(iter(panel[3]))
    panel[3][name] = 1 - panel[3][name]  # changed in place: placed again
    again = ev._placed(panel)
    assert again is not first and again == expected()
    panel[5]["trastuzumab"] = 0.5  # type: ignore[assignment]
    assert ev._placed(panel) is None
    panel[5].pop("trastuzumab")
    panel[6]["NoSuchNode"] = 1
    with pytest.raises(Exception, match="NoSuchNode"):
        ev._placed(panel)


@pytest.mark.parametrize("shortcut", [True, False])
def test_solver_lanes_given_their_moving_part_answer_as_the_scalar_path(shortcut: bool) -> None:
    # Without the shortcut every lane that percolation leaves open goes to the solver with
    # the moving part read from the masks; each must be the scalar path's rows.
    lanes, scalar = Evaluator(NET, shortcut=shortcut), Evaluator(NET, shortcut=shortcut)
    rng = random.Random(21)
    inputs = sorted(NET.inputs)
    for background in ({}, {"PTEN_loss": 1}, {"PIK3CA_mut": 1, "ERBB3_high": 1}):
        perturbations = [{n: rng.randrange(2) for n in rng.sample(inputs, rng.randrange(1, 4))}
                         for _ in range(30)]
        keep = sorted({n for p in perturbations for n in p} - set(background))
        base, scalar_base = lanes.base(background, keep), scalar.base(background, keep)
        assert lanes.rows_many(base, perturbations) == [scalar.rows(scalar_base, p)
                                                        for p in perturbations]
