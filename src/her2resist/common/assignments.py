"""``NODE=0|1`` assignments: the one parser behind ``--set``, ``--fix``, ``--readout`` and
screen agents, and the Python API's ``fix=``/``readout=`` arguments.

Examples
--------
>>> parse_assignments(["AKT=1", "ERK = 0"])
{'AKT': 1, 'ERK': 0}
>>> parse_assignments({"AKT": 1})
{'AKT': 1}
>>> parse_assignment("AKT=on")
Traceback (most recent call last):
...
her2resist.exceptions.ParameterError: The 'node setting' parameter of her2resist must be \
written NODE=0 or NODE=1. Got 'AKT=on' instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from her2resist.exceptions import ParameterError

#: A node id (as the model parsers accept it), '=', then 0 or 1 (a pattern, compiled when
#: first used: a command without node settings does not pay for it).
NODE_VALUE = r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*([01])\s*$"


def parse_assignment(text: str, what: str = "node setting", function: str = "her2resist"
                     ) -> tuple[str, int]:
    """``"NODE=0"`` -> ``("NODE", 0)``; anything else is a :class:`ParameterError`.

    Examples
    --------
    >>> parse_assignment(" PTEN = 0 ")
    ('PTEN', 0)
    """
    match = re.match(NODE_VALUE, str(text))
    if match is None:
        raise ParameterError(what, function, "written NODE=0 or NODE=1", _short(text))
    return match.group(1), int(match.group(2))


def parse_assignments(values: Mapping[str, int] | Iterable[str] | str | None,
                      what: str = "node setting", function: str = "her2resist"
                      ) -> dict[str, int]:
    """``{node: 0|1}`` from a mapping, ``NODE=0|1`` strings, or one comma-separated string.

    A node given twice with different values is an error (never "the last one wins").

    Examples
    --------
    >>> parse_assignments("A=1, B=0")
    {'A': 1, 'B': 0}
    >>> parse_assignments(["A=1", "A=0"])
    Traceback (most recent call last):
    ...
    her2resist.exceptions.ParameterError: The 'node setting' parameter of her2resist must be \
each node once (A is set to 1 and to 0). Got 'A=0' instead.
    """
    if values is None:
        return {}
    if isinstance(values, Mapping):
        out: dict[str, int] = {}
        for node, value in values.items():
            if isinstance(value, bool) or value not in (0, 1):
                raise ParameterError(what, function, "a mapping of nodes to 0 or 1",
                                     {node: value})
            out[str(node)] = int(value)
        return out
    items = split_list(values)
    out = {}
    for item in items:
        node, value = parse_assignment(item, what, function)
        if out.get(node, value) != value:
            raise ParameterError(what, function, f"each node once ({node} is set to "
                                 f"{out[node]} and to {value})", item)
        out[node] = value
    return out


def split_list(values: Iterable[str] | str | None) -> list[str]:
    """The items of a list option: repeated values, each possibly comma-separated.

    Every command reads its list options this way, so ``-a X -a Y`` and ``-a X,Y`` mean the
    same. Empty items (``",,"``) are dropped; the caller decides whether an empty list is
    acceptable.

    Examples
    --------
    >>> split_list(["a, b", "c"])
    ['a', 'b', 'c']
    >>> split_list(",,,")
    []
    """
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [part.strip() for value in values for part in str(value).split(",") if part.strip()]


def _short(text: object, limit: int = 60) -> object:
    value = str(text)
    return value if len(value) <= limit else value[: limit - 3] + "..."
