"""A report's screens simulate only what they may list: a combination whose score the exact
reductions show to be at or below every cut it faces is not simulated (screen/anchored.py,
``SimulationService.known_many``, ``score_range``).  Checked against the full computation on
every catalogue genotype under every standard regimen's screen."""

from __future__ import annotations

from typing import Any

import pytest

from her2resist.engines.evaluate import Evaluator
from her2resist.engines.service import get_service
from her2resist.knowledge.catalogue import load_catalogue
from her2resist.model import load_model
from her2resist.predict.scoring import APOPTOSIS, PROLIFERATION, response_score
from her2resist.report import STANDARD_REGIMENS
from her2resist.screen import anchored
from her2resist.screen.anchored import screen_anchored
from her2resist.screen.combinations import anchored_combos, perturbation_of, regimen_agent
from her2resist.screen.combo_rows import _control_rows, score_range
from her2resist.screen.genotypes import Genotype, as_genotype, default_panel, mechanism_genotypes

NET = load_model()
NODES = (PROLIFERATION, APOPTOSIS)


#: Tumours whose untreated cell reaches two states (a regimen continues from each).
SEVERAL_STARTS = (["AXL_high", "ERBB2_loss"], ["AKT1_mut", "HER2_low"],
                  ["CDKN1B_loss", "ER_positive", "HER2_low"])


def _genotypes() -> list[Genotype]:
    """No alteration, every catalogue alteration alone, every KB mechanism genotype, and
    tumours with several untreated states."""
    out = [as_genotype({})]
    out += [as_genotype([a]) for a in sorted(load_catalogue().alterations)]
    return out + list(mechanism_genotypes()) + [as_genotype(s) for s in SEVERAL_STARTS]


def _perturbations() -> list[dict[str, int]]:
    """Every standard regimen's screen: the regimen, each agent alone, each pair with it."""
    panel = default_panel()
    found = {}
    for regimen in STANDARD_REGIMENS:
        for combo in anchored_combos(regimen_agent(regimen), panel, 2):
            perturbation = perturbation_of(combo)
            found[tuple(sorted(perturbation.items()))] = perturbation
    return list(found.values())


def test_known_values_hold_in_every_row_and_bound_the_score() -> None:
    service = get_service(NET)
    perturbations = _perturbations()
    index = [service.index[n] for n in NODES]
    decided = bounded = 0
    for genotype in _genotypes():
        background = dict(genotype.perturbation)
        untreated, many = service.rows_many(background, perturbations)
        c0 = _control_rows(untreated, service.index, {})
        known = service.known_many(background, perturbations, NODES)
        for perturbation, rows, values in zip(perturbations, many, known, strict=True):
            for i, value in zip(index, values, strict=True):
                assert value is None or all(row[i] == value for row in rows), (
                    background, perturbation)
            score = response_score(c0, _control_rows(rows, service.index, {}))
            low, high = score_range(c0, values)  # type: ignore[arg-type]
            assert low <= score <= high, (background, perturbation)
            decided += low == high
            bounded += high < 1.0
    # the bounds are not vacuous: many regimens' scores are decided, many more bounded
    assert decided > 1000 and bounded > decided


@pytest.mark.parametrize("reachable", [True, False])
def test_known_values_hold_without_a_start_and_over_several_starts(reachable: bool) -> None:
    """Every attractor (no start state), and backgrounds with several untreated states
    (known only where every start agrees)."""
    evaluator = Evaluator(NET, reachable=reachable)
    perturbations = _perturbations()
    index = [evaluator.compiled.index[n] for n in NODES]
    starts = 0
    for genotype in _genotypes():
        background = dict(genotype.perturbation)
        base = evaluator.base(background, [n for n in NET.inputs if n not in background])
        starts = max(starts, len(base.starts))
        known = evaluator.known_many(base, perturbations, NODES)
        many = evaluator.rows_many(base, perturbations)
        for rows, values in zip(many, known, strict=True):
            for i, value in zip(index, values, strict=True):
                assert value is None or all(row[i] == value for row in rows)
    assert starts > 1 or not reachable


def _above(rows: tuple[dict[str, Any], ...], cut: float | None) -> list[dict[str, Any]]:
    """What ``screen_anchored(..., above=[cut])`` must give: the full screen's rows above
    the cut, ranked among themselves."""
    kept = [r for r in rows if cut is None or r["score"] > cut]
    return [{**r, "rank": k} for k, r in enumerate(kept, start=1)]


def test_bounded_screens_equal_the_full_screens_on_every_catalogue_genotype(
        monkeypatch: pytest.MonkeyPatch) -> None:
    panel = default_panel()
    anchors = [regimen_agent(r) for r in STANDARD_REGIMENS]
    simulated = []

    def counting(*args: Any) -> Any:
        simulated.append(len(args[2]))
        return scored(*args)

    scored = anchored._scored
    monkeypatch.setattr(anchored, "_scored", counting)
    skipped = 0
    for genotype in _genotypes():
        full = screen_anchored(genotype, panel, anchors)
        # as a report cuts (each regimen's own score), and mixed with uncut screens and
        # lower cuts (a combination in several screens faces the lowest)
        alone = {a.name: next(r["score"] for r in rows if r["combination"] == a.name)
                 for a, rows in zip(anchors, full, strict=True)}
        cuts: list[float | None] = [alone[a.name] + 1e-9 for a in anchors]
        cuts[1], cuts[2] = None, 0.0
        anchored._SCREENED.clear()
        simulated.clear()
        bounded = screen_anchored(genotype, panel, anchors, above=cuts)
        expected = [_above(rows, cut) for rows, cut in zip(full, cuts, strict=True)]
        assert [list(rows) for rows in bounded] == expected, genotype.name
        distinct = {c for a in anchors for c in anchored._screen_combos(tuple(panel), a, 2)}
        skipped += len(distinct) - sum(simulated)
    assert skipped > 1000
