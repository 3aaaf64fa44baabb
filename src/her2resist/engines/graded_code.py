"""Code generation for the graded engine (:mod:`her2resist.engines.graded`): each rule's
multilinear interpolation (Odefy's HillCube) written as Python source, and one Euler
integrator per network and set of free nodes, generated once.

The generated integrator performs, element by element, the operations of
:func:`interpolation_source` in the same order; it computes every subexpression that reads only
fixed nodes once before the time loop and every subexpression several rules share once per step
(``tests/test_engine_graded.py`` checks it step for step, bit for bit).

Examples
--------
>>> from her2resist.model.rules import parse_rule
>>> interpolation_source(parse_rule("A | B"), str.lower)
'(1.0 - (1.0 - a) * (1.0 - b))'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import CodeType

from her2resist.common.cached import load_marshalled
from her2resist.model import rules as _rules
from her2resist.model.network import Network

# ---------------------------------------------------------------- rule AST adapter
# The rule parser's tree is read only here, through (kind, payload) pairs, so the engine works
# with the tuple tree and with the typed dataclass tree alike.

def _parts(expr: object) -> tuple[str, object]:
    if isinstance(expr, tuple):
        return expr[0], expr[1]
    kind = type(expr).__name__.lower()
    payload = {"const": "value", "var": "name", "not": "arg"}.get(kind, "args")
    return kind, getattr(expr, payload)


def _occurrences(expr: object, counts: dict[str, int]) -> dict[str, int]:
    kind, payload = _parts(expr)
    if kind == "var":
        counts[payload] = counts.get(payload, 0) + 1  # type: ignore[index]
    elif kind == "not":
        _occurrences(payload, counts)
    elif kind in ("and", "or"):
        for sub in payload:  # type: ignore[attr-defined]
            _occurrences(sub, counts)
    return counts


def _read_once_source(expr: object, ref: Callable[[str], str]) -> str:
    kind, payload = _parts(expr)
    if kind == "const":
        return "1.0" if payload else "0.0"
    if kind == "var":
        return ref(str(payload))
    if kind == "not":
        return f"(1.0 - {_read_once_source(payload, ref)})"
    terms = [_read_once_source(sub, ref) for sub in payload]  # type: ignore[attr-defined]
    if kind == "and":
        return "(" + " * ".join(terms) + ")"
    return "(1.0 - " + " * ".join(f"(1.0 - {t})" for t in terms) + ")"


def interpolation_source(expr: object, ref: Callable[[str], str]) -> str:
    """Python source of the multilinear interpolation of ``expr`` (``ref`` names a variable).

    Examples
    --------
    >>> from her2resist.model.rules import parse_rule
    >>> interpolation_source(parse_rule("A & !B"), str.lower)
    '(a * (1.0 - b))'
    >>> src = interpolation_source(parse_rule("(A & B) | (A & C)"), str.lower)
    >>> eval(src, {"a": 0.5, "b": 1.0, "c": 0.0})
    0.5
    """
    repeated = [v for v, c in _occurrences(expr, {}).items() if c > 1]
    if not repeated:
        return _read_once_source(expr, ref)
    name = repeated[0]
    on = interpolation_source(_rules.substitute(expr, {name: 1}), ref)  # type: ignore[arg-type]
    off = interpolation_source(_rules.substitute(expr, {name: 0}), ref)  # type: ignore[arg-type]
    x = ref(name)
    return f"({x} * {on} + (1.0 - {x}) * {off})"


# ---------------------------------------------------------------- code generation
class _Compiled:
    """Generated integrator for one network and one set of free (integrated) nodes (a plain
    slotted class, not a dataclass: making a dataclass costs a one-shot command ~1 ms)."""

    __slots__ = ("advance", "advance_many", "free", "order")

    def __init__(self, order: tuple[str, ...], free: tuple[int, ...],
                 advance: Callable[..., list[object]],
                 advance_many: Callable[..., list[object]]) -> None:
        self.order, self.free, self.advance, self.advance_many = order, free, advance, advance_many


class _Term:
    """A subexpression of the generated code: ``parts`` (source text and sub-terms) in the
    order :func:`interpolation_source` writes them; ``const`` when it reads no integrated
    node; ``uses``: how many distinct parents read it."""

    __slots__ = ("const", "key", "name", "parts", "uses")

    def __init__(self, parts: list[object], key: str, const: bool) -> None:
        self.parts, self.key, self.const, self.uses, self.name = parts, key, const, 0, ""


class _Writer:
    """Writes each rule's interpolation as the same floating-point operations, in the same
    order, as :func:`interpolation_source`, but computes every subexpression that reads only
    fixed nodes once, before the time loop, and every subexpression that several rules share
    once per step: the results are bit-identical and a step costs far fewer operations (each
    one a numpy call when parameters are sampled)."""

    def __init__(self, index: Mapping[str, int], free: set[int]) -> None:
        self.index, self.free = index, free
        self.terms: dict[str, _Term] = {}
        self.before: list[str] = []
        self.step: list[str] = []

    # -- building: a DAG of terms, one per distinct subexpression
    def leaf(self, name: str) -> tuple[str, bool]:
        i = self.index[name]
        return (f"h{i}", False) if i in self.free else (f"x{i}", True)

    def term(self, parts: list[object]) -> _Term:
        key = "".join(p.key if isinstance(p, _Term) else str(p[0]) if isinstance(p, tuple)
                      else p for p in parts)
        found = self.terms.get(key)
        if found is None:
            const = all(p.const if isinstance(p, _Term) else p[1] for p in parts
                        if not isinstance(p, str))
            found = _Term(parts, key, const)
            for p in parts:
                if isinstance(p, _Term):
                    p.uses += 1
            self.terms[key] = found
        return found

    def build(self, expr: object) -> object:
        """A term, or a leaf ``(source, const)``."""
        repeated = [v for v, c in _occurrences(expr, {}).items() if c > 1]
        if not repeated:
            return self._once(expr)
        name = repeated[0]
        on = self.build(_rules.substitute(expr, {name: 1}))  # type: ignore[arg-type]
        off = self.build(_rules.substitute(expr, {name: 0}))  # type: ignore[arg-type]
        x = self.leaf(name)
        neg = self.term(["(1.0 - ", x, ")"])
        return self.term(["(", x, " * ", on, " + ", neg, " * ", off, ")"])

    def _once(self, expr: object) -> object:
        kind, payload = _parts(expr)
        if kind == "const":
            return ("1.0" if payload else "0.0"), True
        if kind == "var":
            return self.leaf(str(payload))
        if kind == "not":
            return self.term(["(1.0 - ", self._once(payload), ")"])
        subs = [self._once(sub) for sub in payload]  # type: ignore[attr-defined]
        if kind == "or":
            subs = [self.term(["(1.0 - ", t, ")"]) for t in subs]
        product = self._product(subs)
        return self.term(["(", *product, ")"] if kind == "and" else ["(1.0 - ", *product, ")"])

    def _product(self, factors: list[object]) -> list[object]:
        """``a * b * c`` evaluates left to right, so its leading fixed factors are a
        loop-invariant prefix (the same operations, computed once)."""
        def const(p: object) -> bool:
            return p.const if isinstance(p, _Term) else p[1]  # type: ignore[index,union-attr]

        lead = 0
        while lead < len(factors) and const(factors[lead]):
            lead += 1
        if 1 < lead < len(factors):
            prefix = self.term(_joined(factors[:lead]))
            factors = [prefix, *factors[lead:]]
        return _joined(factors)

    # -- writing
    def source(self, part: object, inside_loop: bool) -> str:
        if isinstance(part, str):
            return part
        if isinstance(part, tuple):
            return str(part[0])
        term: _Term = part  # type: ignore[assignment]
        if term.const:
            if not inside_loop:
                return "".join(self.source(p, False) for p in term.parts)
            if not term.name:
                term.name = f"c{len(self.before)}"
                self.before.append(f"    {term.name} = {self.source(term, False)}")
            return term.name
        text = "".join(self.source(p, True) for p in term.parts)
        if term.uses < 2:
            return text
        if not term.name:
            term.name = f"e{len(self.step)}"
            self.step.append(f"        {term.name} = {text}")
        return term.name


def _joined(factors: list[object]) -> list[object]:
    out: list[object] = []
    for f in factors:
        if out:
            out.append(" * ")
        out.append(f)
    return out


def _compile(network: Network, fixed: frozenset[str]) -> _Compiled:
    """The integrator of ``network`` with the regulated nodes ``fixed`` held, generated and
    compiled once per model (by content), set of held nodes, generator and Python version,
    then kept in the package's data cache (:func:`~her2resist.common.cached.load_marshalled`)."""
    order, free, code = load_marshalled(
        "graded", (network.hash, network.name, *sorted(fixed)), (__name__, _rules.__name__),
        lambda: _generate(network, fixed),
        lambda v: isinstance(v, tuple) and len(v) == 3 and isinstance(v[2], CodeType))
    namespace: dict[str, object] = {}
    exec(code, namespace)
    return _Compiled(tuple(order), tuple(free), namespace["advance"],  # type: ignore[arg-type]
                     namespace["advance_many"])  # type: ignore[arg-type]


def _written(network: Network, fixed: frozenset[str]) -> tuple[
        tuple[str, ...], tuple[int, ...], list[int], _Writer, list[tuple[int, str]]]:
    """What both integrators are written from: the node order, the free (integrated) nodes,
    the nodes the rules read, the writer (its hoisted and shared terms) and each free node's
    target, as source."""
    order = tuple(network.nodes)
    index = {n: i for i, n in enumerate(order)}
    free = tuple(i for i, n in enumerate(order)
                 if not network.nodes[n].is_input and n not in fixed)
    read = sorted({index[v] for i in free for v in network.nodes[order[i]].regulators})
    writer = _Writer(index, set(free))
    built = [(i, writer.build(network.nodes[order[i]].expr)) for i in free]
    for _, top in built:  # the rule itself is read once more, by its node's update
        if isinstance(top, _Term):
            top.uses += 1
    return order, free, read, writer, [(i, writer.source(top, True)) for i, top in built]


def _generate(network: Network, fixed: frozenset[str]
              ) -> tuple[tuple[str, ...], tuple[int, ...], CodeType]:
    """The integrator's source (see module docs), compiled."""
    order, free, read, writer, targets = _written(network, fixed)
    free_set = set(free)
    hill = [line for i in read if i in free_set for line in (
        f"        p = (x{i} if x{i} >= 0.0 else 0.0) ** n",  # below 0 by rounding: as 0
        f"        h{i} = p * kn1 / (p + kn)")]
    update = [f"        x{i} = x{i} + dt * (t{i} - x{i})" for i in free]
    body = [*hill, *writer.step, *(f"        t{i} = {src}" for i, src in targets), *update]
    body = body or ["        pass"]  # every regulated node held: nothing moves
    every = ", ".join(f"x{i}" for i in range(len(order)))
    lines = [
        "def advance(v, steps, dt, n, kn, kn1, mean):",
        f"    {every}, = v",
        *writer.before,
        "    if not mean:",
        "        for _ in range(steps):",
        *("    " + line for line in body),
        f"        return [{every}]",
        *(f"    s{i} = 0.0" for i in free),
        "    for _ in range(steps):",
        *body,
        *(f"        s{i} = s{i} + x{i}" for i in free),
        f"    out = [{every}]",
        *(f"    out[{i}] = s{i} / steps" for i in free),
        "    return out",
    ]
    # The same steps on samples (every value a numpy array of one value per sample): the Hill
    # transfer and the update act on all integrated nodes at once, as one (nodes, samples)
    # array (element by element, the same operations), the rules node by node.
    if not free:
        lines += ["advance_many = advance"]
    rows = ", ".join(f"h{i}" if i in read else "_" for i in free) or "_"
    many = [
        "        P = np.maximum(X, 0.0) ** n", "        H = P * kn1 / (P + kn)",
        f"        {rows}, = H",
        *writer.step,
        "        X = X + dt * (np.array([" + ", ".join(src for _, src in targets) + "]) - X)",
    ]
    lines += [
        "def advance_many(v, steps, dt, n, kn, kn1, mean):",
        "    import numpy as np",  # only samples need numpy: a one-shot command never loads it
        f"    {every}, = v",
        "    X = np.array([" + ", ".join(f"x{i}" for i in free) + "])",
        *writer.before,
        "    total = 0.0",
        "    for _ in range(steps):",
        *many,
        "        if mean:",
        "            total = total + X",
        "    out = list(v)",
        "    Y = total / steps if mean else X",
        *(f"    out[{i}] = Y[{k}]" for k, i in enumerate(free)),
        "    return out",
    ] if free else []
    return order, free, compile("\n".join(lines), f"<graded:{network.name}>", "exec")
