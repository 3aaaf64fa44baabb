"""``her2resist synergy``: score drug-combination plates (Bliss, HSA, Loewe, ZIP)."""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress
from rich.table import Table

from her2resist.cli._common import console, err_console, handle_errors, print_json, write_atomic
from her2resist.exceptions import ParameterError

FORMATS = ("text", "json", "csv")
#: Block count from which a progress bar is shown.
PROGRESS_FROM = 20


def register(app: typer.Typer) -> None:
    """Add the ``synergy`` command to ``app``."""
    app.command("synergy")(synergy)


@handle_errors
def synergy(
    plate: Annotated[Path, typer.Argument(help="Plate CSV (long table or SynergyFinder input).")],
    method: Annotated[str, typer.Option(
        "--method", "-m", help="Comma-separated methods: bliss, hsa, loewe, zip.")
    ] = "zip,hsa,bliss,loewe",
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or csv.")] = "text",
    plots: Annotated[Path | None, typer.Option(help="Folder for figures per block.")] = None,
    response_type: Annotated[str | None, typer.Option(
        help="viability or inhibition (inferred with a warning if not given).")] = None,
    replicates: Annotated[str, typer.Option(help="mean or keep.")] = "mean",
    single_agents: Annotated[Path | None, typer.Option(
        help="O'Neil single-agent file; PLATE is then an O'Neil combination file.")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write here instead of standard output.")] = None,
    workers: Annotated[int, typer.Option(help="Processes to score blocks with.")] = 1,
) -> None:
    """Score every block of PLATE and report per-block synergy."""
    from her2resist.synergy import read_oneil, read_plate, score_plate

    if fmt not in FORMATS:
        raise ParameterError("--format", "her2resist synergy", f"one of {set(FORMATS)}", fmt)
    methods = [m for m in method.split(",") if m.strip()]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = (read_oneil(plate, single_agents) if single_agents is not None
                else read_plate(plate, response_type=response_type))
        result = _score(score_plate, data, methods, replicates, workers)
    for warning in caught:
        err_console.print(f"[yellow]Warning:[/] {warning.message}", highlight=False)
    _emit(result, fmt, output)
    if plots is not None:
        from her2resist.synergy.plots import write_block_figures

        for block in result.blocks["block_id"].unique():
            write_block_figures(result, str(block), plots)
        err_console.print(f"Figures written to {plots}", highlight=False)


def _score(score_plate: Any, data: Any, methods: list[str], replicates: str,
           workers: int) -> Any:
    n_blocks = len(data.block_ids)
    if n_blocks < PROGRESS_FROM:
        return score_plate(data, methods=methods, replicates=replicates, workers=workers)
    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task("Scoring blocks", total=n_blocks)
        return score_plate(data, methods=methods, replicates=replicates, workers=workers,
                           progress=lambda n: bar.advance(task, n))


def _emit(result: Any, fmt: str, output: Path | None) -> None:
    table = result.blocks
    if fmt == "csv":
        buffer = io.StringIO()
        table.to_csv(buffer, index=False)
        text = buffer.getvalue()
    elif fmt == "json":
        payload = {"methods": list(result.methods),
                   "blocks": table.to_dict(orient="records"),
                   "wells": result.wells.to_dict(orient="records")}
        if output is None:
            print_json(payload)
            return
        import json

        text = json.dumps(payload, indent=2, default=float) + "\n"
    else:
        if output is None:
            console.print(_rich_table(result))
            return
        text = result.summary().to_string(index=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_atomic(output, text)


def _rich_table(result: Any) -> Table:
    table = Table(title="Synergy per block (mean over combination wells; >0 synergy)")
    for name in ("block", "drug1", "drug2", "cell line"):
        table.add_column(name)
    for m in result.methods:
        table.add_column(m, justify="right")
    table.add_column("fits")
    for _, row in result.blocks.iterrows():
        fits = "/".join(str(row[f"fit_status_{k}"]) for k in (1, 2))
        table.add_row(str(row["block_id"]), str(row["drug1"]), str(row["drug2"]),
                      str(row["cell_line"]), *(f"{row[f'{m}_synergy']:.2f}"
                                               for m in result.methods), fits)
    return table
