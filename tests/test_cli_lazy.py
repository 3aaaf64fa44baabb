"""The command line loads only what a command needs (issue 10: a one-shot command pays only
for what it runs): the static command table ``--help`` lists is true to the commands, and a
one-shot ``predict`` imports none of the heavy packages or other command modules."""

import inspect
import json
import os
import subprocess
import sys

import pytest
import typer
from typer.main import get_group

from her2resist.cli import main as cli_main
from her2resist.cli.app import reflow

#: Packages a one-shot ``predict`` (either engine) must not import.
NOT_FOR_PREDICT = ("pandas", "matplotlib", "dask", "cyvcf2", "libsbml", "fastapi", "scipy",
                   "networkx", "mpbn", "maboss", "sqlalchemy", "jinja2", "pydantic", "yaml")

_PROBE = """
import atexit, json, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
sys.argv[0] = "her2resist"
from her2resist.cli.main import main
main()
"""


def _modules_after(tmp_path, *args: str) -> set[str]:
    """Modules imported by a second run of the command (the first fills the data cache)."""
    out = tmp_path / "modules.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path),
           "HER2RESIST_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("HER2RESIST_NO_CACHE", None)
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", _PROBE, str(out), *args],
                              capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
    return set(json.loads(out.read_text()))


def test_command_table_is_true_to_the_commands() -> None:
    app = typer.Typer()
    for module in cli_main.COMMAND_MODULES:
        __import__(f"her2resist.cli.{module}", fromlist=["register"]).register(app)
    commands = get_group(app).commands
    assert list(commands) == list(cli_main.COMMANDS)
    for name, command in commands.items():
        module, help_text = cli_main.COMMANDS[name]
        assert command.callback is None or command.callback.__module__.endswith(module) or \
            isinstance(command, typer.core.TyperGroup), name
        first = inspect.cleandoc(command.short_help or command.help or "").split("\n\n")[0]
        assert help_text == reflow(first), name


def test_help_lists_every_command_without_loading_them(tmp_path) -> None:
    modules = _modules_after(tmp_path, "--help")
    assert not {m for m in modules if m.endswith(("_cmd", "_cmds"))}
    assert "her2resist.predict" not in modules


@pytest.mark.parametrize("engine", ["graded", "most-permissive"])
def test_one_shot_predict_imports_only_what_it_needs(tmp_path, engine) -> None:
    modules = _modules_after(tmp_path, "predict", "-r", "trastuzumab", "--engine", engine)
    heavy = sorted({m.split(".")[0] for m in modules} & set(NOT_FOR_PREDICT))
    assert heavy == []
    # A plain one-shot predict runs without typer or any command module (cli/_fast.py).
    commands = {m for m in modules if m.startswith("her2resist.cli.") and
                m.endswith(("_cmd", "_cmds"))}
    assert commands == set()
    assert "typer" not in modules and "her2resist.cli.app" not in modules
    assert not any(m.startswith("her2resist.web") for m in modules)
    # The package's model and knowledge base come from the data cache: nothing is validated.
    assert "her2resist.knowledge._yaml" not in modules
    if engine == "most-permissive":
        # The exact route answers from rows, and the fixed nodes settle this question: no
        # arrays, no solver.
        assert "numpy" not in modules and "clingo" not in modules


def test_predict_that_typer_must_read_still_runs(tmp_path) -> None:
    """A predict command line the plain reader leaves to typer (here -o) runs through typer."""
    modules = _modules_after(tmp_path, "predict", "-r", "trastuzumab", "--engine",
                             "most-permissive", "-o", str(tmp_path / "p.json"))
    assert "typer" in modules and "her2resist.cli.predict_cmds" in modules
    assert json.loads((tmp_path / "p.json").read_text())["class"] == "sensitive"


@pytest.mark.parametrize("value", ["trastuzumab", "", " x ", "T-DM1 + ü", "a\udcffb",
                                   ("PTEN loss", "ERBB2 L755S"), (), ("a\udcff",)])
def test_lazy_coercion_gives_what_typer_gives(value) -> None:
    build_runtime_param = pytest.importorskip("typer._coercion").build_runtime_param

    app = typer.Typer()
    __import__("her2resist.cli.predict_cmds", fromlist=["register"]).register(app)
    command = get_group(app).commands["predict"]
    cli_main.lazy_coercion(command)
    name = "alteration" if isinstance(value, tuple) else "regimen"
    param = next(p for p in command.params if p.name == name)
    ctx = typer.Context(command)

    def outcome(runtime):
        try:
            return ("ok", runtime.coerce(value, param=param, ctx=ctx))
        except Exception as exc:
            return ("error", type(exc).__name__, str(exc))

    lazy = outcome(param.get_runtime_param())
    assert lazy == outcome(build_runtime_param(param.type_descriptor))


def test_stochastic_simulation_builds_no_dataframe(tmp_path) -> None:
    pytest.importorskip("cmaboss")
    modules = _modules_after(tmp_path, "simulate", "--engine", "stochastic", "-r", "lapatinib",
                             "--samples", "50", "--max-time", "5", "--seed", "1")
    heavy = {m.split(".")[0] for m in modules} & {"pandas", "matplotlib", "scipy", "yaml"}
    assert heavy == set()


_NUMBERS = ["0", "1", "5", "03", "2000", "40", "40.0", "0.5", "1e3", "-1", " 3", "3 ", "+4",
            "1_000", "nan", "inf", "1.", ".5", "99999999999999999999", "1000001", "2.5e-1"]


def _all_commands() -> dict:
    app = typer.Typer()
    for module in cli_main.COMMAND_MODULES:
        __import__(f"her2resist.cli.{module}", fromlist=["register"]).register(app)
    found = {}

    def walk(command, path):
        for param in command.params:
            found[(*path, param.name)] = (command, param)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    walk(get_group(app), ())
    return found


def test_lazy_number_coercion_gives_what_typer_gives() -> None:
    build_runtime_param = pytest.importorskip("typer._coercion").build_runtime_param

    checked = 0
    for (*_, name), (command, param) in _all_commands().items():
        if param.type_descriptor.annotation not in (int, float):
            continue
        ctx = typer.Context(command)
        for value in [*_NUMBERS, param.default]:
            param._runtime_param = None
            cli_main.lazy_coercion(command)
            outcomes = []
            for runtime in (param.get_runtime_param(), build_runtime_param(param.type_descriptor)):
                try:
                    got = runtime.coerce(value, param=param, ctx=ctx)
                    outcomes.append(("ok", type(got), repr(got)))
                except Exception as exc:  # the same error is the expected outcome
                    outcomes.append(("error", type(exc).__name__, str(exc)))
            assert outcomes[0] == outcomes[1], (name, value)
            checked += 1
    assert checked > 50


def test_solver_versions_read_without_metadata_match_it() -> None:
    from importlib import metadata

    from her2resist.common.distributions import installed_version as _wheel_version

    found = 0
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        version = _wheel_version(name)
        if version is not None:
            assert version == metadata.version(name), name
            found += 1
    assert found > 5
    assert _wheel_version("no-such-distribution-here") is None
