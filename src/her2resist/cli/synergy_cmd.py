"""``her2resist synergy``: score drug-combination plates (Bliss, HSA, Loewe, ZIP)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from her2resist.cli._common import console, err_console, handle_errors, json_text, say, usage_error
from her2resist.cli._options import (
    JSON_OPTION,
    OUTPUT_OPTION,
    WORKERS_OPTION,
    format_option,
    list_option,
    resolve_workers,
)
from her2resist.cli._output import (
    StagedOutputs,
    check_writable,
    csv_text,
    deliver,
    plan_output,
)

#: Every method, in the order of the default table.
METHODS = ("zip", "hsa", "bliss", "loewe")
#: Block count from which a progress bar is shown.
PROGRESS_FROM = 20


def register(app: typer.Typer) -> None:
    """Add the ``synergy`` command to ``app``."""
    app.command("synergy")(synergy)


@handle_errors
def synergy(
    plate: Annotated[Path, typer.Argument(
        help="Plate CSV/TSV/.xlsx (long table, SynergyFinder table or matrix layout).")],
    method: Annotated[list[str] | None, typer.Option(
        "--method", help="Methods: bliss, hsa, loewe, zip (repeatable or "
        "comma-separated; default: all).")] = None,
    fmt: str | None = format_option("table", "json", "csv"),
    as_json: bool = JSON_OPTION,
    plots: Annotated[Path | None, typer.Option(help="Folder for figures per block.")] = None,
    response_type: Annotated[str | None, typer.Option(
        help="viability or inhibition (inferred with a warning if not given).")] = None,
    replicates: Annotated[str, typer.Option(help="mean or keep.")] = "mean",
    impute: Annotated[bool, typer.Option(
        "--impute", help="Fill wells missing from a block's dose grid with the mean of their "
        "neighbours, as SynergyFinder does (a warning counts them); default: refuse.")
    ] = False,
    single_agents: Annotated[Path | None, typer.Option(
        help="O'Neil single-agent file; PLATE is then an O'Neil combination file.")] = None,
    output: Path | None = OUTPUT_OPTION,
    workers: int | None = WORKERS_OPTION,
) -> None:
    """Score every block of PLATE and report per-block synergy."""
    plan = plan_output(fmt, as_json, output, ("table", "json", "csv"))
    methods = list_option(method, "--method") or list(METHODS)
    if plots is not None and plots.exists() and not plots.is_dir():
        raise usage_error("--plots", f"{plots} is a file; give a folder")
    if plots is not None:
        check_writable(plots / "figure.png", "--plots")
    from her2resist.synergy import read_oneil, read_plate, score_plate

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = (read_oneil(plate, single_agents) if single_agents is not None
                else read_plate(plate, response_type=response_type, impute=impute))
        result = _score(score_plate, data, methods, replicates,
                        resolve_workers(workers, len(data.block_ids), per_worker=20))
    for warning in caught:
        say(("Warning:", "yellow"), " ", str(warning.message), err=True)
    with StagedOutputs() as staged:  # the table and every figure together, or none of them
        if plots is not None:
            _stage_figures(result, plots, staged)
        deliver(plan, {"json": lambda: json_text(_payload(result)),
                       "csv": lambda: csv_text(result.blocks)},
                lambda: console.print(_rich_table(result)), staged)
    if plots is not None:
        say(f"Figures written to {plots}", err=True)


def _stage_figures(result: Any, folder: Path, staged: StagedOutputs) -> None:
    """Each block's figures, staged in ``folder`` as they are drawn (a bar from
    PROGRESS_FROM blocks)."""
    from her2resist.synergy.plots import block_figure_files

    blocks = [str(b) for b in result.blocks["block_id"].unique()]
    with Progress(console=err_console, transient=True,
                  disable=len(blocks) < PROGRESS_FROM) as bar:
        task = bar.add_task("Drawing figures", total=len(blocks))
        for block in blocks:
            for name, data in block_figure_files(result, block):
                staged.add(folder / name, data, listed=False)
            bar.advance(task)


def _payload(result: Any) -> dict[str, Any]:
    return {"methods": list(result.methods),
            "blocks": result.blocks.to_dict(orient="records"),
            "wells": result.wells.to_dict(orient="records")}


def _score(score_plate: Any, data: Any, methods: list[str], replicates: str,
           workers: int) -> Any:
    n_blocks = len(data.block_ids)
    if n_blocks < PROGRESS_FROM:
        return score_plate(data, methods=methods, replicates=replicates, workers=workers)
    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task("Scoring blocks", total=n_blocks)
        return score_plate(data, methods=methods, replicates=replicates, workers=workers,
                           progress=lambda n: bar.advance(task, n))


def _rich_table(result: Any) -> Table:
    table = Table(title="Synergy per block (mean over combination wells; >0 synergy)")
    # Block, drugs and cell line in one folded column: names stay whole at 80 columns.
    table.add_column("block: drug1 + drug2 (cell line)", overflow="fold", min_width=24)
    for m in result.methods:
        table.add_column(m, justify="right")
    table.add_column("fits")
    for _, row in result.blocks.iterrows():
        fits = "/".join(str(row[f"fit_status_{k}"]) for k in (1, 2))
        cell = f" ({row['cell_line']})" if str(row["cell_line"]) else ""
        table.add_row(Text(f"{row['block_id']}: {row['drug1']} + {row['drug2']}{cell}"),
                      *(f"{row[f'{m}_synergy']:.2f}" for m in result.methods), fits)
    return table
