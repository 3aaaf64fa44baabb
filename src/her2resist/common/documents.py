"""One safe loader for every YAML and JSON file the package reads.

Every reader (model, knowledge base, profiles, evolution scenarios, references) goes through
:func:`read_document`, so every one of them gets the same guarantees against hostile or broken
input:

- the text is decoded as UTF-8 (a byte-order mark is dropped); UTF-16 and UTF-32 with a
  byte-order mark (Excel's "Unicode text") are recognised and read; other bytes are refused
  with the line and column of the first bad byte;
- the file's size, its nesting depth and its aliases are bounded before anything walks the
  data (:class:`Limits`): an alias "bomb" (nested anchors that expand to billions of nodes) or
  a 100,000-deep list is refused with the line where it happens, not a memory blow-up or a
  ``RecursionError``;
- a key given twice in one mapping is an error with its line (never "last one wins");
- more than one YAML document in a file is an error;
- every position is kept: :meth:`Document.position` gives the line and column of any value.

The YAML node tree is built here from the parser's events, without recursion, so the depth
check happens before any recursive code runs. Error messages quote at most a short excerpt of
the input (:func:`excerpt`).

Examples
--------
>>> doc = parse_document("name: x\\ntypes:\\n  - {name: S, birth: 1}\\n", "s.yaml")
>>> doc.data["types"][0]["birth"]
1
>>> doc.position(("types", 0, "birth"))
(3, 22)
>>> parse_document("a: 1\\na: 2\\n", "s.yaml")
Traceback (most recent call last):
...
her2resist.exceptions.InputFileError: s.yaml, line 2, column 1, field 'a': the key 'a' is given \
twice in one mapping
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any

import yaml
from yaml import events as ev
from yaml import nodes as yn

from her2resist.common.text import decode_text, excerpt, read_bounded
from her2resist.exceptions import InputFileError

_PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = yaml.resolver.Resolver()


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on a document, checked before its data is built.

    Attributes
    ----------
    max_bytes
        Largest file, in bytes.
    max_depth
        Deepest nesting of lists and mappings.
    max_aliases
        Most ``*alias`` references in one file.
    max_alias_nodes
        Most values that aliases may add to the data beyond those written in the file (an
        alias to a list of 10 values adds 11).
    """

    max_bytes: int = 256 * 1024**2
    max_depth: int = 100
    max_aliases: int = 10_000
    max_alias_nodes: int = 100_000


#: The limits every reader uses unless it passes its own.
LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed YAML or JSON file: its data and where each value was written.

    Attributes
    ----------
    source
        The file (or a label for text that came from elsewhere).
    data
        Plain Python data: dicts, lists, strings, numbers, booleans, None (and dates in YAML).
    root
        The YAML node tree that knows every position; None for a JSON file that YAML cannot
        also read (positions are then unknown).
    """

    source: str
    data: Any
    root: yn.Node | None

    def node(self, loc: Sequence[Any]) -> yn.Node | None:
        """The node at ``loc`` (keys and list indexes), or the nearest enclosing one."""
        node = self.root
        if node is None:
            return None
        for key in loc:
            child = None
            if isinstance(node, yn.MappingNode):
                child = next((v for k, v in node.value
                              if isinstance(k, yn.ScalarNode) and _key_matches(k, key)), None)
            elif isinstance(node, yn.SequenceNode) and isinstance(key, int) \
                    and 0 <= key < len(node.value):
                child = node.value[key]
            if child is None:
                break
            node = child
        return node

    def position(self, loc: Sequence[Any] = ()) -> tuple[int | None, int | None]:
        """Line and column (from 1) of the value at ``loc``, or of the nearest enclosing one."""
        node = self.node(loc)
        if node is None:
            return None, None
        return node.start_mark.line + 1, node.start_mark.column + 1

    def line(self, loc: Sequence[Any] = ()) -> int | None:
        """Line (from 1) of the value at ``loc``, or of the nearest enclosing one."""
        return self.position(loc)[0]

    def lines(self) -> LineIndex:
        """A mapping from each location (tuple of keys and indexes) to its line."""
        return LineIndex(self)

    def key_line(self, loc: Sequence[Any]) -> int | None:
        """Line of the key that names the value at ``loc`` (its value may start later)."""
        if not loc:
            return self.line(loc)
        parent = self.node(loc[:-1])
        if isinstance(parent, yn.MappingNode):
            for key, _ in parent.value:
                if isinstance(key, yn.ScalarNode) and _key_matches(key, loc[-1]):
                    return int(key.start_mark.line) + 1
        return self.line(loc)


class LineIndex(Mapping[tuple[Any, ...], int]):
    """Line of each location of a :class:`Document` (a key's own line for mapping values).

    Looked up on demand, so a document whose aliases repeat a value many times costs nothing
    until a line is asked for.
    """

    def __init__(self, document: Document) -> None:
        self._doc = document

    def __getitem__(self, loc: tuple[Any, ...]) -> int:
        node = self._doc.node(loc)
        if node is None or (loc and node is self._doc.node(loc[:-1])):
            raise KeyError(loc)
        line = self._doc.key_line(loc)
        if line is None:
            raise KeyError(loc)
        return line

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        seen: set[int] = set()
        stack: list[tuple[tuple[Any, ...], yn.Node]] = []
        if self._doc.root is not None:
            stack.append(((), self._doc.root))
        while stack:
            loc, node = stack.pop()
            yield loc
            if id(node) in seen:  # an alias: its inside is listed where it was written
                continue
            seen.add(id(node))
            if isinstance(node, yn.MappingNode):
                stack.extend(((*loc, k.value), v) for k, v in node.value
                             if isinstance(k, yn.ScalarNode))
            elif isinstance(node, yn.SequenceNode):
                stack.extend(((*loc, i), v) for i, v in enumerate(node.value))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _key_matches(node: yn.ScalarNode, key: Any) -> bool:
    return bool(node.value == key or node.value == str(key))


def read_document(path: str | Path, *, error: type[InputFileError] = InputFileError,
                  limits: Limits = LIMITS, line_key: str | None = None,
                  construct: bool = True) -> Document:
    """Read a YAML file, or a JSON file (by its ``.json`` suffix), safely.

    Parameters
    ----------
    path
        The file.
    error
        The exception raised for any problem (it names the file, line and column).
    limits
        Size, depth and alias bounds.
    line_key
        If given, every mapping of the data also holds its line under this key.
    construct
        False for readers that walk the node tree themselves (``data`` is then None).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> file = pathlib.Path(tempfile.mkdtemp()) / "bomb.yaml"
    >>> _ = file.write_text("a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\\n" + "".join(
    ...     f"{n}: &{n} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\\n"
    ...     for p, n in zip("abcdefgh", "bcdefghi")))
    >>> read_document(file)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    her2resist.exceptions.InputFileError: ...: aliases would add more than 100000 values ...
    """
    source = str(path)
    try:
        with open(path, "rb") as fh:
            data = read_bounded(fh, limits.max_bytes)
    except IsADirectoryError:
        raise error(source, "is a folder, not a file") from None
    except OSError as exc:
        raise error(source, f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > limits.max_bytes:
        raise error(source, f"larger than {limits.max_bytes:,} bytes")
    text = decode_text(data, source, error=error)
    return parse_document(text, source, error=error, limits=limits, line_key=line_key,
                          as_json=source.lower().endswith(".json"), construct=construct)


def parse_document(text: str, source: str, *, error: type[InputFileError] = InputFileError,
                   limits: Limits = LIMITS, line_key: str | None = None,
                   as_json: bool = False, construct: bool = True) -> Document:
    """Parse YAML (or JSON) text with the bounds of :func:`read_document`."""
    if len(text) > limits.max_bytes:
        raise error(source, f"larger than {limits.max_bytes:,} characters")
    if as_json:
        return _parse_json(text, source, error, limits)
    root = compose(text, source, error=error, limits=limits)
    if root is None or not construct:
        return Document(source, None, root)
    return Document(source, _construct(root, source, error, line_key), root)


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_BRACKETS = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects (string contents ignored): checked before
    the C decoder, which can exhaust the native stack on very deep input."""
    steps = map(_STEP.__getitem__, _JSON_BRACKETS.findall(_JSON_STRING.sub("", text)))
    return max(accumulate(steps), default=0)


def _parse_json(text: str, source: str, error: type[InputFileError], limits: Limits
                ) -> Document:
    if _json_depth(text) > limits.max_depth:
        raise error(source, f"nested deeper than {limits.max_depth} levels")
    try:
        data = json.loads(text, object_pairs_hook=_unique_pairs)
    except json.JSONDecodeError as exc:
        raise error(source, f"not valid JSON: {exc.msg}", line=exc.lineno,
                    column=exc.colno) from None
    except RecursionError:
        raise error(source, f"nested deeper than {limits.max_depth} levels") from None
    except _DuplicateKey as exc:
        compose(text, source, error=error, limits=limits)  # finds the line, where YAML can
        raise error(source, f"the key {excerpt(exc.key)} is given twice in one mapping",
                    field=str(exc.key)[:80]) from None
    try:
        root = compose(text, source, error=error, limits=limits) if len(text) < 2**22 else None
    except InputFileError:  # valid JSON that YAML cannot read (tabs): positions unknown
        root = None
    return Document(source, data, root)


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def compose(text: str, source: str, *, error: type[InputFileError] = InputFileError,
            limits: Limits = LIMITS) -> yn.Node | None:
    """Build the YAML node tree of one document, without recursion, within ``limits``."""
    return _Composer(source, error, limits).run(text)


class _Composer:
    """Builds nodes from parser events with an explicit stack (see the module docstring)."""

    def __init__(self, source: str, error: type[InputFileError], limits: Limits) -> None:
        self.source, self.error, self.limits = source, error, limits
        self.anchors: dict[str, yn.Node] = {}
        self.sizes: dict[int, int] = {}  # id(node) -> values it expands to, once complete
        self.aliases = 0
        self.alias_values = 0
        # Each open collection: [node, pending key (mappings), size so far]
        self.stack: list[list[Any]] = []
        self.root: yn.Node | None = None
        self.documents = 0

    def fail(self, message: str, mark: Any, field: str | None = None) -> InputFileError:
        return self.error(self.source, message, line=mark.line + 1 if mark else None,
                          column=mark.column + 1 if mark else None, field=field)

    def run(self, text: str) -> yn.Node | None:
        try:
            for event in yaml.parse(text, Loader=_PARSER):
                self.feed(event)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise self.fail(f"not valid YAML: {problem}", mark) from None
        return self.root

    def feed(self, event: ev.Event) -> None:
        if isinstance(event, ev.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise self.fail("holds more than one YAML document ('---'); give one",
                                event.start_mark)
        elif isinstance(event, ev.AliasEvent):
            self.alias(event)
        elif isinstance(event, ev.ScalarEvent):
            tag = event.tag
            if tag is None or tag == "!":
                tag = _RESOLVER.resolve(yn.ScalarNode, event.value, event.implicit)
            start: Any = event.start_mark  # the C parser's marks are duck-typed
            end: Any = event.end_mark
            node = yn.ScalarNode(tag, event.value, start, end, style=event.style)
            self.sizes[id(node)] = 1
            self.add(node, event.anchor, 1)
        elif isinstance(event, (ev.SequenceStartEvent, ev.MappingStartEvent)):
            self.open(event)
        elif isinstance(event, (ev.SequenceEndEvent, ev.MappingEndEvent)):
            self.close(event)

    def open(self, event: ev.CollectionStartEvent) -> None:
        if len(self.stack) >= self.limits.max_depth:
            raise self.fail(f"nested deeper than {self.limits.max_depth} levels",
                            event.start_mark)
        is_seq = isinstance(event, ev.SequenceStartEvent)
        kind: type[yn.CollectionNode] = yn.SequenceNode if is_seq else yn.MappingNode
        tag = event.tag
        if tag is None or tag == "!":
            tag = _RESOLVER.resolve(kind, None, event.implicit)
        start: Any = event.start_mark
        node = kind(tag, [], start, None, flow_style=event.flow_style)
        if event.anchor is not None:
            self.anchors[event.anchor] = node
        self.stack.append([node, None, 1])

    def close(self, event: ev.Event) -> None:
        node, _, size = self.stack.pop()
        node.end_mark = event.end_mark
        if isinstance(node, yn.MappingNode):
            self.check_keys(node)
        self.sizes[id(node)] = size
        self.attach(node, size)

    def alias(self, event: ev.AliasEvent) -> None:
        name = event.anchor or ""
        target = self.anchors.get(name)
        if target is None:
            raise self.fail(f"alias *{name[:40]} names no anchor defined before it",
                            event.start_mark)
        if id(target) not in self.sizes:
            raise self.fail(f"alias *{name[:40]} refers to a value that contains it",
                            event.start_mark)
        self.aliases += 1
        if self.aliases > self.limits.max_aliases:
            raise self.fail(f"more than {self.limits.max_aliases} aliases", event.start_mark)
        size = self.sizes[id(target)]
        self.alias_values += size
        if self.alias_values > self.limits.max_alias_nodes:
            raise self.fail(f"aliases would add more than {self.limits.max_alias_nodes} values "
                            "to the data (nested anchors that multiply); write the values out "
                            "or use fewer aliases", event.start_mark)
        self.attach(target, size)

    def add(self, node: yn.Node, anchor: str | None, size: int) -> None:
        if anchor is not None:
            self.anchors[anchor] = node
        self.attach(node, size)

    def attach(self, node: yn.Node, size: int) -> None:
        if not self.stack:
            self.root = node
            return
        frame = self.stack[-1]
        frame[2] += size
        parent = frame[0]
        if isinstance(parent, yn.SequenceNode):
            parent.value.append(node)
        elif frame[1] is None:
            frame[1] = node
        else:
            parent.value.append((frame[1], node))
            frame[1] = None

    def check_keys(self, node: yn.MappingNode) -> None:
        seen: set[tuple[str, str]] = set()
        for key, _ in node.value:
            if not isinstance(key, yn.ScalarNode):
                continue
            ident = (key.tag, key.value)
            if ident in seen and key.value != "<<":
                raise self.fail(f"the key {excerpt(key.value)} is given twice in one mapping",
                                key.start_mark, field=str(key.value)[:80])
            seen.add(ident)


class _Constructor(yaml.constructor.SafeConstructor):
    """Safe construction; optionally records each mapping's line under ``line_key``."""

    line_key: str | None = None

    def construct_mapping(self, node: yn.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        if self.line_key is not None:
            mapping[self.line_key] = node.start_mark.line + 1
        return mapping


def _construct(root: yn.Node, source: str, error: type[InputFileError],
               line_key: str | None) -> Any:
    constructor = _Constructor()
    constructor.line_key = line_key
    try:
        return constructor.construct_document(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(source, f"not valid YAML: {problem}", line=mark.line + 1 if mark else None,
                    column=mark.column + 1 if mark else None) from None
    except (ValueError, TypeError, OverflowError) as exc:  # a date out of range, a bad !!binary
        raise error(source, f"a value cannot be read: {excerpt(str(exc), 120)}") from None
