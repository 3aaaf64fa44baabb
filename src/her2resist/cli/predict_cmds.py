"""Commands ``predict``, ``validate``, ``simulate`` and ``demo``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich import box
from rich.table import Table

from her2resist.cli._common import console, err_console, handle_errors, print_json
from her2resist.exceptions import ParameterError

ENGINE_HELP = (
    "Simulation engine: most-permissive (exact attractors), stochastic (MaBoSS) or graded "
    "(logic ODEs with normalised Hill functions)."
)
CLASS_STYLE = {"sensitive": "green", "partial": "yellow", "resistant": "red"}

DEMO_TUMOURS = [
    ("none", []),
    ("PTEN loss", ["PTEN loss"]),
    ("PIK3CA H1047R", ["PIK3CA H1047R"]),
    ("p95HER2", ["p95HER2"]),
    ("NRG1 overexpression", ["NRG1 overexpression"]),
    ("CCNE1 amplification", ["CCNE1 amplification"]),
    ("ESR1 overexpression", ["ESR1 overexpression"]),
    ("ERBB2 L755S", ["ERBB2 L755S"]),
    ("SLC46A3 loss", ["SLC46A3 loss"]),
]
DEMO_REGIMENS = [
    ("T", "trastuzumab"),
    ("T+P", "trastuzumab + pertuzumab"),
    ("L", "lapatinib"),
    ("T+L", "trastuzumab + lapatinib"),
    ("N", "neratinib"),
    ("T-DM1", "trastuzumab emtansine"),
    ("T-DXd", "trastuzumab deruxtecan"),
]


def parse_assignments(items: list[str] | None, option: str) -> dict[str, int]:
    """``["NODE=1", ...]`` -> ``{"NODE": 1}``; anything else is a clear error."""
    out: dict[str, int] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or value.strip() not in {"0", "1"} or not name.strip():
            raise ParameterError(option, "her2resist", "NODE=0 or NODE=1", item)
        out[name.strip()] = int(value)
    return out


def _styled(cls: str) -> str:
    return f"[{CLASS_STYLE.get(cls, 'white')}]{cls}[/]"


@handle_errors
def predict(
    regimen: str = typer.Option(..., "--regimen", "-r", help="Drugs or classes joined by ' + '."),
    alteration: list[str] = typer.Option(
        None, "--alteration", "-a", help="An alteration, e.g. 'PTEN loss' (repeatable)."
    ),
    set_node: list[str] = typer.Option(
        None, "--set", help="Fix a model node, e.g. Immune=1 (repeatable)."
    ),
    engine: str = typer.Option("most-permissive", "--engine", help=ENGINE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Predict a tumour cell's response to a regimen, with the mechanism trace."""
    from her2resist.predict import predict_response

    pred = predict_response(
        alteration or [], regimen, environment=parse_assignments(set_node, "--set"), engine=engine
    )
    if as_json:
        print_json(pred.to_dict())
        return
    console.print(
        f"[bold]{pred.regimen}[/] on HER2-amplified cell"
        f"{' with ' + ', '.join(pred.alterations) if pred.alterations else ''}: "
        f"{_styled(pred.response_class)} (score {pred.score:.2f})"
    )
    if pred.mechanisms:
        console.print(f"Mechanism(s) of escape: {', '.join(pred.mechanisms)}")
    for warning in pred.warnings:
        console.print(f"[yellow]Warning:[/] {warning}")
    table = Table(title="Mechanism trace (treated cell)", show_lines=False)
    for col in ("node", "value", "because", "references"):
        table.add_column(col)
    for step in pred.trace:
        table.add_row(step.node, str(step.value), ", ".join(step.because), ", ".join(step.refs))
    console.print(table)


@handle_errors
def validate(
    cases: Path = typer.Argument(..., help="CSV of literature cases (validation README format)."),
    engine: str = typer.Option("most-permissive", "--engine", help=ENGINE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Check the model against literature cases; exit 1 if any case fails."""
    from her2resist.predict.validate import read_cases, validate_cases

    report = validate_cases(read_cases(cases), engine=engine)
    if as_json:
        print_json(report.as_dict())
    else:
        table = Table(title=f"Validation: {cases}")
        for col in ("id", "alterations", "regimen", "expected", "predicted", "score", "pass"):
            table.add_column(col)
        for r in report.results:
            expected = r.case.expected
            if r.reference_score is not None:
                expected += f" {r.reference_score:.2f}"
            table.add_row(
                r.case.id,
                "; ".join(r.case.alterations) or "-",
                r.case.regimen,
                expected,
                _styled(r.predicted),
                "-" if r.error else f"{r.score:.2f}",
                "[green]yes[/]" if r.passed else "[red]NO[/]",
            )
        console.print(table)
        for r in report.results:
            if r.error:
                err_console.print(f"[yellow]Case {r.case.id} could not be predicted:[/] {r.error}")
        console.print(f"Passed {report.passed} of {report.total} (accuracy {report.accuracy:.1%}).")
    if report.passed != report.total:
        raise typer.Exit(1)


@handle_errors
def simulate(
    regimen: str = typer.Option("untreated", "--regimen", "-r", help="Drugs joined by ' + '."),
    alteration: list[str] = typer.Option(None, "--alteration", "-a", help="Repeatable."),
    set_node: list[str] = typer.Option(None, "--set", help="Fix a node, e.g. IGF1=1."),
    engine: str = typer.Option("stochastic", "--engine", help=ENGINE_HELP),
    nodes: str = typer.Option(
        "Proliferation,Apoptosis,AKT,ERK,FOXO,E2F", "--nodes", help="Comma-separated nodes to show."
    ),
    max_time: float = typer.Option(40.0, "--max-time", help="Stochastic: simulated time."),
    samples: int = typer.Option(2000, "--samples", help="Stochastic: trajectories."),
    seed: int = typer.Option(0, "--seed", help="Stochastic: random seed."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Simulate the untreated cell, then the regimen from its state, and show node activity."""
    from her2resist.engines import get_engine
    from her2resist.model import load_model
    from her2resist.predict import alteration_perturbation, parse_regimen, resolve_alterations
    from her2resist.predict.simulate import simulate_regimen

    network = load_model()
    shown = [n.strip() for n in nodes.split(",") if n.strip()]
    network.check_nodes(shown, "node")
    eng = (
        get_engine(engine)
        if engine == "most-permissive"
        else get_engine(engine, max_time=max_time, sample_count=samples, seed=seed)
    )
    background = {
        **alteration_perturbation(resolve_alterations(alteration or [])),
        **parse_assignments(set_node, "--set"),
    }
    sim = simulate_regimen(network, background, parse_regimen(regimen).perturbation(), engine=eng)
    if as_json:
        print_json(
            {
                "untreated": sim.untreated.states[shown].to_dict("records"),
                "treated": sim.treated.states[shown].to_dict("records"),
                "weights": sim.treated.weights.tolist(),
                "trajectory": None
                if sim.treated.trajectory is None
                else sim.treated.trajectory[shown].reset_index().to_dict("list"),
                "provenance": sim.treated.provenance.as_dict(),
            }
        )
        return
    _print_simulation(sim, shown)


def _print_simulation(sim: object, shown: list[str]) -> None:
    treated = sim.treated  # type: ignore[attr-defined]
    untreated = sim.untreated  # type: ignore[attr-defined]
    table = Table(title=f"Node activity ({treated.provenance.engine})")
    table.add_column("node")
    table.add_column("untreated")
    table.add_column("treated")
    for node in shown:
        table.add_row(node, f"{untreated.value(node):.2f}", f"{treated.value(node):.2f}")
    console.print(table)
    if treated.trajectory is not None:
        traj = treated.trajectory[shown]
        step = max(1, len(traj) // 8)
        tt = Table(title="Treated: probability over time")
        tt.add_column("time")
        for node in shown:
            tt.add_column(node)
        for time, row in traj.iloc[::step].iterrows():
            tt.add_row(f"{time:g}", *(f"{v:.2f}" for v in row))
        console.print(tt)


@handle_errors
def demo(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Predictions for reference HER2-amplified tumours under the main HER2 regimens."""
    from her2resist.predict import predict_response

    rows = []
    for label, alts in DEMO_TUMOURS:
        preds = [predict_response(alts, regimen) for _, regimen in DEMO_REGIMENS]
        rows.append((label, preds))
    if as_json:
        print_json(
            [
                {"tumour": label, "predictions": [p.to_dict() for p in preds]}
                for label, preds in rows
            ]
        )
        return
    table = Table(
        title="Predicted response of HER2-amplified tumour cells", box=box.SIMPLE, padding=(0, 1)
    )
    table.add_column("alteration", no_wrap=True)
    for short, _ in DEMO_REGIMENS:
        table.add_column(short, justify="center", no_wrap=True, min_width=5)
    for label, preds in rows:
        cells = [
            f"[{CLASS_STYLE[p.response_class]}]{p.response_class[0].upper()}{p.score:.2f}[/]"
            for p in preds
        ]
        table.add_row(label, *cells)
    console.print(table)
    console.print(
        "S sensitive, P partial, R resistant, with the score: "
        "0 = the cell keeps dividing, 0.5 = arrested, "
        "1 = arrested and dying.\n"
        + "; ".join(f"{s} = {r}" for s, r in DEMO_REGIMENS)
        + ".\nExplain one: her2resist predict -a 'PTEN loss' -r trastuzumab"
    )


def register(app: typer.Typer) -> None:
    app.command("predict")(predict)
    app.command("validate")(validate)
    app.command("simulate")(simulate)
    app.command("demo")(demo)
