import pytest

from her2resist.model.rules import (
    Const,
    RuleSyntaxError,
    evaluate,
    format_rule,
    parse_rule,
    substitute,
    variables,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("A & B | C", "A & B | C"),
        ("A & (B | C)", "A & (B | C)"),
        ("!(A | B)", "!(A | B)"),
        ("!!A", "!!A"),
        ("1", "1"),
        ("true & A", "1 & A"),
    ],
)
def test_format_round_trip(text: str, expected: str) -> None:
    assert format_rule(parse_rule(text)) == expected
    assert parse_rule(format_rule(parse_rule(text))) == parse_rule(text)


def test_precedence_and_evaluation() -> None:
    expr = parse_rule("A | B & !C")
    assert evaluate(expr, {"A": 0, "B": 1, "C": 0}) is True
    assert evaluate(expr, {"A": 0, "B": 1, "C": 1}) is False
    assert sorted(set(variables(expr))) == ["A", "B", "C"]


@pytest.mark.parametrize(
    "text, message, position",
    [
        ("A &", "ends too early", 3),
        ("A & (B", "ends too early", 6),
        ("A B", "unexpected 'B'", 2),
        ("A ^ B", "unexpected character '\\^'", 2),
        ("", "empty", 0),
        ("(A))", "unexpected '\\)'", 3),
    ],
)
def test_syntax_errors_report_position(text: str, message: str, position: int) -> None:
    with pytest.raises(RuleSyntaxError, match=message) as info:
        parse_rule(text)
    assert info.value.position == position


def test_substitute_simplifies() -> None:
    expr = parse_rule("(A | B) & !C & D")
    assert substitute(expr, {"C": 1}) == Const(False)
    assert format_rule(substitute(expr, {"A": 1, "C": 0})) == "D"
    assert format_rule(substitute(expr, {"A": 0})) == "B & !C & D"
