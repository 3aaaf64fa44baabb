"""Adversarial checks of this round's fast paths against their plain definitions: lanes'
rows read column by column, the plain table's width and summary lines on inputs the
feature tests do not use (wide and accented text, odd COLUMNS), and the cohort's batched
graded predictions against one-at-a-time ones on random tumours, environments and seeds."""

from __future__ import annotations

import io
import random
import sys
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from her2resist.cli import _console, _prediction
from her2resist.cli._plain_table import plain_width
from her2resist.engines.lanes import Lanes


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 70).flatmap(lambda size: st.tuples(
    st.just(size), st.lists(st.integers(0, (1 << size) - 1), max_size=8),
    st.integers(0, (1 << size) - 1))))
def test_settled_rows_are_each_lanes_vector(args: tuple[int, list[int], int]) -> None:
    size, ones, unsettled = args
    zeros = tuple(~o & ((1 << size) - 1) for o in ones)
    lanes = Lanes(size, (tuple(ones), zeros), (tuple(ones), zeros), unsettled)
    rows = lanes.settled_rows()
    for lane in range(size):
        if unsettled >> lane & 1:
            assert rows[lane] is None
        else:
            row = rows[lane]
            assert row == tuple(float(v) for v in lanes.vector(lane))
            assert row is not None and all(type(v) is float for v in row)


@pytest.mark.parametrize("env", [
    {"COLUMNS": "0"}, {"COLUMNS": ""}, {"COLUMNS": "5"}, {"COLUMNS": " 90"}, {"NO_COLOR": "1"},
    {"TERM": "unknown", "COLUMNS": "30"}, {"FORCE_COLOR": "0"}, {"TTY_COMPATIBLE": "0"},
    {"TTY_COMPATIBLE": "x", "FORCE_COLOR": ""},
])
def test_plain_width_on_odd_settings_is_rich_consoles(monkeypatch, env: dict[str, str]) -> None:
    for name in ("COLUMNS", "FORCE_COLOR", "TTY_COMPATIBLE", "TERM", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))
    console = Console(markup=False, emoji=False, highlight=False)
    assert plain_width() == (None if console.is_terminal else console.width)


def _printed(monkeypatch, plain: bool, lines: list, rows: list) -> tuple[bool, bytes]:
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.delitem(vars(_console), "console", raising=False)  # made on this stdout
    header = ("node", "value", "because", "references")
    done = (_prediction._print_plain(lines, header, rows) if plain
            else _prediction._print_prediction(lines, header, rows) or True)
    return done, out.buffer.getvalue()


@pytest.mark.parametrize("text", [
    "漢字😀 naïve e\u0301 " * 20, "a  b   ", "   ", "x" * 500, "\u00a0nbsp", "ﷺ", ""])
@pytest.mark.parametrize("columns", ["80", "30", "7"])
def test_summary_lines_of_any_printable_text_are_rich_bytes(monkeypatch, text: str,
                                                            columns: str) -> None:
    """The lines above the table (regimen, mechanisms, warnings: user text) printed without
    Rich are Rich's bytes, wide and combining characters included, at any width."""
    monkeypatch.setenv("COLUMNS", columns)
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    lines = [((text, "bold"), " on HER2-amplified cell: ", ("resistant", "red")), (text,)]
    rows = [("AKT", "1", "PI3K=1", "PMID:1")]
    done, plain = _printed(monkeypatch, True, lines, rows)
    _, rich = _printed(monkeypatch, False, lines, rows)
    assert plain == rich or not done
    assert done == (int(columns) > 20 and text.isprintable())  # the table fits at 30, 80


def _fresh() -> None:
    """No prediction, service answer or integration kept from an earlier call."""
    from her2resist.engines import get_engine, service
    from her2resist.predict import graded

    graded._CACHE.clear()
    service._SERVICES.clear()
    get_engine("graded").clear_cache()


def test_cohort_equals_one_prediction_at_a_time_on_random_tumours() -> None:
    """predict_graded_cohort (batched, stepped in place, shared draws) against predict_graded
    alone, on random catalogue alterations, environments with graded levels, contexts,
    endpoints, sample counts and seeds."""
    from her2resist.knowledge.catalogue import load_catalogue
    from her2resist.model import load_model
    from her2resist.predict import graded

    alterations = sorted(load_catalogue().alterations)
    nodes = list(load_model().nodes)
    regimens = ["trastuzumab", "lapatinib + capecitabine", "trastuzumab emtansine",
                "neratinib", "trastuzumab + everolimus", "untreated"]
    rng = random.Random(11)
    for _ in range(4):
        tumours = [(rng.sample(alterations, rng.randint(0, 3)),
                    {n: rng.choice([0.0, 1, 0.3, 0.75]) for n in rng.sample(nodes, 1)})
                   for _ in range(rng.randint(1, 3))]
        chosen = rng.sample(regimens, 2)
        options = {"context": rng.choice(["patient", "culture"]),
                   "endpoint": rng.choice(["pCR", "ORR", None]),
                   "samples": rng.choice([0, 1, 4]), "seed": rng.choice([0, 5])}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # contradicting alterations, as chosen
            _fresh()
            together = graded.predict_graded_cohort(tumours, chosen, **options)
            _fresh()
            alone = [[graded.predict_graded(a, r, environment=env, **options) for r in chosen]
                     for a, env in tumours]
        assert [[(p.to_dict(), p.score, p.interval) for p in row] for row in together] == [
            [(p.to_dict(), p.score, p.interval) for p in row] for row in alone], options


def test_a_level_rounded_below_zero_is_raised_as_zero() -> None:
    """A sample whose level steps to about -1e-17 by rounding (found by review: IGF ligand,
    mTOR and RB1 loss under dual blockade with docetaxel, 3 samples, seed 123) gets a real
    Hill power: the one-shot prediction (plain floats) no longer fails on a complex number,
    and the cohort (arrays) no longer carries a NaN; both give the same finite answer."""
    import math

    from her2resist.predict import graded

    tumour = ["IGF_ligand", "MTOR_act", "RB1_loss"]
    regimen = "trastuzumab + pertuzumab + docetaxel"
    options = {"context": "patient", "endpoint": "pCR", "samples": 3, "seed": 123}
    _fresh()
    alone = graded.predict_graded(tumour, regimen, **options)
    _fresh()
    (row,) = graded.predict_graded_cohort([(tumour, {})], [regimen], **options)
    assert all(math.isfinite(v) for v in (alone.score, *alone.interval,
                                          alone.response_probability))
    assert (row[0].to_dict(), row[0].score, row[0].interval) == (
        alone.to_dict(), alone.score, alone.interval)
