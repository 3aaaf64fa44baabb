"""Boolean rules: a small, strict parser and the operations the model needs on them.

The syntax is the one of bnet files: ``&`` (and), ``|`` (or), ``!`` (not), parentheses, node
identifiers and the constants ``0``/``1`` (also ``true``/``false``).  A rule is parsed into a
tree of tuples:

``("const", bool)``, ``("var", name)``, ``("not", expr)``, ``("and", (expr, ...))``,
``("or", (expr, ...))``.

Examples
--------
>>> expr = parse_rule("A & !(B | C)")
>>> sorted(variables(expr))
['A', 'B', 'C']
>>> evaluate(expr, {"A": 1, "B": 0, "C": 0})
True
>>> format_rule(expr)
'A & !(B | C)'
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Union

# A recursive alias needs the quoted forward references that only Union accepts.
Expr = Union[  # noqa: UP007
    tuple[str, bool], tuple[str, str], tuple[str, "Expr"], tuple[str, tuple["Expr", ...]]
]

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_TOKEN = re.compile(r"\s*(?:(?P<op>[&|!()])|(?P<name>[A-Za-z0-9_.]+)|(?P<bad>\S))")
_CONSTANTS = {"0": False, "1": True, "false": False, "true": True, "False": False, "True": True}


class RuleSyntaxError(ValueError):
    """A rule that cannot be parsed; ``position`` is the 0-based character offset."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:  # only trailing whitespace is left
            break
        if match.group("bad"):
            raise RuleSyntaxError(
                f"unexpected character {match.group('bad')!r} (allowed: & | ! ( ) names 0 1)",
                match.start("bad"),
            )
        kind = "op" if match.group("op") else "name"
        tokens.append((kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            raise RuleSyntaxError("the rule ends too early", len(self.text))
        self.i += 1
        return token

    def parse(self) -> Expr:
        if not self.tokens:
            raise RuleSyntaxError("the rule is empty", 0)
        expr = self.parse_or()
        token = self.peek()
        if token is not None:
            raise RuleSyntaxError(f"unexpected {token[1]!r}", token[2])
        return expr

    def parse_or(self) -> Expr:
        terms = [self.parse_and()]
        while (token := self.peek()) is not None and token[1] == "|":
            self.take()
            terms.append(self.parse_and())
        return terms[0] if len(terms) == 1 else ("or", tuple(terms))

    def parse_and(self) -> Expr:
        terms = [self.parse_not()]
        while (token := self.peek()) is not None and token[1] == "&":
            self.take()
            terms.append(self.parse_not())
        return terms[0] if len(terms) == 1 else ("and", tuple(terms))

    def parse_not(self) -> Expr:
        token = self.take()
        if token[1] == "!":
            return ("not", self.parse_not())
        if token[1] == "(":
            expr = self.parse_or()
            closing = self.take()
            if closing[1] != ")":
                raise RuleSyntaxError(f"expected ')' but found {closing[1]!r}", closing[2])
            return expr
        if token[0] == "name":
            if token[1] in _CONSTANTS:
                return ("const", _CONSTANTS[token[1]])
            if not IDENTIFIER.fullmatch(token[1]):
                raise RuleSyntaxError(f"{token[1]!r} is not a valid node name", token[2])
            return ("var", token[1])
        raise RuleSyntaxError(f"unexpected {token[1]!r}", token[2])


def parse_rule(text: str) -> Expr:
    """Parse a Boolean rule; raise :class:`RuleSyntaxError` with the position of the fault.

    Examples
    --------
    >>> parse_rule("!A | B")
    ('or', (('not', ('var', 'A')), ('var', 'B')))
    """
    return _Parser(str(text)).parse()


def variables(expr: Expr) -> Iterator[str]:
    """Yield every node name in ``expr`` (with repeats, in order of appearance)."""
    kind = expr[0]
    if kind == "var":
        yield expr[1]  # type: ignore[misc]
    elif kind == "not":
        yield from variables(expr[1])  # type: ignore[arg-type]
    elif kind in ("and", "or"):
        for sub in expr[1]:  # type: ignore[union-attr]
            yield from variables(sub)  # type: ignore[arg-type]


def evaluate(expr: Expr, state: Mapping[str, int | bool]) -> bool:
    """Evaluate ``expr`` in a Boolean state (missing names raise ``KeyError``)."""
    kind = expr[0]
    if kind == "const":
        return bool(expr[1])
    if kind == "var":
        return bool(state[expr[1]])  # type: ignore[index]
    if kind == "not":
        return not evaluate(expr[1], state)  # type: ignore[arg-type]
    if kind == "and":
        return all(evaluate(e, state) for e in expr[1])  # type: ignore[union-attr, arg-type]
    return any(evaluate(e, state) for e in expr[1])  # type: ignore[union-attr, arg-type]


def substitute(expr: Expr, values: Mapping[str, int | bool]) -> Expr:
    """Replace the named variables by constants and simplify."""
    kind = expr[0]
    if kind == "const":
        return expr
    if kind == "var":
        name = expr[1]
        return ("const", bool(values[name])) if name in values else expr  # type: ignore[index]
    if kind == "not":
        inner = substitute(expr[1], values)  # type: ignore[arg-type]
        return ("const", not inner[1]) if inner[0] == "const" else ("not", inner)
    absorbing = kind == "or"  # True absorbs an 'or', False absorbs an 'and'
    kept: list[Expr] = []
    for sub in expr[1]:  # type: ignore[union-attr]
        simplified = substitute(sub, values)  # type: ignore[arg-type]
        if simplified[0] == "const":
            if simplified[1] == absorbing:
                return ("const", absorbing)
            continue
        kept.append(simplified)
    if not kept:
        return ("const", not absorbing)
    return kept[0] if len(kept) == 1 else (kind, tuple(kept))


def format_rule(expr: Expr, *, parent: str = "") -> str:
    """Write ``expr`` back in bnet syntax with the fewest parentheses."""
    kind = expr[0]
    if kind == "const":
        return "1" if expr[1] else "0"
    if kind == "var":
        return str(expr[1])
    if kind == "not":
        inner = expr[1]
        text = format_rule(inner, parent="not")  # type: ignore[arg-type]
        return f"!{text}"
    joiner = " & " if kind == "and" else " | "
    text = joiner.join(format_rule(e, parent=kind) for e in expr[1])  # type: ignore[union-attr, arg-type]
    needs_brackets = parent == "not" or (parent == "and" and kind == "or")
    return f"({text})" if needs_brackets else text
