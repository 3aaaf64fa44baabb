"""``her2resist screen`` (combinations) and ``her2resist targets`` (nodal targets)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from her2resist.cli._common import console, handle_errors, json_text, say
from her2resist.cli._long_runs import (
    PROGRESS_OPTION,
    announce,
    check_ceiling,
    progress_bar,
    progress_mode,
    screen_workload,
    targets_workload,
)
from her2resist.cli._options import (
    IMPLICIT_INPUTS_OPTION,
    JSON_OPTION,
    OUTPUT_OPTION,
    SET_OPTION,
    WORKERS_OPTION,
    check_engine,
    format_option,
    list_option,
    node_settings,
    resolve_workers,
)
from her2resist.cli._output import (
    OutputPlan,
    StagedOutputs,
    check_distinct,
    check_writable,
    csv_text,
    deliver,
    plan_output,
)

_ALTERATION = typer.Option(None, "--alteration", "-a", help="An alteration of the tumour, e.g. "
                           "'PTEN loss' (repeatable or comma-separated); default: one genotype "
                           "per KB mechanism.")
_MODEL = typer.Option(None, "--model", "-m", help="Another model: bnet, SBML-qual or YAML file.")
_READOUT = typer.Option(None, "--readout", help="Readout NODE=0|1 that every reached attractor "
                        "must meet (repeatable or comma-separated).")
_SCHEDULER = typer.Option(None, "--scheduler", help="Run on this Dask scheduler (ADDRESS).")
_FIGURE = typer.Option(None, "--figure", help="Also write a heatmap: .png or .html.")
FORMATS = ("table", "json", "csv", "html", "png")
FIGURE_SUFFIXES = (".png", ".html", ".htm")


def register(app: typer.Typer) -> None:
    """Add the ``screen`` and ``targets`` commands to ``app``."""
    app.command("screen")(screen)
    app.command("targets")(targets)


def _plan(fmt: str | None, as_json: bool, output: Path | None, figure: Path | None) -> OutputPlan:
    plan = plan_output(fmt, as_json, output, FORMATS)
    if figure is not None:
        check_writable(figure, "--figure", FIGURE_SUFFIXES)
    check_distinct(("--output", output), ("--figure", figure))
    return plan


def _write_outputs(data: dict[str, Any], table: Any, matrix: Any, plan: OutputPlan,
                   figure: Path | None, title: str, label: str, printer: Callable[[], None]
                   ) -> None:
    """Stage every output, then commit them together: nothing is written if one fails."""
    from her2resist.screen.plots import figure_bytes

    def heatmap(suffix: str) -> Callable[[], str | bytes]:
        return lambda: figure_bytes(matrix, suffix, title=title, label=label)

    with StagedOutputs() as staged:
        if figure is not None:
            staged.add(figure, heatmap(figure.suffix.lower())())
        deliver(plan, {"json": lambda: json_text(data), "csv": lambda: csv_text(table),
                       "html": heatmap(".html"), "png": heatmap(".png")}, printer, staged)


@handle_errors
def screen(
    alteration: list[str] = _ALTERATION,
    agents: list[str] | None = typer.Option(
        None, "--agents", help="Drugs, classes or NODE=0|1 (repeatable or comma-separated; "
        "default: the KB's panel)."),
    max_size: int = typer.Option(2, "--max-size", min=1, max=3,
                                 help="Largest combination: 1, 2 (pairs) or 3 (triples)."),
    model: Path | None = _MODEL,
    implicit_inputs: bool = IMPLICIT_INPUTS_OPTION,
    fix: list[str] = SET_OPTION,
    readout: list[str] = _READOUT,
    top: int = typer.Option(3, "--top", min=1, max=1000,
                            help="Best combinations shown per genotype."),
    workers: int | None = WORKERS_OPTION,
    scheduler: str | None = _SCHEDULER,
    fmt: str | None = format_option(*FORMATS),
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    figure: Path | None = _FIGURE,
    progress: bool | None = PROGRESS_OPTION,
    engine: str = typer.Option(
        "graded", "--engine", callback=check_engine,
        help="graded (default: a graded score per combination, in --context, beside its "
        "Boolean-limit score; the project's model with drug and class agents) or "
        "most-permissive (the Boolean screen alone)."),
    context: str = typer.Option(
        "patient", "--context", help="Graded engine: patient (ligands, immune effectors at "
        "documented levels) or culture (the model's defaults)."),
) -> None:
    """Screen single agents and pairs (triples with --max-size 3) on resistant genotypes."""
    plan = _plan(fmt, as_json, output, figure)
    panel = list_option(agents, "--agents") or None
    alterations = list_option(alteration, "--alteration") or None
    fixed = node_settings(fix)
    wanted = node_settings(readout, "--readout")
    from her2resist.screen import screen_combinations

    work = _screen_work(alterations, panel, max_size, model, resolve_workers(workers))
    check_ceiling(work, "--max-size")
    announce(work, progress)
    with progress_bar(progress_mode(progress, plan.fmt, plan.path is None),
                      "Screening genotypes") as update:
        res = screen_combinations(alterations, agents=panel, max_size=max_size,
                                  readout=wanted or None,
                                  model=_model_arg(model, implicit_inputs), fix=fixed or None,
                                  top=top, workers=resolve_workers(workers),
                                  scheduler=scheduler, progress=update, engine=engine,
                                  context=context)
    _write_outputs(res.to_dict(rows=top) if plan.path is None else res.to_dict(), res.table,
                   res.scores(), plan, figure, "Combination screen", "response score",
                   lambda: _print_screen(res, top))


def _model_arg(model: Path | None, implicit_inputs: bool) -> Any:
    """``--model`` as the screen takes it: the path, or the network read with
    ``--implicit-inputs`` (which then travels to workers as its rules)."""
    if not implicit_inputs:
        return model
    from her2resist.model import load_model

    return load_model(model, implicit_inputs=True)


def _screen_work(alterations: list[str] | None, panel: list[str] | None, max_size: int,
                 model: Path | None, workers: int) -> Any:
    """The screen's work: genotypes x combinations of the panel (an upper bound: combinations
    of two drugs of one class are skipped)."""
    from her2resist.screen.genotypes import default_panel, mechanism_genotypes

    genotypes = 1 if alterations or model is not None else len(mechanism_genotypes())
    agents = len(panel) if panel else len(default_panel())
    return screen_workload(genotypes, agents, max_size, workers)


def _print_screen(res: Any, top: int) -> None:
    grid = Table(title=f"Best combinations ({len(res.genotypes)} genotypes, "
                 f"{len(res.agents)} agents, {res.engine} engine, {res.seconds:.1f} s)")
    # Each agent's score alone beside the combination: a pair is judged against its parts.
    singles = {(g, c): v for g, c, n, v in res.table[["genotype", "combination", "size",
                                                      "score"]].itertuples(index=False) if n == 1}
    grid.add_column("genotype", overflow="fold", max_width=13)
    grid.add_column("#", justify="right")
    grid.add_column("combination (each alone)", overflow="fold", min_width=26)
    for col in ("score", "Bliss"):
        grid.add_column(col, justify="right")
    grid.add_column("KB strategy", overflow="fold", max_width=10)
    for row in res.table[res.table["rank"] <= top].itertuples(index=False):
        parts = str(row.combination).split(" + ")
        shown = parts[0] if len(parts) == 1 else "\n+ ".join(
            f"{p} ({singles[(row.genotype, p)]:.2f})" if (row.genotype, p) in singles else p
            for p in parts)
        grid.add_row(str(row.genotype), str(row.rank), shown, f"{row.score:.2f}",
                     f"{row.bliss_excess:+.2f}", str(row.kb_strategy) or "-")
    console.print(grid)
    agreement = res.agreement()
    if not agreement.empty:
        say(f"Top combination recorded by the KB: {int(agreement['top_is_kb'].sum())}"
            f"/{len(agreement)} genotypes; a KB combination shares the top score: "
            f"{int(agreement['kb_in_top_tier'].sum())}/{len(agreement)}.")


@handle_errors
def targets(
    alteration: list[str] = _ALTERATION,
    background: str | None = typer.Option(None, "--background", help="Regimen kept on (default: "
                                          "the one the KB says the genotype resists)."),
    candidates: list[str] | None = typer.Option(
        None, "--candidates", help="Nodes to try (repeatable or comma-separated; default: "
        "every node the readout depends on)."),
    max_size: int = typer.Option(3, "--max-size", min=1, max=6, help="Largest set size, 1 to 6 "
                                 "(from 4 the search can take minutes; an estimate is shown)."),
    activations: bool = typer.Option(False, "--activations", help="Also try activations."),
    apoptotic: bool = typer.Option(False, "--apoptotic", help="Readout Apoptosis=1."),
    model: Path | None = _MODEL,
    implicit_inputs: bool = IMPLICIT_INPUTS_OPTION,
    fix: list[str] = SET_OPTION,
    readout: list[str] = _READOUT,
    all_genotypes: bool = typer.Option(False, "--all-genotypes", help="Search every KB "
                                       "mechanism's genotype and summarise across them."),
    workers: int | None = WORKERS_OPTION,
    scheduler: str | None = _SCHEDULER,
    fmt: str | None = format_option(*FORMATS),
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    figure: Path | None = _FIGURE,
    progress: bool | None = PROGRESS_OPTION,
) -> None:
    """Find every minimal set of node inhibitions that stops proliferation in every attractor."""
    plan = _plan(fmt, as_json, output, figure)
    options: dict[str, Any] = dict(
        background=background, candidates=list_option(candidates, "--candidates") or None,
        max_size=max_size, activations=activations, apoptotic=apoptotic,
        readout=node_settings(readout, "--readout") or None,
        model=_model_arg(model, implicit_inputs),
        fix=node_settings(fix) or None, workers=resolve_workers(workers), scheduler=scheduler)
    alterations = list_option(alteration, "--alteration") or None
    from her2resist.screen import find_nodal_targets, summarise_nodal_targets

    work = _targets_work(options, alterations, all_genotypes)
    check_ceiling(work, "--max-size")
    announce(work, progress)
    with progress_bar(progress_mode(progress, plan.fmt, plan.path is None),
                      "Searching targets", unit="sets") as update:
        if all_genotypes:
            summary = summarise_nodal_targets(alterations, progress=update, **options)
        else:
            found = find_nodal_targets(alterations, progress=update, **options)
    if all_genotypes:
        _summary_out(summary, plan, figure)
    else:
        _targets_out(found, plan, figure)


def _targets_work(options: dict[str, Any], alterations: list[str] | None,
                  all_genotypes: bool) -> Any:
    """The search's work: genotypes x sets of up to --max-size candidate perturbations."""
    from her2resist.screen.genotypes import mechanism_genotypes
    from her2resist.screen.setup import resolve_model, resolve_readout
    from her2resist.screen.targets import resolve_candidates

    setup = resolve_model(options["model"], options["fix"], "targets")
    wanted = resolve_readout(setup, options["readout"], apoptotic=options["apoptotic"],
                             function="targets")
    nodes = resolve_candidates(setup, options["candidates"], wanted)
    genotypes = len(mechanism_genotypes()) if all_genotypes and not alterations \
        and setup.project else 1
    literals = len(nodes) * (2 if options["activations"] else 1)
    return targets_workload(genotypes, literals, options["max_size"], options["workers"])


def _targets_out(found: Any, plan: OutputPlan, figure: Path | None) -> None:
    _write_outputs(found.to_dict(), found.table, _literal_matrix([found]), plan, figure,
                   "Nodal targets", "1 alone, 0.5 with others", lambda: _print_targets(found))


def _print_targets(found: Any) -> None:
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


def _summary_out(summary: Any, plan: OutputPlan, figure: Path | None) -> None:
    _write_outputs(summary.to_dict(), summary.nodes, _literal_matrix(list(summary.results)),
                   plan, figure, "Nodal targets across genotypes", "1 alone, 0.5 with others",
                   lambda: _print_summary(summary))


def _print_summary(summary: Any) -> None:
    grid = Table(title=f"Nodes that restore control ({len(summary.results)} genotypes, "
                 f"{summary.seconds:.1f} s)")
    for col in ("node", "alone", "in any target", "drugs"):
        grid.add_column(col)
    for row in summary.nodes.head(20).itertuples(index=False):
        grid.add_row(f"{row.node}={row.value}", str(row.alone), str(row.in_any),
                     (row.drugs[:70] + "...") if len(row.drugs) > 70 else (row.drugs or "-"))
    console.print(grid)
