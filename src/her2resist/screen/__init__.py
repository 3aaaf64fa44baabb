"""In-silico screens on the model: drug combinations and nodal targets.

- :func:`screen_combinations`: every single agent and pair (or triple) of a panel on each
  resistance genotype; response scores, Bliss excess, ranking, traces and the KB's evidence.
- :func:`find_nodal_targets`: every inclusion-minimal set of node inhibitions (and
  activations) after which every reached attractor is non-proliferative (or apoptotic).
- :func:`summarise_nodal_targets`: the nodes and drugs that restore control across genotypes.

Work is reduced and cached (:mod:`her2resist.screen.evaluate`) and runs in a local process
pool or on a Dask cluster (:mod:`her2resist.screen.execution`).
"""

from her2resist.screen.combinations import CombinationScreen, screen_combinations
from her2resist.screen.genotypes import Agent, Genotype, default_panel, mechanism_genotypes
from her2resist.screen.summary import NodalTargetSummary, summarise_nodal_targets
from her2resist.screen.targets import NodalTarget, NodalTargets, find_nodal_targets

__all__ = [
    "Agent",
    "CombinationScreen",
    "Genotype",
    "NodalTarget",
    "NodalTargetSummary",
    "NodalTargets",
    "default_panel",
    "find_nodal_targets",
    "mechanism_genotypes",
    "screen_combinations",
    "summarise_nodal_targets",
]
