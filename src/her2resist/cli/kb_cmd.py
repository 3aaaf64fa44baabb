"""``her2resist kb``: query the knowledge base of drugs, mechanisms and evidence.

Examples
--------
::

    her2resist kb drugs
    her2resist kb mechanisms --drug trastuzumab --json
    her2resist kb evidence --gene PTEN
    her2resist kb show PTEN_loss
    her2resist kb stats --json
    her2resist kb docs -o docs/mechanisms.md
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table
from rich.text import Text

from her2resist.cli._common import console, handle_errors, json_text, usage_error, write_atomic
from her2resist.cli._options import JSON_OPTION, OUTPUT_OPTION, format_option
from her2resist.cli._output import deliver, plan_output
from her2resist.knowledge.schema import record_dict

if TYPE_CHECKING:
    from her2resist.knowledge.kb import KnowledgeBase


# The knowledge base (pydantic, YAML) is imported when a kb command runs, not when the CLI
# starts: every other command would pay for it.
def load_knowledge_base() -> KnowledgeBase:
    from her2resist.knowledge.kb import load_knowledge_base as load

    return load()


def evidence_to_dict(*args: Any, **kwargs: Any) -> Any:
    from her2resist.knowledge.docs import evidence_to_dict as convert

    return convert(*args, **kwargs)


def mechanism_to_dict(*args: Any, **kwargs: Any) -> Any:
    from her2resist.knowledge.docs import mechanism_to_dict as convert

    return convert(*args, **kwargs)


def render_mechanisms_markdown(*args: Any, **kwargs: Any) -> str:
    from her2resist.knowledge.docs import render_mechanisms_markdown as render

    return render(*args, **kwargs)

kb_app = typer.Typer(help="Query the knowledge base: drugs, mechanisms, evidence.",
                     no_args_is_help=True)

_DRUG = typer.Option(None, "--drug", "-d", help="Drug or class name (brand names accepted).")
_GENE = typer.Option(None, "--gene", "-g", help="Gene symbol (HGNC).")
_JSON = JSON_OPTION
_FORMAT = format_option("table", "json")
_ID = typer.Argument(..., metavar="ID", help="Mechanism, evidence, drug or alteration id.")
_OUTPUT = typer.Option(None, "--output", "-o", help="File to write; default: stdout.")


def _filters(drug: str | None, gene: str | None) -> None:
    """An empty ``--drug ""`` or ``--gene ""`` is a mistake, not "no filter"."""
    for option, value in (("--drug", drug), ("--gene", gene)):
        if value is not None and not value.strip():
            raise usage_error(option, "give a name (an empty value filters nothing)")


def _drug_rows(kb: KnowledgeBase, gene: str | None) -> list[dict[str, Any]]:
    rows = []
    for drug in kb.catalogue.drugs.values():
        if gene and gene.upper() not in {t.upper() for t in drug.targets}:
            continue
        rows.append(record_dict(drug))
    return rows


@kb_app.command("drugs")
@handle_errors
def drugs_command(drug: str | None = _DRUG, gene: str | None = _GENE,
                  fmt: str | None = _FORMAT, as_json: bool = _JSON,
                  output: Path | None = OUTPUT_OPTION) -> None:
    """List drugs: names, classes, model nodes, targets, approvals."""
    _filters(drug, gene)
    plan = plan_output(fmt, as_json, output, ("table", "json"))
    kb = load_knowledge_base()
    rows = _drug_rows(kb, gene)
    if drug:
        wanted = kb.resolve_drug(drug)
        rows = [r for r in rows if r["id"] in wanted]
    data = rows

    def show() -> None:
        # Ids whole (what other commands take), lists one item a line: fits 80 columns.
        table = Table(title=f"{len(rows)} drugs")
        table.add_column("id / brands", no_wrap=True)
        for col in ("classes", "model nodes", "approved"):
            table.add_column(col, overflow="fold")
        for r in rows:
            approved = "\n".join(f"{a['agency']} {a['year']}" for a in r["approvals"])
            table.add_row(Text(r["id"]) + Text("".join("\n" + b for b in r["brands"][:3]),
                                               style="dim"),
                          "\n".join(r["classes"]), "\n".join(r["nodes"]), approved or "-")
        console.print(table)

    deliver(plan, {"json": lambda: json_text(data)}, show)


@kb_app.command("mechanisms")
@handle_errors
def mechanisms_command(drug: str | None = _DRUG, gene: str | None = _GENE,
                       fmt: str | None = _FORMAT, as_json: bool = _JSON,
                       output: Path | None = OUTPUT_OPTION) -> None:
    """List mechanisms of resistance, filtered by drug and gene."""
    _filters(drug, gene)
    plan = plan_output(fmt, as_json, output, ("table", "json"))
    kb = load_knowledge_base()
    found = kb.mechanisms_for(drug=drug, gene=gene)
    data = [mechanism_to_dict(kb, m) for m in found]

    def show() -> None:
        # Ids whole (they are what `kb show` takes), lists one item a line: readable at 80
        # columns without cutting names.
        table = Table(title=f"{len(found)} mechanisms")
        table.add_column("id / category", no_wrap=True)
        for col in ("alterations", "resists", "active"):
            table.add_column(col, overflow="fold")
        table.add_column("evidence", justify="right")
        for m in found:
            table.add_row(Text(m.id) + Text("\n" + m.category, style="dim"),
                          "\n".join(m.alterations) or "-", "\n".join(m.resistant_to),
                          "\n".join(m.active) or "-", str(len(m.evidence)))
        console.print(table)

    deliver(plan, {"json": lambda: json_text(data)}, show)


@kb_app.command("evidence")
@handle_errors
def evidence_command(drug: str | None = _DRUG, gene: str | None = _GENE,
                     fmt: str | None = _FORMAT, as_json: bool = _JSON,
                     output: Path | None = OUTPUT_OPTION) -> None:
    """List evidence items (curated and CIViC), filtered by drug and gene."""
    _filters(drug, gene)
    plan = plan_output(fmt, as_json, output, ("table", "json"))
    kb = load_knowledge_base()
    items = kb.evidence_for(drug=drug, gene=gene)
    data = [evidence_to_dict(e) for e in items]

    def show() -> None:
        # Ids and references whole (`kb show` takes the id), the rest stacked: fits 80 columns.
        table = Table(title=f"{len(items)} evidence items")
        table.add_column("id / ref", no_wrap=True)
        table.add_column("kind, level, direction", overflow="fold")
        table.add_column("drugs", overflow="fold")
        table.add_column("checked", overflow="fold")
        for e in items:
            table.add_row(Text(e.id) + Text("\n" + e.ref, style="dim"),
                          f"{e.kind}\n{e.scale} {e.level}\n{e.direction}",
                          "\n".join(e.drugs) or "-", e.checked)
        console.print(table)

    deliver(plan, {"json": lambda: json_text(data)}, show)


@kb_app.command("show")
@handle_errors
def show_command(record_id: str = _ID, fmt: str | None = _FORMAT, as_json: bool = _JSON,
                 output: Path | None = OUTPUT_OPTION) -> None:
    """Show one record of the knowledge base."""
    plan = plan_output(fmt, as_json, output, ("table", "json"))
    kb = load_knowledge_base()
    kind, record = kb.get(record_id)
    data = (mechanism_to_dict(kb, record) if kind == "mechanism"
            else evidence_to_dict(record) if kind == "evidence"
            else record_dict(record))
    data = {"kind": kind, **data}

    def show() -> None:
        table = Table(title=f"{kind} {record.id}", show_header=False)
        table.add_column("field", style="bold")
        table.add_column("value")
        for key, value in data.items():
            table.add_row(key, _text(value))
        console.print(table)

    deliver(plan, {"json": lambda: json_text(data)}, show)


def _text(value: Any, depth: int = 0) -> str:
    """A field value as plain text: lists one item a line, records as ``key: value`` parts,
    mappings of nodes as ``NODE=1`` (never a Python repr)."""
    if isinstance(value, (list, tuple)):
        return ("\n" if depth == 0 else ", ").join(_text(v, depth + 1) for v in value)
    if isinstance(value, dict):
        items = [(k, v) for k, v in value.items() if v not in (None, "", [], {})
                 and not (k == "summary" and "ref" in value)]
        if depth >= 2:
            return ", ".join(f"{k}={_text(v, depth + 1)}" for k, v in items)
        return "; ".join(f"{k}: {_text(v, depth + 1)}" for k, v in items)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


@kb_app.command("stats")
@handle_errors
def stats_command(fmt: str | None = _FORMAT, as_json: bool = _JSON,
                  output: Path | None = OUTPUT_OPTION) -> None:
    """Counts: mechanisms, drugs, evidence items and more."""
    plan = plan_output(fmt, as_json, output, ("table", "json"))
    stats = load_knowledge_base().stats()
    data = stats

    def show() -> None:
        table = Table(title="knowledge base")
        table.add_column("records")
        table.add_column("count", justify="right")
        for key, value in stats.items():
            table.add_row(key, str(value))
        console.print(table)

    deliver(plan, {"json": lambda: json_text(data)}, show)


@kb_app.command("docs")
@handle_errors
def docs_command(output: Path | None = _OUTPUT) -> None:
    """Write docs/mechanisms.md (generated from the data files)."""
    text = render_mechanisms_markdown(load_knowledge_base())
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_atomic(output, text)


def register(app: typer.Typer) -> None:
    """Add the ``kb`` command group to ``app``."""
    app.add_typer(kb_app, name="kb")
