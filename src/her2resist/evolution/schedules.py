"""Therapy schedules, evaluated for many replicate tumours at once.

Decisions are taken at the end of each time step from the sizes reached (a schedule sees the
tumour once per ``dt``). Drug state 0 is "no drug"; state ``k + 1`` is line ``k`` of the schedule.
"""

from __future__ import annotations

import numpy as np

from her2resist.evolution.scenario import Scenario

FloatArray = np.ndarray
IntArray = np.ndarray
BoolArray = np.ndarray


def drug_sets(scenario: Scenario) -> list[tuple[str, ...]]:
    """Drug set of each drug state: no drug, then each line of the schedule."""
    return [(), *(line.drugs for line in scenario.schedule.lines)]


class ScheduleState:
    """Where each replicate tumour stands in its schedule: line, on/off, nadir.

    Parameters
    ----------
    scenario
        Gives the schedule and the progression rule.
    sizes
        Cells of each replicate at the start of treatment.
    """

    def __init__(self, scenario: Scenario, sizes: IntArray) -> None:
        sch = scenario.schedule
        n = len(sizes)
        self.kind = sch.kind
        self.line = np.zeros(n, dtype=np.int64)
        self.line_start = np.zeros(n)
        self.treating = np.ones(n, dtype=bool)
        self.start_size = sizes.astype(float)
        self.nadir = sizes.astype(float)
        self.threshold = scenario.progression_threshold
        self.factor = scenario.progression_factor
        self.on_days = sch.on_days or np.inf
        self.period = (sch.on_days or 0.0) + (sch.off_days or 0.0)
        self.pause_below = sch.pause_below or 0.0
        self.resume_above = sch.resume_above or 0.0
        last = len(sch.lines) - 1
        self.switch_at_progression = np.array(
            [i < last and line.switch == "progression" for i, line in enumerate(sch.lines)]
        )
        self.duration = np.array(
            [
                float(line.switch) if i < last and isinstance(line.switch, (int, float)) else np.inf
                for i, line in enumerate(sch.lines)
            ]
        )

    def drug_state(self, idx: IntArray, t: float) -> IntArray:
        """Drug state of replicates ``idx`` for the step that starts at time ``t``."""
        if self.kind == "intermittent":
            self.treating[idx] = (t % self.period) < self.on_days - 1e-9
        return np.where(self.treating[idx], self.line[idx] + 1, 0)

    def after_step(self, idx: IntArray, t: float, sizes: IntArray) -> BoolArray:
        """Update replicates ``idx`` after a step ending at ``t``; return who has progressed
        on their last line (a progression on an earlier line switches to the next one)."""
        nadir = np.minimum(self.nadir[idx], sizes)
        progressed = (sizes >= self.threshold) & (sizes >= self.factor * nadir)
        line = self.line[idx]
        switch = progressed & self.switch_at_progression[line]
        switch |= ~progressed & (t - self.line_start[idx] >= self.duration[line] - 1e-9)
        progressed &= ~switch
        line = line + switch
        nadir = np.where(switch, sizes, nadir)
        self.line[idx] = line
        self.line_start[idx] = np.where(switch, t, self.line_start[idx])
        self.nadir[idx] = nadir
        if self.kind == "adaptive":
            base = self.start_size[idx]
            on = self.treating[idx]
            self.treating[idx] = np.where(
                on, sizes >= self.pause_below * base, sizes >= self.resume_above * base
            )
        return progressed
