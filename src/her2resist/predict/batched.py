"""Every regimen's prediction for one tumour cell, computed together (what a report asks).

:func:`predict_regimens` gives :func:`~her2resist.predict.response.predict_response` of each
regimen, kept in the same cache, with the simulations batched: every regimen in one call of
the simulation service, then the cell without each alteration for the regimens it escapes (the
mechanisms).  Where the service answers through an exact batch evaluator, whose results are
the rows it returns with every reached state weighing the same, the scores, means and traces
are read straight from those rows (:class:`_RowReader`), without a result object per
simulation; the numbers are those of the results, operation for operation
(``tests/test_predict_caches.py``, ``tests/test_report_batched.py``).

Examples
--------
>>> sensitive, resistant = predict_regimens(["PTEN loss"], ["trastuzumab + everolimus",
...                                                         "trastuzumab"])
>>> sensitive.response_class, resistant.response_class, resistant.mechanisms
('sensitive', 'resistant', ('PTEN_loss',))
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping, Sequence

from her2resist.engines import EXACT_ENGINE, get_engine
from her2resist.engines.base import Engine, Provenance, weighted_sum
from her2resist.engines.service import SimulationService, get_service
from her2resist.knowledge.catalogue import Catalogue, load_catalogue
from her2resist.knowledge.schema import Alteration
from her2resist.model.network import Network
from her2resist.model.parse import load_model
from her2resist.predict.regimen import resolve_alterations
from her2resist.predict.response import (
    MECHANISM_GAIN,
    Prediction,
    _cell_key,
    _kept,
    _perturbation,
    _Reached,
    _regimen,
    _score,
)
from her2resist.predict.scoring import APOPTOSIS, PROLIFERATION, control_rows, response_score

Rows = Sequence[Sequence[float]]


def predict_regimens(
    alterations: Iterable[str | Alteration] = (),
    regimens: Sequence[str] = (),
    *,
    environment: Mapping[str, int] | None = None,
    engine: Engine | str = EXACT_ENGINE,
    network: Network | None = None,
    catalogue: Catalogue | None = None,
) -> list[Prediction]:
    """:func:`~her2resist.predict.response.predict_response` of each regimen for one cell (the
    same predictions), explained where the cell is not sensitive (there is an escape to
    explain), the simulations computed together: every regimen in one batched call of the
    simulation service (:meth:`~her2resist.engines.service.SimulationService.rows_many`),
    then, for the regimens the cell escapes, the cell without each alteration (the mechanisms)
    in one call per alteration.

    Examples
    --------
    >>> sensitive, resistant = predict_regimens(["PTEN loss"], ["trastuzumab + everolimus",
    ...                                                         "trastuzumab"])
    >>> sensitive.response_class, sensitive.mechanisms, resistant.mechanisms
    ('sensitive', (), ('PTEN_loss',))
    """
    network = network or load_model()
    catalogue = catalogue or load_catalogue()
    alts = resolve_alterations(alterations, catalogue)
    extra = dict(environment or {})
    network.check_nodes(extra, "model node")
    eng = get_engine(engine) if isinstance(engine, str) else engine
    service = get_service(network, eng)
    perturbation = _perturbation(alts, extra, warn=True)
    parsed = [_regimen(r, catalogue) for r in regimens]
    untreated, treated = service.rows_many(perturbation.values, [p.drugs for p in parsed])
    reader = _RowReader.of(service)
    reached: list[_Reached | None] = [None] * len(parsed)
    if reader is not None:
        c0 = reader.control(untreated)
        reached = [reader.reached(c0, rows) for rows in treated]
    cell = _cell_key(service, catalogue, perturbation)
    quick = [_kept(service, catalogue, alts, p, perturbation, extra, False, cell, None, r)
             for p, r in zip(parsed, reached, strict=True)]
    escaped = [i for i, q in enumerate(quick) if q.response_class != "sensitive"]
    if not escaped:
        return quick
    found = _mechanisms_many(service, reader, alts, extra, [parsed[i].drugs for i in escaped],
                             [quick[i].score for i in escaped])
    out = list(quick)
    for i, mechanisms in zip(escaped, found, strict=True):
        out[i] = _kept(service, catalogue, alts, parsed[i], perturbation, extra, True, cell,
                       mechanisms, reached[i])
    return out


def _mechanisms_many(service: SimulationService, reader: _RowReader | None,
                     alts: tuple[Alteration, ...], extra: Mapping[str, int],
                     regimens: Sequence[Mapping[str, int]], scores: Sequence[float]
                     ) -> list[tuple[str, ...]]:
    """The mechanisms of each regimen (its drugs, its score): the alterations whose removal
    raises the score by at least ``MECHANISM_GAIN``, the cell without each alteration
    simulated for every regimen in one batched call and scored from its rows (``reader``),
    or through the service's results where they are not rows alone (``reader`` None)."""
    lost: list[list[str]] = [[] for _ in regimens]
    for alt in alts:
        rest = _perturbation(tuple(a for a in alts if a.id != alt.id), extra, warn=False)
        untreated, treated = service.rows_many(rest.values, regimens)
        if reader is not None:
            c0 = reader.control(untreated)
            without = [response_score(c0, reader.control(rows)) for rows in treated]
        else:
            without = [_score(service, rest.values, drugs)[0] for drugs in regimens]
        for found, score, value in zip(lost, scores, without, strict=True):
            if value - score >= MECHANISM_GAIN - 1e-9:
                found.append(alt.id)
    return [tuple(found) for found in lost]


class _RowReader:
    """Reads a prediction's numbers straight from the rows of a service with an exact batch
    evaluator: its results are those rows (node order :attr:`SimulationService.index`), every
    reached state weighing ``1 / n``, with one provenance for the service; the arithmetic is
    the results' (:func:`~her2resist.predict.scoring.control`, ``SimulationResult.value``,
    ``SimulationResult.most``)."""

    __slots__ = ("apoptosis", "nodes", "proliferation", "provenance")

    def __init__(self, service: SimulationService, provenance: Provenance) -> None:
        index = service.index
        self.nodes = tuple(index)
        self.proliferation, self.apoptosis = index[PROLIFERATION], index[APOPTOSIS]
        self.provenance = provenance

    @staticmethod
    def of(service: SimulationService) -> _RowReader | None:
        """The reader of ``service``, or None where its results are not its rows alone."""
        if service.graded or not hasattr(service.batch, "rows_many"):
            return None
        found = _READERS.get(service)
        if found is None:  # the provenance every result of the service carries
            found = _READERS[service] = _RowReader(service, service.untreated({}).provenance)
        return found

    def control(self, rows: Rows) -> float:
        return control_rows(rows, _even(len(rows)), self.proliferation, self.apoptosis)

    def reached(self, untreated: float, rows: Rows) -> _Reached:
        """What a prediction reads of the treated ``rows`` (``untreated``: the untreated
        cell's control)."""
        weights = _even(len(rows))
        p, a = self.proliferation, self.apoptosis
        growth = [row[p] for row in rows]

        def escape() -> tuple[Sequence[str], Sequence[float]]:
            return self.nodes, rows[growth.index(max(growth))]

        return _Reached(untreated, control_rows(rows, weights, p, a),
                        weighted_sum(weights, growth),
                        weighted_sum(weights, [row[a] for row in rows]), len(rows),
                        self.provenance, escape)


_READERS: weakref.WeakKeyDictionary[SimulationService, _RowReader] = (
    weakref.WeakKeyDictionary())


def _even(n: int) -> tuple[float, ...]:
    """The weights of ``n`` reached states of an exact engine (each the same)."""
    found = _EVEN.get(n)
    if found is None:
        found = _EVEN[n] = (1.0 / n,) * n
    return found


_EVEN: dict[int, tuple[float, ...]] = {}
