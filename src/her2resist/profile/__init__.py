"""Tumour profiles: receptor status, model alterations and where each came from.

Readers return ``{sample: TumourProfile}``; :func:`load_profiles` joins several files.

Examples
--------
>>> from her2resist.profile import TumourProfile
>>> TumourProfile.from_alterations("T1", ["PTEN loss"]).perturbation()
{'PTEN_loss': 1}
"""

from her2resist.profile.clinical import read_clinical
from her2resist.profile.cna_long import read_cna_long
from her2resist.profile.document import read_profile
from her2resist.profile.fusions import read_fusions
from her2resist.profile.load import load_profiles, read_study, study_files
from her2resist.profile.maf import read_maf
from her2resist.profile.mapping import map_copy_number, map_expression, map_mutation
from her2resist.profile.matrix import read_cna, read_expression
from her2resist.profile.pcgr_expression import read_pcgr_expression
from her2resist.profile.segments import read_segments
from her2resist.profile.tumour import (
    Her2Status,
    ProfileAlteration,
    ReceptorStatus,
    Source,
    TumourProfile,
    UnmappedVariant,
    merge_profiles,
)
from her2resist.profile.vcf import read_vcf

__all__ = [
    "Her2Status",
    "ProfileAlteration",
    "ReceptorStatus",
    "Source",
    "TumourProfile",
    "UnmappedVariant",
    "load_profiles",
    "map_copy_number",
    "map_expression",
    "map_mutation",
    "merge_profiles",
    "read_clinical",
    "read_cna",
    "read_cna_long",
    "read_expression",
    "read_fusions",
    "read_maf",
    "read_pcgr_expression",
    "read_profile",
    "read_segments",
    "read_study",
    "read_vcf",
    "study_files",
]
