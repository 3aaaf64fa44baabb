"""Scenario objects: cell types, mutations, schedule, sizes. Frozen; built in Python or read
from YAML by :func:`her2resist.evolution.read_scenario`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from her2resist.evolution.rates import Rates
from her2resist.exceptions import ParameterError

ScheduleKind = Literal["continuous", "sequential", "intermittent", "adaptive"]
Combination = Literal["strongest", "additive"]


@dataclass(frozen=True, slots=True)
class CellType:
    """A clone type: its alterations (resistance mechanisms) and rates with and without drugs.

    ``drugs`` maps a drug to the type's rates under that drug alone; a drug not listed has no
    effect on the type.

    Examples
    --------
    >>> resistant = CellType("R", Rates(0.14, 0.13), {"T": Rates(0.14, 0.13)}, ("PIK3CA",))
    >>> resistant.drugs["T"].net > 0
    True
    """

    name: str
    untreated: Rates
    drugs: Mapping[str, Rates] = field(default_factory=dict)
    alterations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Mutation:
    """Type ``source`` gives a ``target`` cell at ``rate`` per division of a ``source`` cell.

    Examples
    --------
    >>> Mutation("S", "R", 1e-7).rate
    1e-07
    """

    source: str
    target: str
    rate: float


@dataclass(frozen=True, slots=True)
class TherapyLine:
    """Drugs given together; ``switch`` is ``"progression"``, a duration, or ``None`` (last).

    Examples
    --------
    >>> [(line.drugs, line.switch) for line in Schedule.sequential(["T"], ["L"]).lines]
    [(('T',), 'progression'), (('L',), None)]
    """

    drugs: tuple[str, ...]
    switch: float | Literal["progression"] | None = None


@dataclass(frozen=True, slots=True)
class Schedule:
    """When each drug is given. Build with the class methods.

    Examples
    --------
    >>> Schedule.sequential(["T"], ["L"]).lines[0].switch
    'progression'
    """

    kind: ScheduleKind
    lines: tuple[TherapyLine, ...]
    on_days: float | None = None
    off_days: float | None = None
    pause_below: float | None = None
    resume_above: float | None = None

    @classmethod
    def continuous(cls, drugs: Sequence[str]) -> Schedule:
        """All ``drugs`` together, all the time (one drug: monotherapy)."""
        return cls("continuous", (TherapyLine(tuple(drugs)),))

    @classmethod
    def sequential(
        cls, *lines: Sequence[str], switch: float | Literal["progression"] = "progression"
    ) -> Schedule:
        """One line after the other, switching at progression or after ``switch`` time."""
        body = tuple(TherapyLine(tuple(d), switch) for d in lines[:-1])
        return cls("sequential", (*body, TherapyLine(tuple(lines[-1]))))

    @classmethod
    def intermittent(cls, drugs: Sequence[str], *, on_days: float, off_days: float) -> Schedule:
        """``drugs`` for ``on_days``, then a break of ``off_days``, repeated."""
        return cls("intermittent", (TherapyLine(tuple(drugs)),), on_days=on_days, off_days=off_days)

    @classmethod
    def adaptive(
        cls, drugs: Sequence[str], *, pause_below: float = 0.5, resume_above: float = 1.0
    ) -> Schedule:
        """Zhang et al. 2017: pause below ``pause_below`` and resume above ``resume_above``
        times the size at the start of treatment."""
        return cls(
            "adaptive",
            (TherapyLine(tuple(drugs)),),
            pause_below=pause_below,
            resume_above=resume_above,
        )

    def drugs(self) -> tuple[str, ...]:
        """Every drug the schedule uses, in order of first use."""
        return tuple(dict.fromkeys(d for line in self.lines for d in line.drugs))


@dataclass(frozen=True, slots=True)
class Scenario:
    """Everything a simulation needs.

    Attributes
    ----------
    types
        The clone types; the first is the sensitive (founder) population.
    mutations
        Rates, per division, at which one type gives another.
    start
        Cells of each type at time 0. The tumour grows untreated from them to
        ``detection_size`` (restarting a replicate that dies out first) and then is treated.
    progression_size, progression_factor
        A treated tumour has progressed when it holds at least ``progression_size`` cells
        (default 1.2 times ``detection_size``) and ``progression_factor`` times its smallest
        size on the current line of therapy.
    dt, max_time
        Time step and treatment horizon (same unit as the rates).
    combination
        ``"strongest"``: under several drugs a type takes the lowest birth and highest death
        rate of its single-drug rates (Bozic 2013); ``"additive"``: the drugs' changes add.

    Examples
    --------
    >>> cells = CellType("S", Rates(0.14, 0.13), {"T": Rates(0.14, 0.17)})
    >>> scenario = Scenario("demo", (cells,), (), start={"S": 1}, detection_size=1e6,
    ...                     schedule=Schedule.continuous(["T"]))
    >>> scenario.type_names, scenario.progression_threshold
    (('S',), 1200000.0)
    """

    name: str
    types: tuple[CellType, ...]
    mutations: tuple[Mutation, ...]
    start: Mapping[str, int]
    detection_size: float
    schedule: Schedule
    progression_size: float | None = None
    progression_factor: float = 1.2
    dt: float = 1.0
    max_time: float = 3650.0
    combination: Combination = "strongest"
    description: str = ""
    time_unit: str = "day"

    def __post_init__(self) -> None:
        for where, value, accepted in scenario_problems(self):
            raise ParameterError(where, "Scenario", accepted, value)

    @property
    def type_names(self) -> tuple[str, ...]:
        """Names of the clone types, in order."""
        return tuple(t.name for t in self.types)

    @property
    def progression_threshold(self) -> float:
        """``progression_size``, or 1.2 times ``detection_size`` when not given."""
        return self.progression_size if self.progression_size else 1.2 * self.detection_size

    def with_schedule(self, schedule: Schedule, *, name: str | None = None) -> Scenario:
        """The same tumour under another schedule."""
        return replace(self, schedule=schedule, name=name or self.name)

    def rates_under(self, drugs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Birth and death rate of every type under ``drugs`` given together.

        Examples
        --------
        >>> s = Scenario("x", (CellType("S", Rates(1.0, 0.5), {"A": Rates(1.0, 2.0)}),), (),
        ...              {"S": 1}, 10.0, Schedule.continuous(["A"]))
        >>> s.rates_under(["A"])
        (array([1.]), array([2.]))
        """
        birth = np.empty(len(self.types))
        death = np.empty(len(self.types))
        for i, cell in enumerate(self.types):
            effects = [cell.drugs[d] for d in drugs if d in cell.drugs]
            birth[i], death[i] = _combine(cell.untreated, effects, self.combination)
        return birth, death


def _combine(base: Rates, effects: Sequence[Rates], rule: Combination) -> tuple[float, float]:
    if not effects:
        return base.birth, base.death
    if rule == "strongest":
        return min(e.birth for e in effects), max(e.death for e in effects)
    birth = base.birth - sum(base.birth - e.birth for e in effects)
    death = base.death + sum(e.death - base.death for e in effects)
    return max(birth, 0.0), max(death, 0.0)


def scenario_problems(s: Scenario) -> Iterator[tuple[str, object, str]]:
    """Inconsistencies of a scenario, as ``(field path, value, what is accepted)``."""
    names = [t.name for t in s.types]
    if len(set(names)) != len(names):
        yield "types", names, "a list of types with distinct names"
    for i, cell in enumerate(s.types):
        for label, r in (("untreated", cell.untreated), *cell.drugs.items()):
            if not (
                math.isfinite(r.birth) and math.isfinite(r.death) and r.birth >= 0 and r.death >= 0
            ):
                yield f"types.{i}.{label}", (r.birth, r.death), "finite rates >= 0"
    for i, m in enumerate(s.mutations):
        for end in ("source", "target"):
            if getattr(m, end) not in names:
                yield f"mutations.{i}.{end}", getattr(m, end), f"one of the types {names}"
        if not 0 <= m.rate <= 1:
            yield f"mutations.{i}.rate", m.rate, "a probability per division in [0, 1]"
    yield from _start_problems(s, names)
    yield from _schedule_problems(s.schedule, s)


def _start_problems(s: Scenario, names: list[str]) -> Iterator[tuple[str, object, str]]:
    for name, cells in s.start.items():
        if name not in names:
            yield f"start.{name}", name, f"one of the types {names}"
        elif not (float(cells).is_integer() and cells >= 0):
            yield f"start.{name}", cells, "a whole number of cells >= 0"
    total = sum(s.start.values())
    if total <= 0:
        yield "start", dict(s.start), "at least one cell"
    elif total < s.detection_size:
        growing = [n for n, c in s.start.items() if c > 0 and _type(s, n).untreated.net > 0]
        if not growing:
            yield (
                "start",
                dict(s.start),
                (
                    "a type whose untreated birth rate exceeds its death "
                    "rate, so that the tumour can reach detection_size"
                ),
            )
    for attr in ("detection_size", "dt", "max_time"):
        if not getattr(s, attr) > 0:
            yield attr, getattr(s, attr), "a number > 0"
    if s.progression_factor < 1:
        yield "progression_factor", s.progression_factor, "a number >= 1"


def _type(s: Scenario, name: str) -> CellType:
    return next(t for t in s.types if t.name == name)


def _schedule_problems(sch: Schedule, s: Scenario) -> Iterator[tuple[str, object, str]]:
    known = sorted({d for t in s.types for d in t.drugs})
    for i, line in enumerate(sch.lines):
        for drug in line.drugs:
            if drug not in known:
                yield f"schedule.lines.{i}.drugs", drug, f"a drug given for some type: {known}"
        last = i == len(sch.lines) - 1
        if not last and not (
            line.switch == "progression"
            or (isinstance(line.switch, (int, float)) and line.switch > 0)
        ):
            yield f"schedule.lines.{i}.switch", line.switch, "'progression' or a duration > 0"
    if sch.kind == "intermittent" and not ((sch.on_days or 0) > 0 and (sch.off_days or 0) > 0):
        yield "schedule.on_days", (sch.on_days, sch.off_days), "on_days > 0 and off_days > 0"
    if sch.kind == "adaptive":
        lo, hi = sch.pause_below, sch.resume_above
        if lo is None or hi is None or not 0 < lo <= hi:
            yield "schedule.pause_below", (lo, hi), "0 < pause_below <= resume_above"
