"""Simulation engines behind one protocol: most-permissive attractors (mpbn), stochastic
kinetics (MaBoSS) and graded logic ODEs (normalised Hill functions)."""

from __future__ import annotations

from her2resist.engines.base import Engine, Provenance, SimulationResult
from her2resist.exceptions import ParameterError

ENGINE_NAMES = ("most-permissive", "stochastic", "graded")
#: The engine of predictions, reports, screens and validation unless another is asked for.
DEFAULT_ENGINE = "graded"
#: The exact Boolean engine: every engine's Boolean limit, which explains (traces, mechanisms)
#: and searches remedies.
EXACT_ENGINE = "most-permissive"
#: Engines that take continuous input levels in [0, 1] and sample parameter sets (what an
#: engine class says with ``graded = True``; listed here so that asking costs no import).
GRADED_ENGINES = frozenset({"graded"})
#: The options each engine takes beyond the defaults (a seed makes an engine stochastic).
ENGINE_OPTIONS = {"most-permissive": (), "graded": (),
                  "stochastic": ("max_time", "time_tick", "sample_count", "seed")}
_SHARED: dict[str, Engine] = {}


def is_graded(name: str) -> bool:
    """Whether the engine ``name`` grades (input levels, score intervals).

    Examples
    --------
    >>> is_graded(DEFAULT_ENGINE), is_graded(EXACT_ENGINE)
    (True, False)
    """
    return name in GRADED_ENGINES


def takes_seed(name: str) -> bool:
    """Whether the engine ``name`` is stochastic (takes a seed).

    Examples
    --------
    >>> takes_seed("stochastic"), takes_seed(EXACT_ENGINE)
    (True, False)
    """
    return "seed" in ENGINE_OPTIONS.get(name, ())


def configured_engine(name: str, **options: object) -> Engine:
    """The engine ``name`` with those of ``options`` that it takes (the others are for other
    engines: a command passes its stochastic settings whatever the engine).

    Examples
    --------
    >>> configured_engine(EXACT_ENGINE, seed=3) is get_engine(EXACT_ENGINE)
    True
    """
    if name not in ENGINE_NAMES:
        raise ParameterError("engine", "configured_engine", f"one of {set(ENGINE_NAMES)}", name)
    taken = {k: v for k, v in options.items() if k in ENGINE_OPTIONS[name]}
    return get_engine(name, **taken)


def get_engine(name: str = "most-permissive", **options: object) -> Engine:
    """An engine by name; without options the same cached instance is returned each time.

    Examples
    --------
    >>> get_engine("most-permissive").name
    'most-permissive'
    """
    if name not in ENGINE_NAMES:
        raise ParameterError("engine", "get_engine", f"one of {set(ENGINE_NAMES)}", name)
    if not options and name in _SHARED:
        return _SHARED[name]
    if name == "most-permissive":
        from her2resist.engines.mp import MostPermissiveEngine

        engine: Engine = MostPermissiveEngine(**options)  # type: ignore[arg-type]
    elif name == "graded":
        from her2resist.engines.graded import GradedEngine

        engine = GradedEngine(**options)  # type: ignore[arg-type]
    else:
        from her2resist.engines.stochastic import StochasticEngine

        engine = StochasticEngine(**options)  # type: ignore[arg-type]
    if not options:
        _SHARED[name] = engine
    return engine


def __getattr__(name: str) -> object:
    # The service imports this module; deferred to keep `import her2resist.engines` light.
    if name in ("SimulationService", "get_service", "RegimenSimulation"):
        from her2resist.engines import service

        return getattr(service, name)
    raise AttributeError(name)


__all__ = [
    "DEFAULT_ENGINE",
    "ENGINE_NAMES",
    "ENGINE_OPTIONS",
    "EXACT_ENGINE",
    "GRADED_ENGINES",
    "Engine",
    "Provenance",
    "RegimenSimulation",
    "SimulationResult",
    "SimulationService",
    "configured_engine",
    "get_engine",
    "get_service",
    "is_graded",
    "takes_seed",
]
