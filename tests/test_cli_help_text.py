"""Every command's ``--help`` reads as prose at 80 columns: no paragraph broken where its
docstring's source line ended (typer's rich help keeps single line breaks, so text wrapped
at 100 columns in the source came out ragged: cli/app.py ``reflow``)."""

from __future__ import annotations

from itertools import pairwise

import pytest
import typer
from typer.testing import CliRunner

from her2resist.cli.app import COMMANDS, app, reflow

GROUPS = {"model": ["export", "show", "check", "nodes", "docs"],
          "kb": ["drugs", "mechanisms", "evidence", "show", "stats", "docs"],
          "users": ["add", "list"]}
COMMAND_LINES = [[], *([name] for name in COMMANDS),
                 *([group, sub] for group, subs in GROUPS.items() for sub in subs)]


def _ragged(text: str) -> list[str]:
    """Lines of the description (above the first panel) that end well before the width while
    the sentence goes on below."""
    lines = [line.rstrip() for line in text.split("╭", 1)[0].splitlines()]
    return [f"{a!r} / {b!r}" for a, b in pairwise(lines)
            if a.strip() and b.strip() and len(a) < 60 and b.strip()[:1].islower()]


@pytest.mark.parametrize("argv", COMMAND_LINES, ids=lambda a: " ".join(a) or "root")
def test_help_has_no_line_broken_by_the_source(argv: list[str]) -> None:
    result = CliRunner().invoke(app, [*argv, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert _ragged(result.output) == []


def test_command_lists_are_reflowed_too() -> None:
    """The root's list comes from COMMANDS; a group's from its commands' help."""
    assert not [name for name, (_, text) in COMMANDS.items() if "\n" in text]
    root = typer.main.get_command(app)
    ctx = root.make_context("her2resist", ["model", "--help"], resilient_parsing=True)
    for group, subs in GROUPS.items():
        commands = root.get_command(ctx, group).commands
        assert sorted(commands) == sorted(subs)
        for name, command in commands.items():
            assert command.help == reflow(command.help or ""), f"{group} {name}"
