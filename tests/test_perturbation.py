"""One perturbation builder: conflicts, explicit settings and origins."""

from dataclasses import dataclass, field

import pytest

from her2resist.exceptions import DataQualityWarning
from her2resist.knowledge.perturbation import ENVIRONMENT, build_perturbation


@dataclass(frozen=True)
class _Alt:
    id: str
    set: dict = field(default_factory=dict)


def test_conflicting_alterations_keep_the_activating_value_and_warn() -> None:
    alts = [_Alt("A_loss", {"X": 0}), _Alt("A_gain", {"X": 1, "Y": 1})]
    with pytest.warns(DataQualityWarning, match=r"sample S1: A_loss and A_gain set X to 0 and 1"):
        pert = build_perturbation(alts, owner="S1")
    assert pert.values == {"X": 1, "Y": 1}
    assert pert.origin["X"] == ("A_loss", "A_gain")
    assert len(pert.conflicts) == 1


def test_explicit_settings_override_without_a_conflict(recwarn: pytest.WarningsRecorder) -> None:
    pert = build_perturbation([_Alt("A_gain", {"X": 1})], environment={"X": 0, "E": 1})
    assert pert.values == {"X": 0, "E": 1}
    assert pert.origin["X"] == (ENVIRONMENT,) and not pert.conflicts
    assert not [w for w in recwarn if issubclass(w.category, DataQualityWarning)]


def test_profile_and_prediction_build_the_same_perturbation() -> None:
    from her2resist.predict import predict_response
    from her2resist.profile import TumourProfile

    profile = TumourProfile.from_alterations("T1", ["PIK3CA H1047R", "ESR1 overexpression"])
    pred = predict_response(["PIK3CA H1047R", "ESR1 overexpression"], "lapatinib")
    assert pred.perturbation is not None
    assert profile.model_perturbation().values == pred.perturbation.values
