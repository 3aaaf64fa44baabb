"""How screen work travels to workers (:mod:`her2resist.common.execution` runs it).

Networks travel as a :class:`ModelRef` (the package's model by name, a model file by path, or
the rules themselves), and each worker keeps one
:class:`~her2resist.engines.service.SimulationService` per model, so its caches serve every
task it runs.

Examples
--------
>>> from her2resist.model import load_model
>>> ModelRef.of(load_model()).load().name == load_model().name
True
"""

from __future__ import annotations

from dataclasses import dataclass

from her2resist.common.execution import Progress, check_workers, run_tasks
from her2resist.engines.service import SimulationService, get_service
from her2resist.model.network import Network, Node

__all__ = ["ModelRef", "Progress", "check_workers", "run_tasks", "service_for"]


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A network that can travel to another process and be rebuilt there."""

    name: str
    nodes: tuple[tuple[str, str, str | None, int], ...] | None = None
    path: str | None = None

    @classmethod
    def of(cls, network: Network, path: str | None = None) -> ModelRef:
        from her2resist.model.parse import load_model

        if path is None and network.hash == load_model().hash:
            return cls(network.name)
        if path is not None:
            return cls(network.name, path=str(path))
        return cls(network.name, tuple((n.id, n.kind, n.rule, n.default)
                                       for n in network.nodes.values()))

    def load(self) -> Network:
        from her2resist.model.parse import load_model

        if self.nodes is None:
            return load_model(self.path)
        return Network({n: Node(n, kind, rule, default) for n, kind, rule, default in self.nodes},
                       name=self.name)


def service_for(model: ModelRef, reachable: bool) -> SimulationService:
    """This process's simulation service for ``model`` (shared, with its caches)."""
    return get_service(_load(model), reachable=reachable)


_LOADED: dict[ModelRef, Network] = {}


def _load(model: ModelRef) -> Network:
    if model not in _LOADED:
        _LOADED[model] = model.load()
    return _LOADED[model]
