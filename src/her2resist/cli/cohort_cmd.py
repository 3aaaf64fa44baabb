"""``her2resist cohort`` (predictions against outcomes) and ``her2resist trial`` (virtual
trials)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from her2resist.cli._common import console, err_console, handle_errors, say
from her2resist.cli._options import (
    JSON_OPTION,
    OUTPUT_OPTION,
    SEED_OPTION,
    format_option,
    resolve_seed,
)
from her2resist.cli._output import (
    StagedOutputs,
    check_distinct,
    check_writable,
    csv_cell,
    deliver,
    plan_output,
)

FORMATS = ("table", "json", "csv", "html")


def register(app: typer.Typer) -> None:
    """Add the ``cohort`` and ``trial`` commands to ``app``."""
    app.command("cohort")(cohort)
    app.command("trial")(trial)


@contextmanager
def _progress(enabled: bool, what: str) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on standard error, or nothing."""
    if not enabled:
        yield None
        return
    from rich.progress import Progress

    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task(what, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


Opt = typer.Option


@handle_errors
def cohort(
    study: Annotated[Path | None, typer.Argument(
        help="cBioPortal study folder (meta_*.txt + data files), or a profile file.")] = None,
    maf: Annotated[Path | None, Opt("--maf", help="MAF file (one row per variant).")] = None,
    vcf: Annotated[Path | None, Opt("--vcf", help="Annotated VCF.")] = None,
    cna: Annotated[Path | None, Opt("--cna", help="Copy-number matrix (genes x samples).")] = None,
    expression: Annotated[Path | None, Opt("--expression", help="Expression z-scores.")] = None,
    clinical: Annotated[list[Path] | None, Opt(
        "--clinical", help="Clinical sample/patient file (repeat); a study folder's are read.")
    ] = None,
    regimen: Annotated[str | None, Opt(
        "--regimen", help="One regimen for every sample (e.g. 'TCHP' or 'trastuzumab + "
        "docetaxel').")] = None,
    regimen_column: Annotated[str | None, Opt(
        "--regimen-column", help="Clinical column with each sample's regimen as written.")
    ] = None,
    regimen_map: Annotated[Path | None, Opt(
        "--regimen-map", help="YAML mapping of written regimen values to drug names.")] = None,
    outcome: Annotated[str | None, Opt(
        "--outcome", help="Binary outcome column (e.g. PCR, RESPONDER).")] = None,
    positive: Annotated[str | None, Opt(
        "--positive", help="Responder label(s) of --outcome, comma-separated; inferred if not "
        "given.")] = None,
    time: Annotated[str | None, Opt("--time", help="Time column, e.g. OS_MONTHS.")] = None,
    event: Annotated[str | None, Opt(
        "--event", help="Event column, e.g. OS_STATUS (1:DECEASED style or 0/1).")] = None,
    min_patients: Annotated[int, Opt(
        "--min-patients", min=1, help="Test markers carried by at least this many patients.")
    ] = 5,
    name: Annotated[str | None, Opt("--name", help="Cohort name (default: the folder).")] = None,
    scheduler: Annotated[str | None, Opt(
        "--scheduler", help="Dask scheduler address tcp://HOST:PORT (default: this process).")
    ] = None,
    engine: Annotated[str | None, Opt("--engine", help="Prediction engine: graded (default, "
                                      "calibrated probability) or most-permissive.")] = None,
    endpoint: Annotated[str, Opt("--endpoint", help="Endpoint of the calibrated response "
                                 "probability: pCR or ORR.")] = "pCR",
    fmt: str | None = format_option(*FORMATS),
    json_output: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    csv: Annotated[Path | None, Opt("--csv", help="Also write per-sample predictions (CSV).")
                   ] = None,
    html: Annotated[Path | None, Opt("--html", help="Also write the HTML cohort report.")
                    ] = None,
    progress: Annotated[bool, Opt("--progress/--no-progress", help="Progress bar on stderr.")
                        ] = True,
) -> None:
    """Predict each tumour's response to its regimen and test predictions and markers against
    a binary outcome (AUC, calibration, odds ratios) or survival (Kaplan-Meier, Cox)."""
    plan = plan_output(fmt, json_output, output, FORMATS)
    from her2resist.cli._prediction import check_endpoint

    check_endpoint(endpoint)  # before the study is read
    for path, option, suffixes in ((csv, "--csv", (".csv",)), (html, "--html", (".html",))):
        if path is not None:
            check_writable(path, option, suffixes)
    check_distinct(("--output", output), ("--csv", csv), ("--html", html))
    from her2resist.cohort import read_cohort, read_regimen_map, run_cohort
    from her2resist.cohort.html import cohort_html

    shown = progress and plan.path is None and plan.fmt == "table"
    with _progress(shown, "reading"):
        profiles, columns = read_cohort(study, maf=maf, vcf=vcf, cna=cna,
                                        expression=expression, clinical=clinical or [],
                                        genotypes_only=True, columns=[
                                            c for c in (regimen_column, outcome, time, event)
                                            if c is not None])
    mapping = read_regimen_map(regimen_map) if regimen_map else None
    label = name or (study.name if study is not None else "cohort")
    with _progress(shown, "predicting") as update:
        result = run_cohort(profiles, columns, regimen=regimen, regimen_column=regimen_column,
                            regimen_map=mapping, outcome=outcome, positive=positive, time=time,
                            event=event, min_patients=min_patients, name=label,
                            engine=engine, endpoint=endpoint, scheduler=scheduler,
                            progress=update)
    parts = {"json": result.json_parts, "csv": lambda: result.csv_parts(csv_cell)}
    with StagedOutputs() as staged:  # every output committed together, or none
        if csv is not None:
            staged.add_with(csv, _writer(parts["csv"]))
        if html is not None:
            staged.add(html, cohort_html(result))
        if plan.path is not None and plan.fmt in parts:  # written in parts, not held whole
            staged.add_with(plan.path, _writer(parts[plan.fmt]))
            for path in staged.commit():
                say(f"Wrote {path}", err=True)
            return
        deliver(plan, {"json": result.to_json,
                       "csv": lambda: "".join(parts["csv"]()),
                       "html": lambda: cohort_html(result)},
                lambda: _print_cohort(result), staged)


def _writer(parts: Callable[[], Iterable[str]]) -> Callable[[Path], None]:
    """Write a file's text part by part (the per-sample rows of 100,000 samples are never
    held whole)."""
    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            for part in parts():
                fh.write(part)
    return write


def _grid(title: str, frame: Any, limit: int = 20) -> Table:
    grid = Table(title=title, box=box.SIMPLE_HEAD)
    rows = [[f"{v:.3g}" if isinstance(v, float) else str(v) for v in row]
            for row in frame.head(limit).itertuples(index=False)]
    # Headers wrap at their words, values stay whole, no rules between columns: nine
    # columns fit 80.
    for i, column in enumerate(frame.columns):
        header = str(column).replace("_", " ")
        widest = max([len(w) for w in header.split()] + [len(r[i]) for r in rows])
        grid.add_column(Text(header), min_width=widest, overflow="fold")
    for row in rows:
        grid.add_row(*map(Text, row))
    return grid


def _print_cohort(result: Any) -> None:
    a = result.association
    say((result.name, "bold"), f": {len(result.samples)} samples, "
        f"{result.settings['distinct_predictions']} distinct predictions "
        f"({result.settings['distinct_genotypes']} genotypes), engine "
        f"{result.settings['engine']}")
    say(f"response probability: {result.probability_source}")
    if result.kind == "binary":
        say(f"{a['endpoint']} (responder label {result.settings['positive_label']}): "
            f"n={a['n']}, AUC {a['auc']:.3f} (95% CI {a['auc_ci'][0]:.3f}-"
            f"{a['auc_ci'][1]:.3f})")
        console.print(_grid("Calibration", result.calibration))
    elif result.kind == "survival":
        say(f"{a['endpoint']}: n={a['n']}, Cox HR per "
            f"{result.settings['hazard_ratio_per']} {a['hazard_ratio']:.3g} (95% CI "
            f"{a['hr_ci'][0]:.3g}-{a['hr_ci'][1]:.3g}), log-rank p across "
            f"{', '.join(result.curves)}: {a['logrank_p']:.3g}")
    if result.kind is not None:
        console.print(_grid("Markers", result.markers))
    else:
        console.print(_grid("Predictions", result.samples.reset_index()))
    for text, reg in result.regimens.items():
        if reg.notes:
            say(f"regimen {text!r} read as {reg.label} (defaults: {'; '.join(reg.notes)})")
    for warning in result.warnings:
        say(("warning: ", "yellow"), warning, err=True)


@handle_errors
def trial(
    trial_file: Annotated[Path, typer.Argument(help="Trial YAML (see examples/trials/).")],
    patients: Annotated[int, Opt("--patients", "-n", min=2, help="Patients randomised.")] = 1000,
    seed: int | None = SEED_OPTION,
    scheduler: Annotated[str | None, Opt(
        "--scheduler", help="Dask scheduler address tcp://HOST:PORT (default: this process).")
    ] = None,
    engine: Annotated[str | None, Opt("--engine", help="Prediction engine: graded (default, "
                                      "calibrated probability) or most-permissive.")] = None,
    fmt: str | None = format_option("table", "json", "html"),
    json_output: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    html: Annotated[Path | None, Opt("--html", help="Also write the HTML trial report.")
                    ] = None,
    progress: Annotated[bool, Opt("--progress/--no-progress", help="Progress bar on stderr.")
                        ] = True,
) -> None:
    """Run a virtual trial: a HER2-positive population sampled from published prevalences,
    randomised to the arms; pCR/ORR per arm and subgroup, and PFS from clone dynamics."""
    plan = plan_output(fmt, json_output, output, ("table", "json", "html"))
    if html is not None:
        check_writable(html, "--html", (".html",))
    check_distinct(("--output", output), ("--html", html))
    from her2resist.cohort.trial import read_trial, run_trial
    from her2resist.cohort.trial_report import print_trial, trial_html

    spec = read_trial(trial_file)
    seed = resolve_seed(seed)
    with _progress(progress and plan.path is None and plan.fmt == "table",
                   "simulating") as update:
        result = run_trial(spec, patients=patients, seed=seed, scheduler=scheduler,
                           engine=engine, progress=update)
    with StagedOutputs() as staged:  # every output committed together, or none
        if html is not None:
            staged.add(html, trial_html(result))
        deliver(plan, {"json": lambda: json.dumps(result.to_dict(), indent=2) + "\n",
                       "html": lambda: trial_html(result)},
                lambda: print_trial(result, console), staged)
