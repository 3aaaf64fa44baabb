"""The regulatory graph for network viewers: SIF and GraphML, which Cytoscape opens directly.

Each regulation is an edge from regulator to target, signed from the rule: ``activates`` when
the regulator occurs only positively, ``inhibits`` when only under a negation, ``regulates``
when both (a non-monotone rule).  GraphML edges also carry the supporting references, and nodes
their kind, genes, rule or default, and description, as Cytoscape table columns.

Examples
--------
>>> from her2resist.model.formats import read_bnet_text
>>> net = read_bnet_text("A, B & !C\\nB, B\\nC, 1")
>>> write_sif(net).splitlines()
['B\\tactivates\\tA', 'C\\tinhibits\\tA']
>>> "<graphml" in write_graphml(net)
True
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

from her2resist.model.network import Network
from her2resist.model.rules import signs

_GRAPHML = "http://graphml.graphdrawing.org/xmlns"
_NODE_KEYS = ("kind", "genes", "rule", "default", "description")
_EDGE_KEYS = ("interaction", "sign", "references")


def regulations(network: Network) -> Iterator[tuple[str, str, str]]:
    """(regulator, interaction, target) for every regulation, in file order.

    Examples
    --------
    >>> from her2resist.model.formats import read_bnet_text
    >>> list(regulations(read_bnet_text("A, B & !B | C\\nB, B\\nC, C")))
    [('B', 'regulates', 'A'), ('C', 'activates', 'A')]
    """
    for target, node in network.nodes.items():
        if node.rule is None:
            continue
        for regulator, found in signs(node.expr).items():
            kind = ("regulates" if len(found) == 2
                    else "activates" if True in found else "inhibits")
            yield regulator, kind, target


def write_sif(network: Network) -> str:
    """Simple Interaction Format text: ``regulator<TAB>interaction<TAB>target`` per line;
    nodes with no regulation are listed alone so that every node appears.

    Examples
    --------
    >>> from her2resist.model.formats import read_bnet_text
    >>> write_sif(read_bnet_text("A, 1")).splitlines()
    ['A']
    """
    lines = [f"{a}\t{kind}\t{b}" for a, kind, b in regulations(network)]
    connected = {a for a, _, _ in regulations(network)} | {
        n for n, node in network.nodes.items() if node.regulators}
    lines.extend(n for n in network.nodes if n not in connected)
    return "\n".join(lines) + "\n"


def write_graphml(network: Network) -> str:
    """GraphML text of the regulatory graph with node and edge attributes (see the module).

    Examples
    --------
    >>> from her2resist.model import load_model
    >>> text = write_graphml(load_model())
    >>> text.count("<node ") == len(load_model())
    True
    """
    ET.register_namespace("", _GRAPHML)
    root = ET.Element(f"{{{_GRAPHML}}}graphml")
    for scope, keys in (("node", _NODE_KEYS), ("edge", _EDGE_KEYS)):
        for key in keys:
            ET.SubElement(root, f"{{{_GRAPHML}}}key", {
                "id": f"{scope}_{key}", "for": scope, "attr.name": key, "attr.type": "string"})
    graph = ET.SubElement(root, f"{{{_GRAPHML}}}graph",
                          {"id": network.name or "network", "edgedefault": "directed"})
    for name, node in network.nodes.items():
        element = ET.SubElement(graph, f"{{{_GRAPHML}}}node", {"id": name})
        values = {"kind": node.kind, "genes": ", ".join(node.genes),
                  "rule": node.rule or "", "default": "" if node.rule else str(node.default),
                  "description": node.description}
        _data(element, "node", values)
    for number, (regulator, kind, target) in enumerate(regulations(network), start=1):
        element = ET.SubElement(graph, f"{{{_GRAPHML}}}edge",
                                {"id": f"e{number}", "source": regulator, "target": target})
        sign = {"activates": "+", "inhibits": "-", "regulates": "+/-"}[kind]
        refs = ", ".join(network.nodes[target].refs.get(regulator, ()))
        _data(element, "edge", {"interaction": kind, "sign": sign, "references": refs})
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _data(element: ET.Element, scope: str, values: dict[str, str]) -> None:
    for key, value in values.items():
        if value:
            ET.SubElement(element, f"{{{_GRAPHML}}}data", {"key": f"{scope}_{key}"}).text = value
