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


def test_a_prediction_finished_after_its_catalogue_was_unpinned_is_not_kept(monkeypatch) -> None:
    # Another thread pins its 65th catalogue (emptying both tables) while this prediction is
    # computed: keeping it afterwards would leave an entry under an id nothing holds.
    catalogue = read_catalogue(data_dir())
    computing = response._predict

    def others_meanwhile(*args, **kwargs):
        for other in [object() for _ in range(65)]:
            response._pinned(other)  # type: ignore[arg-type]
        return computing(*args, **kwargs)

    monkeypatch.setattr(response, "_predict", others_meanwhile)
    response.predict_response(["PTEN loss"], "lapatinib", catalogue=catalogue,
                              engine="most-permissive")
    assert response._PINNED.get(id(catalogue)) is not catalogue
    kept = [k for k in response._PREDICTIONS._data if k[2] == id(catalogue)]
    assert kept == []
    monkeypatch.setattr(response, "_predict", computing)
    # pinned again by the next call, which keeps its prediction as usual
    response.predict_response(["PTEN loss"], "lapatinib", catalogue=catalogue,
                              engine="most-permissive")
    assert response._PINNED[id(catalogue)] is catalogue
    assert [k for k in response._PREDICTIONS._data if k[2] == id(catalogue)]
