"""``her2resist evolve``: simulate resistant clones of replicate tumours under a schedule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from her2resist.cli._common import console, handle_errors, print_json, write_atomic


def register(app: typer.Typer) -> None:
    """Add the ``evolve`` command to ``app``."""
    app.command("evolve")(evolve)


@handle_errors
def evolve(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file (see docs/evolution.md).")],
    tumours: Annotated[
        int, typer.Option("--tumours", "-n", min=1, help="Number of replicate tumours.")
    ] = 1000,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Random seed (same seed, same result).")
    ] = None,
    regimen: Annotated[
        list[str] | None,
        typer.Option(
            "--regimen",
            help="Take each type's response to this regimen (e.g. trastuzumab+pertuzumab) from "
            "the model. Repeat to give regimens in sequence, switching at progression.",
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Also write the JSON summary here.")
    ] = None,
    table: Annotated[
        Path | None, typer.Option("--table", help="Write one row per replicate tumour (CSV).")
    ] = None,
    figure: Annotated[
        Path | None,
        typer.Option("--figure", help="Write the summary figure (.png, .svg or .pdf)."),
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Processes to use.")] = 1,
) -> None:
    """Simulate replicate tumours of SCENARIO: eradication, progression, clone composition."""
    from her2resist.evolution import read_scenario, simulate

    parsed = read_scenario(scenario)
    if regimen:
        from her2resist.evolution.regimen import model_score_function, scenario_for_regimens

        parsed = scenario_for_regimens(parsed, regimen, model_score_function())
    result = simulate(parsed, tumours=tumours, seed=seed, workers=workers)
    summary = result.summary()
    if output is not None:
        write_atomic(output, json.dumps(summary, indent=2, default=_plain) + "\n")
    if table is not None:
        write_atomic(table, result.tumours.to_csv())
    if figure is not None:
        from her2resist.evolution.plots import figure_bytes, summary_figure

        write_atomic(
            figure, figure_bytes(summary_figure(result), figure.suffix.lstrip(".") or "png")
        )
    if json_output:
        print_json(summary)
    else:
        _print_summary(summary)


def _plain(obj: Any) -> Any:
    return obj.item() if hasattr(obj, "item") else str(obj)


def _print_summary(summary: dict[str, Any]) -> None:
    unit = summary["time_unit"]
    low, high = summary["p_eradication_95ci"]
    median = summary["median_time_to_progression"]
    console.print(
        f"[bold]{summary['scenario']}[/] ({summary['schedule']} schedule, "
        f"{summary['tumours']} tumours, seed {summary['seed']})",
        highlight=False,
    )
    console.print(
        f"P(eradication): {summary['p_eradication']:.4f} (95% CI {low:.4f}–{high:.4f})"
        f"; progressed {summary['p_progression']:.4f}; ongoing at horizon "
        f"{summary['p_ongoing']:.4f}",
        highlight=False,
    )
    console.print(
        "Median time to progression: "
        + (f"{median:g} {unit}s" if median is not None else "not reached"),
        highlight=False,
    )
    grid = Table(title="Clone composition at progression")
    for col in ("type", "alterations", "mean share of cells", "dominant in"):
        grid.add_column(col)
    for name, row in summary["composition_at_progression"].items():
        share = row["mean_fraction"]
        grid.add_row(
            name,
            row["alterations"] or "-",
            "-" if share is None else f"{share:.3f}",
            f"{row['dominant_share']:.3f}",
        )
    console.print(grid)
