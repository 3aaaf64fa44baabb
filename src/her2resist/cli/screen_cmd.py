"""``her2resist screen`` (combinations) and ``her2resist targets`` (nodal targets)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from her2resist.cli._common import console, err_console, handle_errors, print_json, write_atomic

_ALTERATION = typer.Option(None, "--alteration", "-a", help="An alteration of the tumour, e.g. "
                           "'PTEN loss' (repeatable); default: one genotype per KB mechanism.")
_MODEL = typer.Option(None, "--model", help="Another model: bnet, SBML-qual or YAML file.")
_FIX = typer.Option(None, "--fix", help="Fix a node for every run, NODE=0|1 (repeatable).")
_READOUT = typer.Option(None, "--readout", help="Readout NODE=0|1 that every reached attractor "
                        "must meet (repeatable).")
_MAX = typer.Option(None, "--max-size", min=1, max=6, help="Largest set size.")
_WORKERS = typer.Option(None, "--workers", min=1, help="Local processes (default: every CPU).")
_SCHEDULER = typer.Option(None, "--scheduler", help="Run on this Dask scheduler (ADDRESS).")
_JSON = typer.Option(False, "--json", help="Print JSON.")
_OUTPUT = typer.Option(None, "--output", "-o", help="Write the table as CSV (or JSON for .json).")
_FIGURE = typer.Option(None, "--figure", help="Write a heatmap: .png or .html.")
_PROGRESS = typer.Option(True, "--progress/--no-progress", help="Show a progress bar.")


def register(app: typer.Typer) -> None:
    """Add the ``screen`` and ``targets`` commands to ``app``."""
    app.command("screen")(screen)
    app.command("targets")(targets)


@contextmanager
def _progress_bar(show: bool, what: str) -> Iterator[Callable[[int, int], None] | None]:
    if not show or not err_console.is_terminal:
        yield None
        return
    columns = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(what, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _write_outputs(data: dict[str, Any], table: Any, matrix: Any, output: Path | None,
                   figure: Path | None, title: str, label: str) -> None:
    from her2resist.screen.plots import figure_bytes

    if output is not None:
        text = (json.dumps(data, indent=2, default=str) + "\n" if output.suffix == ".json"
                else table.to_csv(index=False))
        write_atomic(output, text)
    if figure is not None:
        write_atomic(figure, figure_bytes(matrix, figure.suffix, title=title, label=label))


@handle_errors
def screen(
    alteration: list[str] = _ALTERATION,
    agents: str | None = typer.Option(None, "--agents", help="Comma-separated drugs, classes or "
                                      "NODE=0|1 (default: the KB's panel)."),
    max_size: int | None = _MAX,
    model: Path | None = _MODEL,
    fix: list[str] = _FIX,
    readout: list[str] = _READOUT,
    top: int = typer.Option(3, "--top", min=1, help="Best combinations shown per genotype."),
    workers: int | None = _WORKERS,
    scheduler: str | None = _SCHEDULER,
    as_json: bool = _JSON,
    output: Path | None = _OUTPUT,
    figure: Path | None = _FIGURE,
    progress: bool = _PROGRESS,
) -> None:
    """Screen single agents and pairs (triples with --max-size 3) on resistant genotypes."""
    from her2resist.screen import screen_combinations

    panel = [a.strip() for a in agents.split(",") if a.strip()] if agents else None
    with _progress_bar(progress, "genotypes") as update:
        res = screen_combinations(alteration or None, agents=panel, max_size=max_size or 2,
                                  readout=readout or None, model=model, fix=fix or None,
                                  top=top, workers=workers, scheduler=scheduler,
                                  progress=update)
    data = res.to_dict(rows=top)
    _write_outputs(res.to_dict(), res.table, res.scores(), output, figure,
                   "Combination screen", "response score")
    if as_json:
        print_json(data)
        return
    grid = Table(title=f"Best combinations ({len(res.genotypes)} genotypes, "
                 f"{len(res.agents)} agents, {res.seconds:.1f} s)")
    for col in ("genotype", "rank", "combination", "score", "Bliss excess", "KB strategy"):
        grid.add_column(col)
    for row in res.table[res.table["rank"] <= top].itertuples(index=False):
        grid.add_row(str(row.genotype), str(row.rank), str(row.combination), f"{row.score:.2f}",
                     f"{row.bliss_excess:+.2f}", str(row.kb_strategy) or "-")
    console.print(grid)
    agreement = res.agreement()
    if not agreement.empty:
        console.print(f"Top combination recorded by the KB: {int(agreement['top_is_kb'].sum())}"
                      f"/{len(agreement)} genotypes; a KB combination shares the top score: "
                      f"{int(agreement['kb_in_top_tier'].sum())}/{len(agreement)}.",
                      highlight=False)


@handle_errors
def targets(
    alteration: list[str] = _ALTERATION,
    background: str | None = typer.Option(None, "--background", help="Regimen kept on (default: "
                                          "the one the KB says the genotype resists)."),
    candidates: str | None = typer.Option(None, "--candidates", help="Comma-separated nodes "
                                          "(default: every node the readout depends on)."),
    max_size: int | None = _MAX,
    activations: bool = typer.Option(False, "--activations", help="Also try activations."),
    apoptotic: bool = typer.Option(False, "--apoptotic", help="Readout Apoptosis=1."),
    model: Path | None = _MODEL,
    fix: list[str] = _FIX,
    readout: list[str] = _READOUT,
    all_genotypes: bool = typer.Option(False, "--all-genotypes", help="Search every KB "
                                       "mechanism's genotype and summarise across them."),
    workers: int | None = _WORKERS,
    scheduler: str | None = _SCHEDULER,
    as_json: bool = _JSON,
    output: Path | None = _OUTPUT,
    figure: Path | None = _FIGURE,
    progress: bool = _PROGRESS,
) -> None:
    """Find every minimal set of node inhibitions that stops proliferation in every attractor."""
    from her2resist.screen import find_nodal_targets, summarise_nodal_targets

    options: dict[str, Any] = dict(
        background=background, candidates=candidates, max_size=max_size or 3,
        activations=activations, apoptotic=apoptotic, readout=readout or None, model=model,
        fix=fix or None, workers=workers, scheduler=scheduler)
    with _progress_bar(progress, "target search") as update:
        if all_genotypes:
            summary = summarise_nodal_targets(alteration or None, progress=update, **options)
        else:
            found = find_nodal_targets(alteration or None, progress=update, **options)
    if all_genotypes:
        _summary_out(summary, as_json, output, figure)
    else:
        _targets_out(found, as_json, output, figure)


def _targets_out(found: Any, as_json: bool, output: Path | None, figure: Path | None) -> None:
    files = (output, figure, "Nodal targets", "1 alone, 0.5 with others")
    if _emit(found.to_dict(), found.table, _literal_matrix([found]), files, as_json):
        return
    grid = Table(title=f"Minimal targets: {found.genotype} under {found.background} "
                 f"({found.checked} sets checked, {found.pruned} pruned, {found.seconds:.2f} s)")
    for col in ("size", "nodes", "values", "drugs"):
        grid.add_column(col)
    for row in found.table.itertuples(index=False):
        grid.add_row(str(row.size), row.nodes or "(none needed)", row.values, row.drugs or "-")
    console.print(grid)


def _literal_matrix(results: list[Any]) -> Any:
    import pandas as pd

    rows = {}
    for res in results:
        counts: dict[str, float] = {}
        for target in res.targets:
            for node, value in target.values.items():
                key = f"{node}={value}"
                counts[key] = max(counts.get(key, 0.0), 1.0 if len(target.nodes) == 1 else 0.5)
        rows[res.genotype] = counts
    return pd.DataFrame.from_dict(rows, orient="index").fillna(0.0)


def _emit(data: dict[str, Any], table: Any, matrix: Any,
          files: tuple[Path | None, Path | None, str, str], as_json: bool) -> bool:
    """Write the requested files; print JSON if asked (then True: nothing else to print)."""
    output, figure, title, label = files
    _write_outputs(data, table, matrix, output, figure, title, label)
    if as_json:
        print_json(data)
    return as_json


def _summary_out(summary: Any, as_json: bool, output: Path | None, figure: Path | None) -> None:
    files = (output, figure, "Nodal targets across genotypes", "1 alone, 0.5 with others")
    if _emit(summary.to_dict(), summary.nodes, _literal_matrix(list(summary.results)), files,
             as_json):
        return
    grid = Table(title=f"Nodes that restore control ({len(summary.results)} genotypes, "
                 f"{summary.seconds:.1f} s)")
    for col in ("node", "alone", "in any target", "drugs"):
        grid.add_column(col)
    for row in summary.nodes.head(20).itertuples(index=False):
        grid.add_row(f"{row.node}={row.value}", str(row.alone), str(row.in_any),
                     (row.drugs[:70] + "...") if len(row.drugs) > 70 else (row.drugs or "-"))
    console.print(grid)
