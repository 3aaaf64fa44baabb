"""The network: nodes with their kinds, rules and evidence, as frozen data.

A :class:`Network` is what every engine and analysis works on.  Input nodes (environment,
alterations, drugs, and any node of an imported model whose rule is a constant or itself) carry
a default value; a *perturbation* is a mapping ``{node: 0 or 1}`` that fixes nodes.

Examples
--------
>>> from her2resist.model import load_model
>>> net = load_model()
>>> net.nodes["FOXO"].rule
'!AKT'
>>> rules = net.bnet_rules({"trastuzumab": 1})
>>> rules["trastuzumab"]
'1'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from her2resist.common.cached import sha256
from her2resist.exceptions import UnknownNameError
from her2resist.model.rules import (
    FALSE,
    Expr,
    const,
    format_rule,
    parse_rule,
    substitute,
    variables,
)

INPUT_KINDS = frozenset({"environment", "alteration", "drug", "input"})
REGULATED_KINDS = frozenset({"signalling", "phenotype"})
NODE_KINDS = INPUT_KINDS | REGULATED_KINDS


@dataclass(frozen=True, slots=True)
class Node:
    """One node of the network.

    ``rule`` is ``None`` for input nodes, whose value is ``default`` unless a perturbation
    fixes it.  ``refs`` maps each regulator to the publications that support its effect (for
    input nodes the key ``""`` holds the references for the node itself).

    Examples
    --------
    >>> node = Node("ERK", "signalling", "MEK & !DUSP6")
    >>> node.is_input, node.regulators
    (False, ('MEK', 'DUSP6'))
    """

    id: str
    kind: str
    rule: str | None = None
    default: int = 0
    genes: tuple[str, ...] = ()
    description: str = ""
    refs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    notes: str = ""
    line: int | None = None
    _expr: Expr = field(default=FALSE, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parsed = const(self.default) if self.rule is None else parse_rule(self.rule)
        object.__setattr__(self, "_expr", parsed)

    @property
    def is_input(self) -> bool:
        return self.rule is None

    @property
    def expr(self) -> Expr:
        """The parsed rule (inputs: their default as a constant); parsed once."""
        return self._expr

    @property
    def regulators(self) -> tuple[str, ...]:
        """Distinct regulators in the order they appear in the rule."""
        if self.rule is None:
            return ()
        return tuple(dict.fromkeys(variables(self.expr)))


@dataclass(frozen=True, slots=True, eq=False)
class Network:
    """A Boolean network: an ordered mapping of node ids to :class:`Node`.

    Examples
    --------
    >>> from her2resist.model.formats import read_bnet_text
    >>> network = read_bnet_text("EGF, EGF\\nERK, EGF & !DUSP6\\nDUSP6, ERK")
    >>> network.inputs, network.nodes["ERK"].regulators
    (('EGF',), ('EGF', 'DUSP6'))
    """

    nodes: Mapping[str, Node]
    name: str = "network"
    version: str = ""
    source: str = ""
    _hash: str = field(default="", init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", MappingProxyType(dict(self.nodes)))

    def __contains__(self, node: object) -> bool:
        return node in self.nodes

    def __len__(self) -> int:
        return len(self.nodes)

    def ids(self, *kinds: str) -> tuple[str, ...]:
        """Node ids, optionally only those of the given kinds, in file order."""
        return tuple(n for n, node in self.nodes.items() if not kinds or node.kind in kinds)

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(n for n, node in self.nodes.items() if node.is_input)

    def defaults(self) -> dict[str, int]:
        """Default values of the input nodes."""
        return {n: node.default for n, node in self.nodes.items() if node.is_input}

    def check_nodes(
        self, names: Mapping[str, int] | list[str] | tuple[str, ...], what: str
    ) -> None:
        """Raise :class:`UnknownNameError` for the first name that is not a node."""
        for name in names:
            if name not in self.nodes:
                raise UnknownNameError(what, name, self.nodes)

    def bnet_rules(self, fixed: Mapping[str, int] | None = None) -> dict[str, str]:
        """Rules in bnet syntax with inputs at their default and ``fixed`` nodes as constants."""
        fixed = dict(fixed or {})
        self.check_nodes(fixed, "node")
        out: dict[str, str] = {}
        for name, node in self.nodes.items():
            if name in fixed:
                out[name] = "1" if fixed[name] else "0"
            elif node.is_input:
                out[name] = "1" if node.default else "0"
            else:
                out[name] = node.rule if node.rule is not None else "0"
        return out

    def simplified_rules(self, fixed: Mapping[str, int] | None = None) -> dict[str, Expr]:
        """Parsed rules with every input and fixed node substituted by its constant."""
        values = {**self.defaults(), **dict(fixed or {})}
        self.check_nodes(values, "node")
        out: dict[str, Expr] = {}
        for name, node in self.nodes.items():
            if name in values:
                out[name] = const(values[name])
            else:
                out[name] = substitute(node.expr, values)
        return out

    def to_bnet(self) -> str:
        """The network as bnet text with inputs as constants at their default (see
        :func:`her2resist.model.formats.write_bnet`, which keeps them free)."""
        from her2resist.model.formats import write_bnet

        return write_bnet(self, self.defaults())

    @property
    def hash(self) -> str:
        """A short content hash of the model's identity: every node's id, kind, default and
        rule, in order.  An input with default 0 and a regulated node whose rule is ``0`` differ
        (the first holds its value, the second relaxes to it), so they hash differently."""
        if not self._hash:
            text = "\n".join(
                f"{name}\t{node.kind}\t{node.default if node.is_input else ''}\t"
                f"{'' if node.rule is None else format_rule(node.expr)}"
                for name, node in self.nodes.items()
            )
            digest = sha256(text.encode()).hexdigest()[:16]
            object.__setattr__(self, "_hash", digest)
        return self._hash
