"""The ``her2resist`` command: a typer application with one module per command group.

A command's module is imported only when that command runs (:class:`LazyRootGroup`), so a
one-shot ``her2resist predict`` pays neither for the other commands' imports nor for building
their options. ``--help`` lists every command from :data:`COMMANDS`, a static table of each
command's module and the first paragraph of its help, which ``tests/test_cli_lazy.py`` keeps
equal to the commands' own help.
"""

from __future__ import annotations

import importlib
from difflib import get_close_matches
from typing import Any

import typer
from typer.core import TyperCommand
from typer.main import get_group

from her2resist import __version__
from her2resist.cli._common import CliState, RootGroup, _click_module

_USAGE_ERROR = _click_module("exceptions").UsageError

#: Every command, in the order ``--help`` lists them: name -> (module of ``her2resist.cli``
#: that defines ``register(app)``, first paragraph of the command's help).
COMMANDS: dict[str, tuple[str, str]] = {
    "predict": ("predict_cmds",
                "Predict a tumour cell's response to a regimen, with the mechanism trace."),
    "validate": ("predict_cmds", "Check the model against literature cases; exit 1 if any case "
                 "fails (or there are none)."),
    "simulate": ("predict_cmds", "Simulate the untreated cell, then the regimen from its state, "
                 "and show node activity."),
    "demo": ("predict_cmds",
             "Predictions for reference HER2-amplified tumours under the main HER2 regimens."),
    "evolve": ("evolve_cmd", "Simulate replicate tumours of SCENARIO: eradication, progression, "
               "clone composition."),
    "synergy": ("synergy_cmd", "Score every block of PLATE and report per-block synergy."),
    "report": ("report_cmd", "Which HER2 regimens a tumour escapes, why, on what evidence, and "
               "what restores response."),
    "screen": ("screen_cmd", "Screen single agents and pairs (triples with --max-size 3) on "
               "resistant genotypes."),
    "targets": ("screen_cmd", "Find every minimal set of node inhibitions that stops "
                "proliferation in every attractor."),
    "serve": ("serve_cmd", "Serve the analyses as pages and a JSON API (OpenAPI at /docs)."),
    "cohort": ("cohort_cmd", "Predict each tumour's response to its regimen and test predictions "
               "and markers against\na binary outcome (AUC, calibration, odds ratios) or survival "
               "(Kaplan-Meier, Cox)."),
    "trial": ("cohort_cmd", "Run a virtual trial: a HER2-positive population sampled from "
              "published prevalences,\nrandomised to the arms; pCR/ORR per arm and subgroup, and "
              "PFS from clone dynamics."),
    "calibrate": ("calibrate_cmd", "Fit the calibration map on trial arms and report its "
                  "leave-one-trial-out error."),
    "model": ("model_cmds", "Show, list, check, export and document the model."),
    "kb": ("kb_cmd", "Query the knowledge base: drugs, mechanisms, evidence."),
    "users": ("serve_cmd", "Accounts of the web service."),
}

#: Modules of ``her2resist.cli`` that each define ``register(app)``.
COMMAND_MODULES = ["predict_cmds", "model_cmds", "evolve_cmd", "synergy_cmd", "kb_cmd",
                   "report_cmd", "screen_cmd", "serve_cmd", "cohort_cmd", "calibrate_cmd"]


class LazyRootGroup(RootGroup):
    """The root group, importing a command's module the first time the command is needed.

    While the root's own help is written, commands not loaded yet are listed from
    :data:`COMMANDS` (name and help only) rather than imported.
    """

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(dict.fromkeys([*COMMANDS, *self.commands]))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, help_text = COMMANDS[cmd_name]
            if self._listing:
                return TyperCommand(cmd_name, help=help_text)
            self._load(module)
        return self.commands.get(cmd_name)

    def _load(self, module: str) -> None:
        commands = typer.Typer()
        importlib.import_module(f"her2resist.cli.{module}").register(commands)
        for name, command in get_group(commands).commands.items():
            self.commands.setdefault(name, command)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except _USAGE_ERROR as exc:
            # typer suggests from the loaded commands only: suggest from every command.
            if self.suggest_commands and args and "Did you mean" not in exc.message:
                matches = get_close_matches(args[0], self.list_commands(ctx))
                if matches:
                    exc.message = (f"{exc.message.rstrip('.')}. Did you mean "
                                   f"{', '.join(repr(m) for m in matches)}?")
            raise

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="her2resist",
    help="Mechanistic modelling of resistance to HER2-targeted therapy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=LazyRootGroup,
)


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
    """Register every command on ``app`` now (for tests and tools that walk the commands)."""
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"her2resist.cli.{name}")
        module.register(app)


def main() -> None:
    """Entry point of the console script (commands load when they run)."""
    app()
