"""Dose-response fitting and synergy scores (Bliss, HSA, Loewe, ZIP) for combination plates.

The definitions are those of SynergyFinder 3 (``docs/synergy.md``). Typical use::

    from her2resist.synergy import read_plate, score_plate
    result = score_plate(read_plate("plate.csv"))
    result.blocks        # one row per block: mean scores, most synergistic area, fits
    result.wells         # one row per well: reference and synergy of every method
"""

from her2resist.synergy.analysis import METHODS, SynergyResult, score_plate
from her2resist.synergy.fit import CurveFits, fit_curves
from her2resist.synergy.oneil import read_oneil
from her2resist.synergy.plate import Plate, read_plate, validate_plate

__all__ = [
    "METHODS",
    "CurveFits",
    "Plate",
    "SynergyResult",
    "fit_curves",
    "read_oneil",
    "read_plate",
    "score_plate",
    "validate_plate",
]
