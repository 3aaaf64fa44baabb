"""``her2resist model``: show, list, check, export and document the model.

Examples
--------
::

    her2resist model nodes --kind drug
    her2resist model show AKT
    her2resist model check my_model.bnet
    her2resist model export --format sbml -o her2.sbml
    her2resist model export --format maboss -o her2        # her2.bnd and her2.cfg
    her2resist model docs -o docs/model.md
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from her2resist.cli._common import console, handle_errors, json_text, write_atomic
from her2resist.cli._options import (
    IMPLICIT_INPUTS_HELP,
    JSON_OPTION,
    OUTPUT_OPTION,
    SET_OPTION,
    format_option,
    node_settings,
)
from her2resist.cli._output import deliver, plan_output, rows_csv
from her2resist.exceptions import ModelError, ParameterError, UnknownNameError
from her2resist.model import load_model
from her2resist.model.network import NODE_KINDS, Network

model_app = typer.Typer(
    help="Show, list, check, export and document the model.", no_args_is_help=True
)

ModelPath = Annotated[
    Path | None,
    typer.Option("--model", "-m", help="Model file (YAML, bnet, SBML-qual); default: the "
                 "package's."),
]
OutputPath = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="File to write; default: standard output (maboss: "
                 "OUT.bnd and OUT.cfg, required)."),
]
ImplicitInputs = Annotated[bool, typer.Option("--implicit-inputs", help=IMPLICIT_INPUTS_HELP)]
_MODEL_SUFFIXES = (".yaml", ".yml", ".bnet", ".sbml", ".xml")


class ExportFormat(str, Enum):
    """Formats ``model export`` writes."""

    bnet = "bnet"
    sbml = "sbml"
    maboss = "maboss"
    sif = "sif"
    graphml = "graphml"


def _say(text: str) -> None:
    """One line of plain text on standard output, unwrapped (paths stay whole)."""
    console.print(text, highlight=False, markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add the ``model`` command group to the application."""
    app.add_typer(model_app, name="model")


def _parse_fixed(values: list[str] | None, network: Network) -> dict[str, int]:
    fixed = node_settings(values)
    network.check_nodes(fixed, "node")
    return fixed


@model_app.command("export")
@handle_errors
def export_cmd(
    fmt: Annotated[ExportFormat, typer.Option(
        "--format", "-f", help="bnet, sbml, maboss, or the graph for Cytoscape: sif, graphml.")],
    output: OutputPath = None,
    model: ModelPath = None,
    set_: list[str] | None = SET_OPTION,
    implicit_inputs: ImplicitInputs = False,
) -> None:
    """Export the model as bnet (inputs stay free unless fixed with --set), SBML-qual or MaBoSS
    files, or its regulatory graph as SIF or GraphML (Cytoscape)."""
    from her2resist.model import graph
    from her2resist.model.formats import write_bnet, write_maboss

    network = load_model(model, implicit_inputs=implicit_inputs)
    fixed = _parse_fixed(set_, network)
    if fmt is ExportFormat.maboss:
        if output is None:
            raise ParameterError("--output", "model export --format maboss",
                                 "a path: MaBoSS needs two files, OUT.bnd and OUT.cfg", None)
        bnd, cfg = write_maboss(network, fixed)
        stem = output.with_suffix("") if output.suffix in (".bnd", ".cfg") else output
        from her2resist.common.outputs import write_all

        write_all([(stem.with_name(stem.name + suffix), text)  # both files, or neither
                   for suffix, text in ((".bnd", bnd), (".cfg", cfg))])
        _say(f"Wrote {stem}.bnd and {stem}.cfg ({len(network)} nodes)")
        return
    if fmt is ExportFormat.sbml:
        from her2resist.model.sbml import write_sbml

        text = write_sbml(network, fixed)
    elif fmt in (ExportFormat.sif, ExportFormat.graphml):
        if fixed:
            raise ParameterError("--set", f"model export --format {fmt.value}",
                                 "not given: a graph has no node values", set_)
        text = graph.write_sif(network) if fmt is ExportFormat.sif else graph.write_graphml(network)
    else:
        text = write_bnet(network, fixed)
    if output is None:
        sys.stdout.write(text)
        return
    write_atomic(output, text)
    _say(f"Wrote {output} ({len(network)} nodes)")


@model_app.command("show")
@handle_errors
def show_cmd(
    node: Annotated[str, typer.Argument(help="Node id, e.g. AKT.")],
    model: ModelPath = None,
    implicit_inputs: ImplicitInputs = False,
) -> None:
    """Show one node: kind, genes, rule, regulators with their references, and targets."""
    network = load_model(model, implicit_inputs=implicit_inputs)
    if node not in network:
        raise UnknownNameError("node", node, network.nodes)
    item = network.nodes[node]
    targets = [n for n, other in network.nodes.items() if node in other.regulators]
    _say(f"{item.id} ({item.kind})")
    if item.genes:
        _say(f"genes: {', '.join(item.genes)}")
    if item.description:
        _say(item.description)
    if item.is_input:
        _say(f"input, default {item.default}")
        _say(f"references: {', '.join(item.refs.get('', ())) or 'none'}")
    else:
        _say(f"rule: {item.rule}")
        _say("regulators:")
        for regulator in item.regulators:
            _say(f"  {regulator}: {', '.join(item.refs.get(regulator, ())) or 'no reference'}")
    if item.notes:
        _say(f"notes: {item.notes}")
    _say(f"targets: {', '.join(targets) or 'none'}")


@model_app.command("check")
@handle_errors
def check_cmd(
    file: Annotated[Path, typer.Argument(help="Model file: .yaml, .yml, .bnet, .sbml or .xml.")],
    implicit_inputs: ImplicitInputs = False,
) -> None:
    """Validate a model file; print a one-line summary, or the error with file and line."""
    if file.suffix.lower() not in _MODEL_SUFFIXES:
        raise ModelError(file, f"unknown model format {file.suffix or '(no suffix)'!r}; "
                         f"accepted: {', '.join(_MODEL_SUFFIXES)}")
    network = load_model(file, implicit_inputs=implicit_inputs)
    inputs = len(network.inputs)
    regulations = sum(len(node.regulators) for node in network.nodes.values())
    _say(f"{file}: OK, model {network.name!r}: {len(network)} nodes ({inputs} inputs, "
         f"{len(network) - inputs} regulated), {regulations} regulations")


@model_app.command("nodes")
@handle_errors
def nodes_cmd(
    kind: Annotated[str | None, typer.Option("--kind", "-k", help="Only this kind.")] = None,
    fmt: str | None = format_option("table", "json", "csv"),
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    model: ModelPath = None,
    implicit_inputs: ImplicitInputs = False,
) -> None:
    """List the nodes, optionally of one kind."""
    plan = plan_output(fmt, as_json, output, ("table", "json", "csv"))
    network = load_model(model, implicit_inputs=implicit_inputs)
    if kind is not None and kind not in NODE_KINDS:
        raise ParameterError("--kind", "model nodes", f"one of {sorted(NODE_KINDS)}", kind)
    ids = network.ids(kind) if kind else network.ids()
    rows: list[dict[str, Any]] = [
            {"id": n, "kind": network.nodes[n].kind, "genes": list(network.nodes[n].genes),
             "rule": network.nodes[n].rule,
             "default": network.nodes[n].default if network.nodes[n].is_input else None,
             "description": network.nodes[n].description} for n in ids]
    header = ("id", "kind", "genes", "rule", "default", "description")
    deliver(plan, {"json": lambda: json_text(rows),
                   "csv": lambda: rows_csv(header, [[r["id"], r["kind"], " ".join(r["genes"]),
                                                    r["rule"], r["default"], r["description"]]
                                                   for r in rows])},
            lambda: _print_nodes(network, list(ids)))


def _print_nodes(network: Network, ids: list[str]) -> None:
    table = Table("node", "kind", "genes", "rule or default", title=f"{len(ids)} nodes")
    for n in ids:
        item = network.nodes[n]
        logic = item.rule if item.rule is not None else f"input = {item.default}"
        table.add_row(n, item.kind, ", ".join(item.genes), logic)
    console.print(table)


@model_app.command("docs")
@handle_errors
def docs_cmd(
    output: OutputPath = None,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if OUTPUT is out of date.")
    ] = False,
    model: ModelPath = None,
    implicit_inputs: ImplicitInputs = False,
) -> None:
    """Render the model's documentation (docs/model.md) from the model file."""
    from her2resist.model.docs import render_model_markdown

    text = render_model_markdown(load_model(model, implicit_inputs=implicit_inputs))
    if check:
        if output is None:
            raise ParameterError("--output", "model docs --check", "the file to compare", None)
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            _say(f"{output} is out of date: run `her2resist model docs -o {output}`")
            raise typer.Exit(1)
        _say(f"{output} is up to date")
        return
    if output is None:
        sys.stdout.write(text)
        return
    write_atomic(output, text)
    _say(f"Wrote {output}")
