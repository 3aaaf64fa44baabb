"""Read a scenario YAML file (the format is described in docs/evolution.md).

The file is untrusted input: it is parsed with pydantic, and every error names the file, the
line, the field, the value and what is accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from her2resist.common.documents import excerpt, read_document
from her2resist.evolution.rates import Rates, rate_from_score
from her2resist.evolution.scenario import (
    CellType,
    Mutation,
    Scenario,
    Schedule,
    TherapyLine,
    scenario_problems,
)
from her2resist.exceptions import ParameterError, ScenarioError

Loc = tuple[str | int, ...]
#: Largest rate per time unit (a cell dividing a thousand times a day is not a cell).
MAX_RATE = 1_000.0
#: Largest count of cells, sizes and times (beyond it doubles lose whole numbers).
MAX_SIZE = 1e15
#: Most time steps one simulation may take (max_time / dt).
MAX_STEPS = 10_000_000
Positive = Annotated[float, Field(gt=0, le=MAX_SIZE)]
NonNegative = Annotated[float, Field(ge=0, le=MAX_SIZE)]
Rate = Annotated[float, Field(ge=0, le=MAX_RATE)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              allow_inf_nan=False)


class _DrugEffect(_Strict):
    birth: Rate | None = None
    death: Rate | None = None
    score: Annotated[float, Field(ge=0, le=1)] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> _DrugEffect:
        if self.score is not None and (self.birth is not None or self.death is not None):
            raise ValueError("give either 'score' or 'birth'/'death', not both")
        if self.score is None and self.birth is None and self.death is None:
            raise ValueError("give 'score' (in [0, 1]) or 'birth' and/or 'death'")
        return self


class _Type(_Strict):
    name: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$")]
    alterations: list[str] = []
    birth: Rate | None = None
    death: Rate | None = None
    fitness_cost: Annotated[float, Field(ge=0, lt=1)] = 0.0
    drugs: dict[str, _DrugEffect] = {}


class _Mutation(_Strict):
    source: str = Field(alias="from")
    target: str = Field(alias="to")
    rate: Annotated[float, Field(ge=0, le=1)]


class _Line(_Strict):
    drugs: Annotated[list[str], Field(min_length=1)]
    switch: Literal["progression"] | Positive | None = None


class _Schedule(_Strict):
    kind: Literal["continuous", "sequential", "intermittent", "adaptive"]
    drugs: Annotated[list[str], Field(min_length=1)] | None = None
    lines: Annotated[list[_Line], Field(min_length=1)] | None = None
    on_days: Positive | None = None
    off_days: Positive | None = None
    pause_below: Annotated[float, Field(gt=0, le=1)] | None = None
    resume_above: Annotated[float, Field(gt=0)] | None = None


class _ScoreMapping(_Strict):
    max_kill_rate: Rate = 0.03
    cytostatic_fraction: Annotated[float, Field(ge=0, le=1)] = 0.0


class _Base(_Strict):
    birth: Rate
    death: Rate


class _ScenarioFile(_Strict):
    name: str
    description: str = ""
    time_unit: str = "day"
    base: _Base | None = None
    types: Annotated[list[_Type], Field(min_length=1)]
    mutations: list[_Mutation] = []
    start: dict[str, NonNegative]
    detection_size: Positive
    progression_size: Positive | None = None
    progression_factor: Annotated[float, Field(ge=1)] = 1.2
    dt: Positive = 1.0
    max_time: Positive = 3650.0
    combination: Literal["strongest", "additive"] = "strongest"
    score_mapping: _ScoreMapping = _ScoreMapping()
    schedule: _Schedule

    @model_validator(mode="after")
    def _steps(self) -> _ScenarioFile:
        if self.dt > self.max_time:
            raise ValueError(f"dt ({self.dt:g}) must not exceed max_time ({self.max_time:g})")
        if self.max_time / self.dt > MAX_STEPS:
            raise ValueError(f"max_time / dt = {self.max_time / self.dt:.3g} time steps; at "
                             f"most {MAX_STEPS:,} are allowed: raise dt or lower max_time")
        return self


def read_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file.

    Raises
    ------
    ScenarioError
        With the file, line, field, value and the accepted values.

    Examples
    --------
    >>> from importlib.resources import files
    >>> import her2resist, pathlib
    >>> root = pathlib.Path(her2resist.__file__).parents[2]
    >>> read_scenario(root / "examples/evolution/bozic2013.yaml").type_names
    ('S', 'R1', 'R2', 'R12')
    """
    path = Path(path)
    doc = read_document(path, error=ScenarioError)
    return scenario_from_dict(doc.data, source=path, lines=doc.lines())


def scenario_from_dict(
    data: Any, *, source: str | Path = "<scenario>", lines: Mapping[Loc, int] | None = None
) -> Scenario:
    """Validate a scenario given as plain data (the parsed YAML).

    Examples
    --------
    >>> s = scenario_from_dict({"name": "x", "types": [{"name": "S", "birth": 1, "death": 0.5,
    ...     "drugs": {"A": {"death": 2}}}], "start": {"S": 10}, "detection_size": 10,
    ...     "schedule": {"kind": "continuous", "drugs": ["A"]}})
    >>> s.rates_under(["A"])[1]
    array([2.])
    """
    lines = lines or {}
    if not isinstance(data, dict):
        raise ScenarioError(source, "the scenario must be a mapping with name, types, start, "
                            f"detection_size and schedule; got {_show(data)}", line=1)
    try:
        parsed = _ScenarioFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"]) or (("dt",) if "dt (" in err["msg"] or "time steps" in err["msg"]
                                     else ())
        raise _error(source, lines, loc, f"{err['msg']}; got {_show(err.get('input'))}") from None
    try:
        scenario = _build(parsed, source, lines)
    except ParameterError as exc:
        raise ScenarioError(source, str(exc)) from None
    return scenario


def _build(f: _ScenarioFile, source: str | Path, lines: Mapping[Loc, int]) -> Scenario:
    types = tuple(_cell_type(f, i, source, lines) for i in range(len(f.types)))
    schedule = _schedule(f.schedule, source, lines)
    fields: dict[str, Any] = dict(
        name=f.name,
        types=types,
        mutations=tuple(Mutation(m.source, m.target, m.rate) for m in f.mutations),
        start={k: int(v) if float(v).is_integer() else v for k, v in f.start.items()},
        detection_size=f.detection_size,
        schedule=schedule,
        progression_size=f.progression_size,
        progression_factor=f.progression_factor,
        dt=f.dt,
        max_time=f.max_time,
        combination=f.combination,
        description=f.description,
        time_unit=f.time_unit,
    )
    # Checked here, before Scenario() checks again, to point at the line of the file.
    for where, value, accepted in scenario_problems(cast(Scenario, SimpleNamespace(**fields))):
        raise _error(source, lines, _loc_of(where, f), f"must be {accepted}; got {_show(value)}")
    return Scenario(**fields)


def _cell_type(f: _ScenarioFile, i: int, source: str | Path, lines: Mapping[Loc, int]) -> CellType:
    t = f.types[i]
    birth = t.birth if t.birth is not None else (f.base.birth if f.base else None)
    death = t.death if t.death is not None else (f.base.death if f.base else None)
    if birth is None or death is None:
        missing = "birth" if birth is None else "death"
        raise _error(
            source,
            lines,
            ("types", i),
            f"type {t.name!r} has no {missing} rate: give '{missing}' or a 'base' "
            "section with the default rates",
        )
    untreated = Rates(birth * (1.0 - t.fitness_cost), death)
    drugs = {}
    for drug, effect in t.drugs.items():
        if effect.score is not None:
            drugs[drug] = rate_from_score(
                effect.score,
                untreated,
                max_kill_rate=f.score_mapping.max_kill_rate,
                cytostatic_fraction=f.score_mapping.cytostatic_fraction,
            )
        else:
            drugs[drug] = Rates(
                effect.birth if effect.birth is not None else untreated.birth,
                effect.death if effect.death is not None else untreated.death,
            )
    return CellType(t.name, untreated, drugs, tuple(t.alterations))


def _schedule(s: _Schedule, source: str | Path, lines: Mapping[Loc, int]) -> Schedule:
    if s.kind == "sequential":
        if not s.lines or s.drugs is not None:
            raise _error(
                source,
                lines,
                ("schedule",),
                "a sequential schedule takes 'lines' (a list of {drugs, switch}), not 'drugs'",
            )
        return Schedule(
            "sequential", tuple(TherapyLine(tuple(li.drugs), li.switch) for li in s.lines)
        )
    if s.drugs is None or s.lines is not None:
        raise _error(
            source,
            lines,
            ("schedule",),
            f"a {s.kind} schedule takes 'drugs' (a list of drugs given together), not 'lines'",
        )
    return Schedule(
        s.kind,
        (TherapyLine(tuple(s.drugs)),),
        on_days=s.on_days,
        off_days=s.off_days,
        pause_below=s.pause_below,
        resume_above=s.resume_above
        if s.resume_above is not None
        else (1.0 if s.kind == "adaptive" else None),
    )


def _loc_of(where: str, f: _ScenarioFile) -> Loc:
    """YAML location of a dotted field path of the Scenario object."""
    parts: list[str | int] = [int(p) if p.isdigit() else p for p in where.split(".")]
    if parts[0] == "types" and len(parts) > 2:
        parts = parts[:2] + (["drugs", parts[2]] if parts[2] != "untreated" else [])
    if parts[:2] == ["schedule", "lines"] and f.schedule.kind != "sequential":
        parts = ["schedule", "drugs"]
    return tuple("from" if p == "source" else "to" if p == "target" else p for p in parts)


def _error(source: str | Path, lines: Mapping[Loc, int], loc: Loc, message: str) -> ScenarioError:
    line = None
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            line = lines[loc[:n]]
            break
    field = ".".join(str(p) for p in loc) or None
    return ScenarioError(source, message, line=line, field=field)


def _show(value: Any) -> str:
    return excerpt(value, 80)
