"""What both analyses share: the model, fixed nodes, the readout and the treatment background.

The project's model (or any model in its YAML form, with drug and phenotype nodes) is
simulated from the untreated tumour cell: reachable attractors.  An imported bnet or SBML-qual
model has no initial state: every attractor of the perturbed network counts.

Examples
--------
>>> setup = resolve_model(None, ["EGF=1"])
>>> setup.reachable, setup.fix
(True, {'EGF': 1})
>>> resolve_readout(setup, None)
{'Proliferation': 0}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from her2resist.common.assignments import parse_assignments
from her2resist.exceptions import ParameterError
from her2resist.model.network import Network
from her2resist.model.parse import load_model
from her2resist.predict.scoring import APOPTOSIS, PROLIFERATION
from her2resist.screen.execution import ModelRef
from her2resist.screen.genotypes import Genotype, regimen_nodes

#: The regimen a nodal-target search keeps on when neither the call nor the KB names one.
DEFAULT_REGIMEN = "trastuzumab"
_SIMULATED_KINDS = {"drug", "alteration", "phenotype"}


@dataclass(frozen=True, slots=True)
class ScreenSetup:
    """A resolved model: the network, how it travels, its mode, and the nodes fixed for all."""

    network: Network
    model: ModelRef
    reachable: bool
    fix: dict[str, int] = field(default_factory=dict)

    @property
    def project(self) -> bool:
        """Whether the model has drug nodes and the project's phenotypes."""
        return self.reachable and {PROLIFERATION, APOPTOSIS} <= set(self.network.nodes)


def node_values(values: Mapping[str, int] | Iterable[str] | None, what: str,
                function: str) -> dict[str, int]:
    """``{node: 0|1}`` from a mapping or ``NODE=0|1`` strings (the shared parser)."""
    return parse_assignments(values, what, function)


def resolve_model(model: Network | str | Path | None,
                  fix: Mapping[str, int] | Iterable[str] | None = None,
                  function: str = "her2resist.screen") -> ScreenSetup:
    """The network (the package's by default, a YAML/bnet/SBML file, or a Network)."""
    if isinstance(model, Network):
        network, path = model, None
    else:
        network, path = load_model(model), (str(model) if model is not None else None)
    fixed = node_values(fix, "fix", function)
    network.check_nodes(fixed, "node")
    kinds = {node.kind for node in network.nodes.values()}
    return ScreenSetup(network, ModelRef.of(network, path), bool(kinds & _SIMULATED_KINDS),
                       fixed)


def resolve_readout(setup: ScreenSetup, readout: Mapping[str, int] | Iterable[str] | None,
                    *, apoptotic: bool = False, function: str = "find_nodal_targets"
                    ) -> dict[str, int]:
    """The readout: given, or Proliferation=0 (Apoptosis=1 with ``apoptotic``) by default."""
    found = node_values(readout, "readout", function)
    if not found:
        if not setup.project:
            raise ParameterError("readout", function, "given for a model without the "
                                 "project's Proliferation and Apoptosis nodes (NODE=0|1)", None)
        found = {APOPTOSIS: 1} if apoptotic else {PROLIFERATION: 0}
    setup.network.check_nodes(found, "readout node")
    return found


def treatment(setup: ScreenSetup, genotype: Genotype, regimen: str | None
              ) -> tuple[str, dict[str, int], dict[str, int]]:
    """The regimen's label, the untreated background (genotype and fixed nodes) and the
    regimen's drug nodes.

    ``regimen`` None: the first regimen the KB says the genotype resists, else
    :data:`DEFAULT_REGIMEN` (project-style models); no regimen for imported models.
    """
    if regimen is None:
        regimen = (genotype.resisted[0] if genotype.resisted else DEFAULT_REGIMEN
                   ) if setup.project else ""
    drugs = regimen_nodes(regimen) if regimen.strip() else {}
    background = {**dict(genotype.perturbation), **setup.fix}
    setup.network.check_nodes(background, "node")
    return (regimen.strip() or "none"), background, drugs
