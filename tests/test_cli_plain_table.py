"""The table a command prints to a file or a pipe without Rich (cli/_plain_table.py) is Rich's
text, byte for byte: on random tables and widths, at the width and in the cases Rich's console
would print plain text, and for whole ``predict`` outputs."""

import io
import random
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table

from her2resist.cli import _plain_table
from her2resist.cli._plain_table import plain_width, table_text

_ALPHABET = "abcdefghijklmnopqrstuvwxyzABC0123456789=,.:()_-/"


def _rich(title: str, header: list[str], rows: list[list[str]], width: int) -> str:
    out = io.StringIO()
    console = Console(width=width, file=out, markup=False, emoji=False, highlight=False)
    table = Table(*header, title=title, show_lines=False)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    return out.getvalue()


def _random_text(rng: random.Random) -> str:
    def word() -> str:
        size = rng.choice([1, 2, 3, 5, 8, 12, 20, 35, 60])
        return "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(1, size)))

    text = "".join(word() + rng.choice([" ", " ", ", ", "  ", "   "])
                   for _ in range(rng.choice([0, 1, 1, 2, 3, 5, 8, 15])))
    text = text.rstrip() if rng.random() < 0.7 else text
    return "  " + text if rng.random() < 0.1 else text


@pytest.mark.parametrize("seed", range(4))
def test_random_tables_match_rich(seed: int) -> None:
    """Wrapped and cut cells, collapsed columns, empty cells and tables, leading and trailing
    spaces, widths from 10 to 200 columns: the same text as Rich wherever an answer is given,
    and an answer for most tables (None only where a column or the title does not fit)."""
    rng = random.Random(seed)
    answered = 0
    for _ in range(300):
        columns = rng.randint(1, 6)
        header = [_random_text(rng) or "h" for _ in range(columns)]
        rows = [[_random_text(rng) for _ in range(columns)] for _ in range(rng.randint(0, 8))]
        title = rng.choice(["Mechanism trace (treated cell)", "T", "a b c d"])
        width = rng.choice([rng.randint(10, 60), rng.randint(60, 200), 80])
        text = table_text(title, header, rows, width)
        if text is not None:
            answered += 1
            assert text == _rich(title, header, rows, width), (title, header, rows, width)
    assert answered > 250


def test_text_rich_would_change_is_left_to_rich() -> None:
    assert table_text("T", ("a",), [("tab\there",)], 80) is None
    assert table_text("T", ("a",), [("naïve",)], 80) is None
    assert table_text("A title far wider than its table", ("a",), [("1",)], 80) is None
    assert table_text("T", ("a", "b", "c"), [("x", "y", "z")], 10) is None  # columns < 3


@pytest.mark.parametrize("env", [
    {}, {"COLUMNS": "120"}, {"COLUMNS": "40"}, {"COLUMNS": "wide"}, {"FORCE_COLOR": "1"},
    {"FORCE_COLOR": ""}, {"TTY_COMPATIBLE": "1"}, {"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"},
    {"TERM": "dumb"},
])
def test_plain_width_is_rich_consoles(monkeypatch, env: dict[str, str]) -> None:
    """None exactly where Rich's console would treat standard output as a terminal, else
    Rich's width."""
    for name in ("COLUMNS", "FORCE_COLOR", "TTY_COMPATIBLE", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))
    console = Console(markup=False, emoji=False, highlight=False)
    expected = None if console.is_terminal else console.width
    assert plain_width() == expected


def test_plain_width_leaves_other_streams_to_rich(monkeypatch) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="latin-1"))
    assert plain_width() is None  # Rich draws an ASCII box there
    monkeypatch.setattr(sys, "stdout", None)
    assert plain_width() is None


def test_only_the_rich_series_followed_is_laid_out_without_rich(monkeypatch) -> None:
    """The layout follows one Rich series; with another installed (older rules for
    TTY_COMPATIBLE, say) Rich prints, so the bytes stay Rich's."""
    import rich

    from her2resist.common import distributions

    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))
    installed = distributions.installed_version("rich")
    assert installed is not None and rich.__file__
    if installed.startswith(_plain_table.RICH_SERIES):
        assert plain_width() == 80
    else:
        assert plain_width() is None
    for other in ("13.9.4", "14.1.0", "16.0.0", None):
        monkeypatch.setattr(distributions, "installed_version",
                            lambda name, v=other: v if name == "rich" else None)
        assert plain_width() is None, other
    monkeypatch.setattr(distributions, "installed_version",
                        lambda name: "15.2.1" if name == "rich" else None)
    assert plain_width() == 80


@pytest.mark.parametrize("columns", ["80", "60", "44"])
@pytest.mark.parametrize("engine, alterations, regimen", [
    ("graded", ["PIK3CA_mut"], "trastuzumab + everolimus"),
    ("most-permissive", ["PTEN loss", "ESR1 mutation"], "trastuzumab"),
    ("graded", [], "lapatinib"),
])
def test_predict_prints_rich_text(monkeypatch, capsys, columns, engine, alterations,
                                    regimen) -> None:
    """The whole ``predict`` table output without Rich equals Rich's (summary, mechanisms,
    warnings, wrapped trace), at the width of a wide and of narrow terminals."""
    from her2resist.cli import _console, _prediction
    from her2resist.cli._output import OutputPlan
    from her2resist.cli._prediction import compute_prediction, show_prediction

    monkeypatch.setenv("COLUMNS", columns)
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    record = compute_prediction(regimen, alterations, None, engine, "patient", None, "pCR")
    plan = OutputPlan("table", None)
    with monkeypatch.context() as patch:  # the plain path must answer: Rich may not print
        patch.setattr(_prediction, "_print_prediction", lambda *a: pytest.fail("Rich printed"))
        show_prediction(plan, record, "patient", "pCR")
    plain = capsys.readouterr().out
    monkeypatch.setattr(_plain_table, "plain_width", lambda: None)  # Rich prints
    monkeypatch.delitem(vars(_console), "console", raising=False)  # made again: COLUMNS
    show_prediction(plan, record, "patient", "pCR")
    assert plain == capsys.readouterr().out
    assert "Mechanism trace (treated cell)" in plain


_PRINTABLE = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 5).flatmap(lambda n: st.tuples(
    st.lists(_PRINTABLE, min_size=n, max_size=n),
    st.lists(st.lists(_PRINTABLE, min_size=n, max_size=n), max_size=4))),
    st.one_of(st.just(""), _PRINTABLE), st.integers(0, 120))
def test_any_printable_table_matches_rich(table: tuple[list[str], list[list[str]]],
                                          title: str, width: int) -> None:
    """Any printable ASCII cells, titles (the empty one: Rich prints no title line) and widths
    down to 0: Rich's text wherever an answer is given."""
    header, rows = table
    text = table_text(title, header, rows, width)
    if text is not None:
        assert text == _rich(title, header, rows, width)


def test_closed_pipe_exits_quietly_as_rich_does(tmp_path) -> None:
    """``predict ... | head`` where the reader has gone: exit 1 with nothing on stderr (Rich's
    console's behaviour), not an error message for a broken pipe."""
    import os
    import subprocess

    read, write = os.pipe()
    os.close(read)  # every write to the pipe fails with EPIPE
    try:
        done = subprocess.run(
            [sys.executable, "-c", "from her2resist.cli.main import main; main()", "predict",
             "-r", "trastuzumab"], stdout=write, stderr=subprocess.PIPE, text=True,
            timeout=120, env={k: v for k, v in os.environ.items()
                              if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")})
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (1, "")
