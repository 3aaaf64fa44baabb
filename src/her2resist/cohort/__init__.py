"""Cohorts and virtual trials: many tumours' predictions against outcomes, and trials of
regimen against regimen in a sampled HER2-positive population.

Examples
--------
>>> from her2resist.cohort import read_written_regimen
>>> read_written_regimen("TCHP").label
'docetaxel + carboplatin + trastuzumab + pertuzumab'
"""

from her2resist.cohort.cohort import CohortResult, run_cohort
from her2resist.cohort.outcomes import ClinicalColumns, read_clinical_columns, read_cohort
from her2resist.cohort.predictions import Genotype, PredictionTable, predict_genotypes
from her2resist.cohort.regimens import (
    WrittenRegimen,
    read_regimen_map,
    read_regimens,
    read_written_regimen,
)

__all__ = [
    "ClinicalColumns",
    "CohortResult",
    "Genotype",
    "PredictionTable",
    "WrittenRegimen",
    "predict_genotypes",
    "read_clinical_columns",
    "read_cohort",
    "read_regimen_map",
    "read_regimens",
    "read_written_regimen",
    "run_cohort",
]
