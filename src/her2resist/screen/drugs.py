"""Which drugs act on a node: read from the model's rules, or from the drugs' gene targets.

In the project's model a drug is an input node written into the rules of its targets.  A drug
*inhibits* node N when its drug node appears negated in N's rule (``PI3K = ... & !PI3Ki``), or
drives a node that appears negated there (``HER2_homo = HER2 & !HER2_rTKI`` with
``HER2_rTKI = lapatinib | ...``); it *activates* N with the signs the other way round.  For an
imported model, which has no drug nodes, a node is matched to the drugs whose catalogue
``targets`` (HGNC symbols) name the node or its genes (with a few common aliases: ERBB1 is
EGFR, ERalpha is ESR1, MEK1 is MAP2K1).

Examples
--------
>>> from her2resist.model import load_model
>>> acting = node_drugs(load_model())
>>> "alpelisib" in acting[("PI3K", 0)]
True
>>> "lapatinib" in acting[("HER2_homo", 0)]
True
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from her2resist.exceptions import ModelWarning, ParameterError
from her2resist.knowledge.catalogue import Catalogue, load_catalogue
from her2resist.model.network import Network
from her2resist.model.rules import signed_variables
from her2resist.screen.genotypes import Agent


def _drug_node_effects(network: Network, *, indirect: bool = True
                       ) -> dict[tuple[str, int], set[str]]:
    """(node, value) -> drug nodes that push ``node`` towards ``value`` (one or two steps)."""
    drug_nodes = set(network.ids("drug"))
    signs = {n: set(signed_variables(node.expr)) for n, node in network.nodes.items()
             if not node.is_input}
    effects: dict[tuple[str, int], set[str]] = {}
    for name, occurrences in signs.items():
        for var, positive in occurrences:
            if var in drug_nodes:
                effects.setdefault((name, int(positive)), set()).add(var)
    direct = {literal: set(nodes) for literal, nodes in effects.items()}
    if not indirect:
        return effects
    for name, occurrences in signs.items():
        for var, positive in occurrences:
            if var in drug_nodes or var not in signs:
                continue
            for value in (0, 1):
                # a drug setting ``var`` to v pushes ``name`` to v (positive) or 1 - v
                pushed = value if positive else 1 - value
                effects.setdefault((name, pushed), set()).update(direct.get((var, value), ()))
    return effects


def _drug_ids(nodes: set[str], catalogue: Catalogue) -> tuple[str, ...]:
    return tuple(d.id for d in catalogue.drugs.values() if nodes & set(d.nodes))


def node_drugs(network: Network, catalogue: Catalogue | None = None
               ) -> dict[tuple[str, int], tuple[str, ...]]:
    """Map ``(node, value)`` to the ids of the catalogue drugs that set it (see module docs)."""
    catalogue = catalogue or load_catalogue()
    if not network.ids("drug"):
        return _imported_node_drugs(network, catalogue)
    effects = _drug_node_effects(network)
    for drug_node in network.ids("drug"):
        effects.setdefault((drug_node, 1), set()).add(drug_node)
    found = {literal: _drug_ids(nodes, catalogue) for literal, nodes in effects.items()}
    return {literal: ids for literal, ids in found.items() if ids}


def _imported_node_drugs(network: Network, catalogue: Catalogue
                         ) -> dict[tuple[str, int], tuple[str, ...]]:
    """Inhibitors of an imported model's nodes, by gene symbol: the catalogue's ``targets``
    and the drugs acting directly on the project model's node for the same gene."""
    from her2resist.model.parse import load_model

    own = load_model()
    direct = _drug_node_effects(own, indirect=False)
    by_gene: dict[str, set[str]] = {}
    for name, node in own.nodes.items():
        for gene in (*node.genes, name.upper()):
            by_gene.setdefault(gene.upper(), set()).update(direct.get((name, 0), ()))
    out: dict[tuple[str, int], tuple[str, ...]] = {}
    for name, node in network.nodes.items():
        symbols = {catalogue.gene_aliases.get(name.upper(), name.upper()),
                   *(g.upper() for g in node.genes)}
        ids = [d.id for d in catalogue.drugs.values()
               if symbols & {t.upper() for t in d.targets}]
        nodes = set().union(*(by_gene.get(s, set()) for s in symbols))
        ids += [d for d in _drug_ids(nodes, catalogue) if d not in ids]
        if ids:
            out[(name, 0)] = tuple(ids)
    return out


def agents_for_model(panel: Sequence[Agent], network: Network, *, explicit: bool,
                     catalogue: Catalogue | None = None) -> tuple[Agent, ...]:
    """The panel as it acts on ``network``: an agent whose nodes the network has is kept; a
    drug or class agent whose nodes it lacks (an imported model has no drug nodes) sets the
    nodes its drugs act on there (:func:`node_drugs`), e.g. lapatinib -> ``ERBB1=0, ERBB2=0``
    in Sahin 2009.  An agent that acts on no node is an error when the user named it
    (``explicit``) and is left out of the default panel with a warning.

    Examples
    --------
    >>> from her2resist.model.formats import read_bnet_text
    >>> from her2resist.screen.genotypes import parse_agents
    >>> net = read_bnet_text("ERBB1, EGF\\nERBB2, ERBB2\\nAKT1, ERBB1 | ERBB2\\nEGF, EGF")
    >>> [a.nodes for a in agents_for_model(parse_agents(["lapatinib"]), net, explicit=True)]
    [(('ERBB1', 0), ('ERBB2', 0))]
    """
    missing = [a for a in panel if any(n not in network.nodes for n, _ in a.nodes)]
    if not missing:
        return tuple(panel)
    catalogue = catalogue or load_catalogue()
    acts: dict[str, list[tuple[str, int]]] = {}
    for literal, ids in sorted(node_drugs(network, catalogue).items()):
        for drug in ids:
            acts.setdefault(drug, []).append(literal)
    out, dropped = [], []
    for agent in panel:
        if agent not in missing:
            out.append(agent)
            continue
        drugs = [d for i in agent.ids
                 for d in ([i] if i in catalogue.drugs
                           else [m.id for m in catalogue.drugs_in_class(i)])]
        literals = dict(lit for d in drugs for lit in acts.get(d, ()))
        if literals:
            out.append(Agent(agent.name, tuple(sorted(literals.items())), agent.ids))
        elif explicit:
            acting = sorted(acts)
            raise ParameterError(
                "agents", "screen_combinations",
                f"drugs that act on a node of model {network.name!r} (by its rules or their "
                f"targets' genes: {', '.join(acting[:15]) or 'none'}"
                f"{', ...' if len(acting) > 15 else ''}) or NODE=0|1", agent.name)
        else:
            dropped.append(agent.name)
    if dropped:
        warnings.warn(f"{len(dropped)} agent(s) of the default panel act on no node of model "
                      f"{network.name!r} and were left out: {', '.join(dropped)}",
                      ModelWarning, stacklevel=2)
    if not out:
        raise ParameterError("agents", "screen_combinations",
                             "agents that act on the model's nodes (NODE=0|1 or mapped drugs)",
                             [a.name for a in panel])
    return tuple(out)
