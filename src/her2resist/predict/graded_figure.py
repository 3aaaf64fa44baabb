"""The graded prediction's figure: the fractions of cells dividing, arrested and dying over
treatment time (:func:`~her2resist.predict.graded.predict_graded` with ``trajectory=True``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from her2resist.exceptions import ParameterError
from her2resist.predict.response import Prediction

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def plot_fractions(prediction: Prediction) -> Figure:
    """The fractions of cells dividing, arrested and dying over treatment time (a new Figure).

    Needs a prediction made with ``trajectory=True``.

    Examples
    --------
    >>> from her2resist.predict.graded import predict_graded
    >>> p = predict_graded(["PIK3CA H1047R"], "trastuzumab + lapatinib", trajectory=True,
    ...                    samples=0)
    >>> plot_fractions(p).axes[0].get_ylabel()
    'fraction of cells'
    """
    from her2resist._figures import new_figure

    if not prediction.fractions:
        raise ParameterError("prediction", "plot_fractions",
                             "a prediction made with trajectory=True", prediction.regimen)
    rows = np.asarray(prediction.fractions)
    fig = new_figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.stackplot(rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3],
                 labels=("dividing", "arrested", "dying"),
                 colors=("#d62728", "#ffbf00", "#2ca02c"), alpha=0.8)
    ax.set_xlabel("time under treatment (model units)")
    ax.set_ylabel("fraction of cells")
    ax.set_ylim(0, 1)
    ax.set_title(f"{prediction.regimen} ({prediction.context})", fontsize=9)
    ax.legend(loc="upper right", fontsize=8)
    return fig
