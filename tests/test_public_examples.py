"""Every public callable has an example of its own, and the doctest run executes it (issue 15,
item 4; STYLE.md: "a runnable Examples section on public functions").

The public API is ``her2resist.__all__`` and each subpackage's ``__all__``. An example counts when
the object's own docstring has a numpydoc ``Examples`` section holding at least one ``>>>``
example, and the module that defines the object is one that ``pytest --doctest-modules`` collects
(``testpaths`` in pyproject.toml includes ``src/her2resist``).
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import her2resist

SRC = Path(her2resist.__file__).parent
#: A numpydoc section header: the name, then a line of dashes as long.
EXAMPLES = re.compile(r"^\s*Examples\n\s*-{8}\s*$", re.M)


def _subpackages() -> list[str]:
    return [f"her2resist.{m.name}" for m in pkgutil.iter_modules(her2resist.__path__)
            if m.ispkg]


def _public() -> dict[str, object]:
    """``{qualified name: object}`` for each public class and function, once each."""
    found: dict[str, object] = {}
    for name in ["her2resist", *_subpackages()]:
        try:
            module = importlib.import_module(name)
        except ImportError:  # a subpackage whose optional extra is absent (web without [web])
            continue
        for attr in getattr(module, "__all__", ()):
            obj = getattr(module, attr)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                found.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
    return found


PUBLIC = _public()


def test_the_public_api_is_walked() -> None:
    # Every layer of ARCHITECTURE.md that has a public API is seen, and enough of it.
    modules = {name.split(".")[1] for name in PUBLIC}
    assert {"model", "engines", "knowledge", "profile", "predict", "screen", "synergy",
            "evolution", "cohort", "report"} <= modules
    assert len(PUBLIC) >= 90


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_callable_has_a_collected_example(name: str) -> None:
    obj = PUBLIC[name]
    doc = inspect.getdoc(obj) or ""
    assert EXAMPLES.search(doc), f"{name} has no 'Examples' section"
    tests = doctest.DocTestFinder(recurse=False).find(obj, name)
    assert any(t.examples for t in tests), f"{name}'s Examples section has no >>> example"
    source = Path(inspect.getfile(obj)).resolve()
    assert source.is_relative_to(SRC.resolve()), f"{name} is defined outside the package"
