"""``her2resist evolve``: simulate resistant clones of replicate tumours under a schedule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from her2resist.cli._common import console, handle_errors, say
from her2resist.cli._long_runs import (
    PROGRESS_OPTION,
    announce,
    check_ceiling,
    evolve_workload,
    progress_bar,
    progress_mode,
)
from her2resist.cli._options import (
    JSON_OPTION,
    SEED_OPTION,
    WORKERS_OPTION,
    format_option,
    list_option,
    resolve_seed,
    resolve_workers,
)
from her2resist.cli._output import (
    StagedOutputs,
    check_distinct,
    check_writable,
    csv_text,
    deliver,
    plan_output,
)


def register(app: typer.Typer) -> None:
    """Add the ``evolve`` command to ``app``."""
    app.command("evolve")(evolve)


#: Most replicate tumours in one run (documented in --help).
MAX_TUMOURS = 1_000_000
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


@handle_errors
def evolve(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file (see docs/evolution.md).")],
    tumours: Annotated[int, typer.Option(
        "--tumours", "-n", min=1, max=MAX_TUMOURS,
        help=f"Number of replicate tumours, 1 to {MAX_TUMOURS:,}.")] = 1000,
    seed: int | None = SEED_OPTION,
    regimen: Annotated[
        list[str] | None,
        typer.Option(
            "--regimen",
            help="Take each type's response to this regimen (e.g. trastuzumab+pertuzumab) from "
            "the model. Repeat (or separate with commas) to give regimens in sequence, "
            "switching at progression.",
        ),
    ] = None,
    fmt: str | None = format_option("table", "json", "csv"),
    json_output: bool = JSON_OPTION,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the result here: the summary (.json) or one row per "
        "tumour (.csv).")] = None,
    table: Annotated[
        Path | None, typer.Option("--table", help="Also write one row per replicate tumour (CSV).")
    ] = None,
    figure: Annotated[
        Path | None,
        typer.Option("--figure", help="Also write the summary figure (.png, .svg or .pdf)."),
    ] = None,
    workers: int | None = WORKERS_OPTION,
    progress: bool | None = PROGRESS_OPTION,
) -> None:
    """Simulate replicate tumours of SCENARIO: eradication, progression, clone composition.

    A run is at most 10^10 tumour-steps x types (--tumours x the scenario's max_time/dt x its
    cell types); an estimate is printed before a run of 10 s or more."""
    plan = plan_output(fmt, json_output, output, ("table", "json", "csv"))
    if table is not None:
        check_writable(table, "--table", (".csv",))
    if figure is not None:
        check_writable(figure, "--figure", FIGURE_SUFFIXES)
    check_distinct(("--output", output), ("--table", table), ("--figure", figure))
    regimens = list_option(regimen, "--regimen")
    from her2resist.evolution import read_scenario, simulate
    from her2resist.evolution.simulate import CHUNK

    parsed = read_scenario(scenario)
    if regimens:
        from her2resist.evolution.regimen import model_score_function, scenario_for_regimens

        parsed = scenario_for_regimens(parsed, regimens, model_score_function())
    workers = resolve_workers(workers, tumours, per_worker=2000)
    work = evolve_workload(tumours, parsed.max_time / parsed.dt, len(parsed.type_names),
                           min(workers, -(-tumours // CHUNK)))
    check_ceiling(work, "--tumours")
    seed = resolve_seed(seed)
    announce(work, progress)
    with progress_bar(progress_mode(progress, plan.fmt, plan.path is None),
                      f"Simulating {parsed.name}", unit="tumours") as update:
        result = simulate(parsed, tumours=tumours, seed=seed, workers=workers, progress=update)
    summary = result.summary()
    with StagedOutputs() as staged:  # every output committed together, or none (old ones kept)
        if table is not None:
            staged.add(table, csv_text(result.tumours, index=True))
        if figure is not None:
            from her2resist.evolution.plots import figure_bytes, summary_figure

            staged.add(figure, figure_bytes(summary_figure(result), figure.suffix.lstrip(".")))
        deliver(plan, {"json": lambda: json.dumps(summary, indent=2, default=_plain) + "\n",
                       "csv": lambda: csv_text(result.tumours, index=True)},
                lambda: _print_summary(summary), staged)


def _plain(obj: Any) -> Any:
    return obj.item() if hasattr(obj, "item") else str(obj)


def _print_summary(summary: dict[str, Any]) -> None:
    unit = summary["time_unit"]
    low, high = summary["p_eradication_95ci"]
    median = summary["median_time_to_progression"]
    say((str(summary["scenario"]), "bold"),
        f" ({summary['schedule']} schedule, {summary['tumours']} tumours, seed {summary['seed']})")
    say(
        f"P(eradication): {summary['p_eradication']:.4f} (95% CI {low:.4f}–{high:.4f})"
        f"; progressed {summary['p_progression']:.4f}; ongoing at horizon "
        f"{summary['p_ongoing']:.4f}")
    say("Median time to progression: "
        + (f"{median:g} {unit}s" if median is not None else "not reached"))
    grid = Table(title="Clone composition at progression")
    for col in ("type", "alterations", "mean share of cells", "dominant in"):
        grid.add_column(col)
    for name, row in summary["composition_at_progression"].items():
        share = row["mean_fraction"]
        grid.add_row(
            Text(str(name)),
            Text(str(row["alterations"] or "-")),
            "-" if share is None else f"{share:.3f}",
            f"{row['dominant_share']:.3f}",
        )
    console.print(grid)
