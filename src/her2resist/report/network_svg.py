"""An inline SVG drawing of the network with the tumour's escape route highlighted.

Given an escape route, the drawing shows the route's nodes, the tumour's alterations and the
drugs drawn, in layers from inputs (top) to phenotypes (bottom), feedback regulations as arcs
beside; without one, every regulated node of the model and those inputs, in layers from left
to right wrapped into bands.  Nodes and regulations on a mechanism trace are drawn heavy;
alterations judged responsible are red, drugs blue.  Every label is escaped: the drawing is
safe to embed in HTML.

Examples
--------
>>> from her2resist.model import load_model
>>> svg = draw_network(load_model(), route={("PIK3CA_mut", "PI3K")}, active={"PIK3CA_mut"})
>>> svg.startswith("<svg") and "PIK3CA_mut" in svg
True
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from her2resist.common.text import html_text as escape
from her2resist.model.network import Network
from her2resist.model.rules import Expr, signs

BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 124, 20, 36, 14, 16
#: Space between the layers of a route drawn top to bottom, and beside it for feedback arcs.
ROW_GAP, FEEDBACK_ROOM = 34, 60
#: Characters of a node id shown in its box (the full id is in the box's tooltip).
LABEL_CHARS = 19
#: Layers per band and the space between bands (see _layout).
BAND_COLUMNS, BAND_GAP = 7, 30
Edge = tuple[str, str]


def _signs(expr: Expr) -> dict[str, bool]:
    """Regulator -> True when it acts as an inhibitor (appears under a negation)."""
    return {name: False in found for name, found in signs(expr).items()}


@lru_cache(maxsize=8)
def _edges(network: Network) -> tuple[tuple[str, str, bool], ...]:
    """(regulator, target, inhibits) for every regulation of the model."""
    out = []
    for name, node in network.nodes.items():
        if node.rule is None:
            continue
        for reg, inhibits in _signs(node.expr).items():
            out.append((reg, name, inhibits))
    return tuple(out)


def _layers(nodes: list[str], edges: list[tuple[str, str, bool]], network: Network
            ) -> dict[str, int]:
    """Longest-path layer from the inputs, ignoring regulations that close a cycle."""
    preds: dict[str, list[str]] = {n: [] for n in nodes}
    for src, dst, _ in edges:
        preds[dst].append(src)
    layer: dict[str, int] = {}

    def visit(name: str, stack: frozenset[str]) -> int:
        if name in layer:
            return layer[name]
        if network.nodes[name].is_input:
            layer[name] = 0
            return 0
        depth = max((visit(p, stack | {name}) + 1 for p in preds[name] if p not in stack),
                    default=1)
        layer[name] = depth
        return depth

    for name in nodes:
        visit(name, frozenset())
    last = max(layer.values(), default=0) + 1
    for name in nodes:
        if network.nodes[name].kind == "phenotype":
            layer[name] = last
    return layer


@lru_cache(maxsize=32)
def _layout(network: Network, shown: frozenset[str]
            ) -> tuple[dict[str, tuple[int, int]], dict[str, int], tuple[int, int]]:
    nodes = [n for n in network.nodes if n in shown]
    edges = [e for e in _edges(network) if e[0] in shown and e[1] in shown]
    layer = _layers(nodes, edges, network)
    columns: dict[int, list[str]] = {}
    for name in nodes:
        columns.setdefault(layer[name], []).append(name)
    y_of: dict[str, float] = {}
    preds = {n: [s for s, d, _ in edges if d == n] for n in nodes}
    pos: dict[str, tuple[int, int]] = {}
    # Deep networks wrap into bands of BAND_COLUMNS layers, stacked, so the figure keeps the
    # width of a page (about 1,050 px) instead of growing with the depth of the network.
    order = sorted(columns)
    bands = [order[i:i + BAND_COLUMNS] for i in range(0, len(order), BAND_COLUMNS)] or [[]]
    top = MARGIN
    for band in bands:
        rows = max((len(columns[c]) for c in band), default=1)
        for slot, col in enumerate(band):
            members = sorted(columns[col], key=lambda n: (
                sum(y_of.get(p, 0.0) for p in preds[n]) / max(1, len(preds[n])), n))
            for row, name in enumerate(members):
                y_of[name] = float(row)
                pos[name] = (MARGIN + slot * (BOX_W + GAP_X), top + row * (BOX_H + GAP_Y))
        top += rows * (BOX_H + GAP_Y) + BAND_GAP
    width = MARGIN * 2 + max(len(b) for b in bands) * (BOX_W + GAP_X)
    height = top - BAND_GAP + MARGIN
    return pos, layer, (width, height)


@lru_cache(maxsize=32)
def _route_layout(network: Network, shown: frozenset[str]
                  ) -> tuple[dict[str, tuple[int, int]], dict[str, int], tuple[int, int]]:
    """Layers from top (inputs) to bottom (phenotypes), each layer a centred row: a route is
    deep (a dozen layers) and narrow, so it grows down the page, never wider than a page."""
    nodes = [n for n in network.nodes if n in shown]
    edges = [e for e in _edges(network) if e[0] in shown and e[1] in shown]
    layer = _layers(nodes, edges, network)
    rows: dict[int, list[str]] = {}
    for name in nodes:
        rows.setdefault(layer[name], []).append(name)
    preds = {n: [s for s, d, _ in edges if d == n] for n in nodes}
    widest = max((len(r) for r in rows.values()), default=1)
    x_of: dict[str, float] = {}
    pos: dict[str, tuple[int, int]] = {}
    for depth, level in enumerate(sorted(rows)):
        members = sorted(rows[level], key=lambda n: (
            sum(x_of.get(p, 0.0) for p in preds[n]) / max(1, len(preds[n])), n))
        offset = (widest - len(members)) / 2
        for i, name in enumerate(members):
            x_of[name] = offset + i
            pos[name] = (MARGIN + int((offset + i) * (BOX_W + GAP_X)),
                         MARGIN + depth * (BOX_H + ROW_GAP))
    width = MARGIN * 2 + widest * (BOX_W + GAP_X) - GAP_X + FEEDBACK_ROOM
    height = MARGIN * 2 + len(rows) * (BOX_H + ROW_GAP) - ROW_GAP
    return pos, layer, (width, height)


def _edge_svg(start: tuple[int, int], end: tuple[int, int], css: str, forward: bool,
              down: bool) -> str:
    """A regulation: a straight arrow to a later layer; a feedback (to the same or an earlier
    layer) as an arc beside the boxes, so it does not cross the figure as a straight line.
    ``down``: layers run top to bottom (a route), else left to right."""
    (x1, y1), (x2, y2) = start, end
    if forward and down:
        return (f'<line class="edge {css}" x1="{x1 + BOX_W // 2}" y1="{y1 + BOX_H}" '
                f'x2="{x2 + BOX_W // 2}" y2="{y2}" marker-end="url(#arr)"/>')
    if forward:
        return (f'<line class="edge {css}" x1="{x1 + BOX_W}" y1="{y1 + BOX_H // 2}" '
                f'x2="{x2}" y2="{y2 + BOX_H // 2}" marker-end="url(#arr)"/>')
    if down:
        side = max(x1, x2) + BOX_W + FEEDBACK_ROOM // 2
        return (f'<path class="edge back {css}" fill="none" d="M{x1 + BOX_W},{y1 + BOX_H // 2} '
                f'C{side},{y1 + BOX_H // 2} {side},{y2 + BOX_H // 2} {x2 + BOX_W},'
                f'{y2 + BOX_H // 2}" marker-end="url(#arr)"/>')
    top = min(y1, y2) - GAP_Y - 6
    return (f'<path class="edge back {css}" fill="none" d="M{x1 + BOX_W // 2},{y1} '
            f'C{x1 + BOX_W // 2},{top} {x2 + BOX_W // 2},{top} {x2 + BOX_W // 2},{y2}" '
            'marker-end="url(#arr)"/>')


def _node_svg(name: str, x: int, y: int, css: str, title: str) -> str:
    label = name if len(name) <= LABEL_CHARS else name[:LABEL_CHARS - 1] + "…"
    return (f'<g class="node {css}"><title>{escape(title)}</title>'
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="4"/>'
            f'<text x="{x + BOX_W // 2}" y="{y + 14}">{escape(label)}</text></g>')


def draw_network(
    network: Network, *, route: Iterable[Edge] = (), active: Iterable[str] = (),
    mechanisms: Iterable[str] = (), drugs: Iterable[str] = (), title: str = "",
) -> str:
    """SVG text of the network; ``route`` edges and their nodes are highlighted.

    Parameters
    ----------
    route
        (regulator, target) pairs on the escape route (from mechanism traces).
    active
        Input nodes set in the tumour (alterations), drawn whether on the route or not.
    mechanisms
        Alteration nodes judged responsible (red).
    drugs
        Drug nodes of the regimen(s) drawn (blue).

    Examples
    --------
    >>> from her2resist.model import load_model
    >>> svg = draw_network(load_model(), mechanisms=["PTEN_loss"], drugs=["trastuzumab"],
    ...                    title="PTEN loss")
    >>> svg.startswith("<svg") and "PTEN loss" in svg
    True
    """
    route = set(route)
    on_route = {n for edge in route for n in edge}
    mech, drug_set, active_set = set(mechanisms), set(drugs), set(active)
    marked = (on_route | mech | drug_set | active_set) & set(network.nodes)
    # With a route, the route's subgraph alone: a hundred nodes in a page's width is a tangle
    # no reader follows.  Without one, every regulated node.
    shown = frozenset(marked) if route else frozenset(
        n for n, node in network.nodes.items() if not node.is_input) | marked
    # A route runs down the page; the whole network wraps into bands of a page's width.
    layout = _route_layout if route else _layout
    pos, layer, (width, height) = layout(network, shown)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="network" role="img" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             # Scaled to the page, but never below 3/4 (labels stay legible; the figure
             # scrolls on a narrow page instead).
             f'style="min-width:{width * 3 // 4}px">',
             f"<title>{escape(title or 'Model network with the escape route')}</title>",
             '<defs><marker id="arr" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="6" '
             'markerHeight="6" orient="auto"><path d="M0,0 L8,4 L0,8 z"/></marker></defs>']
    for src, dst, inhibits in _edges(network):
        if src not in pos or dst not in pos:
            continue
        css = ("route " if (src, dst) in route else "") + ("inh" if inhibits else "act")
        parts.append(_edge_svg(pos[src], pos[dst], css, layer[dst] > layer[src], bool(route)))
    for name, (x, y) in pos.items():
        node = network.nodes[name]
        css = " ".join(c for c, on in (("mechanism", name in mech), ("drug", name in drug_set),
                                       ("route", name in on_route),
                                       ("altered", name in active_set), (node.kind, True)) if on)
        parts.append(_node_svg(name, x, y, css, f"{name} ({node.kind}): {node.description}"))
    parts.append("</svg>")
    return "".join(parts)
