"""The text report at 80 columns (issue 15, item 6): stacked blocks instead of a six-column
table whose cells wrap at ~10 characters; ``--wide`` forces the tables."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from cli_inputs import PROFILE
from her2resist.cli.main import _register_all, app
from her2resist.exceptions import ParameterError
from her2resist.profile import TumourProfile, load_profiles
from her2resist.report import build_report, render_text

runner = CliRunner()
#: Narrowest room a wrapped value may have at 80 columns.
MIN_CELL = 20


def _report(columns: int, *args: str) -> str:
    _register_all()
    result = runner.invoke(app, ["report", str(PROFILE), *args], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def narrow() -> str:
    return _report(80)


def test_no_line_is_wider_than_80_columns(narrow: str) -> None:
    lines = narrow.splitlines()
    assert max(len(line) for line in lines) <= 80
    # Stacked blocks, no multi-column table with narrow cells.
    assert not any(ch in narrow for ch in "┃│")


def test_every_wrapped_value_has_room(narrow: str) -> None:
    for line in narrow.splitlines():
        text = line.rstrip()
        if text.strip():
            start = len(text) - len(text.lstrip(" ·-"))
            assert 80 - start >= MIN_CELL, line


def test_evidence_is_shown_with_whole_references(narrow: str) -> None:
    (profile,) = load_profiles(PROFILE)
    report = build_report(profile)
    escaped = next(r for r in report.regimens if r.regimen == "trastuzumab")
    refs = [e.ref for e in escaped.evidence[:3]]
    flat = " ".join(narrow.split())
    assert refs and all(f"({ref})" in flat for ref in refs)
    assert re.search(r"trastuzumab: resistant", narrow)
    assert "overcome by" in narrow and "PIK3CA activating mutation" in narrow


def test_the_narrow_layout_is_shorter_than_the_squeezed_tables(narrow: str) -> None:
    (profile,) = load_profiles(PROFILE)
    squeezed = render_text([build_report(profile)], width=80, layout="wide")
    assert len(narrow.splitlines()) < len(squeezed.splitlines())


def test_wide_forces_tables_and_a_wide_terminal_gets_them() -> None:
    for text in (_report(80, "--wide"), _report(200)):
        assert "┃ regimen" in text and "HER2 regimens" in text


def test_user_text_is_not_read_as_markup_in_the_narrow_layout() -> None:
    profile = TumourProfile.from_alterations("[red]T1[/red]", ["PTEN loss"])
    report = build_report(profile, regimens=["trastuzumab"], standard=False, graded=None)
    text = render_text([report], width=80)
    assert "her2resist report: [red]T1[/red]" in text


def test_an_unknown_layout_is_refused() -> None:
    with pytest.raises(ParameterError, match="'layout' parameter of render_text"):
        render_text([], layout="tall")


def test_the_html_escape_route_runs_down_a_page_width() -> None:
    from her2resist.report import render_html

    (profile,) = load_profiles(PROFILE)
    page = render_html([build_report(profile)])
    svg = page[page.index("<svg"):page.index("</svg>")]
    width, height = (int(v) for v in re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())
    # Drawn at (nearly) full size in a 1280 px window, taller than wide (layers run down).
    assert width <= 1250 and height > width / 2
    assert f"min-width:{width * 3 // 4}px" in svg
    # Only the route's nodes: far fewer than the model's hundred-odd.
    assert 10 < svg.count('<g class="node') < 60
    # Scores are never broken inside their interval; no Python repr in the provenance.
    assert '<span class="nw">0.14 [' in page or '<span class="nw">' in page
    assert "inputs: []" not in page and "[]" not in page.split("package_version")[1]
