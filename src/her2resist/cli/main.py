"""The ``her2resist`` command: a typer application with one module per command group."""

from __future__ import annotations

import importlib

import typer

from her2resist import __version__
from her2resist.cli._common import CliState, RootGroup

app = typer.Typer(
    name="her2resist",
    help="Mechanistic modelling of resistance to HER2-targeted therapy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=RootGroup,
)

#: Modules of ``her2resist.cli`` that each define ``register(app)``.
COMMAND_MODULES = [
    "predict_cmds",
    "model_cmds",
    "evolve_cmd",
    "synergy_cmd",
    "kb_cmd",
    "report_cmd",
    "screen_cmd",
    "serve_cmd",
    "cohort_cmd",
    "calibrate_cmd",
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"her2resist {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    traceback: bool = typer.Option(
        False, "--traceback", help="Show the full Python traceback when a command fails "
        "(accepted anywhere on the command line)."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Mechanistic modelling of resistance to HER2-targeted therapy."""
    # Carried in the context of this invocation only (tests run many in one process).
    ctx.obj = CliState(traceback=traceback)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"her2resist.cli.{name}")
        module.register(app)


def main() -> None:
    """Entry point of the console script."""
    _register_all()
    app()
