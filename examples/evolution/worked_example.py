"""Worked example of docs/evolution.md: trastuzumab alone, with pertuzumab, or in sequence.

Run from the repository root::

    python examples/evolution/worked_example.py

It prints the headline numbers and writes docs/figures/evolution_worked_example.png.
"""

from __future__ import annotations

from pathlib import Path

from her2resist.evolution import Schedule, TherapyLine, read_scenario, simulate
from her2resist.evolution.plots import figure_bytes, summary_figure

HERE = Path(__file__).parent
FIGURE = HERE.parents[1] / "docs" / "figures" / "evolution_worked_example.png"


def main(tumours: int = 2000, seed: int = 2024) -> None:
    """Simulate the three schedules and write the figure."""
    scenario = read_scenario(HERE / "her2_pi3k_subclone.yaml")
    schedules = {
        "trastuzumab": Schedule.continuous(["trastuzumab"]),
        "trastuzumab + pertuzumab": Schedule.continuous(["trastuzumab", "pertuzumab"]),
        "trastuzumab, then + pertuzumab at progression": Schedule(
            "sequential",
            (
                TherapyLine(("trastuzumab",), "progression"),
                TherapyLine(("trastuzumab", "pertuzumab")),
            ),
        ),
    }
    results = {
        label: simulate(scenario.with_schedule(s, name=label), tumours=tumours, seed=seed)
        for label, s in schedules.items()
    }
    print(
        "| schedule | P(eradication) | median PFS (days) | PI3K share at progression "
        "| HER3 share at progression |"
    )
    print("|---|---|---|---|---|")
    for label, res in results.items():
        comp = res.composition_at_progression()["mean_fraction"]
        median = res.median_time_to_progression
        print(
            f"| {label} | {res.p_eradication:.3f} | "
            f"{'not reached' if median is None else f'{median:g}'} | "
            f"{comp['PI3K']:.3f} | {comp['HER3']:.3f} |"
        )
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    FIGURE.write_bytes(figure_bytes(summary_figure(results)))
    print(f"figure: {FIGURE}")


if __name__ == "__main__":
    main()
