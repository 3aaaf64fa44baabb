"""``her2resist cohort`` (predictions against outcomes) and ``her2resist trial`` (virtual
trials)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from her2resist.cli._common import console, err_console, handle_errors, print_json, write_atomic


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
    json_output: Annotated[bool, Opt("--json", help="Print the JSON document.")] = False,
    output: Annotated[Path | None, Opt("--output", "-o", help="Write the JSON here.")] = None,
    csv: Annotated[Path | None, Opt("--csv", help="Write per-sample predictions (CSV).")] = None,
    html: Annotated[Path | None, Opt("--html", help="Write the HTML cohort report.")] = None,
    progress: Annotated[bool, Opt("--progress/--no-progress", help="Progress bar on stderr.")
                        ] = True,
) -> None:
    """Predict each tumour's response to its regimen and test predictions and markers against
    a binary outcome (AUC, calibration, odds ratios) or survival (Kaplan-Meier, Cox)."""
    from her2resist.cohort import read_cohort, read_regimen_map, run_cohort

    profiles, columns = read_cohort(study, maf=maf, vcf=vcf, cna=cna, expression=expression,
                                    clinical=clinical or [])
    mapping = read_regimen_map(regimen_map) if regimen_map else None
    label = name or (study.name if study is not None else "cohort")
    with _progress(progress and not json_output, "predicting") as update:
        result = run_cohort(profiles, columns, regimen=regimen, regimen_column=regimen_column,
                            regimen_map=mapping, outcome=outcome, positive=positive, time=time,
                            event=event, min_patients=min_patients, name=label,
                            engine=engine, endpoint=endpoint, scheduler=scheduler,
                            progress=update)
    document = result.to_dict()
    if output is not None:
        write_atomic(output, json.dumps(document, indent=2) + "\n")
    if csv is not None:
        write_atomic(csv, result.samples.to_csv())
    if html is not None:
        from her2resist.cohort.html import cohort_html

        write_atomic(html, cohort_html(result))
    if json_output:
        print_json(document)
    else:
        _print_cohort(result)


def _grid(title: str, frame: Any, limit: int = 20) -> Table:
    grid = Table(title=title)
    for column in frame.columns:
        grid.add_column(str(column))
    for row in frame.head(limit).itertuples(index=False):
        grid.add_row(*[f"{v:.3g}" if isinstance(v, float) else str(v) for v in row])
    return grid


def _print_cohort(result: Any) -> None:
    a = result.association
    console.print(f"[bold]{result.name}[/]: {len(result.samples)} samples, "
                  f"{result.settings['distinct_predictions']} distinct predictions "
                  f"({result.settings['distinct_genotypes']} genotypes)", highlight=False)
    console.print(f"response probability: {result.probability_source}", highlight=False)
    if result.kind == "binary":
        console.print(f"{a['endpoint']} (responder label {result.settings['positive_label']}): "
                      f"n={a['n']}, AUC {a['auc']:.3f} (95% CI {a['auc_ci'][0]:.3f}-"
                      f"{a['auc_ci'][1]:.3f})", highlight=False)
        console.print(_grid("Calibration by predicted class", result.calibration))
    elif result.kind == "survival":
        console.print(f"{a['endpoint']}: n={a['n']}, Cox HR of the score "
                      f"{a['hazard_ratio']:.3g} (95% CI {a['hr_ci'][0]:.3g}-{a['hr_ci'][1]:.3g}),"
                      f" log-rank p across classes {a['logrank_p']:.3g}", highlight=False)
    if result.kind is not None:
        console.print(_grid("Markers", result.markers))
    else:
        console.print(_grid("Predictions", result.samples.reset_index()))
    for text, reg in result.regimens.items():
        if reg.notes:
            console.print(f"regimen {text!r} read as {reg.label} (defaults: "
                          f"{'; '.join(reg.notes)})", highlight=False)
    for warning in result.warnings:
        err_console.print(f"[yellow]warning:[/] {warning}", highlight=False)


@handle_errors
def trial(
    trial_file: Annotated[Path, typer.Argument(help="Trial YAML (see examples/trials/).")],
    patients: Annotated[int, Opt("--patients", "-n", min=2, help="Patients randomised.")] = 1000,
    seed: Annotated[int, Opt("--seed", help="Random seed (same seed, same result).")] = 0,
    scheduler: Annotated[str | None, Opt(
        "--scheduler", help="Dask scheduler address tcp://HOST:PORT (default: this process).")
    ] = None,
    engine: Annotated[str | None, Opt("--engine", help="Prediction engine: graded (default, "
                                      "calibrated probability) or most-permissive.")] = None,
    json_output: Annotated[bool, Opt("--json", help="Print the JSON document.")] = False,
    output: Annotated[Path | None, Opt("--output", "-o", help="Write the JSON here.")] = None,
    html: Annotated[Path | None, Opt("--html", help="Write the HTML trial report.")] = None,
    progress: Annotated[bool, Opt("--progress/--no-progress", help="Progress bar on stderr.")
                        ] = True,
) -> None:
    """Run a virtual trial: a HER2-positive population sampled from published prevalences,
    randomised to the arms; pCR/ORR per arm and subgroup, and PFS from clone dynamics."""
    from her2resist.cohort.trial import read_trial, run_trial

    spec = read_trial(trial_file)
    with _progress(progress and not json_output, "simulating") as update:
        result = run_trial(spec, patients=patients, seed=seed, scheduler=scheduler,
                           engine=engine, progress=update)
    document = result.to_dict()
    if output is not None:
        write_atomic(output, json.dumps(document, indent=2) + "\n")
    if html is not None:
        from her2resist.cohort.trial_report import trial_html

        write_atomic(html, trial_html(result))
    if json_output:
        print_json(document)
    else:
        from her2resist.cohort.trial_report import print_trial

        print_trial(result, console)
