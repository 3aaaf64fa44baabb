"""Exchange formats: bnet (read and write), MaBoSS ``.bnd``/``.cfg`` (write), SBML-qual (read
and write, through python-libsbml).

Imported models have no kinds or references: a node whose rule is a constant or the node
itself becomes an input (kind ``input``) with that constant (or 0) as its default; every other
node is ``signalling``.

Examples
--------
>>> net = read_bnet_text("A, B & !C\\nB, B\\nC, 1\\n", source="example.bnet")
>>> net.inputs
('B', 'C')
>>> print(write_bnet(net).splitlines()[1])
A, B & !C
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from her2resist.exceptions import ModelError
from her2resist.model.network import Network, Node
from her2resist.model.rules import (
    IDENTIFIER,
    Const,
    RuleSyntaxError,
    Var,
    format_rule,
    parse_rule,
    variables,
)


def read_model_file(path: str | Path) -> Network:
    """Read a bnet (``.bnet``) or SBML-qual (``.sbml``, ``.xml``) model file."""
    path = Path(path)
    if path.suffix.lower() == ".bnet":
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ModelError(path, f"cannot read the bnet file: {exc}") from None
        return read_bnet_text(text, source=str(path))
    from her2resist.model.sbml import read_sbml

    return read_sbml(path)


def _bnet_lines(text: str, source: str) -> list[tuple[int, str, str]]:
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line or line.replace(" ", "").lower() == "targets,factors":
            continue
        if "," not in line:
            raise ModelError(source, f"expected 'node, rule' but found {line!r}", line=number)
        name, rule = (part.strip() for part in line.split(",", 1))
        if not IDENTIFIER.fullmatch(name):
            raise ModelError(source, f"{name!r} is not a valid node name", line=number, field=name)
        entries.append((number, name, rule))
    if not entries:
        raise ModelError(source, "the bnet file defines no node")
    return entries


def read_bnet_text(text: str, *, source: str = "<bnet>") -> Network:
    """Parse bnet text into a :class:`Network` (inputs detected as described above)."""
    entries = _bnet_lines(text, source)
    seen: dict[str, int] = {}
    nodes: dict[str, Node] = {}
    for number, name, rule in entries:
        if name in seen:
            raise ModelError(
                source,
                f"node {name!r} is defined twice (first at line {seen[name]})",
                line=number,
                field=name,
            )
        seen[name] = number
        try:
            expr = parse_rule(rule)
        except RuleSyntaxError as exc:
            raise ModelError(
                source,
                f"node {name!r}: syntax error in rule {rule!r} at character "
                f"{exc.position + 1}: {exc}",
                line=number,
                field=name,
            ) from None
        if isinstance(expr, Const):
            nodes[name] = Node(id=name, kind="input", default=int(expr.value), line=number)
        elif expr == Var(name):
            nodes[name] = Node(id=name, kind="input", default=0, line=number)
        else:
            nodes[name] = Node(id=name, kind="signalling", rule=format_rule(expr), line=number)
    for node in nodes.values():
        if node.rule is None:
            continue
        for regulator in variables(node.expr):
            if regulator not in nodes:
                raise ModelError(
                    source,
                    f"node {node.id!r}: rule names unknown node {regulator!r}; "
                    "define it, or declare it a free input with the line "
                    f"'{regulator}, {regulator}'",
                    line=node.line,
                    field=node.id,
                )
    return Network(nodes=nodes, name=Path(source).stem, source=source)


def write_bnet(network: Network, fixed: Mapping[str, int] | None = None) -> str:
    """bnet text; inputs are written as themselves (``A, A``) so they stay free inputs,
    except those in ``fixed``, which become constants."""
    fixed = dict(fixed or {})
    network.check_nodes(fixed, "node")
    lines = ["targets, factors"]
    for name, node in network.nodes.items():
        if name in fixed:
            rule = "1" if fixed[name] else "0"
        elif node.is_input:
            rule = "1" if node.default else "0"
        else:
            rule = format_rule(node.expr)
        lines.append(f"{name}, {rule}")
    return "\n".join(lines) + "\n"


def _maboss_logic(rule: str) -> str:
    return format_rule(parse_rule(rule)).replace("&", "AND").replace("|", "OR").replace("!", "NOT ")


def write_maboss(
    network: Network,
    fixed: Mapping[str, int] | None = None,
    *,
    initial: Mapping[str, float] | None = None,
    max_time: float = 30.0,
    time_tick: float = 0.5,
    sample_count: int = 1000,
    seed: int = 0,
    outputs: tuple[str, ...] | None = None,
) -> tuple[str, str]:
    """MaBoSS network (``.bnd``) and configuration (``.cfg``) texts.

    ``initial`` gives each node's probability of starting at 1 (missing nodes start at 0,
    inputs at their value); every transition has rate 1; ``outputs`` are the nodes MaBoSS
    reports (default: all).
    """
    rules = network.bnet_rules(fixed)
    start = {**{n: 0.0 for n in network.nodes}, **dict(initial or {})}
    for name, rule in rules.items():
        if network.nodes[name].is_input or name in (fixed or {}):
            start[name] = float(rule == "1")
    bnd = []
    for name, rule in rules.items():
        bnd.append(
            f"Node {name} {{\n  logic = ({_maboss_logic(rule)});\n"
            "  rate_up = @logic ? 1.0 : 0.0;\n  rate_down = @logic ? 0.0 : 1.0;\n}\n"
        )
    shown = set(outputs) if outputs is not None else set(network.nodes)
    cfg = []
    for name in network.nodes:
        p = min(max(start[name], 0.0), 1.0)
        cfg.append(f"[{name}].istate = {p:.6g} [1], {1 - p:.6g} [0];")
    for name in network.nodes:
        cfg.append(f"{name}.is_internal = {0 if name in shown else 1};")
    cfg.append(
        f"time_tick = {time_tick};\nmax_time = {max_time};\nsample_count = {sample_count};\n"
        f"discrete_time = 0;\nuse_physrandgen = 0;\nseed_pseudorandom = {seed};\nthread_count = 1;"
    )
    return "".join(bnd), "\n".join(cfg) + "\n"
