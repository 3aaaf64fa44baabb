"""A plain one-shot ``her2resist predict``, run without loading typer.

typer (and the vendored click, inspect, its completion machinery...) costs a one-shot
``predict`` about a fifth of its start-up.  When the command line is plainly
``predict`` with options written the simple way, :func:`run_plain_predict` reads it itself
and runs the command's own code (:mod:`her2resist.cli._prediction`), so the result and its
text are those of the typer command.  Anything else is left to typer, which then handles the
whole command line as always: help, another command, an option this reader does not know, a
value that starts with ``-``, an option given twice, ``--`` or ``-o`` (output files), and a
usage error (a bad ``--format`` or ``--context``: exit 2 with typer's usage line), which only
the checks made before any computation raise.  Any other error (an unknown alteration, an
engine failure) is reported here as the typer command reports it, same message and exit code
(:func:`her2resist.cli._common.describe`; ``--traceback`` shows the stack), so the command
never runs twice.  Nothing is printed before the prediction has succeeded: warnings raised on
the way are held and shown just before the result (or the error).

Examples
--------
>>> plain_predict_options(["predict", "-r", "trastuzumab", "-a", "PTEN loss", "--json"])
{'regimen': 'trastuzumab', 'alteration': ['PTEN loss'], 'as_json': True}
>>> print(plain_predict_options(["predict", "--help"]))
None
"""

from __future__ import annotations

from typing import Any, NoReturn

#: ``predict``'s options that take one value: option -> parameter.
_ONE = {"-r": "regimen", "--regimen": "regimen", "--engine": "engine",
        "--context": "context", "--endpoint": "endpoint", "-f": "fmt", "--format": "fmt"}
#: Options that may be repeated, each value kept.
_MANY = {"-a": "alteration", "--alteration": "alteration", "--set": "set_node",
         "--fix": "set_node", "--dose": "dose"}
#: Flags (no value); ``--traceback`` matters only for errors, which typer handles.
_FLAGS = {"--json": "as_json", "--traceback": None}
#: The typer command's defaults of the options above that have one besides None/False
#: (``engine``'s is the package's default engine); tests/test_cli_predict.py checks these
#: tables against the typer command's declarations.
_DEFAULTS = {"context": "patient", "endpoint": "pCR"}


def plain_predict_options(argv: list[str]) -> dict[str, Any] | None:
    """``predict``'s parameters from a plain command line (see module docs), or None."""
    if not argv or argv[0] != "predict" or "--" in argv:
        return None
    found: dict[str, Any] = {}
    i = 1
    while i < len(argv):
        token = argv[i]
        if token in _FLAGS:
            flag = _FLAGS[token]
            if flag:
                found[flag] = True
            i += 1
            continue
        name, value = token, None
        if token.startswith("--") and "=" in token:
            name, value = token.split("=", 1)
        if name not in _ONE and name not in _MANY:
            return None
        if value is None:
            if i + 1 >= len(argv):
                return None
            value = argv[i + 1]
            i += 1
        i += 1
        if value.startswith("-") or not _plain(value):
            return None
        if name in _ONE:
            if _ONE[name] in found:
                return None  # given twice: typer refuses it (exit 2)
            found[_ONE[name]] = value
        else:
            found.setdefault(_MANY[name], []).append(value)
    return found if "regimen" in found else None


def _plain(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # undecodable argv bytes: typer decides
        return False
    return True


def run_plain_predict(argv: list[str]) -> bool:
    """Run ``predict`` if ``argv`` is a plain command line for it; False (nothing done, nothing
    printed) when typer must handle it.  Ctrl-C exits 130 without a traceback, as typer's
    commands do."""
    options = plain_predict_options(argv)
    if options is None:
        return False
    from her2resist.common.collector import collector_paused

    # A one-shot command is short and makes few reference cycles: the cyclic collector's
    # passes over the model, knowledge base and Rich objects just loaded (some 30 during a
    # prediction) cost more than the memory they could free. Reference counting still frees
    # everything else; the collector is on again afterwards (the function may run in a longer
    # process, as in the tests).
    with collector_paused():
        try:
            return _run(options, "--traceback" in argv)
        except KeyboardInterrupt:
            raise SystemExit(130) from None


def _run(options: dict[str, Any], traceback: bool = False) -> bool:
    import warnings

    from her2resist.cli._output import plan_output
    from her2resist.cli._prediction import FORMATS, compute_prediction, show_prediction
    from her2resist.engines import DEFAULT_ENGINE, ENGINE_NAMES

    engine = options.get("engine", DEFAULT_ENGINE)
    context = options.get("context", _DEFAULTS["context"])
    endpoint = options.get("endpoint", _DEFAULTS["endpoint"])
    if engine not in ENGINE_NAMES:
        return False
    try:
        with warnings.catch_warnings(record=True) as held:
            plan = plan_output(options.get("fmt"), options.get("as_json", False), None, FORMATS)
            record = compute_prediction(options["regimen"], options.get("alteration"),
                                        options.get("set_node"), engine, context,
                                        options.get("dose"), endpoint)
    except Exception as exc:
        if _usage_error(exc):  # raised before any computation: typer prints its usage line
            return False
        _show(held)
        _fail(exc, traceback)
    _show(held)
    try:
        show_prediction(plan, record, context, endpoint)
    except Exception as exc:
        _fail(exc, traceback)
    return True


def _show(held: list[Any]) -> None:
    import warnings

    for w in held:
        warnings.showwarning(w.message, w.category, w.filename, w.lineno, w.file, w.line)


def _usage_error(exc: Exception) -> bool:
    """Whether ``exc`` is a click/typer error (a usage error: typer formats it)."""
    import sys

    if "typer" not in sys.modules:  # usage_error imports typer before raising one
        return False
    from her2resist.cli._common import _CLICK_ERRORS

    return isinstance(exc, _CLICK_ERRORS)


def _fail(exc: Exception, traceback: bool) -> NoReturn:
    """Report ``exc`` as the typer command does: the stack with ``--traceback``, else the
    message and exit code of :func:`~her2resist.cli._common.describe`."""
    if traceback:
        raise exc
    from her2resist.cli._common import describe
    from her2resist.cli._console import say

    code, label, message = describe(exc)
    say((label, "bold red"), " ", message, err=True)
    raise SystemExit(int(code)) from None
