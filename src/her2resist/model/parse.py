"""Read the model file (YAML) into a :class:`~her2resist.model.network.Network`.

Every problem is reported as a :class:`~her2resist.exceptions.ModelError` that names the file,
the line, the node and the field: syntax errors in rules, unknown nodes, duplicate
definitions, regulated nodes without a rule, regulators without a reference.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from her2resist.common.cached import load_cached
from her2resist.common.text import excerpt
from her2resist.exceptions import ModelError
from her2resist.model.network import INPUT_KINDS, NODE_KINDS, Network, Node
from her2resist.model.rules import IDENTIFIER, RuleSyntaxError, parse_rule, variables

if TYPE_CHECKING:  # yaml is imported when a model file is read, not for the cached model
    import yaml

REFERENCE = re.compile(r"(PMID:\d{1,9}|DOI:10\.\d{4,9}/\S+)")
_NODE_FIELDS = {"id", "kind", "genes", "description", "default", "rule", "refs", "notes"}


def default_model_path() -> Path:
    """Path of the model file shipped in the package.

    Examples
    --------
    >>> default_model_path().name
    'her2_model.yaml'
    """
    return Path(str(resources.files("her2resist.model") / "data" / "her2_model.yaml"))


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> Network:
    if Path(path) != default_model_path():
        return read_model_yaml(path)
    # The package's own model is also kept on disk (her2resist.common.cached); a Network
    # holds a read-only mapping, so its parts are stored.
    nodes, name, version = load_cached(
        "model", [Path(path)], (__name__, "her2resist.model.network", "her2resist.model.rules",
                                "her2resist.common.documents"),
        lambda: _model_parts(read_model_yaml(path)))
    return Network(nodes=nodes, name=name, version=version, source=path)


def _model_parts(network: Network) -> tuple[dict[str, Node], str, str]:
    return dict(network.nodes), network.name, network.version


def load_model(path: str | Path | None = None, *, implicit_inputs: bool = False) -> Network:
    """Load a model: the package's own by default, or a YAML, bnet or SBML-qual file.

    ``implicit_inputs`` makes names that a bnet file's rules read but never define free
    inputs instead of an error (see :func:`her2resist.model.formats.read_bnet_text`).

    Parsed models are cached by path and modification time.

    Examples
    --------
    >>> net = load_model()
    >>> "trastuzumab" in net and net.nodes["trastuzumab"].kind
    'drug'
    """
    target = Path(path) if path is not None else default_model_path()
    suffix = target.suffix.lower()
    if suffix in {".bnet", ".sbml", ".xml"}:
        from her2resist.model import formats

        return formats.read_model_file(target, implicit_inputs=implicit_inputs)
    try:
        mtime = target.stat().st_mtime
    except OSError as exc:
        raise ModelError(target, f"cannot read the model file: {exc.strerror}") from None
    return _load_cached(str(target), mtime)


def _scalar(node: yaml.Node, path: str, field: str, owner: str) -> str:
    import yaml

    if not isinstance(node, yaml.ScalarNode):
        raise ModelError(
            path, f"node {owner!r}: '{field}' must be a single value", line=_line(node), field=field
        )
    return str(node.value)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _ref_list(node: yaml.Node, path: str, field: str, owner: str) -> tuple[str, ...]:
    import yaml

    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise ModelError(
            path,
            f"node {owner!r}: references must be a non-empty list such as [PMID:12345678]",
            line=_line(node),
            field=field,
        )
    refs = []
    for item in node.value:
        value = _scalar(item, path, field, owner)
        if not REFERENCE.fullmatch(value):
            raise ModelError(
                path,
                f"node {owner!r}: reference {value!r} is neither PMID:<digits> nor DOI:10.<...>",
                line=_line(item),
                field=field,
            )
        refs.append(value)
    return tuple(refs)


def _mapping(node: yaml.Node) -> dict[str, yaml.Node]:
    return {key.value: value for key, value in node.value}


def _parse_node(item: yaml.Node, path: str) -> tuple[Node, dict[str, int]]:
    import yaml

    line = _line(item)
    if not isinstance(item, yaml.MappingNode):
        raise ModelError(path, "each entry of 'nodes' must be a mapping with an 'id'", line=line)
    fields = _mapping(item)
    if "id" not in fields:
        raise ModelError(path, "a node has no 'id'", line=line, field="id")
    node_id = _scalar(fields["id"], path, "id", "?")
    if not IDENTIFIER.fullmatch(node_id) or "." in node_id:
        raise ModelError(
            path,
            f"node id {node_id!r} must start with a letter and hold only letters, digits and _",
            line=_line(fields["id"]),
            field="id",
        )
    unknown = set(fields) - _NODE_FIELDS
    if unknown:
        name = sorted(unknown)[0]
        raise ModelError(
            path,
            f"node {node_id!r}: unknown field {name!r}; "
            f"accepted: {', '.join(sorted(_NODE_FIELDS))}",
            line=line,
            field=name,
        )
    kind = _scalar(fields["kind"], path, "kind", node_id) if "kind" in fields else ""
    if kind not in NODE_KINDS:
        raise ModelError(
            path,
            f"node {node_id!r}: kind {kind!r} is not one of {', '.join(sorted(NODE_KINDS))}",
            line=_line(fields.get("kind", item)),
            field="kind",
        )
    genes: tuple[str, ...] = ()
    if "genes" in fields:
        if not isinstance(fields["genes"], yaml.SequenceNode):
            raise ModelError(
                path, f"node {node_id!r}: 'genes' must be a list", line=line, field="genes"
            )
        genes = tuple(_scalar(g, path, "genes", node_id) for g in fields["genes"].value)
    text: dict[str, str] = {
        k: _scalar(fields[k], path, k, node_id) for k in ("description", "notes") if k in fields
    }
    ref_lines: dict[str, int] = {}
    if kind in INPUT_KINDS:
        node = _input_node(fields, path, node_id, kind, genes, text, line)
    else:
        node, ref_lines = _regulated_node(fields, path, node_id, kind, genes, text, line)
    return node, ref_lines


def _input_node(
    fields: dict[str, yaml.Node],
    path: str,
    node_id: str,
    kind: str,
    genes: tuple[str, ...],
    text: dict[str, str],
    line: int,
) -> Node:
    if "rule" in fields:
        raise ModelError(
            path,
            f"node {node_id!r} is an input ({kind}) and cannot have a rule",
            line=_line(fields["rule"]),
            field="rule",
        )
    default = _scalar(fields["default"], path, "default", node_id) if "default" in fields else "0"
    if default not in {"0", "1"}:
        raise ModelError(
            path,
            f"node {node_id!r}: default must be 0 or 1, got {default!r}",
            line=_line(fields["default"]),
            field="default",
        )
    refs = _ref_list(fields["refs"], path, "refs", node_id) if "refs" in fields else ()
    return Node(
        id=node_id,
        kind=kind,
        default=int(default),
        genes=genes,
        refs={"": refs} if refs else {},
        description=text.get("description", ""),
        notes=text.get("notes", ""),
        line=line,
    )


def _regulated_node(
    fields: dict[str, yaml.Node],
    path: str,
    node_id: str,
    kind: str,
    genes: tuple[str, ...],
    text: dict[str, str],
    line: int,
) -> tuple[Node, dict[str, int]]:
    import yaml

    if "rule" not in fields:
        raise ModelError(
            path,
            f"node {node_id!r} ({kind}) has no rule; give 'rule:' or make it an input",
            line=line,
            field="rule",
        )
    rule_node = fields["rule"]
    rule = " ".join(_scalar(rule_node, path, "rule", node_id).split())
    try:
        parse_rule(rule)
    except RuleSyntaxError as exc:
        raise ModelError(
            path,
            f"node {node_id!r}: syntax error in rule {excerpt(rule)} at character "
            f"{exc.position + 1}: {exc}",
            line=_line(rule_node),
            field="rule",
        ) from None
    refs: dict[str, tuple[str, ...]] = {}
    ref_lines: dict[str, int] = {}
    if "refs" in fields:
        refs_node = fields["refs"]
        if not isinstance(refs_node, yaml.MappingNode):
            raise ModelError(
                path,
                f"node {node_id!r}: 'refs' must map each regulator to a list of references",
                line=_line(refs_node),
                field="refs",
            )
        for key, value in refs_node.value:
            refs[key.value] = _ref_list(value, path, f"refs.{key.value}", node_id)
            ref_lines[key.value] = _line(key)
    if "default" in fields:
        raise ModelError(
            path,
            f"node {node_id!r} has a rule; 'default' is only for input nodes",
            line=_line(fields["default"]),
            field="default",
        )
    node = Node(
        id=node_id,
        kind=kind,
        rule=rule,
        genes=genes,
        refs=refs,
        description=text.get("description", ""),
        notes=text.get("notes", ""),
        line=line,
    )
    return node, ref_lines


def _check_links(nodes: dict[str, Node], ref_lines: dict[str, dict[str, int]], path: str) -> None:
    for node in nodes.values():
        if node.rule is None:
            continue
        regulators = set(variables(node.expr))
        for name in sorted(regulators):
            if name not in nodes:
                raise ModelError(
                    path,
                    f"node {node.id!r}: rule names unknown node {name!r}",
                    line=node.line,
                    field="rule",
                )
        for name in sorted(regulators - set(node.refs)):
            raise ModelError(
                path,
                f"node {node.id!r}: regulator {name!r} has no reference under 'refs'",
                line=node.line,
                field="refs",
            )
        for name in sorted(set(node.refs) - regulators):
            raise ModelError(
                path,
                f"node {node.id!r}: 'refs' names {name!r}, which is not in the rule",
                line=ref_lines[node.id].get(name, node.line),
                field=f"refs.{name}",
            )


def read_model_yaml(path: str | Path) -> Network:
    """Parse and validate a model YAML file (no caching).

    Examples
    --------
    >>> read_model_yaml(default_model_path()).nodes["FOXO"].rule
    '!AKT'
    """
    import yaml

    from her2resist.common.documents import read_document

    path = str(path)
    root = read_document(path, error=ModelError, construct=False).root
    if not isinstance(root, yaml.MappingNode) or "nodes" not in _mapping(root):
        raise ModelError(path, "the model file must be a mapping with a 'nodes' list", line=1)
    top = _mapping(root)
    items = top["nodes"]
    if not isinstance(items, yaml.SequenceNode) or not items.value:
        raise ModelError(path, "'nodes' must be a non-empty list", line=_line(items), field="nodes")
    nodes: dict[str, Node] = {}
    ref_lines: dict[str, dict[str, int]] = {}
    for item in items.value:
        node, lines = _parse_node(item, path)
        if node.id in nodes:
            raise ModelError(
                path,
                f"node {node.id!r} is defined twice (first at line {nodes[node.id].line})",
                line=node.line,
                field="id",
            )
        nodes[node.id] = node
        ref_lines[node.id] = lines
    _check_links(nodes, ref_lines, path)
    meta: dict[str, Any] = {k: top[k].value for k in ("name", "version") if k in top}
    return Network(
        nodes=nodes,
        name=str(meta.get("name", Path(path).stem)),
        version=str(meta.get("version", "")),
        source=path,
    )
