"""Virtual trials: the sampled population, response endpoints, PFS and the trial files."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from typer.testing import CliRunner

from her2resist.cli.main import _register_all, app
from her2resist.cohort import pfs
from her2resist.cohort.population import _table, load_population, odds_ratio_from_union
from her2resist.cohort.trial import randomise, read_trial, run_trial, trial_from_dict
from her2resist.exceptions import CohortError

EXAMPLES = Path(__file__).parents[1] / "examples" / "trials"
RESISTANCE = ("PIK3CA_mut", "PTEN_low", "CCNE1_amp")


def stand_in(alterations: list[str], regimen: str, environment: object = None
             ) -> SimpleNamespace:
    """Score 0.9, less 0.4 per resistance alteration, less 0.1 if ER+, more 0.05 with P."""
    p = 0.9 - 0.4 * sum(a in alterations for a in RESISTANCE) \
        - 0.1 * ("ER_positive" in alterations) + 0.05 * ("pertuzumab" in regimen)
    p = min(1.0, max(0.0, p))
    return SimpleNamespace(score=p, response_class="sensitive" if p >= 0.5 else "resistant",
                           mechanisms=())


SPEC = {"name": "demo", "endpoint": "pCR", "control": "TH",
        "arms": [{"name": "TH", "regimen": "trastuzumab + docetaxel"},
                 {"name": "THP", "regimen": "THP"}]}


def test_population_matches_the_cited_numbers() -> None:
    pop = load_population()
    draw = pop.sample(200_000, seed=7)
    er = draw.er_positive
    assert er.mean() == pytest.approx(0.50, abs=0.005)
    pten = draw.has("PTEN_low")
    assert pten[er].mean() == pytest.approx(0.20, abs=0.005)
    assert pten[~er].mean() == pytest.approx(0.33, abs=0.005)
    assert draw.has("PIK3CA_mut").mean() == pytest.approx(0.23, abs=0.005)
    assert draw.has("CCNE1_amp").mean() == pytest.approx(0.08, abs=0.005)
    either = (draw.has("PIK3CA_mut") | pten).mean()
    assert either == pytest.approx(0.47, abs=0.006)


def test_two_by_two_table_has_the_odds_ratio() -> None:
    both, first, second = _table(0.3, 0.2, 0.4)
    neither = 1 - both - first - second
    assert both * neither / (first * second) == pytest.approx(0.4)
    assert (both + first, both + second) == pytest.approx((0.3, 0.2))
    # Union 0.47 with marginals 0.23 and 0.27: both = 0.03, OR = 0.03 x 0.53 / (0.2 x 0.24).
    assert odds_ratio_from_union(0.23, 0.27, 0.47) == pytest.approx(0.0159 / 0.048)


def test_population_depends_on_seed_only() -> None:
    pop = load_population()
    a, b = pop.sample(1000, seed=3), pop.sample(1000, seed=3)
    assert np.array_equal(a.codes, b.codes) and np.array_equal(a.er_positive, b.er_positive)
    assert not np.array_equal(a.codes, pop.sample(1000, seed=4).codes)


def test_response_rates_by_arm_and_subgroup() -> None:
    spec = trial_from_dict(SPEC)
    result = run_trial(spec, patients=20_000, seed=2, predictor=stand_in)
    table = result.response.set_index(["arm", "subgroup"])
    cells = randomise(load_population(), spec.arms, 20_000, 2)
    # Expected rate of TH among patients without alteration: 0.9 (ER-) or 0.8 (ER+),
    # weighted by the ER split of those cells.
    none = cells.counts[0, :, 0]
    assert table.loc[("TH", "no alteration"), "expected"] == pytest.approx(
        (0.9 * none[0] + 0.8 * none[1]) / none.sum())
    for row in result.response.itertuples():  # binomial draws: within 4 standard errors
        assert abs(row.rate - row.expected) < 4 * np.sqrt(row.expected * (1 - row.expected)
                                                          / row.n) + 1e-9
    assert table.loc[("THP", "all"), "expected"] > table.loc[("TH", "all"), "expected"]
    assert table.loc[("TH", "PIK3CA mutant"), "expected"] < \
        table.loc[("TH", "PIK3CA wild-type"), "expected"]
    assert table.loc[("TH", "all"), "n"] + table.loc[("THP", "all"), "n"] == 20_000


def test_trial_is_reproducible() -> None:
    spec = trial_from_dict(SPEC)
    a = run_trial(spec, patients=3000, seed=5, predictor=stand_in).response
    b = run_trial(spec, patients=3000, seed=5, predictor=stand_in).response
    assert a.equals(b)


@pytest.mark.slow
def test_pfs_time_scale_is_fitted_once_on_the_reference_arm(monkeypatch) -> None:
    # A smaller reference arm than the package's 1,000 patients keeps the test short.
    monkeypatch.setattr(pfs, "REFERENCE_PATIENTS", 150)
    monkeypatch.setattr(pfs, "_SCALES", {})
    scale, median_days = pfs.reference_time_scale(stand_in)
    assert scale is not None and median_days * scale == pytest.approx(12.4)
    spec = trial_from_dict({**SPEC, "pfs": True})
    result = run_trial(spec, patients=160, seed=1, predictor=stand_in)
    other = run_trial(trial_from_dict({**SPEC, "name": "other", "pfs": True}), patients=40,
                      seed=9, predictor=stand_in)
    assert result.pfs.scale == other.pfs.scale == scale
    hr = result.pfs.hazard_ratios.set_index("subgroup").loc["all"]
    assert hr["hazard_ratio"] < 1  # THP scores above TH for every genotype
    # Growth rates differ between patients, so tumours of one genotype do not all progress
    # on the same day and every subgroup's hazard ratio has a finite interval.
    ratios = result.pfs.hazard_ratios
    assert (ratios["low"] > 0).all() and np.isfinite(ratios["high"]).all()
    one = result.pfs.patients.query("arm == 'TH' and not er_positive and not pik3ca")
    assert one.loc[one["event"] == 1, "time"].nunique() > 3
    assert result.pfs.to_dict()["unit"] == "months"


def test_trial_file_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("name: x\nendpoint: pCR\ncontrol: nope\narms:\n"
                    "  - {name: A, regimen: trastuzumab}\n")
    with pytest.raises(CohortError, match=r"t.yaml, line 3, field 'control'.*'nope'"):
        read_trial(path)
    path.write_text("name: x\nendpoint: OS\narms:\n  - {name: A, regimen: trastuzumab}\n")
    with pytest.raises(CohortError, match=r"line 2.*endpoint must be one of"):
        read_trial(path)


def test_maintenance_schedule_switches_after_induction() -> None:
    spec = trial_from_dict({"name": "m", "pfs": True, "arms": [
        {"name": "TH", "regimen": "TH", "maintenance": "trastuzumab", "induction_days": 126}]})
    arm = spec.arms[0]
    assert arm.schedule == ("docetaxel + trastuzumab", "trastuzumab")
    from her2resist.cohort.predictions import Genotype, predict_genotypes

    g = Genotype(("PIK3CA_mut",))
    pairs = pfs.pfs_pairs({(g, arm.written.label)}, ("PIK3CA_mut", "PTEN_loss"), spec.arms)
    assert (Genotype(("PIK3CA_mut", "PTEN_loss")), "trastuzumab") in pairs
    table = predict_genotypes(sorted(pairs), predictor=stand_in)
    scenario = pfs.tumour_scenario(g, arm, ("PIK3CA_mut", "PTEN_loss"), table)
    assert scenario.schedule.kind == "sequential"
    assert scenario.schedule.lines[0].switch == 126
    founder = scenario.types[0]
    assert set(founder.drugs) == {"docetaxel + trastuzumab", "trastuzumab"}
    with pytest.raises(CohortError, match="induction_days"):
        trial_from_dict({"name": "m", "arms": [{"name": "TH", "regimen": "TH",
                                                 "maintenance": "trastuzumab"}]})


@pytest.mark.parametrize("name", ["neoaltto", "neosphere", "cleopatra"])
def test_example_trials_parse(name: str) -> None:
    spec = read_trial(EXAMPLES / f"{name}.yaml")
    assert spec.published and spec.control in {a.name for a in spec.arms}


def test_cli_trial(tmp_path: Path) -> None:
    _register_all()
    out, page = tmp_path / "t.json", tmp_path / "t.html"
    result = CliRunner().invoke(app, ["trial", str(EXAMPLES / "neosphere.yaml"), "--patients",
                                      "400", "--seed", "3", "-o", str(out), "--html", str(page),
                                      "--no-progress"])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["trial"] == "NeoSphere" and doc["patients"] == 400
    assert {r["subgroup"] for r in doc["response"]} >= {"all", "HR-positive", "PIK3CA mutant"}
    assert "<img" in page.read_text()
