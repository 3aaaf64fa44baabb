"""A tumour's model perturbation: one type, built in one place.

Every analysis that turns alterations into fixed model nodes (a prediction, a tumour profile,
a report, a screen genotype, a cohort) calls :func:`build_perturbation`, so conflicts are
reported the same way everywhere and what a report prints is what the engine ran.

Rules: each alteration fixes the nodes of its ``set``; when two alterations fix one node to
different values the node is set to 1 (the activating event wins: a mutation that switches a
node on is not undone by another that lowers it) and a
:class:`~her2resist.exceptions.DataQualityWarning` names both; explicit ``environment``
settings (``--set NODE=0|1``, a HER2-negative status) override the alterations without a
conflict.

Examples
--------
>>> from her2resist.knowledge.catalogue import load_catalogue
>>> cat = load_catalogue()
>>> p = build_perturbation([cat.alterations["PTEN_loss"]], environment={"Immune": 1})
>>> p.values, p.origin["PTEN_loss"]
({'PTEN_loss': 1, 'Immune': 1}, ('PTEN_loss',))
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from her2resist.exceptions import DataQualityWarning

#: What set a node that no alteration set.
ENVIRONMENT = "environment"


class _Sets(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def set(self) -> Mapping[str, int]: ...


@dataclass(frozen=True, slots=True)
class Perturbation:
    """Fixed model nodes with what fixed each one (alteration ids or ``environment``).

    ``alterations`` are the alteration ids in order, ``environment`` the explicit settings,
    ``conflicts`` one message per node two alterations set differently.
    """

    values: Mapping[str, int]
    origin: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    alterations: tuple[str, ...] = ()
    environment: Mapping[str, int] = field(default_factory=dict)
    conflicts: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, int]:
        """The fixed nodes as a plain mapping (what the simulation service runs)."""
        return dict(self.values)

    def to_dict(self) -> dict[str, object]:
        """Plain data for JSON: the nodes, what set them, and any conflict."""
        return {"nodes": dict(self.values),
                "origin": {n: list(o) for n, o in self.origin.items()},
                "conflicts": list(self.conflicts)}


def build_perturbation(
    alterations: Iterable[_Sets], *, environment: Mapping[str, int] | None = None,
    owner: str = "", warn: bool = True,
) -> Perturbation:
    """The perturbation of ``alterations`` and explicit ``environment`` settings (see module
    docs); ``owner`` (a sample id) prefixes conflict messages."""
    values: dict[str, int] = {}
    origin: dict[str, list[str]] = {}
    conflicts: list[str] = []
    ids: list[str] = []
    given: list[_Sets] = []
    for alt in alterations:
        ids.append(alt.id)
        given.append(alt)
        for node, value in alt.set.items():
            value = int(value)
            if node in values and values[node] != value:
                prefix = f"sample {owner}: " if owner else ""
                conflicts.append(f"{prefix}{', '.join(origin[node])} and {alt.id} set {node} to "
                                 f"{values[node]} and {value}; using 1")
                value = 1
            values[node] = value
            origin.setdefault(node, []).append(alt.id)
    conflicts.extend(_contradictions(given, owner))
    explicit = {str(n): int(v) for n, v in (environment or {}).items()}
    for node, value in explicit.items():
        values[node] = value
        origin[node] = [ENVIRONMENT]
    if warn:
        for message in conflicts:
            warnings.warn(message, DataQualityWarning, stacklevel=2)
    return Perturbation(values, {n: tuple(o) for n, o in origin.items()},
                        tuple(dict.fromkeys(ids)), explicit, tuple(conflicts))


def _contradictions(given: list[_Sets], owner: str) -> list[str]:
    """Messages for pairs of ``given`` alterations that their own vocabulary says cannot hold
    together (``contradicts`` in alterations.yaml), such as HER2 amplification with HER2 loss.

    The alterations' own ``contradicts`` and ``name`` are read, so a custom catalogue's
    vocabulary is honoured; an object without them (a bare node setting) contradicts nothing.
    """
    by_id = {alt.id: alt for alt in given}
    prefix = f"sample {owner}: " if owner else ""
    return [f"{prefix}{a} and {b} contradict each other "
            f"({getattr(alt, 'name', a)}; {getattr(by_id[b], 'name', b)}); "
            "both are applied as given: check the profile"
            for a, alt in by_id.items()
            for b in getattr(alt, "contradicts", ()) if b in by_id]
