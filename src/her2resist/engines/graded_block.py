"""The graded engine's Euler steps on a block of columns, in place: the array integrator of
:mod:`her2resist.engines.graded_batch`.

A *block* is a (free nodes, columns) array of states, one column per parameter sample or run,
stepped by the same operations as the generated ``advance_many``
(:mod:`her2resist.engines.graded_code`), element by element and in the same order, so every
column gets the numbers it gets there, bit for bit (``tests/test_engine_graded.py``).  What it
saves is work, not precision:

- every array a step needs is allocated once per block and written in place (``out=``), and
  each rule's last operation writes straight into its node's row of the targets;
- the subexpressions that read only held nodes are computed once per block, not once per call;
- the Hill transfer's power, the costliest operation (a libm ``pow`` per element), is computed
  only for the free nodes that some rule reads (the first ``reads`` rows), and after a block's
  first step only for the elements whose level changed since the step before (compared bit
  for bit): about half of them do not (levels held at exactly 0 or 1, or settled), and the
  power of the same number to the same column's exponent is the one kept from that step.

Examples
--------
>>> import numpy as np
>>> from her2resist.model.formats import read_bnet_text
>>> net = read_bnet_text("A, A\\nB, A & !C\\nC, C")
>>> code = compile_block(net, frozenset({"C"}))
>>> start = np.array([[1.0, 1.0], [0.0, 0.0], [0.25, 0.5]])  # A, B, C: one column per run
>>> n = np.array([3.0, 3.0]); kn = 0.5 ** n
>>> block = Block(code, start[list(code.layout)], code.constants(list(start)), n, kn)
>>> for _ in range(200):
...     _ = block.advance(2, 0.5)
>>> np.round(block.x[0], 3).tolist()  # B in each column
[0.75, 0.5]
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from types import CodeType
from typing import Any

import numpy as np

from her2resist.common.cached import load_marshalled
from her2resist.engines import graded_code
from her2resist.model import rules as _rules
from her2resist.model.network import Network

_UFUNCS = {ast.Add: "np.add", ast.Sub: "np.subtract", ast.Mult: "np.multiply"}


class BlockCode:
    """Generated code of the block integrator for one network and set of held nodes:
    ``layout`` (the free nodes in row order: first the ``negated`` ones that some rule reads
    as ``1 - f(x)``, then the rest of the ``reads`` ones some rule reads, then the others),
    ``constants(v)`` (the rows a step reads that depend on held nodes only, from every node's
    row ``v``), ``fill(C, T)`` (the targets that are such rows, written once into ``T``) and
    ``rules(H, G, C, T)`` (every other free node's target, from the Hill-transferred rows
    ``H``, their complements ``G = 1 - H[:negated]`` and the constants ``C``, written into
    its row of ``T``)."""

    __slots__ = ("constants", "fill", "layout", "negated", "reads", "rules")

    def __init__(self, layout: tuple[int, ...], reads: int, negated: int,
                 namespace: dict[str, Any]) -> None:
        self.layout, self.reads, self.negated = layout, reads, negated
        self.constants: Callable[[list[object]], list[object]] = namespace["constants"]
        self.fill: Callable[[np.ndarray, np.ndarray], None] = namespace["fill"]
        self.rules: Callable[..., None] = namespace["rules"]


def compile_block(network: Network, fixed: frozenset[str]) -> BlockCode:
    """The block integrator of ``network`` with the regulated nodes ``fixed`` held, generated
    and compiled once per model, set of held nodes, generator and Python version (the
    package's data cache, as :func:`~her2resist.engines.graded_code._compile`)."""
    layout, reads, negated, code = load_marshalled(
        "graded-block", (network.hash, network.name, *sorted(fixed)),
        (__name__, graded_code.__name__, _rules.__name__), lambda: _generate(network, fixed),
        lambda v: isinstance(v, tuple) and len(v) == 4 and isinstance(v[3], CodeType))
    namespace: dict[str, object] = {"np": np}
    exec(code, namespace)
    return BlockCode(tuple(layout), reads, negated, namespace)


def _into(source: str, out: str) -> str:
    """A statement that writes the value of the expression ``source`` into the array ``out``:
    its last operation given ``out=`` (the same operation on the same operands)."""
    tree = ast.parse(source, mode="eval").body
    if isinstance(tree, ast.BinOp) and type(tree.op) in _UFUNCS:
        return (f"{_UFUNCS[type(tree.op)]}({ast.unparse(tree.left)}, "
                f"{ast.unparse(tree.right)}, out={out})")
    return f"{out}[...] = {source}"


def _names(names: list[str], value: str) -> list[str]:
    return [f"    {', '.join(names)}, = {value}"] if names else []


_COMPLEMENT = re.compile(r"\(1\.0 - h(\d+)\)")


def _generate(network: Network, fixed: frozenset[str]
              ) -> tuple[tuple[int, ...], int, int, CodeType]:
    """The block integrator's source (see module docs), compiled."""
    order, free, read, writer, targets = graded_code._written(network, fixed)
    step = [line.strip() for line in writer.step]
    loop = "\n".join([*step, *(source for _, source in targets)])
    complemented = {int(i) for i in _COMPLEMENT.findall(loop)}
    wanted = set(read)
    layout = tuple([i for i in free if i in complemented]
                   + [i for i in free if i in wanted and i not in complemented]
                   + [i for i in free if i not in wanted])
    reads = sum(1 for i in free if i in wanted)
    negated = sum(1 for i in free if i in complemented)
    # 1 - f(x) of a free node: one subtraction over those rows, the same one per element
    step = [_COMPLEMENT.sub(r"g\1", line) for line in step]
    target = {i: _COMPLEMENT.sub(r"g\1", source) for i, source in targets}
    held = sorted({int(i) for i in re.findall(r"\bx(\d+)\b", loop)})
    constants = [f"c{k}" for k in range(len(writer.before))] + [f"x{i}" for i in held]
    # a target that is a held row (or a number) never changes: written once per block
    fixed_target = {i for i, source in target.items() if not re.search(r"\b[hge]\d+\b", source)}
    lines = [
        "def constants(v):",
        *_names([f"x{i}" for i in range(len(order))], "v"),
        *(f"    {line.strip()}" for line in writer.before),
        f"    return [{', '.join(constants)}]",
        "def fill(C, T):",
        *_names(constants, "C"),
        *(f"    T[{k}] = {target[i]}" for k, i in enumerate(layout) if i in fixed_target),
        "    return None",
        "def rules(H, G, C, T):",
        *_names([f"h{i}" for i in layout[:reads]], "H"),
        *_names([f"g{i}" for i in layout[:negated]], "G"),
        *_names(constants, "C"),
        *_names([f"t{k}" for k in range(len(layout))], "T"),
        *(f"    {line}" for line in step),
        *(f"    {_into(target[i], f't{k}')}" for k, i in enumerate(layout)
          if i not in fixed_target),
        "    return None",
    ]
    return (layout, reads, negated,
            compile("\n".join(lines), f"<graded-block:{network.name}>", "exec"))


class Block:
    """Columns stepped together in place (see module docs): ``x`` the (free nodes, columns)
    state in :attr:`BlockCode.layout` order, ``constants`` what ``code.constants`` gives for
    the columns' held rows, ``n`` and ``kn`` (Hill n, and k to the power n) per column."""

    __slots__ = ("_buffers", "_raised", "code", "held", "kn", "kn1", "n", "x")

    def __init__(self, code: BlockCode, x: np.ndarray, constants: list[Any], n: np.ndarray,
                 kn: np.ndarray) -> None:
        width = x.shape[1]
        self.code, self.x, self.n, self.kn = code, np.array(x, dtype=float), n, kn
        self.kn1 = 1.0 + kn
        self.held = np.empty((len(constants), width))
        for row, value in zip(self.held, constants, strict=True):
            row[...] = value  # an array per column, or a number for all
        self._buffers: tuple[np.ndarray, ...] = ()
        self._raised = False

    @property
    def width(self) -> int:
        return int(self.x.shape[1])

    def take(self, columns: np.ndarray) -> Block:
        """The block of ``columns`` only."""
        out = Block.__new__(Block)
        out.code, out.n, out.kn, out.kn1 = self.code, self.n[columns], self.kn[columns], \
            self.kn1[columns]
        # take, not x[:, columns]: that is column-major, and a step reads rows
        out.x, out.held = self.x.take(columns, axis=1), self.held.take(columns, axis=1)
        out._buffers, out._raised = (), False
        return out

    def advance(self, steps: int, dt: float, *, mean: bool = False) -> np.ndarray:
        """``steps`` Euler steps of ``dt`` (the time step over tau); returns the new state,
        or with ``mean`` the mean of the states after each step (``x`` is then the last).
        The state before the call (the array that was ``x``) is left as it was: a caller may
        read it, or write over it, until the next call."""
        reads, negated = self.code.reads, self.code.negated
        if not self._buffers:
            shape = (reads, self.width)
            self._buffers = (np.empty(shape), np.empty(shape), np.empty(shape), np.empty(shape),
                             np.empty(shape), np.empty(shape, dtype=bool),
                             np.empty((negated, self.width)), np.empty_like(self.x),
                             np.empty_like(self.x), np.empty_like(self.x),
                             np.empty_like(self.x))
            self.code.fill(self.held, self._buffers[7])  # the targets that never change
        (level, last, power, hill, denominator, changed, complement, targets, change,
         new, spare) = self._buffers
        x, n, kn, kn1, held, rules = self.x, self.n, self.kn, self.kn1, self.held, self.code.rules
        total = np.zeros_like(x) if mean else None
        raised, start = self._raised, x
        for _ in range(steps):
            # P = X ** n; H = P * kn1 / (P + kn); X = X + dt * (T - X), as advance_many
            # a level a rounding step left just below 0 counts as 0 (a negative base has no
            # real power); every other value, -0.0 included, is raised as it is
            np.maximum(x[:reads], 0.0, out=level)
            if raised:  # ``power`` holds the powers of ``last``: raise only what changed
                np.not_equal(level.view(np.int64), last.view(np.int64), out=changed)
                np.power(level, n, out=power, where=changed)
            else:
                np.power(level, n, out=power)
                raised = True
            level, last = last, level
            np.multiply(power, kn1, out=hill)
            np.add(power, kn, out=denominator)
            np.divide(hill, denominator, out=hill)
            np.subtract(1.0, hill[:negated], out=complement)
            rules(hill, complement, held, targets)
            np.subtract(targets, x, out=change)
            np.multiply(dt, change, out=change)
            np.add(x, change, out=new)
            x, new = new, x
            if new is start:  # the next step writes the spare array: the start stays
                new, spare = spare, new
            if total is not None:
                np.add(total, x, out=total)
        self.x, self._raised = x, raised
        self._buffers = (level, last, power, hill, denominator, changed, complement, targets,
                         change, new, spare)
        if total is not None:
            return np.divide(total, steps, out=total)
        return x
