"""What a screen runs on: genotypes (tumours), agents (drugs, classes, node perturbations).

A :class:`Genotype` is a named model perturbation (a tumour's alterations); by default a
screen runs one per mechanism of resistance in the knowledge base (all of the mechanism's
alterations together, plus its context, e.g. immune effector cells).  An :class:`Agent` is one
arm of a combination: a drug or drug class of the catalogue (its model drug nodes switched on)
or, for any model, a node perturbation written ``NODE=0`` or ``NODE=1``.

Examples
--------
>>> genotypes = mechanism_genotypes()
>>> pten = next(g for g in genotypes if g.mechanism == "PTEN_loss")
>>> pten.perturbation, pten.resisted[0]
({'PTEN_loss': 1}, 'trastuzumab')
>>> [a.name for a in parse_agents(["Herceptin", "PI3K inhibitor", "MYC=0"])]
['trastuzumab', 'PI3K inhibitor', 'MYC=0']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from her2resist.common.assignments import parse_assignment
from her2resist.exceptions import ParameterError
from her2resist.knowledge.catalogue import Catalogue, load_catalogue
from her2resist.knowledge.checks import split_regimen
from her2resist.knowledge.kb import KnowledgeBase, load_knowledge_base
from her2resist.predict.regimen import alteration_perturbation, parse_regimen, resolve_alterations


@dataclass(frozen=True, slots=True)
class Genotype:
    """A named model perturbation; ``resisted`` are the regimens the KB says it escapes.

    Examples
    --------
    >>> pten = next(g for g in mechanism_genotypes() if g.mechanism == "PTEN_loss")
    >>> pten.perturbation, "trastuzumab" in pten.resisted
    ({'PTEN_loss': 1}, True)
    """

    name: str
    perturbation: Mapping[str, int] = field(default_factory=dict)
    alterations: tuple[str, ...] = ()
    mechanism: str | None = None
    resisted: tuple[str, ...] = ()
    #: The alterations as the user wrote them (variants keep their strength when graded).
    texts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Agent:
    """One arm of a combination: its name, the nodes it sets, the catalogue ids it stands for.

    Examples
    --------
    >>> everolimus = next(a for a in default_panel() if a.name == "everolimus")
    >>> everolimus.nodes
    (('mTORi', 1),)
    """

    name: str
    nodes: tuple[tuple[str, int], ...]
    ids: tuple[str, ...] = ()


def parse_node_value(text: str, what: str = "node setting") -> tuple[str, int]:
    """``"NODE=0"`` -> ``("NODE", 0)`` (the shared parser); otherwise a ParameterError."""
    return parse_assignment(text, what, "her2resist.screen")


def parse_agents(names: Iterable[str], catalogue: Catalogue | None = None) -> tuple[Agent, ...]:
    """Agents from drug or class names (any the catalogue knows) or ``NODE=0|1`` strings."""
    agents = []
    for name in names:
        text = str(name).strip()
        if "=" in text:
            agents.append(Agent(text.replace(" ", ""), (parse_node_value(text, "agent"),)))
            continue
        catalogue = catalogue or load_catalogue()
        item = parse_regimen(text, catalogue).items
        if len(item) != 1:
            raise ParameterError("agents", "screen_combinations", "one drug or class per agent",
                                 text)
        agents.append(Agent(item[0].name, tuple((n, 1) for n in item[0].nodes), (item[0].id,)))
    return tuple(agents)


_PANELS: dict[int, tuple[KnowledgeBase, tuple[Agent, ...]]] = {}


def default_panel(kb: KnowledgeBase | None = None) -> tuple[Agent, ...]:
    """Every drug or class the KB's mechanisms name, one agent per distinct model action
    (computed once per knowledge base).

    Examples
    --------
    >>> "trastuzumab" in [agent.name for agent in default_panel()]
    True
    """
    kb = kb or load_knowledge_base()
    found = _PANELS.get(id(kb))
    if found is None or found[0] is not kb:
        found = (kb, _panel(kb))
        _PANELS[id(kb)] = found
    return found[1]


def _panel(kb: KnowledgeBase) -> tuple[Agent, ...]:
    seen: dict[tuple[tuple[str, int], ...], Agent] = {}
    for mech in kb.mechanisms.values():
        regimens = (*mech.resistant_to, *mech.active, *(s.regimen for s in mech.strategies))
        for part in (p for reg in regimens for p in split_regimen(reg)):
            agent = parse_agents([_name_of(part, kb.catalogue)], kb.catalogue)[0]
            seen.setdefault(tuple(sorted(agent.nodes)), agent)
    return tuple(seen.values())


def _name_of(record_id: str, catalogue: Catalogue) -> str:
    if record_id in catalogue.drugs:
        return catalogue.drugs[record_id].name
    return catalogue.classes[record_id].name


def mechanism_genotypes(kb: KnowledgeBase | None = None) -> tuple[Genotype, ...]:
    """One genotype per KB mechanism that the model represents (it has alterations).

    Examples
    --------
    >>> genotypes = mechanism_genotypes()
    >>> genotypes[0].mechanism == genotypes[0].name and len(genotypes) > 10
    True
    """
    kb = kb or load_knowledge_base()
    out = []
    for mech in kb.mechanisms.values():
        if not mech.alterations:
            continue
        alts = resolve_alterations((*mech.alterations, *mech.context), kb.catalogue)
        out.append(Genotype(mech.id, alteration_perturbation(alts),
                            tuple(mech.alterations), mech.id, tuple(mech.resistant_to)))
    return tuple(out)


def as_genotypes(profiles: Any, catalogue: Catalogue | None = None) -> tuple[Genotype, ...]:
    """Genotypes from what a user gives (see :func:`as_genotype` for one; a list for many).

    ``None`` gives one genotype per KB mechanism; a list of strings is *one* tumour's
    alterations; a mapping of names to alteration lists gives named tumours.
    """
    if profiles is None:
        return mechanism_genotypes()
    if isinstance(profiles, (str, Genotype)) or _is_strings(profiles):
        return (as_genotype(profiles, catalogue),)
    if isinstance(profiles, Mapping):
        if all(isinstance(v, int) for v in profiles.values()):
            return (as_genotype(profiles, catalogue),)
        return tuple(as_genotype(v, catalogue, name=str(k)) for k, v in profiles.items())
    if isinstance(profiles, Sequence) or hasattr(profiles, "__iter__"):
        found = tuple(as_genotype(p, catalogue) for p in profiles)
        if not found:
            raise ParameterError("profiles", "her2resist.screen", "at least one profile", profiles)
        return found
    return (as_genotype(profiles, catalogue),)


def _is_strings(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


def as_genotype(profile: Any, catalogue: Catalogue | None = None, *,
                name: str | None = None) -> Genotype:
    """One genotype from a :class:`Genotype`, a ``TumourProfile``, alteration names, or a
    perturbation mapping ``{node: 0|1}``."""
    if isinstance(profile, Genotype):
        return profile
    if hasattr(profile, "perturbation") and hasattr(profile, "sample"):
        return Genotype(name or profile.sample, dict(profile.perturbation()),
                        tuple(profile.alteration_ids()))
    if isinstance(profile, Mapping):
        return Genotype(name or _label(profile), {str(k): int(v) for k, v in profile.items()})
    if isinstance(profile, str):
        profile = [p for p in profile.split(";") if p.strip()]
    if _is_strings(profile):
        alts = resolve_alterations(profile, catalogue or load_catalogue())
        ids = tuple(a.id for a in alts)
        return Genotype(name or (" + ".join(ids) or "no alteration"),
                        alteration_perturbation(alts), ids,
                        texts=tuple(str(p).strip() for p in profile))
    raise ParameterError("profiles", "her2resist.screen", "a Genotype, TumourProfile, "
                         "alteration names or a {node: 0|1} mapping", profile)


def _label(perturbation: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in perturbation.items()) or "unperturbed"


def regimen_nodes(text: str, catalogue: Catalogue | None = None) -> dict[str, int]:
    """The drug nodes a regimen (names or KB ids joined by '+') switches on."""
    return parse_regimen(text, catalogue or load_catalogue()).perturbation()
