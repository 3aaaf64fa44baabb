"""Boolean rules: a small, strict parser and the operations the model needs on them.

The syntax is the one of bnet files: ``&`` (and), ``|`` (or), ``!`` (not), parentheses, node
identifiers and the constants ``0``/``1`` (also ``true``/``false``).  A rule is parsed into a
typed tree of frozen dataclasses: :class:`Const`, :class:`Var`, :class:`Not`, :class:`And`,
:class:`Or` (the union :data:`Expr`), taken apart with ``match``.

Examples
--------
>>> expr = parse_rule("A & !(B | C)")
>>> sorted(variables(expr))
['A', 'B', 'C']
>>> evaluate(expr, {"A": 1, "B": 0, "C": 0})
True
>>> format_rule(expr)
'A & !(B | C)'
>>> signs(expr)
{'A': {True}, 'B': {False}, 'C': {False}}
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True, slots=True)
class Const:
    """A constant: ``True`` (1) or ``False`` (0)."""

    value: bool


@dataclass(frozen=True, slots=True)
class Var:
    """A node read by the rule."""

    name: str


@dataclass(frozen=True, slots=True)
class Not:
    """Negation."""

    arg: Expr


@dataclass(frozen=True, slots=True)
class And:
    """Conjunction of two or more terms."""

    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Disjunction of two or more terms."""

    args: tuple[Expr, ...]


Expr = Union[Const, Var, Not, And, Or]  # noqa: UP007 (a runtime alias used with isinstance)
TRUE = Const(True)
FALSE = Const(False)


def const(value: object) -> Const:
    """The constant for a truth value (shared instances)."""
    return TRUE if value else FALSE


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
        return terms[0] if len(terms) == 1 else Or(tuple(terms))

    def parse_and(self) -> Expr:
        terms = [self.parse_not()]
        while (token := self.peek()) is not None and token[1] == "&":
            self.take()
            terms.append(self.parse_not())
        return terms[0] if len(terms) == 1 else And(tuple(terms))

    def parse_not(self) -> Expr:
        token = self.take()
        if token[1] == "!":
            return Not(self.parse_not())
        if token[1] == "(":
            expr = self.parse_or()
            closing = self.take()
            if closing[1] != ")":
                raise RuleSyntaxError(f"expected ')' but found {closing[1]!r}", closing[2])
            return expr
        if token[0] == "name":
            if token[1] in _CONSTANTS:
                return const(_CONSTANTS[token[1]])
            if not IDENTIFIER.fullmatch(token[1]):
                raise RuleSyntaxError(f"{token[1]!r} is not a valid node name", token[2])
            return Var(token[1])
        raise RuleSyntaxError(f"unexpected {token[1]!r}", token[2])


def parse_rule(text: str) -> Expr:
    """Parse a Boolean rule; raise :class:`RuleSyntaxError` with the position of the fault.

    Examples
    --------
    >>> parse_rule("!A | B")
    Or(args=(Not(arg=Var(name='A')), Var(name='B')))
    """
    text = str(text)
    _check_nesting(text)
    return _Parser(text).parse()


#: Deepest nesting of parentheses and negations in a rule (published rules use under 10).
MAX_RULE_DEPTH = 100


def _check_nesting(text: str) -> None:
    """Refuse absurdly deep rules before the recursive parser and walkers see them."""
    depth = bangs = 0
    for position, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "!":
            bangs += 1
        elif not char.isspace():
            bangs = 0 if char != "(" else bangs
        if depth + bangs > MAX_RULE_DEPTH:
            raise RuleSyntaxError(f"the rule nests parentheses or negations deeper than "
                                  f"{MAX_RULE_DEPTH} levels", position)


def variables(expr: Expr) -> Iterator[str]:
    """Yield every node name in ``expr`` (with repeats, in order of appearance)."""
    found: list[str] = []
    _collect(expr, found.append)
    return iter(found)


def _collect(expr: Expr, add: Callable[[str], None]) -> None:
    """:func:`variables` into ``add``, without a generator per tree node (the solver's
    bookkeeping walks rules tens of thousands of times per cohort)."""
    if isinstance(expr, Var):
        add(expr.name)
    elif isinstance(expr, Not):
        _collect(expr.arg, add)
    elif isinstance(expr, (And, Or)):
        for sub in expr.args:
            _collect(sub, add)


def signed_variables(expr: Expr, positive: bool = True) -> Iterator[tuple[str, bool]]:
    """Each variable of ``expr`` with the sign of its occurrence (True: positive, an
    activator; False: under an odd number of negations, an inhibitor)."""
    match expr:
        case Var(name):
            yield name, positive
        case Not(arg):
            yield from signed_variables(arg, not positive)
        case And(args) | Or(args):
            for sub in args:
                yield from signed_variables(sub, positive)


def signs(expr: Expr) -> dict[str, set[bool]]:
    """Regulator -> the signs of its occurrences ({True}, {False} or both: non-unate)."""
    out: dict[str, set[bool]] = {}
    for name, positive in signed_variables(expr):
        out.setdefault(name, set()).add(positive)
    return out


def evaluate(expr: Expr, state: Mapping[str, int | bool]) -> bool:
    """Evaluate ``expr`` in a Boolean state (missing names raise ``KeyError``)."""
    match expr:
        case Const(value):
            return value
        case Var(name):
            return bool(state[name])
        case Not(arg):
            return not evaluate(arg, state)
        case And(args):
            return all(evaluate(e, state) for e in args)
        case Or(args):
            return any(evaluate(e, state) for e in args)
    raise TypeError(f"not a rule expression: {expr!r}")


def substitute(expr: Expr, values: Mapping[str, int | bool]) -> Expr:
    """Replace the named variables by constants and simplify."""
    # The rule classes by exact type first (the solver's bookkeeping substitutes tens of
    # thousands of trees per cohort; a class pattern costs more); anything else as matched.
    kind = type(expr)
    if kind is Var:
        name = expr.name  # type: ignore[union-attr]
        return const(values[name]) if name in values else expr
    if kind is And or kind is Or:
        return _substitute_junction(expr, expr.args, kind is Or, values)  # type: ignore[union-attr]
    if kind is Not:
        inner = substitute(expr.arg, values)  # type: ignore[union-attr]
        return const(not inner.value) if isinstance(inner, Const) else Not(inner)
    if kind is Const:
        return expr
    return _substitute_matched(expr, values)


def _substitute_matched(expr: Expr, values: Mapping[str, int | bool]) -> Expr:
    """:func:`substitute` of an expression of a subclass of the rule classes."""
    match expr:
        case Const():
            return expr
        case Var(name):
            return const(values[name]) if name in values else expr
        case Not(arg):
            inner = substitute(arg, values)
            return const(not inner.value) if isinstance(inner, Const) else Not(inner)
        case And(args) | Or(args):
            return _substitute_junction(expr, args, isinstance(expr, Or), values)
    raise TypeError(f"not a rule expression: {expr!r}")


def _substitute_junction(expr: Expr, args: tuple[Expr, ...], absorbing: bool,
                         values: Mapping[str, int | bool]) -> Expr:
    """:func:`substitute` of an 'and' (``absorbing`` False: a False absorbs it) or an 'or'
    (a True absorbs it): constants dropped or absorbing; ``expr`` itself when nothing changed."""
    kept: list[Expr] = []
    changed = False
    for sub in args:
        simplified = substitute(sub, values)
        if isinstance(simplified, Const):
            changed = True
            if simplified.value == absorbing:
                return const(absorbing)
            continue
        changed = changed or simplified is not sub
        kept.append(simplified)
    if not changed:
        return expr
    if not kept:
        return const(not absorbing)
    if len(kept) == 1:
        return kept[0]
    return Or(tuple(kept)) if absorbing else And(tuple(kept))


def format_rule(expr: Expr, *, parent: str = "") -> str:
    """Write ``expr`` back in bnet syntax with the fewest parentheses."""
    match expr:
        case Const(value):
            return "1" if value else "0"
        case Var(name):
            return name
        case Not(arg):
            return "!" + format_rule(arg, parent="not")
        case And(args) | Or(args):
            kind = "and" if isinstance(expr, And) else "or"
            joiner = " & " if kind == "and" else " | "
            text = joiner.join(format_rule(e, parent=kind) for e in args)
            needs_brackets = parent == "not" or (parent == "and" and kind == "or")
            return f"({text})" if needs_brackets else text
    raise TypeError(f"not a rule expression: {expr!r}")
