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
>>> print(write_bnet(net).splitlines()[-3])
A, B & !C
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path

from her2resist.common.text import excerpt
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

_TOKEN = re.compile(r"[A-Za-z0-9_.]+")


def read_model_file(path: str | Path, *, implicit_inputs: bool = False) -> Network:
    """Read a bnet (``.bnet``) or SBML-qual (``.sbml``, ``.xml``) model file
    (``implicit_inputs`` as for :func:`read_bnet_text`)."""
    path = Path(path)
    if path.suffix.lower() == ".bnet":
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ModelError(path, f"cannot read the bnet file: {exc}") from None
        return read_bnet_text(text, source=str(path), implicit_inputs=implicit_inputs)
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


def read_bnet_text(text: str, *, source: str = "<bnet>", implicit_inputs: bool = False
                   ) -> Network:
    """Parse bnet text into a :class:`Network` (inputs detected as described above).

    A name that rules read but no line defines is an error listing every such name, unless
    ``implicit_inputs`` is true: then each becomes a free input (default 0), as pyboolnet and
    BoolNet treat them.

    Examples
    --------
    >>> read_bnet_text("A, B & C", implicit_inputs=True).inputs
    ('B', 'C')
    """
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
                f"node {name!r}: syntax error in rule {excerpt(rule)} at character "
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
    undeclared: dict[str, list[str]] = {}
    for node in nodes.values():
        for regulator in variables(node.expr) if node.rule is not None else ():
            if regulator not in nodes:
                readers = undeclared.setdefault(regulator, [])
                if node.id not in readers:
                    readers.append(node.id)
    if undeclared and not implicit_inputs:
        first = nodes[undeclared[next(iter(undeclared))][0]]
        listed = "; ".join(f"{name} (read by {', '.join(readers)})"
                           for name, readers in undeclared.items())
        raise ModelError(
            source,
            f"{len(undeclared)} node(s) are read by rules but never defined: {listed}. Define "
            "them, declare each a free input with a line 'X, X', or read the file with "
            "implicit inputs (--implicit-inputs; implicit_inputs=True in Python)",
            line=first.line, field=first.id,
        )
    for name in undeclared:
        nodes[name] = Node(id=name, kind="input", default=0)
    return Network(nodes=nodes, name=Path(source).stem, source=source)


def write_bnet(network: Network, fixed: Mapping[str, int] | None = None) -> str:
    """bnet text: the one bnet writer of the package.

    Inputs are written as themselves (``A, A``), so that mpbn, pyboolnet and GINsim read them
    as free inputs; nodes in ``fixed`` (inputs or not) become the constants ``0``/``1``.  The
    model's default input values go into a comment (bnet has no field for them): pass
    ``network.defaults()`` as ``fixed`` to write them as constants instead.

    Examples
    --------
    >>> net = read_bnet_text("A, B & !C\\nB, B\\nC, 1")
    >>> print(write_bnet(net))
    # inputs, free here (fix them with --set / fixed=): B, C
    # their values in the source model: C=1
    targets, factors
    A, B & !C
    B, B
    C, C
    <BLANKLINE>
    >>> write_bnet(net, {"B": 1}).splitlines()[-2]
    'B, 1'
    """
    fixed = dict(fixed or {})
    network.check_nodes(fixed, "node")
    free = [n for n in network.inputs if n not in fixed]
    lines = []
    if free:
        on = [f"{n}=1" for n in free if network.nodes[n].default]
        lines.append(f"# inputs, free here (fix them with --set / fixed=): {', '.join(free)}")
        lines.append(f"# their values in the source model: {', '.join(on) or 'all 0'}")
    lines.append("targets, factors")
    for name, node in network.nodes.items():
        if name in fixed:
            rule = "1" if fixed[name] else "0"
        elif node.is_input:
            rule = name
        else:
            rule = format_rule(node.expr)
        lines.append(f"{name}, {rule}")
    return "\n".join(lines) + "\n"


def rename_nodes(network: Network, mapping: Mapping[str, str]) -> Network:
    """A copy of ``network`` with nodes renamed by ``mapping`` (rules and references follow).

    Examples
    --------
    >>> net = rename_nodes(read_bnet_text("S_1, !S_2\\nS_2, S_2"), {"S_1": "ERK", "S_2": "DUSP"})
    >>> net.nodes["ERK"].rule, net.inputs
    ('!DUSP', ('DUSP',))
    """
    new_ids = [mapping.get(name, name) for name in network.nodes]
    if len(set(new_ids)) != len(new_ids):
        clash = sorted({n for n in new_ids if new_ids.count(n) > 1})
        raise ModelError(network.source or network.name,
                         f"renaming would give two nodes the same id: {', '.join(clash)}")

    def rename(match: re.Match[str]) -> str:
        return mapping.get(match.group(0), match.group(0))

    nodes = {}
    for name, node in network.nodes.items():
        rule = None if node.rule is None else _TOKEN.sub(rename, node.rule)
        refs = {mapping.get(k, k): v for k, v in node.refs.items()}
        nodes[mapping.get(name, name)] = dataclasses.replace(
            node, id=mapping.get(name, name), rule=rule, refs=refs)
    return Network(nodes=nodes, name=network.name, version=network.version,
                   source=network.source)


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
    inputs at their default); every transition has rate 1.  Inputs keep their value
    (``logic = (X)``), so setting their ``istate`` or a MaBoSS mutation changes them; nodes in
    ``fixed`` are constants.  ``outputs`` are the nodes MaBoSS reports; the others are marked
    ``is_internal`` (default: the phenotype nodes when the model has any, else every node).
    Models of more than 64 nodes need cmaboss's larger builds (``cmaboss_128n`` ...; see
    :func:`her2resist.engines.stochastic.cmaboss_for`) or MaBoSS's ``MaBoSS_128n`` binaries.

    Examples
    --------
    >>> net = read_bnet_text("A, B & !C\\nB, B\\nC, 1")
    >>> bnd, cfg = write_maboss(net, {"C": 0}, outputs=("A",))
    >>> print(bnd.split("}")[0])
    Node A {
      logic = (B AND NOT C);
      rate_up = @logic ? 1.0 : 0.0;
      rate_down = @logic ? 0.0 : 1.0;
    <BLANKLINE>
    >>> [line for line in cfg.splitlines() if "is_internal = 1" in line]
    ['B.is_internal = 1;', 'C.is_internal = 1;']
    """
    fixed = dict(fixed or {})
    network.check_nodes(fixed, "node")
    start = {**{n: 0.0 for n in network.nodes}, **dict(initial or {})}
    bnd = []
    for name, node in network.nodes.items():
        if name in fixed:
            logic = "1" if fixed[name] else "0"
            start[name] = float(bool(fixed[name]))
        elif node.is_input:
            logic = name
            if initial is None or name not in initial:
                start[name] = float(node.default)
        else:
            logic = _maboss_logic(format_rule(node.expr))
        bnd.append(
            f"Node {name} {{\n  logic = ({logic});\n"
            "  rate_up = @logic ? 1.0 : 0.0;\n  rate_down = @logic ? 0.0 : 1.0;\n}\n"
        )
    if outputs is None:
        outputs = network.ids("phenotype") or tuple(network.nodes)
    shown = set(outputs)
    network.check_nodes(list(shown), "output node")
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
