"""Missing wells of a dose-response matrix filled as SynergyFinder's ``ImputeNA`` does.

A well missing from a block's dose grid takes the mean of the wells next to it in the
grid (above, below, left and right; those present), all missing wells at once; wells with
no neighbour present wait for the next pass, until none is missing. Replicates are averaged
per well first; an imputed well is one row with replicate 1. Only used on request
(``read_plate(impute=True)``, ``synergy --impute``): a DataQualityWarning names how many
wells of which blocks were imputed.

Examples
--------
>>> import pandas as pd
>>> rows = [dict(block_id="1", conc1=a, conc2=b, response=10 * i + j, replicate=1)
...         for i, a in enumerate((0, 1, 2)) for j, b in enumerate((0, 5, 9))]
>>> frame = pd.DataFrame([r for r in rows if (r["conc1"], r["conc2"]) != (1, 5)])
>>> import warnings
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     filled = impute_missing_wells(frame, "p.csv")
>>> float(filled.query("conc1 == 1 and conc2 == 5")["response"].iloc[0])
11.0
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from her2resist.exceptions import DataQualityWarning


def fill_grid(grid: np.ndarray) -> np.ndarray:
    """The grid with its NaN cells filled by repeated means of their four neighbours.

    Examples
    --------
    >>> fill_grid(np.array([[0.0, 2.0], [4.0, np.nan]])).tolist()
    [[0.0, 2.0], [4.0, 3.0]]
    """
    grid = grid.astype(float).copy()
    while np.isnan(grid).any():
        padded = np.pad(grid, 1, constant_values=np.nan)
        around = np.stack([padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2],
                           padded[1:-1, 2:]])
        present = ~np.isnan(around)
        count = present.sum(axis=0)
        mean = np.where(count > 0, np.where(present, around, 0.0).sum(axis=0)
                        / np.maximum(count, 1), np.nan)
        fill = np.isnan(grid) & (count > 0)
        if not fill.any():
            break  # nothing present at all
        grid[fill] = mean[fill]
    return grid


def impute_missing_wells(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """``frame`` (canonical plate columns) with every block's missing wells added."""
    added: list[pd.DataFrame] = []
    counts: dict[str, int] = {}
    for block, rows in frame.groupby("block_id", sort=False):
        c1, c2 = np.unique(rows["conc1"]), np.unique(rows["conc2"])
        means = rows.groupby(["conc1", "conc2"])["response"].mean()
        grid = np.full((len(c1), len(c2)), np.nan)
        grid[np.searchsorted(c1, means.index.get_level_values(0)),
             np.searchsorted(c2, means.index.get_level_values(1))] = means.to_numpy()
        missing = np.argwhere(np.isnan(grid))
        if not len(missing):
            continue
        filled = fill_grid(grid)
        template = rows.iloc[[0] * len(missing)].copy()
        template["conc1"] = c1[missing[:, 0]]
        template["conc2"] = c2[missing[:, 1]]
        template["response"] = filled[missing[:, 0], missing[:, 1]]
        if "replicate" in template:
            template["replicate"] = 1
        added.append(template)
        counts[str(block)] = len(missing)
    if not added:
        return frame
    shown = ", ".join(f"{n} in block {b!r}" for b, n in list(counts.items())[:5])
    warnings.warn(f"{source}: imputed {sum(counts.values())} missing well(s) ({shown}"
                  f"{' and more' if len(counts) > 5 else ''}) as SynergyFinder's ImputeNA "
                  "does: the mean of the neighbouring wells", DataQualityWarning, stacklevel=4)
    return pd.concat([frame, *added], ignore_index=True)
