"""Caches keyed by an object's id hold that object, so the id cannot be reused meanwhile."""

from __future__ import annotations

import gc

from her2resist.knowledge.catalogue import data_dir, read_catalogue
from her2resist.predict import response


def test_a_prediction_cached_under_a_catalogue_id_keeps_that_catalogue() -> None:
    # A freed catalogue's id may be given to a new one; a prediction cached under the old id
    # would then answer for the new catalogue. The cache holds the catalogue instead.
    catalogue = read_catalogue(data_dir())
    ident = id(catalogue)
    first = response.predict_response(["PTEN loss"], "trastuzumab", catalogue=catalogue,
                                       engine="most-permissive")
    del catalogue
    gc.collect()
    assert response._PINNED[ident].alterations["PTEN_loss"].id == "PTEN_loss"
    again = response.predict_response(["PTEN loss"], "trastuzumab",
                                       catalogue=response._PINNED[ident],
                                       engine="most-permissive")
    assert again is first  # still answered from the cache
