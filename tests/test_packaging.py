"""Packaging: declared dependencies, the optional extras, the no-extras install, and the mpbn
fallback when its ASP encodings are not where engines/asp.py reads them."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from her2resist._optional import EXTRAS, require
from her2resist.exceptions import MissingDependencyError

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "her2resist"
PROFILE = ROOT / "examples" / "profiles" / "her2_pik3ca.yaml"
#: Import names whose pip distribution has another name.
DISTRIBUTION = {"yaml": "pyyaml", "libsbml": "python-libsbml", "distributed": "dask",
                "fastapi": "fastapi", "sklearn": "scikit-learn"}


def _pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~ ;]", r, maxsplit=1)[0].lower() for r in requirements}


def _imported_top_modules() -> dict[str, str]:
    """Third-party top-level modules imported anywhere in the package (module -> a file)."""
    stdlib = set(sys.stdlib_module_names)
    found: dict[str, str] = {}
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "require"
                  and node.args and isinstance(node.args[0], ast.Constant)):
                names = [str(node.args[0].value)]
            for name in names:
                top = name.split(".")[0]
                if top not in stdlib and top not in ("her2resist", "__future__"):
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def test_every_imported_package_is_declared() -> None:
    project = _pyproject()["project"]
    core = _names(project["dependencies"])
    extras = {name: _names(reqs) for name, reqs in project["optional-dependencies"].items()}
    declared = core.union(*extras.values())
    missing = {module: where for module, where in _imported_top_modules().items()
               if DISTRIBUTION.get(module, module).lower() not in declared}
    assert missing == {}
    # Each optional module is in the extra that require() names, and not in the core.
    for module, extra in EXTRAS.items():
        distribution = DISTRIBUTION.get(module, module).lower()
        assert distribution in extras[extra] and distribution not in core, module


def test_extras_and_files_the_issue_asks_for() -> None:
    project = _pyproject()["project"]
    extras = project["optional-dependencies"]
    assert {"vcf", "dask", "sbml", "stochastic", "plots", "web", "all", "test"} <= set(extras)
    everything = extras["all"][0]
    for extra in ("vcf", "dask", "sbml", "stochastic", "plots", "web"):
        assert extra in everything
    requirements = {r.split(">")[0].split("<")[0]: r for r in project["dependencies"]}
    assert "<5" in requirements["mpbn"] and "clingo" in requirements
    assert "lifelines" not in requirements  # declared by the feature that imports it
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "cff-version" in (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    data = _pyproject()["tool"]["setuptools"]["package-data"]["her2resist"]
    assert "report/templates/*" not in data and not (SRC / "report" / "templates").exists()


def test_require_names_the_extra() -> None:
    with pytest.raises(MissingDependencyError, match=r'pip install "her2resist\[vcf\]"'):
        require("cyvcf2_not_here", "vcf", "Reading VCF files")
    with pytest.raises(ImportError, match="Reading VCF files needs the optional package"):
        require("cyvcf2_not_here", "vcf", "Reading VCF files")


#: Runs the CLI with the optional packages made unimportable (as in an install without extras).
_BLOCKED_RUN = """
import sys
BLOCKED = set(sys.argv[1].split(","))
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)")
        return None
sys.meta_path.insert(0, Blocker())
sys.argv = ["her2resist", *sys.argv[2:]]
from her2resist.cli.main import main
main()
"""


def _run_without_extras(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    blocked = ",".join(sorted({*EXTRAS, "cmaboss_128n", "cmaboss_256n", "cmaboss_1024n"}))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "100"}
    return subprocess.run([sys.executable, "-c", _BLOCKED_RUN, blocked, *args], cwd=cwd,
                          capture_output=True, text=True, env=env, timeout=300)


def test_predict_and_report_run_without_any_extra(tmp_path: Path) -> None:
    done = _run_without_extras("predict", "-a", "PTEN loss", "-r", "trastuzumab", "--json",
                               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["class"] == "resistant"
    done = _run_without_extras("report", str(PROFILE), "--format", "html", "-o", "r.html",
                               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "PIK3CA" in (tmp_path / "r.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("args", "extra"), [
    (("model", "export", "--format", "sbml"), "sbml"),
    (("simulate", "-a", "PTEN loss", "-r", "trastuzumab", "--engine", "stochastic"),
     "stochastic"),
])
def test_a_missing_extra_is_named_in_one_line(tmp_path: Path, args: tuple[str, ...],
                                              extra: str) -> None:
    done = _run_without_extras(*args, cwd=tmp_path)
    assert done.returncode == 1
    assert f'pip install "her2resist[{extra}]"' in done.stderr
    assert "Traceback" not in done.stderr


def test_engine_falls_back_to_mpbn_when_its_encodings_are_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from her2resist.engines import asp
    from her2resist.engines.mp import MostPermissiveEngine, attractor_dicts
    from her2resist.model.formats import read_bnet_text

    # An oscillation (A, B), a switch (C, D) and an input: each case leaves a core to solve.
    network = read_bnet_text("A, !B | E\nB, A\nC, C | D & !A\nD, !C\nE, E")
    cases = [{}, {"E": 1}, {"D": 0}]

    def attractors() -> list[set[frozenset]]:
        engine = MostPermissiveEngine()
        return [{frozenset(a.items()) for a in attractor_dicts(engine.simulate(network, case))}
                for case in cases]

    expected = attractors()
    calls = []
    original = asp.mp_attractors

    def counting(*args, **kwargs):
        answer = original(*args, **kwargs)
        calls.append(answer is None)
        return answer

    # An mpbn release without asplib/: find_spec points at an empty package folder.
    fake = types.SimpleNamespace(submodule_search_locations=[str(tmp_path)])
    monkeypatch.setattr(asp.importlib.util, "find_spec", lambda name: fake)
    monkeypatch.setattr(asp, "mp_attractors", counting)
    asp._encodings.cache_clear()
    try:
        import her2resist.engines.mp as mp_module

        monkeypatch.setattr(mp_module, "mp_attractors", counting)
        assert attractors() == expected
    finally:
        asp._encodings.cache_clear()
    assert calls and all(calls)  # every core went through mpbn's public API


@pytest.mark.slow
def test_fresh_venv_without_extras_predicts_and_reports(tmp_path: Path) -> None:
    """``pip install .`` into an empty venv (no extras; about a minute with a warm pip cache)."""
    source = tmp_path / "source"  # a copy: building in the checkout would leave build/ there
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        source.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", str(source)],
        capture_output=True, text=True, timeout=900)
    if install.returncode != 0 and "Could not find a version" in install.stderr:
        pytest.skip(f"no package index reachable: {install.stderr.strip()[-300:]}")
    assert install.returncode == 0, install.stderr[-2000:]
    modules = subprocess.run(
        [str(python), "-c", "import importlib.util as u; print([m for m in "
         f"{sorted(EXTRAS)!r} if u.find_spec(m)])"], capture_output=True, text=True, check=True)
    assert modules.stdout.strip() == "[]"  # no extra came in through the core dependencies
    command = venv / "bin" / "her2resist"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(command), "predict", "-a", "PTEN loss", "-r", "trastuzumab"],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "resistant" in done.stdout
    done = subprocess.run([str(command), "report", str(PROFILE), "--format", "json"],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert '"PIK3CA' in done.stdout
