"""Low PTEN mRNA is reduced PTEN (``PTEN_low``, as IHC loss), not the genomic ``PTEN_loss``.

A deep deletion or a truncating mutation stays ``PTEN_loss``; a profile that has both a deep
deletion and low mRNA keeps ``PTEN_loss`` (the deletion lowers the mRNA too), with both
observations as its sources (``partial_of`` in alterations.yaml).
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

from her2resist.exceptions import KnowledgeBaseError
from her2resist.knowledge.catalogue import data_dir, load_catalogue, read_catalogue
from her2resist.predict import resolve_alterations
from her2resist.predict.graded import predict_graded
from her2resist.profile import Source, load_profiles, map_copy_number, map_mutation, read_expression

#: z-scores of three samples: PTEN low in T1 and T2, normal in T3.
ZSCORES = "Hugo_Symbol\tT1\tT2\tT3\nPTEN\t-2.6\t-3.1\t0.2\nTP53\t0.1\t0.3\t-0.2\n"
#: Discrete copy number: PTEN deeply deleted in T2 only.
CNA = "Hugo_Symbol\tT1\tT2\tT3\nPTEN\t0\t-2\t0\nTP53\t0\t0\t0\n"
DUAL = "lapatinib + trastuzumab + paclitaxel"


def _files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "z.txt").write_text(ZSCORES)
    (tmp_path / "cna.txt").write_text(CNA)
    return tmp_path / "z.txt", tmp_path / "cna.txt"


def _score(alterations: list[str] | tuple[str, ...], regimen: str = DUAL) -> float:
    return predict_graded(list(alterations), regimen, context="patient", samples=0).score


def test_low_mrna_maps_to_pten_low_and_genomic_loss_stays_pten_loss(tmp_path: Path) -> None:
    zscores, _ = _files(tmp_path)
    profiles = read_expression(zscores)
    assert profiles["T1"].alteration_ids() == ("PTEN_low",)
    assert "PTEN low expression (z=-2.60)" in profiles["T1"].alterations[0].sources[0].text
    assert profiles["T3"].alteration_ids() == ()
    assert map_copy_number("PTEN", "deletion", Source("cna.txt", 2)).id == "PTEN_loss"
    assert map_mutation("PTEN", "p.Arg233Ter", "Nonsense_Mutation", Source("m", 2)).id \
        == "PTEN_loss"


def test_the_vocabulary_reads_low_expression_as_pten_low() -> None:
    ids = [a.id for a in resolve_alterations(["PTEN low expression"])]
    assert ids == ["PTEN_low"]
    assert [a.id for a in resolve_alterations(["PTEN downregulation"])] == ["PTEN_low"]
    assert [a.id for a in resolve_alterations(["PTEN homozygous deletion"])] == ["PTEN_loss"]


def test_deep_deletion_with_low_mrna_keeps_the_genomic_loss(tmp_path: Path) -> None:
    zscores, cna = _files(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        profiles = {p.sample: p for p in load_profiles(cna=cna, expression=zscores)}
    assert profiles["T1"].alteration_ids() == ("PTEN_low",)
    both = profiles["T2"]
    assert both.alteration_ids() == ("PTEN_loss",)
    assert len(both.alterations[0].sources) == 2  # the deletion and the low mRNA


def test_low_mrna_is_partial_in_the_graded_model(tmp_path: Path) -> None:
    """What the profile carries is what the engine runs: low mRNA costs dual blockade little
    (as IHC loss), the deep deletion with low mRNA resists trastuzumab (the genomic loss)."""
    zscores, cna = _files(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        profiles = {p.sample: p for p in load_profiles(cna=cna, expression=zscores)}
    low = _score([*profiles["T1"].alteration_ids(), "ER negative"])
    assert low == _score(["PTEN IHC loss", "ER negative"])
    assert low > _score(["PTEN loss", "ER negative"]) + 0.05
    assert _score(profiles["T2"].alteration_ids(), "trastuzumab") \
        == _score(["PTEN loss"], "trastuzumab")


def test_partial_of_must_name_a_full_alteration_of_the_same_gene(tmp_path: Path) -> None:
    for name in ("drugs.yaml", "alterations.yaml"):
        shutil.copy(data_dir() / name, tmp_path / name)
    text = (tmp_path / "alterations.yaml").read_text()
    assert "partial_of: PTEN_loss" in text
    (tmp_path / "alterations.yaml").write_text(text.replace("partial_of: PTEN_loss",
                                                            "partial_of: CCNE1_amp"))
    with pytest.raises(KnowledgeBaseError, match=r"'PTEN_low': partial_of must name a full "
                                                 r"alteration of PTEN \(got 'CCNE1_amp'\)"):
        read_catalogue(tmp_path)
    assert load_catalogue().alterations["PTEN_low"].partial_of == "PTEN_loss"


def test_named_with_the_genomic_loss_the_reduced_state_is_folded_into_it() -> None:
    """As in a profile: 'PTEN low' given with 'PTEN loss' does not weaken the loss (the graded
    engine would otherwise take the partial level for the PTEN_loss node)."""
    both = resolve_alterations(["PTEN low expression", "PTEN loss"])
    assert [a.id for a in both] == ["PTEN_loss"]
    assert _score(["PTEN low", "PTEN loss"], "trastuzumab") \
        == _score(["PTEN loss"], "trastuzumab")
