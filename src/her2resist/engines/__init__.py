"""Simulation engines behind one protocol: most-permissive attractors (mpbn), stochastic
kinetics (MaBoSS) and graded logic ODEs (normalised Hill functions)."""

from __future__ import annotations

from her2resist.engines.base import Engine, Provenance, SimulationResult
from her2resist.exceptions import ParameterError

ENGINE_NAMES = ("most-permissive", "stochastic", "graded")
_SHARED: dict[str, Engine] = {}


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


__all__ = ["ENGINE_NAMES", "Engine", "Provenance", "RegimenSimulation", "SimulationResult",
           "SimulationService", "get_engine", "get_service"]
