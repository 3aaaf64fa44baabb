"""Matplotlib figures without the global state: every plot function of the package builds a
:class:`matplotlib.figure.Figure` here and returns it, so a notebook shows it inline and a
script saves it, and no function switches the user's backend or leaves a pyplot figure open.

Examples
--------
>>> fig = new_figure(figsize=(3, 2))
>>> _ = fig.subplots().plot([0, 1], [1, 0])
>>> figure_bytes(fig)[:4] == b"\\x89PNG"
True
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from her2resist._optional import require

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def new_figure(**options: Any) -> Figure:
    """A new, unattached matplotlib ``Figure`` (``options`` as for ``Figure()``; the layout
    is ``constrained`` unless given), or an error naming the ``plots`` extra.

    Examples
    --------
    >>> new_figure(figsize=(4, 3)).get_size_inches().tolist()
    [4.0, 3.0]
    """
    module = require("matplotlib.figure", "plots", "Drawing figures")
    options.setdefault("layout", "constrained")
    return module.Figure(**options)


def figure_bytes(fig: Figure, fmt: str = "png", *, dpi: int = 120) -> bytes:
    """The figure encoded as ``fmt`` (png, svg, pdf), for writing in one piece.

    Examples
    --------
    >>> figure_bytes(new_figure(figsize=(1, 1)), "svg")[:5]
    b'<?xml'
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=dpi)
    return buffer.getvalue()
