"""Every command of the README's "Use" section runs as written, from a copy of the repository
layout (examples/ and, when present, ../shared), and exits 0."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
#: Commands that run until stopped.
LONG_RUNNING = {"serve"}


def readme_commands() -> list[str]:
    """The indented ``her2resist ...`` lines of the "Use" section, continuations joined and
    trailing comments removed."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Use", 1)[1].split("\n## ", 1)[0]
    commands: list[str] = []
    pending = ""
    for line in section.splitlines():
        if not line.startswith("    ") or not (pending or line.strip().startswith("her2resist")):
            continue
        part = line.strip()
        if pending:
            part = pending + " " + part
        if part.endswith("\\"):
            pending = part[:-1].rstrip()
            continue
        pending = ""
        commands.append(re.sub(r"\s+#.*$", "", part))
    return commands


def test_the_use_section_is_found() -> None:
    commands = readme_commands()
    assert len(commands) >= 15 and all(c.startswith("her2resist ") for c in commands)
    assert any("examples/study/tumours.maf" in c for c in commands)


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_runs(command: str, tmp_path: Path) -> None:
    if "../shared/" in command and not SHARED.is_dir():
        pytest.skip(f"needs the reference folder {SHARED}")
    if command.split()[1] in LONG_RUNNING:
        pytest.skip("starts a server that runs until stopped (tests/test_web*.py serve it)")
    work = tmp_path / "checkout"
    work.mkdir()
    (work / "examples").symlink_to(ROOT / "examples")
    if SHARED.is_dir():
        (tmp_path / "shared").symlink_to(SHARED)
    args = shlex.split(command)[1:]
    code = "import sys; from her2resist.cli.main import main; sys.argv[0] = 'her2resist'; main()"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "80"}
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=work, capture_output=True,
                          text=True, env=env, timeout=600)
    assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    assert done.stdout.strip() or list(work.iterdir()) != [work / "examples"]


def readme_python() -> list[str]:
    """The README's ``python`` code blocks."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, re.S)


@pytest.mark.parametrize("block", readme_python())
def test_readme_python_gives_what_its_comments_say(block: str) -> None:
    """Each line runs; a line ``EXPR   # VALUE`` must evaluate to VALUE (its repr)."""
    namespace: dict[str, object] = {}
    checked = 0
    for line in block.splitlines():
        code, _, comment = line.partition("  # ")
        if comment.strip()[:1] in ("(", "[", "'", "{") and "=" not in code.split("(")[0]:
            assert repr(eval(code, namespace)) == comment.strip(), line
            checked += 1
        else:
            exec(line, namespace)
    assert checked, "a README Python block shows no result to check"


def _run80(*args: str) -> str:
    code = "import sys; from her2resist.cli.main import main; sys.argv[0] = 'her2resist'; main()"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "80"}
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    return done.stdout


def test_kb_output_at_80_columns_has_whole_ids_and_no_python_reprs() -> None:
    from her2resist.knowledge.kb import load_knowledge_base

    shown = _run80("kb", "show", "PTEN_loss")
    assert "set: PTEN_loss=1" in shown and "{'" not in shown and "['" not in shown
    listed = _run80("kb", "mechanisms", "--drug", "trastuzumab")
    for mechanism in load_knowledge_base().mechanisms_for(drug="trastuzumab"):
        assert mechanism.id in listed


def test_screen_table_shows_each_agents_score_alone() -> None:
    table = _run80("screen", "-a", "PTEN loss", "--agents", "trastuzumab,everolimus",
                   "--engine", "most-permissive")
    assert "trastuzumab + everolimus" not in table  # parts on their own lines
    assert "trastuzumab (0.00)" in table and "+ everolimus (0.50)" in table


def test_synergy_table_keeps_drug_names_whole_at_80_columns() -> None:
    table = _run80("synergy", "examples/synergy/plate.csv")
    assert "lap_alp: lapatinib + alpelisib" in table and "palbociclib" in table
