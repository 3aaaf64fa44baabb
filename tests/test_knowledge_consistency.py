"""The knowledge base and the model never contradict each other.

Every drug and alteration of the knowledge base exists in the model and every drug and
alteration node of the model is reachable from the knowledge base; for every mechanism the
model's predictions agree with the literature's claims recorded in ``mechanisms.yaml``:

- a regimen in ``resistant_to`` must do worse with the mechanism than without it (score lower by
  at least one class width, 0.25) or be predicted ``resistant``; for an intrinsic mechanism
  (no alteration) it must not be predicted ``sensitive``;
- a regimen in ``active`` must not be predicted ``resistant``.

Known disagreements are listed in ``KNOWN_DISAGREEMENTS`` (reported to the model's owner) and
marked ``xfail(strict=True)``, so that fixing the model turns them into failures to clean up.
"""

from __future__ import annotations

import pytest

from her2resist.knowledge.checks import split_regimen
from her2resist.knowledge.kb import load_knowledge_base
from her2resist.model import load_model
from her2resist.predict import predict_response

KB = load_knowledge_base()
NET = load_model()
MIN_DROP = 0.25

#: (mechanism, regimen, claim) -> why the model disagrees with the literature.
KNOWN_DISAGREEMENTS: dict[tuple[str, str, str], str] = {
    ("NRG1_heregulin", "pertuzumab", "active"):
        "Agus 2002: pertuzumab blocks ligand-activated HER2 signalling; model: pertuzumab alone "
        "never controls growth (HER2 homodimer signalling untouched), resistant 0.00",
    ("EGFR_ligands", "egfr_inhibitor", "active"):
        "Ritter 2007: erlotinib/gefitinib induce apoptosis of EGFR-high trastuzumab-resistant "
        "cells; model: EGFR inhibitor alone leaves HER2 signalling on, resistant 0.00",
    ("PTEN_loss", "trastuzumab_emtansine", "resistant_to"):
        "Li 2018: PTEN deficiency contributes to acquired T-DM1 resistance; model: DM1 kills "
        "independently of PI3K signalling, sensitive 1.00 with or without PTEN",
    ("FOXO_feedback", "akt_inhibitor", "resistant_to"):
        "Chandarlapaty 2011: FOXO-driven RTK re-expression limits AKT inhibitors; model: AKT "
        "inhibitor alone is cytostatic, sensitive 0.50",
    ("mTORC1_activation", "lapatinib", "resistant_to"):
        "Gayle 2012: lapatinib fails to inhibit AKT/p70S6K in resistant cells; model: with TSC "
        "loss or an MTOR mutation lapatinib still stops ERK, so cyclin D1 is not made and p27 "
        "stays on whatever mTORC1 does, 0.75 with or without the alteration",
    ("FOXO_feedback", "pi3k_inhibitor", "resistant_to"):
        "Serra 2011: PI3K inhibition reactivates HER receptors and ERK; model: PI3K inhibitor "
        "alone sensitive 0.50",
}


def _names(regimen: str) -> str:
    parts = []
    for part in split_regimen(regimen):
        record = KB.catalogue.drugs.get(part) or KB.catalogue.classes[part]
        parts.append(record.name)
    return " + ".join(parts)


def _cases() -> list[object]:
    cases = []
    for mech in KB.mechanisms.values():
        if not mech.alterations and not mech.intrinsic:
            continue
        for claim, regimens in (("resistant_to", mech.resistant_to), ("active", mech.active)):
            for regimen in regimens:
                key = (mech.id, regimen, claim)
                marks = ([pytest.mark.xfail(strict=True, reason=KNOWN_DISAGREEMENTS[key])]
                         if key in KNOWN_DISAGREEMENTS else [])
                cases.append(pytest.param(mech.id, regimen, claim, marks=marks,
                                          id=f"{mech.id}-{claim}-{regimen}"))
    return cases


def test_every_catalogue_drug_node_exists_in_the_model() -> None:
    drug_nodes = {n.id for n in NET.nodes.values() if n.kind == "drug"}
    used = {node for d in KB.catalogue.drugs.values() for node in d.nodes}
    used |= {node for c in KB.catalogue.classes.values() for node in c.nodes}
    assert used - drug_nodes == set(), "catalogue drug nodes missing from the model"
    assert drug_nodes - used == set(), "model drug nodes no drug of the catalogue switches on"


def test_every_alteration_maps_to_model_inputs_and_back() -> None:
    inputs = {n.id for n in NET.nodes.values() if n.kind in ("alteration", "environment")}
    alteration_nodes = {n.id for n in NET.nodes.values() if n.kind == "alteration"}
    targets = {node for a in KB.catalogue.alterations.values() for node in a.set}
    assert targets - inputs == set(), "vocabulary sets nodes that are not model inputs"
    assert alteration_nodes - targets == set(), "model alterations without a vocabulary entry"


def test_every_model_alteration_but_context_has_a_mechanism_or_is_reported() -> None:
    covered = {node for m in KB.mechanisms.values() for a in m.alterations
               for node in KB.catalogue.alterations[a].set}
    uncovered = {n.id for n in NET.nodes.values() if n.kind == "alteration"} - covered
    # ERBB2_amp is the model's context; the rest are reported to the model owner.
    assert uncovered == {"ERBB2_amp", "ESR1_mut", "RB1_loss", "MYC_amp"}


@pytest.mark.parametrize(("mechanism", "regimen", "claim"), _cases())
def test_model_agrees_with_literature(mechanism: str, regimen: str, claim: str) -> None:
    mech = KB.mechanisms[mechanism]
    context = [KB.catalogue.alterations[a].id for a in mech.context]
    altered = context + list(mech.alterations)
    drugs = _names(regimen)
    with_mech = predict_response(altered, drugs)
    if claim == "active":
        assert with_mech.response_class != "resistant", (
            f"{mechanism}: literature says {regimen} remains active; model predicts "
            f"{with_mech.response_class} (score {with_mech.score:.2f})")
        return
    if mech.intrinsic:
        assert with_mech.response_class != "sensitive", (
            f"{mechanism}: literature says intrinsic feedback limits {regimen}; model predicts "
            f"sensitive (score {with_mech.score:.2f})")
        return
    base = predict_response(context, drugs)
    worse = with_mech.score <= base.score - MIN_DROP or with_mech.response_class == "resistant"
    assert worse, (
        f"{mechanism}: literature says it resists {regimen}; model predicts "
        f"{with_mech.response_class} (score {with_mech.score:.2f}) vs {base.response_class} "
        f"({base.score:.2f}) without it")


def test_contradicting_alterations_name_known_ones() -> None:
    """Every ``contradicts`` entry of the vocabulary names an alteration that exists."""
    from her2resist.knowledge.catalogue import load_catalogue

    known = load_catalogue().alterations
    pairs = [(a.id, b) for a in known.values() for b in a.contradicts]
    assert pairs and all(b in known for _, b in pairs)


def test_contradictions_come_from_the_alterations_given() -> None:
    """A custom vocabulary's ``contradicts`` is honoured, not the package catalogue's: two
    alterations that the package does not know still report their declared contradiction,
    and the same pair without the declaration reports none."""
    from her2resist.knowledge.perturbation import build_perturbation
    from her2resist.knowledge.schema import Alteration

    up = Alteration(id="X_gain", gene="X", name="X gain", set={"X": 1},
                    contradicts=("X_loss",))
    down = Alteration(id="X_loss", gene="X", name="X loss", set={"Y": 0})
    found = build_perturbation([up, down], warn=False).conflicts
    assert found == ("X_gain and X_loss contradict each other (X gain; X loss); "
                     "both are applied as given: check the profile",)
    plain = Alteration(id="X_gain", gene="X", name="X gain", set={"X": 1})
    assert build_perturbation([plain, down], warn=False).conflicts == ()
