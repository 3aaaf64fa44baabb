"""The ``her2resist`` typer application, with one module per command group.

The console script's entry is :func:`her2resist.cli.main.main`, which runs a plain one-shot
``predict`` without typer (:mod:`her2resist.cli._fast`) and everything else through ``app``.

A command's module is imported only when that command runs (:class:`LazyRootGroup`), so a
one-shot ``her2resist predict`` pays neither for the other commands' imports nor for building
their options. ``--help`` lists every command from :data:`COMMANDS`, a static table of each
command's module and the first paragraph of its help, which ``tests/test_cli_lazy.py`` keeps
equal to the commands' own help.
"""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any

import typer
from typer.core import TyperCommand
from typer.main import get_group

from her2resist import __version__
from her2resist.cli._common import CliState, RootGroup, _click_module, usage_error

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
               "and markers against a binary outcome (AUC, calibration, odds ratios) or survival "
               "(Kaplan-Meier, Cox)."),
    "trial": ("cohort_cmd", "Run a virtual trial: a HER2-positive population sampled from "
              "published prevalences, randomised to the arms; pCR/ORR per arm and subgroup, and "
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

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        self.get_help_option(ctx)  # made now, so that lazy_coercion sees it
        lazy_coercion(self)
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(dict.fromkeys([*COMMANDS, *self.commands]))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, help_text = COMMANDS[cmd_name]
            if self._listing:
                return TyperCommand(cmd_name, help=help_text)
            self._load(module)
        command = self.commands.get(cmd_name)
        if command is not None:
            reflow_help(command)
        return command

    def _load(self, module: str) -> None:
        commands = typer.Typer()
        importlib.import_module(f"her2resist.cli.{module}").register(commands)
        for name, command in get_group(commands).commands.items():
            lazy_coercion(command)
            self.commands.setdefault(name, command)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            name, command, rest = super().resolve_command(ctx, args)
        except _USAGE_ERROR as exc:
            # typer suggests from the loaded commands only: suggest from every command.
            if self.suggest_commands and args and "Did you mean" not in exc.message:
                matches = get_close_matches(args[0], self.list_commands(ctx))
                if matches:
                    exc.message = (f"{exc.message.rstrip('.')}. Did you mean "
                                   f"{', '.join(repr(m) for m in matches)}?")
            raise
        if command is not None:
            command.get_help_option(ctx)  # its context inherits the names from this one
            lazy_coercion(command)
            refuse_repeated_options(command, rest)
        return name, command, rest

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def reflow(text: str) -> str:
    """Help text with the line breaks inside each paragraph taken out.

    typer's rich help (typer 0.29 here) keeps a docstring's single line breaks, so text
    wrapped at 100 columns in the source printed ragged at 80. A paragraph with an indented
    line or a list item (``-``, ``*``), or a click ``\\b`` block, keeps its lines.

    Examples
    --------
    >>> reflow("One line\\nand two.\\n\\nA new\\nparagraph.")
    'One line and two.\\n\\nA new paragraph.'
    >>> reflow("Keep:\\n- a list\\n- of items")
    'Keep:\\n- a list\\n- of items'
    """
    out = []
    for paragraph in inspect.cleandoc(text).split("\n\n"):
        lines = paragraph.splitlines()
        if paragraph.startswith("\b") or any(line.startswith((" ", "-", "*"))
                                             for line in lines[1:]):
            out.append(paragraph)
        else:
            out.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(out)


def reflow_help(command: Any) -> None:
    """:func:`reflow` a command's help and those of its subcommands (a group's)."""
    for attribute in ("help", "short_help"):
        text = getattr(command, attribute, None)
        if isinstance(text, str):
            setattr(command, attribute, reflow(text))
    for sub in (getattr(command, "commands", None) or {}).values():
        reflow_help(sub)


def refuse_repeated_options(command: Any, args: list[str]) -> None:
    """Refuse an option that takes one value given more than once (exit 2).

    click keeps the last value silently, so ``predict -r A -r B`` would answer for ``B``
    alone; repeating is meaningful only for the options declared repeatable.

    Examples
    --------
    >>> import typer
    >>> from typer.main import get_command
    >>> app = typer.Typer()
    >>> @app.command()
    ... def run(regimen: str = typer.Option(..., "--regimen", "-r")) -> None: ...
    >>> refuse_repeated_options(get_command(app), ["-r", "A"])
    >>> try:
    ...     refuse_repeated_options(get_command(app), ["-r", "A", "--regimen=B"])
    ... except Exception as exc:
    ...     print(exc.format_message())
    Invalid value for '--regimen': given 2 times ('A', 'B'); it takes one value: give it once
    """
    if getattr(command, "commands", None):  # a group: its subcommand checks its own options
        return
    single: dict[str, Any] = {}
    for param in getattr(command, "params", ()):
        if (getattr(param, "param_type_name", "") == "option" and not param.multiple
                and not param.is_flag and not param.count):
            single.update({opt: param for opt in param.opts})
    seen: dict[str, list[str]] = {}
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--":
            break
        name, value = token, None
        if token.startswith("--") and "=" in token:
            name, value = token.split("=", 1)
        elif token[:1] == "-" and token[:2] not in ("--",) and len(token) > 2 \
                and token[:2] in single:
            name, value = token[:2], token[2:]
        param = single.get(name)
        if param is not None:
            if value is None:
                width = max(param.nargs, 1)
                value = " ".join(args[i + 1:i + 1 + width])
                i += width
            seen.setdefault(param.name, []).append(value)
            if len(seen[param.name]) > 1:
                long = max(param.opts, key=len)
                given = seen[param.name]
                raise usage_error(long, f"given {len(given)} times "
                                        f"({', '.join(repr(v) for v in given)}); it takes one "
                                        "value: give it once")
        i += 1


def lazy_coercion(command: Any) -> None:
    """Let the parameters of ``command`` (and of its subcommands) build typer's coercion only
    for a value that needs it, and keep command-line text as it is.

    typer (0.2x) coerces every parameter through a pydantic ``TypeAdapter`` that it builds on
    first use, even for an option that was not given (value None, returned as None before the
    adapter is used); for ``str`` and ``list[str]`` parameters the coercion returns the same
    text. Building the adapters imports pydantic, which costs a one-shot command more than its
    computation. Here a parameter not given, given plain text for a text parameter, or given a
    plain decimal within its bounds (or its default) for a number, needs no adapter; any other
    value goes through typer's own coercion (built then, and kept), so results and messages
    are typer's (``tests/test_cli_lazy.py`` checks both agree). Without the typer internals
    this relies on (another typer version), nothing changes.
    """
    if _LazyCoercion is None:
        return
    for param in (*getattr(command, "params", ()), getattr(command, "_help_option", None)):
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is not None and getattr(param, "_runtime_param", True) is None:
            info = descriptor.parameter_info
            plain = (info.parser is None and getattr(info, "click_type", None) is None
                     and descriptor.file_annotation is None)
            param._runtime_param = _LazyCoercion(
                parameter_info=info, annotation=descriptor.annotation,
                text=plain and descriptor.annotation in (str, list[str]),
                number=plain and descriptor.annotation in (int, float))
    for sub in getattr(command, "commands", {}).values():
        lazy_coercion(sub)


#: Numbers written the one way every parser reads alike (no sign, space, exponent, "_").
_PLAIN_NUMBER = {int: re.compile(r"(?:0|[1-9][0-9]{0,17})\Z"),
                 float: re.compile(r"(?:0|[1-9][0-9]{0,17})(?:\.[0-9]{1,17})?\Z")}


def _plain_number(value: object, kind: type, info: Any) -> int | float | None:
    """``value`` as a ``kind`` number within the parameter's bounds, if it is the declared
    default (already a ``kind``) or a plain decimal; None when typer must decide."""
    if isinstance(value, str) and _PLAIN_NUMBER[kind].match(value):
        number = kind(value)
    elif type(value) is kind:
        number = value
    else:
        return None
    low, high = getattr(info, "min", None), getattr(info, "max", None)
    if getattr(info, "clamp", False) or (low is not None and number < low) or (
            high is not None and number > high):
        return None
    return number  # type: ignore[no-any-return]


def _plain_text(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from undecodable argv bytes: typer decides
        return False
    return True


try:
    from typer._coercion import RuntimeParam, build_runtime_param

    @dataclass(frozen=True)
    class _LazyCoercionImpl(RuntimeParam):
        text: bool = False
        number: bool = False

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if self.number:
                number = _plain_number(value, self.annotation, self.parameter_info)
                if number is not None:
                    return number
            if self.text and self.annotation is str and _plain_text(value):
                return value
            if (self.text and self.annotation == list[str] and isinstance(value, (list, tuple))
                    and all(_plain_text(v) for v in value)):
                return list(value)
            param._runtime_param = build_runtime_param(param.type_descriptor)
            return param._runtime_param._coerce_value(value, param=param, ctx=ctx)

    _LazyCoercion: Any = _LazyCoercionImpl
except ImportError:  # pragma: no cover - a typer without these internals
    _LazyCoercion = None


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
