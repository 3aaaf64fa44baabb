"""Command ``calibrate``: refit the map from graded scores to pCR / objective response."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from her2resist.cli._common import console, handle_errors, print_json, write_atomic


def population_strata(draws: int = 200_000) -> list[tuple[float, tuple[str, ...]]]:
    """The virtual-trial population (``cohort/data/her2_population.yaml``) as strata: the share
    of each ER status and combination of alterations, from ``draws`` patients (seed 0)."""
    import numpy as np

    from her2resist.cohort.population import load_population

    pop = load_population()
    draw = pop.sample(draws, seed=0)
    keys, counts = np.unique(np.stack([draw.er_positive.astype(np.int64), draw.codes]),
                             axis=1, return_counts=True)
    strata = []
    for (er, code), count in zip(keys.T.tolist(), counts.tolist(), strict=True):
        found = tuple(a for i, a in enumerate(pop.alterations) if code >> i & 1)
        status = "ER positive" if er else "ER negative"
        strata.append((count / draws, (status, *found)))
    return strata


@handle_errors
def calibrate(
    trials: Path = typer.Argument(
        ..., help="Published trial arms (CSV, ../shared/calibration/README.md format)."
    ),
    output: Path = typer.Option(
        None, "--output", "-o",
        help="Write the fitted map (YAML) here; the package's map is "
        "src/her2resist/model/data/graded_calibration.yaml.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the fit and every arm as JSON."),
) -> None:
    """Fit the calibration map on trial arms and report its leave-one-trial-out error."""
    import yaml

    from her2resist.predict.calibration import calibrate as fit_trials

    fitted, rows = fit_trials(trials, population_strata())
    if output is not None:
        header = ("# Calibration map of graded scores to response probabilities, written by\n"
                  f"# `her2resist calibrate {trials.name}`; see predict/calibration.py.\n")
        write_atomic(output, header + yaml.safe_dump(fitted.as_dict(), sort_keys=False))
    if as_json:
        print_json({"calibration": fitted.as_dict(), "leave_one_trial_out": rows})
        return
    table = Table(title="Leave-one-trial-out predictions")
    for col in ("trial", "regimen", "subgroup", "endpoint", "observed", "score", "predicted"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["trial"]), str(r["regimen"]), str(r["subgroup"]), str(r["endpoint"]),
                      f"{r['observed']:.3f}", f"{r['score']:.3f}", f"{r['predicted']:.3f}")
    console.print(table)
    m = fitted.metrics
    console.print(
        f"Map: logit P = a[endpoint] + {fitted.slope:.3f} logit(score), a = "
        + ", ".join(f"{k} {v:.3f}" for k, v in fitted.intercepts.items())
        + f"\nLeave-one-trial-out over {m['arms']} arms: mean absolute error "
        f"{m['loto_mean_absolute_error']}, Spearman {m['loto_spearman_all']} "
        f"(pCR only {m['loto_spearman_pcr']}); comparisons ordered right "
        f"{m['comparisons_ordered_right']}."
    )
    if m.get("skipped"):
        console.print(f"Skipped (regimen not readable): {'; '.join(m['skipped'])}")  # type: ignore[arg-type]


def register(app: typer.Typer) -> None:
    app.command("calibrate")(calibrate)
