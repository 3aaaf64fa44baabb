"""The engines' caches (engines/cache.py) and the service's use of them: a cache may only
change how fast an answer comes, never the answer."""

from __future__ import annotations

import random
from collections import OrderedDict

import pytest

from her2resist.engines.cache import GroupedCache
from her2resist.engines.mp import MostPermissiveEngine
from her2resist.engines.service import SimulationService
from her2resist.exceptions import ParameterError
from her2resist.model import load_model
from her2resist.screen.combinations import combos_of, perturbation_of
from her2resist.screen.genotypes import as_genotype, default_panel

NET = load_model()


class _Model:
    """What GroupedCache must hold: least recently used groups go first, then a lone group's
    oldest entries."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.groups: OrderedDict[int, dict[int, int]] = OrderedDict()

    def group(self, key: int) -> dict[int, int]:
        if key in self.groups:
            self.groups.move_to_end(key)
            return self.groups[key]
        return {}

    def add(self, key: int, entries: dict[int, int]) -> None:
        group = self.groups.setdefault(key, {})
        self.groups.move_to_end(key)
        group.update(entries)
        while sum(map(len, self.groups.values())) > self.size and len(self.groups) > 1:
            self.groups.popitem(last=False)
        while len(group) > self.size:
            del group[next(iter(group))]


@pytest.mark.parametrize("size", [1, 3, 10])
def test_grouped_cache_follows_its_model_on_random_operations(size: int) -> None:
    rng = random.Random(size)
    cache: GroupedCache[int, int, int] = GroupedCache(size)
    model = _Model(size)
    for step in range(3000):
        key = rng.randrange(6)
        if rng.random() < 0.5:
            assert dict(cache.group(key)) == model.group(key)
        else:
            entries = {rng.randrange(8): step for _ in range(rng.randrange(1, 4))}
            cache.add(key, entries)
            model.add(key, entries)
        assert len(cache) == sum(map(len, model.groups.values())) <= size
    cache.clear()
    assert len(cache) == 0 and dict(cache.group(0)) == {}


def test_grouped_cache_rejects_a_bad_size() -> None:
    with pytest.raises(ParameterError, match="size"):
        GroupedCache(0)


def _work() -> list[tuple[dict[str, int], list[dict[str, int]]]]:
    rng = random.Random(7)
    regimens = [perturbation_of(c) for c in combos_of(default_panel(), 2)]
    names = ["PTEN loss", "PIK3CA mutation", "HER3 upregulation", "KRAS mutation",
             "MET amplification", "ESR1 mutation"]
    out = []
    for _ in range(24):
        background = dict(as_genotype(rng.sample(names, rng.randrange(0, 3))).perturbation)
        out.append((background, rng.sample(regimens, rng.randrange(1, 30))))
    return out


def test_a_small_cache_gives_the_answers_of_a_large_one() -> None:
    # Evicting groups and entries (size 16) must not change any row or result; batched and
    # single calls are interleaved so each reads what the other kept.
    small = SimulationService(NET, MostPermissiveEngine(), cache_size=16)
    large = SimulationService(NET, MostPermissiveEngine())
    for k, (background, regimens) in enumerate(_work()):
        if k % 2:
            for drugs in regimens[:5]:
                one, other = small.treat(background, drugs), large.treat(background, drugs)
                assert one.untreated.rows == other.untreated.rows
                assert one.treated.rows == other.treated.rows
        untreated, treated = small.rows_many(background, regimens)
        assert (untreated, treated) == large.rows_many(background, regimens)
        for drugs, rows in zip(regimens, treated, strict=True):
            assert small.treat(background, drugs).treated.rows == rows
    assert len(small._rows) <= 16 and len(small._results) <= 16


def test_equal_numbers_share_an_entry_and_levels_keep_their_own() -> None:
    service = SimulationService(NET, MostPermissiveEngine())
    background = dict(as_genotype(["PTEN loss"]).perturbation)
    first = service.treat(background, {"trastuzumab": 1})
    assert service.treat(background, {"trastuzumab": 1.0}) is first
    assert service.treat(background, {"trastuzumab": True}) is first
    assert service.treat({**background}, {"trastuzumab": 0}) is not first
    computed = service.simulations
    service.rows_many(background, [{"trastuzumab": True}])
    assert service.simulations == computed  # answered from the treat's rows


def test_unknown_nodes_are_rejected_whatever_the_cache_holds() -> None:
    service = SimulationService(NET, MostPermissiveEngine())
    service.rows_many({}, [{"trastuzumab": 1}])
    with pytest.raises(Exception, match="NoSuchDrug"):
        service.rows_many({}, [{"trastuzumab": 1}, {"NoSuchDrug": 1}])
    with pytest.raises(Exception, match="NoSuchNode"):
        service.rows_many({"NoSuchNode": 1}, [{"trastuzumab": 1}])


def test_a_base_made_while_another_reads_the_defaults_gets_the_resting_start(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The web service shares one evaluator between threads: a base made while another thread
    # is still reading the network's defaults and resting state for the first time must not
    # see the one without the other.  Simulated without threads: the resting state's first
    # read makes another base, as a thread switching in at that moment would.
    from her2resist.engines import evaluate

    evaluator = evaluate.Evaluator(NET)
    fresh = evaluate.Evaluator(NET).base({"PTEN_loss": 1})
    real = evaluate.resting_state
    inner: list[object] = []

    def switching(network):  # type: ignore[no-untyped-def]
        if not inner:
            inner.append(None)
            inner[0] = evaluator.base({"PTEN_loss": 1})
        return real(network)

    monkeypatch.setattr(evaluate, "resting_state", switching)
    outer = evaluator.base({})
    assert inner[0] == fresh
    assert outer == evaluate.Evaluator(NET).base({})
