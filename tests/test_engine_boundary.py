"""No code outside ``engines/`` names an engine or imports a concrete engine (issue 10).

Analyses ask the simulation service, which tells engines apart by what they can do (``graded``,
``limit``, a batch evaluator), never by name.  The command line may hold engine names as
option defaults and help text, but compares none.
"""

from __future__ import annotations

import ast
from pathlib import Path

from her2resist.engines import ENGINE_NAMES

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "her2resist"
CONCRETE = {"MostPermissiveEngine", "GradedEngine", "StochasticEngine", "HillParameters",
            "Evaluator"}
CONCRETE_MODULES = {f"her2resist.engines.{m}" for m in ("mp", "graded", "stochastic", "asp",
                                                         "evaluate")}


def _sources() -> list[tuple[Path, ast.AST]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "engines" in path.relative_to(PACKAGE).parts:
            continue
        out.append((path, ast.parse(path.read_text(encoding="utf-8"), str(path))))
    return out


def _names(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node)
            if isinstance(n, ast.Constant) and n.value in ENGINE_NAMES}


def test_no_concrete_engine_is_imported_outside_engines() -> None:
    found = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in CONCRETE_MODULES:
                found.append(f"{path.name}:{node.lineno} imports {node.module}")
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(
                    "her2resist.engines"):
                found += [f"{path.name}:{node.lineno} imports {a.name}" for a in node.names
                          if a.name in CONCRETE]
            elif isinstance(node, ast.Import):
                found += [f"{path.name}:{node.lineno} imports {a.name}" for a in node.names
                          if a.name in CONCRETE_MODULES]
    assert found == []


def test_no_engine_name_is_compared_outside_engines() -> None:
    found = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, (ast.Compare, ast.Match)) and _names(node):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert found == []


def test_only_the_command_line_spells_engine_names() -> None:
    # Outside engines/ an engine name is written only as a command-line option's default or
    # help (cli/); everywhere else it comes from engines (DEFAULT_ENGINE, EXACT_ENGINE...).
    # _optional.py names pip extras ("stochastic" installs cmaboss), not engines.
    found = [f"{path.relative_to(PACKAGE)}: {sorted(_names(tree))}" for path, tree in _sources()
             if "cli" not in path.relative_to(PACKAGE).parts and path.name != "_optional.py"
             and _names(tree)]
    assert found == []
