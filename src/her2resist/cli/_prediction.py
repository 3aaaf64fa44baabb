"""``her2resist predict`` itself, without typer: its checks, computation and output.

The typer command (:func:`her2resist.cli.predict_cmds.predict`) and the one-shot path of the
console script (:mod:`her2resist.cli._fast`) both run :func:`compute_prediction` then
:func:`show_prediction`, so they give the same result, text and errors.  Errors in what the
user gave are raised as usage errors (exit 2) or the package's own errors (exit 1).

Examples
--------
>>> from her2resist.cli._output import OutputPlan
>>> record = compute_prediction("trastuzumab", ["PTEN loss"], None, "most-permissive",
...                             "patient", None, "pCR")
>>> record.prediction.response_class, record.prediction.mechanisms
('resistant', ('PTEN_loss',))
>>> show_prediction(OutputPlan("csv", None), record, "patient", "pCR")  # doctest: +ELLIPSIS
node,value,because,references
Proliferation,1,"E2F=1, Mitotic_arrest=0, DNA_damage=0",...
...
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from her2resist.cli._console import json_text, usage_error
from her2resist.cli._options import list_option, node_settings
from her2resist.cli._output import OutputPlan, deliver, rows_csv

if TYPE_CHECKING:
    from her2resist.predict.record import PredictionRecord

CLASS_STYLE = {"sensitive": "green", "partial": "yellow", "resistant": "red"}
#: What ``predict`` may print (``--format``).
FORMATS = ("table", "json", "csv")
#: ``--context`` and ``--endpoint`` of the graded engine (predict/graded_inputs.py CONTEXTS and
#: predict/calibration.py ENDPOINTS, written here so that checking them imports no numpy).
CONTEXTS = ("patient", "culture")
ENDPOINTS = ("pCR", "ORR")


def check_graded_options(context: str, endpoint: str) -> None:
    """``--context`` and ``--endpoint`` refused as usage errors (exit 2), as every command
    that takes them does."""
    if context not in CONTEXTS:
        raise usage_error("--context", f"must be {' or '.join(CONTEXTS)}; got {context!r}")
    check_endpoint(endpoint)


def check_endpoint(endpoint: str) -> None:
    """``--endpoint`` refused as a usage error (exit 2) unless it is calibrated."""
    if endpoint not in ENDPOINTS:
        raise usage_error("--endpoint", f"must be {' or '.join(ENDPOINTS)}; got {endpoint!r}")


def regimen_text(regimen: str) -> str:
    """``--regimen`` as given, refused (exit 2) when it names no drug."""
    if not regimen.strip() or not regimen.replace("+", "").strip():
        raise usage_error("--regimen", f"no drug given (got {regimen!r}); name one or more "
                          "drugs or classes joined by ' + ', or 'untreated'")
    return regimen


def parse_doses(items: list[str] | None) -> dict[str, float]:
    """``["lapatinib=0.5"]`` -> ``{"lapatinib": 0.5}`` (drug names resolved to catalogue ids)."""
    from her2resist.predict.regimen import parse_regimen

    out: dict[str, float] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        try:
            factor = float(value)
        except ValueError:
            factor = -1.0
        if not sep or not name.strip() or factor < 0:
            raise usage_error("--dose", f"expected DRUG=FACTOR with FACTOR >= 0, got {item!r}")
        for part in parse_regimen(name.strip()).items:
            out[part.id] = factor
    return out


def compute_prediction(regimen: str, alteration: list[str] | None, set_node: list[str] | None,
                       engine: str, context: str, dose: list[str] | None,
                       endpoint: str) -> PredictionRecord:
    """The prediction ``predict`` prints, from its options as given on the command line."""
    import warnings

    from her2resist.exceptions import DataQualityWarning
    from her2resist.predict.record import prediction_record

    check_graded_options(context, endpoint)
    environment = node_settings(set_node)
    alterations = list_option(alteration, "--alteration")
    with warnings.catch_warnings():  # conflicts are in the prediction's warnings, shown once
        warnings.simplefilter("ignore", DataQualityWarning)
        return prediction_record(alterations, regimen_text(regimen), environment=environment,
                                 engine=engine, context=context, doses=parse_doses(dose),
                                 endpoint=endpoint)


def show_prediction(plan: OutputPlan, record: PredictionRecord, context: str,
                    endpoint: str) -> None:
    """Print or write the prediction in the planned format.

    The table printed to a file or a pipe is written by :mod:`her2resist.cli._plain_table`
    (Rich's layout, without importing Rich) where that gives Rich's text, else by Rich."""
    pred, graded, data = record.prediction, record.graded, record.data
    summary = (pred.response_class, pred.score, "")
    if graded is not None:
        summary = (graded.response_class, graded.score,
                   f" [{graded.interval[0]:.2f}-{graded.interval[1]:.2f}], {context} context; "
                   f"P({endpoint}) {graded.response_probability:.2f}")
    header = ("node", "value", "because", "references")
    rows = [(s.node, s.value, ", ".join(s.because), ", ".join(s.refs)) for s in pred.trace]
    lines = _summary(pred, summary)
    if plan.fmt == "table" and plan.path is None and _print_plain(lines, header, rows):
        return
    deliver(plan, {"json": lambda: json_text(data),
                   "csv": lambda: rows_csv(header, rows)},
            lambda: _print_prediction(lines, header, rows))


#: The title of the mechanism trace table.
TRACE_TITLE = "Mechanism trace (treated cell)"
#: One line of text as :func:`~her2resist.cli._console.say`'s parts: text, or (text, style).
Line = tuple[str | tuple[str, str], ...]


def _summary(pred: Any, summary: tuple[str, float, str]) -> list[Line]:
    """The lines above the table."""
    cls, score, extra = summary
    with_alts = f" with {', '.join(pred.alterations)}" if pred.alterations else ""
    lines: list[Line] = [(
        (pred.regimen, "bold"), f" on HER2-amplified cell{with_alts}: ",
        (cls, CLASS_STYLE.get(cls, "white")), f" (score {score:.2f}{extra})")]
    if pred.mechanisms:
        lines.append((f"Mechanism(s) of escape: {', '.join(pred.mechanisms)}",))
    lines += [(("Warning:", "yellow"), " ", warning) for warning in pred.warnings]
    return lines


def _print_plain(lines: list[Line], header: tuple[str, ...], rows: list[tuple[Any, ...]]
                 ) -> bool:
    """Write the summary and table to standard output as Rich would print them there, without
    Rich, where :mod:`~her2resist.cli._plain_table` can; False (nothing written) otherwise."""
    from her2resist.cli._plain_table import plain_width, table_text

    width = plain_width()
    if width is None:
        return False
    texts = ["".join(p if isinstance(p, str) else p[0] for p in line) for line in lines]
    table = table_text(TRACE_TITLE, header, [tuple(str(v) for v in row) for row in rows], width)
    if table is None or not all(t.isprintable() for t in texts):
        return False
    out = sys.stdout
    try:
        out.write("".join(t + "\n" for t in texts) + table)
        out.flush()
    except BrokenPipeError:  # quietly, exit 1, as Rich's console does (on_broken_pipe)
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
        raise SystemExit(1) from None
    return True


def _print_prediction(lines: list[Line], header: tuple[str, ...],
                      rows: list[tuple[Any, ...]]) -> None:
    from rich.table import Table

    from her2resist.cli._console import console, say

    for line in lines:
        say(*line)
    table = Table(*header, title=TRACE_TITLE, show_lines=False)
    for row in rows:
        table.add_row(*(str(v) for v in row))
    console.print(table)
