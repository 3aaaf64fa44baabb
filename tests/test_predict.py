import pytest

from her2resist.exceptions import ParameterError, UnknownNameError
from her2resist.predict import parse_regimen, predict_response, resolve_alterations
from her2resist.predict.scoring import control_per_state, response_class, response_score


@pytest.mark.parametrize(
    "text, nodes",
    [
        ("Herceptin", ("trastuzumab",)),
        ("T-DM1", ("T_DM1",)),
        ("ado-trastuzumab emtansine", ("T_DM1",)),
        ("Enhertu + tucatinib", ("T_DXd", "tucatinib")),
        ("trastuzumab+PI3K inhibitor", ("trastuzumab", "PI3Ki")),
        ("lapatinib + BEZ235", ("lapatinib", "lapatinib_EGFR", "PI3Ki", "mTORi")),
        ("CDK4/6 inhibitor", ("CDK46i",)),
        ("HER3 antibodies", ("HER3_mAb",)),
        ("untreated", ()),
    ],
)
def test_parse_regimen_names_brands_synonyms_classes(text: str, nodes: tuple[str, ...]) -> None:
    assert parse_regimen(text).nodes == nodes


def test_unknown_drug_lists_closest_names() -> None:
    with pytest.raises(
        UnknownNameError, match=r"Unknown drug or drug class 'trastuzumb'.*'trastuzumab'"
    ):
        parse_regimen("trastuzumb + lapatinib")
    with pytest.raises(KeyError):  # builtin-compatible
        parse_regimen("aspirin")


def test_empty_regimen_component_is_an_error() -> None:
    with pytest.raises(UnknownNameError):
        parse_regimen("trastuzumab + ")


@pytest.mark.parametrize(
    "text, alteration",
    [
        ("PTEN loss", "PTEN_loss"),
        ("pten LOSS", "PTEN_loss"),
        ("PIK3CA H1047R", "PIK3CA_mut"),
        ("PIK3CA p.His1047Arg", "PIK3CA_mut"),
        ("PIK3CA p.E545K", "PIK3CA_mut"),
        ("KRAS G12V", "KRAS_mut"),
        ("p95HER2", "p95HER2"),
        ("cyclin E amplification", "CCNE1_amp"),
        ("ERBB2 L755S", "ERBB2_kinase_mut"),
        ("PTEN_loss", "PTEN_loss"),
    ],
)
def test_alteration_vocabulary(text: str, alteration: str) -> None:
    assert resolve_alterations([text])[0].id == alteration


def test_unknown_alteration_lists_closest() -> None:
    with pytest.raises(UnknownNameError, match=r"Unknown alteration 'PIK3CA H1047Q'|Did you mean"):
        resolve_alterations(["PIK3CA X999Z"])


def test_scoring_formula_and_classes() -> None:
    import pandas as pd

    states = pd.DataFrame(
        {"Proliferation": [1.0, 0.0, 0.0, 1.0, 0.5], "Apoptosis": [0.0, 0.0, 1.0, 1.0, 0.0]}
    )
    assert control_per_state(states).tolist() == [0.0, 0.5, 1.0, 0.25, 0.25]
    assert response_score(0.0, 0.5) == 0.5
    assert response_score(1.0, 1.0) == 0.0
    assert response_class(0.5) == "sensitive"
    assert response_class(0.3) == "partial"
    assert response_class(0.1) == "resistant"


def test_prediction_explains_escape_through_pten_loss() -> None:
    pred = predict_response(["PTEN loss"], "trastuzumab")
    assert pred.response_class == "resistant"
    assert pred.mechanisms == ("PTEN_loss",)
    nodes = [step.node for step in pred.trace]
    assert nodes[0] == "Proliferation"
    assert {"AKT", "PTEN", "PTEN_loss"} <= set(nodes)
    assert all(step.refs for step in pred.trace if step.rule != "input" and step.because)
    data = pred.to_dict()
    assert data["class"] == "resistant" and data["provenance"]["engine"] == "most-permissive"


def test_combination_closes_the_escape() -> None:
    pred = predict_response(["PTEN loss"], "trastuzumab + alpelisib")
    assert pred.response_class == "sensitive"
    assert pred.mechanisms == ()


def test_feedback_makes_lapatinib_partial_in_signalling_but_sensitive() -> None:
    alone = predict_response([], "lapatinib")
    with_her3 = predict_response([], "lapatinib + HER3 antibody")
    assert alone.response_class == "sensitive"
    assert 0.0 < alone.apoptosis < 1.0  # FOXO-driven HER3 feedback: apoptosis oscillates
    assert with_her3.score > alone.score


def test_her2_loss_warns_that_nothing_can_be_added() -> None:
    pred = predict_response(["ERBB2 loss"], "trastuzumab")
    assert pred.score == 0.0 and pred.response_class == "resistant"
    assert any("no proliferative drive" in w for w in pred.warnings)


def test_immune_context_enables_adcc() -> None:
    base = predict_response([], "trastuzumab")
    immune = predict_response([], "trastuzumab", environment={"Immune": 1})
    low_fcgr = predict_response(["FCGR3A 158F"], "trastuzumab", environment={"Immune": 1})
    assert immune.score > base.score
    assert low_fcgr.score == base.score


def test_environment_with_unknown_node_is_an_error() -> None:
    with pytest.raises(UnknownNameError, match="Unknown model node 'Immunity'"):
        predict_response([], "trastuzumab", environment={"Immunity": 1})


def test_stochastic_engine_agrees_on_clear_cases() -> None:
    from her2resist.engines import get_engine

    eng = get_engine("stochastic", sample_count=300, max_time=30.0, seed=1)
    resistant = predict_response(["PTEN loss"], "trastuzumab", engine=eng, explain=False)
    sensitive = predict_response([], "trastuzumab + lapatinib", engine=eng, explain=False)
    assert resistant.score < 0.25 < 0.5 < sensitive.score
    assert resistant.provenance.seed == 1


def test_stochastic_engine_validates_options() -> None:
    from her2resist.engines import get_engine

    with pytest.raises(ParameterError, match="sample_count"):
        get_engine("stochastic", sample_count=0)


def test_parsed_regimens_are_kept_bounded_in_size() -> None:
    """parse_regimen keeps parsed regimens by text (user text, in the web service): a long
    text (padded, or a drug repeated) is parsed as before but not held, a short one is held
    and answered again identically."""
    from her2resist.predict import regimen as module

    long_text = "trastuzumab + " * 200 + "lapatinib" + " " * 5000
    before = set(module._PARSED)
    first = parse_regimen(long_text)
    assert first == parse_regimen(long_text) and first.text == long_text.strip()
    assert not any(len(text) > module._LONGEST_KEPT for text, _ in set(module._PARSED) - before)
    short = parse_regimen(" trastuzumab + everolimus ")
    assert parse_regimen(" trastuzumab + everolimus ") is short
    from her2resist.knowledge.catalogue import load_catalogue

    assert short == module._parse(" trastuzumab + everolimus ", load_catalogue())
    from her2resist.predict import response

    kept = set(response._REGIMENS)
    assert predict_response([], long_text).regimen == first.label
    assert not any(len(text) > module._LONGEST_KEPT for text, _ in set(response._REGIMENS) - kept)
