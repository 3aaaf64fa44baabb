"""Prediction: regimen and alteration parsing, response score and class, mechanism traces."""

from her2resist.predict.explain import TraceStep
from her2resist.predict.regimen import (
    Regimen,
    alteration_perturbation,
    parse_regimen,
    resolve_alterations,
)
from her2resist.predict.response import Prediction, predict, predict_response
from her2resist.predict.scoring import response_class, response_score
from her2resist.predict.simulate import RegimenSimulation, simulate_regimen

__all__ = [
    "Prediction",
    "Regimen",
    "RegimenSimulation",
    "TraceStep",
    "alteration_perturbation",
    "parse_regimen",
    "predict",
    "predict_response",
    "resolve_alterations",
    "response_class",
    "response_score",
    "simulate_regimen",
]
