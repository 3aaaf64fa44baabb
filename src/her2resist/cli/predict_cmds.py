"""Commands ``predict``, ``validate``, ``simulate`` and ``demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from her2resist.cli._common import console, handle_errors, json_text, say
from her2resist.cli._long_runs import (
    PROGRESS_OPTION,
    announce,
    check_ceiling,
    progress_bar,
    progress_mode,
    simulate_workload,
)
from her2resist.cli._options import (
    JSON_OPTION,
    OUTPUT_OPTION,
    SEED_OPTION,
    SET_OPTION,
    bounded,
    check_engine,
    format_option,
    list_option,
    node_settings,
    resolve_seed,
)
from her2resist.cli._output import deliver, plan_output, rows_csv
from her2resist.cli._prediction import (
    CLASS_STYLE,
    compute_prediction,
    show_prediction,
)
from her2resist.cli._prediction import FORMATS as PREDICT_FORMATS
from her2resist.cli._prediction import regimen_text as _regimen_text

#: Bounds of the stochastic simulation (documented in --help and the README).
MAX_TIME = 10_000.0
MAX_SAMPLES = 1_000_000

ENGINE_HELP = (
    "Simulation engine: most-permissive (exact attractors), stochastic (MaBoSS) or graded "
    "(logic ODEs with normalised Hill functions)."
)

DEMO_TUMOURS = [
    ("none", []),
    ("PTEN loss", ["PTEN loss"]),
    ("PIK3CA H1047R", ["PIK3CA H1047R"]),
    ("p95HER2", ["p95HER2"]),
    ("NRG1 overexpression", ["NRG1 overexpression"]),
    ("CCNE1 amplification", ["CCNE1 amplification"]),
    ("ESR1 overexpression", ["ESR1 overexpression"]),
    ("ERBB2 L755S", ["ERBB2 L755S"]),
    ("SLC46A3 loss", ["SLC46A3 loss"]),
]
DEMO_REGIMENS = [
    ("T", "trastuzumab"),
    ("T+P", "trastuzumab + pertuzumab"),
    ("L", "lapatinib"),
    ("T+L", "trastuzumab + lapatinib"),
    ("N", "neratinib"),
    ("T-DM1", "trastuzumab emtansine"),
    ("T-DXd", "trastuzumab deruxtecan"),
]


def _styled(cls: str) -> Text:
    return Text(cls, style=CLASS_STYLE.get(cls, "white"))


ALTERATION_HELP = "An alteration, e.g. 'PTEN loss' (repeatable or comma-separated)."


@handle_errors
def predict(
    regimen: str = typer.Option(..., "--regimen", "-r", help="Drugs or classes joined by ' + '."),
    alteration: list[str] = typer.Option(None, "--alteration", "-a", help=ALTERATION_HELP),
    set_node: list[str] = SET_OPTION,
    engine: str = typer.Option("graded", "--engine", help=ENGINE_HELP, callback=check_engine),
    context: str = typer.Option(
        "patient", "--context", help="Graded engine: patient (ligands, immune effectors at "
        "documented levels) or culture (the model's defaults)."
    ),
    dose: list[str] = typer.Option(
        None, "--dose", help="Graded engine: DRUG=FACTOR, a multiple of the default clinical "
        "exposure (repeatable)."
    ),
    endpoint: str = typer.Option("pCR", "--endpoint", help="Graded engine: pCR or ORR."),
    fmt: str | None = format_option("table", "json", "csv"),
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
) -> None:
    """Predict a tumour cell's response to a regimen, with the mechanism trace.

    The graded engine (default) gives a score with an interval and the calibrated probability
    of the endpoint; the trace and the mechanisms are those of its Boolean limit.
    """
    plan = plan_output(fmt, as_json, output, PREDICT_FORMATS)
    record = compute_prediction(regimen, alteration, set_node, engine, context, dose, endpoint)
    show_prediction(plan, record, context, endpoint)


@handle_errors
def validate(
    cases: Path = typer.Argument(..., help="CSV of literature cases (validation README format)."),
    engine: str = typer.Option(
        "graded", "--engine",
        help=ENGINE_HELP + " The graded engine checks the cases in its Boolean limit.",
        callback=check_engine,
    ),
    fmt: str | None = format_option("table", "json", "csv"),
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
) -> None:
    """Check the model against literature cases; exit 1 if any case fails (or there are none)."""
    plan = plan_output(fmt, as_json, output, ("table", "json", "csv"))
    from her2resist.predict.validate import read_cases, validate_cases

    report = validate_cases(read_cases(cases), engine=engine)
    header = ("id", "alterations", "regimen", "expected", "predicted", "score", "pass")
    rows = [(r.case.id, "; ".join(r.case.alterations), r.case.regimen, r.case.expected,
             r.predicted, "" if r.error else f"{r.score:.4f}", r.passed) for r in report.results]
    deliver(plan, {"json": lambda: json_text(report.as_dict()),
                   "csv": lambda: rows_csv(header, rows)},
            lambda: _print_validation(cases, report))
    if report.passed != report.total:
        raise typer.Exit(1)


def _print_validation(cases: Path, report: Any) -> None:
    table = Table(title=Text(f"Validation: {cases}"), box=box.SIMPLE_HEAD)
    # One alteration a line, words whole (never "overexpress…"), no rules between columns:
    # fits 80 columns.
    words = [w for r in report.results for a in r.case.alterations for w in a.split()]
    for col in ("id", "alterations", "regimen", "expected", "predicted", "score", "pass"):
        table.add_column(col, overflow="fold", min_width=max(map(len, words), default=1)
                         if col == "alterations" else None)
    for r in report.results:
        expected = r.case.expected
        if r.reference_score is not None:
            expected += f"\n{r.reference_score:.2f}"
        table.add_row(
            r.case.id,
            "\n".join(r.case.alterations) or "-",
            r.case.regimen,
            expected,
            _styled(r.predicted),
            "-" if r.error else f"{r.score:.2f}",
            Text("yes", "green") if r.passed else Text("NO", "red"),
        )
    console.print(table)
    for r in report.results:
        if r.error:
            say((f"Case {r.case.id} could not be predicted:", "yellow"), " ", r.error,
                err=True)
    say(f"Passed {report.passed} of {report.total} (accuracy {report.accuracy:.1%}).")


@handle_errors
def simulate(
    regimen: str = typer.Option("untreated", "--regimen", "-r", help="Drugs joined by ' + '."),
    alteration: list[str] = typer.Option(None, "--alteration", "-a", help=ALTERATION_HELP),
    set_node: list[str] = SET_OPTION,
    engine: str = typer.Option("stochastic", "--engine", help=ENGINE_HELP,
                                callback=check_engine),
    nodes: list[str] = typer.Option(
        ["Proliferation,Apoptosis,AKT,ERK,FOXO,E2F"], "--nodes",
        help="Nodes to show (repeatable or comma-separated)."),
    max_time: float = typer.Option(
        40.0, "--max-time", callback=bounded("--max-time", 0, MAX_TIME, low_open=True),
        help=f"Stochastic: simulated time, in (0, {MAX_TIME:g}]."),
    samples: int = typer.Option(2000, "--samples", min=1, max=MAX_SAMPLES,
                                help=f"Stochastic: trajectories, 1 to {MAX_SAMPLES:,}."),
    seed: int | None = SEED_OPTION,
    fmt: str | None = format_option("table", "json"),
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    progress: bool | None = PROGRESS_OPTION,
) -> None:
    """Simulate the untreated cell, then the regimen from its state, and show node activity.

    Stochastic runs are at most 2x10^9 trajectory-time units (2 x --samples x --max-time); an
    estimate is printed before a run of 10 s or more."""
    plan = plan_output(fmt, as_json, output, ("table", "json"))
    shown = list_option(nodes, "--nodes", required=True)
    background_set = node_settings(set_node)
    from her2resist.engines import configured_engine, takes_seed

    stochastic = takes_seed(engine)
    work = simulate_workload(samples, max_time) if stochastic else None  # sampling engines
    if work is not None:
        check_ceiling(work, "--samples")
    seed = resolve_seed(seed, announce=stochastic) if stochastic else seed
    from her2resist.model import load_model
    from her2resist.predict import alteration_perturbation, parse_regimen, resolve_alterations
    from her2resist.predict.simulate import simulate_regimen

    network = load_model()
    network.check_nodes(shown, "node")
    eng = configured_engine(engine, max_time=max_time, sample_count=samples, seed=seed)
    background = {
        **alteration_perturbation(resolve_alterations(list_option(alteration, "--alteration"))),
        **background_set,
    }
    drugs = parse_regimen(_regimen_text(regimen)).perturbation()
    if work is not None:
        announce(work, progress)
    # MaBoSS reports nothing while it runs: the bar shows the time elapsed.
    with progress_bar(progress_mode(progress, plan.fmt, plan.path is None) if work else "off",
                      f"Simulating {work.what if work else ''}") as update:
        if update is not None:
            update(0, 0)
        sim = simulate_regimen(network, background, drugs, engine=eng)
    deliver(plan, {"json": lambda: json_text(_simulation_dict(sim, shown))},
            lambda: _print_simulation(sim, shown))


def _simulation_dict(sim: object, shown: list[str]) -> dict[str, object]:
    treated = sim.treated  # type: ignore[attr-defined]
    course = treated.timecourse
    return {
        "untreated": _state_records(sim.untreated, shown),  # type: ignore[attr-defined]
        "treated": _state_records(treated, shown),
        "weights": treated.probabilities.tolist(),
        "trajectory": None if course is None else {
            "time": course.times.tolist(), **{n: course.column(n).tolist() for n in shown}},
        "provenance": treated.provenance.as_dict(),
    }


def _state_records(result: Any, shown: list[str]) -> list[dict[str, float]]:
    """The shown nodes of each reached state (read from the arrays: no DataFrame, so no
    pandas import for a one-shot simulation)."""
    columns = [result.column(n).tolist() for n in shown]
    return [dict(zip(shown, values, strict=True)) for values in zip(*columns, strict=True)]


def _print_simulation(sim: object, shown: list[str]) -> None:
    treated = sim.treated  # type: ignore[attr-defined]
    untreated = sim.untreated  # type: ignore[attr-defined]
    table = Table(title=Text(f"Node activity ({treated.provenance.engine})"))
    table.add_column("node")
    table.add_column("untreated")
    table.add_column("treated")
    for node in shown:
        table.add_row(node, f"{untreated.value(node):.2f}", f"{treated.value(node):.2f}")
    console.print(table)
    course = treated.timecourse
    if course is not None:
        step = max(1, len(course.times) // 8)
        tt = Table(title="Treated: probability over time")
        tt.add_column("time")
        for node in shown:
            tt.add_column(node)
        columns = [course.column(n) for n in shown]
        for row in range(0, len(course.times), step):
            tt.add_row(f"{course.times[row]:g}", *(f"{c[row]:.2f}" for c in columns))
        console.print(tt)


@handle_errors
def demo(
    fmt: str | None = format_option("table", "json"),
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
) -> None:
    """Predictions for reference HER2-amplified tumours under the main HER2 regimens."""
    plan = plan_output(fmt, as_json, output, ("table", "json"))
    from her2resist.predict.graded import predict_graded

    rows = []
    for label, alts in DEMO_TUMOURS:
        preds = [predict_graded(alts, regimen, context="patient", endpoint="pCR", samples=0)
                 for _, regimen in DEMO_REGIMENS]
        rows.append((label, preds))
    data = [{"tumour": label, "predictions": [p.to_dict() for p in preds]}
            for label, preds in rows]
    deliver(plan, {"json": lambda: json_text(data)}, lambda: _print_demo(rows))


def _print_demo(rows: list[tuple[str, list[Any]]]) -> None:
    table = Table(
        title="Predicted response of HER2-amplified tumour cells", box=box.SIMPLE, padding=(0, 0),
        pad_edge=False,
    )
    # box.SIMPLE separates columns by a space: without padding, 8 columns fit 80 characters.
    table.add_column("alteration", no_wrap=True, max_width=20)
    for short, _ in DEMO_REGIMENS:
        table.add_column(short, justify="right", no_wrap=True, min_width=7)
    for label, preds in rows:
        cells = [Text(f"{p.score:.2f}/{p.response_probability * 100:.0f}",
                      style=CLASS_STYLE[p.response_class]) for p in preds]
        table.add_row(label, *cells)
    console.print(table)
    say(
        "Graded engine, patient context: score/predicted pCR in percent; the score's colour is "
        "its class (green sensitive, yellow partial, red resistant); score 0 = the cell keeps "
        "dividing, 0.5 = arrested, 1 = arrested and dying.\n"
        + "; ".join(f"{s} = {r}" for s, r in DEMO_REGIMENS)
        + ".\nExplain one: her2resist predict -a 'PTEN loss' -r trastuzumab"
    )


def register(app: typer.Typer) -> None:
    app.command("predict")(predict)
    app.command("validate")(validate)
    app.command("simulate")(simulate)
    app.command("demo")(demo)
