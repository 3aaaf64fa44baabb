"""The combination screen and the nodal-target search against plain mpbn, one process each.

1. The pair screen of the default panel over every mechanism genotype:
   ``screen_combinations(workers=1)`` against plain mpbn (``mpbn.MPBooleanNetwork`` on the
   exported bnet, ``benchmarks/peers/mpbn_route.py``): per genotype the untreated attractors from
   rest once, then per combination the attractors reachable from them with its drugs, scored as
   ``predict`` scores.
2. The nodal-target search (default candidates, ``--max-size``) over every genotype:
   ``summarise_nodal_targets(workers=1)`` against plain mpbn checking every candidate set up to
   the size (no pruning of supersets: the fast side's pruning is part of what is measured, and
   the number of sets it checks is printed).

Beside plain mpbn, ``--old-loop`` also times her2resist's own engine called once per item with
a fresh engine (its exact reductions, no cache shared between items): the baseline earlier
versions of this script called "naive".

The peers are slow (an hour and more for everything), so by default they run on a
deterministic sample (every k-th item, ``--peer-fraction``; the untreated step of every genotype
is timed whole) and their time is scaled to the whole; ``--peer-fraction 1`` runs everything.
Every sampled score or outcome is checked against the fast side's.

    python benchmarks/bench_screen.py [--peer-fraction 0.05] [--max-size 2] [--old-loop]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

import mpbn
from _common import ROOT, header, her2resist_argv, print_table, run_process

from her2resist.model import load_model
from her2resist.screen import screen_combinations, summarise_nodal_targets
from her2resist.screen.combinations import combos_of, perturbation_of
from her2resist.screen.genotypes import default_panel, mechanism_genotypes
from her2resist.screen.setup import resolve_model, resolve_readout, treatment
from her2resist.screen.targets import default_candidates

sys.path.insert(0, str(ROOT / "benchmarks" / "peers"))
from mpbn_route import control, treated_attractors, untreated_attractors


def _sample(items: list, fraction: float) -> list:
    step = max(1, round(1 / fraction))
    return items[::step]


def _rest_and_defaults() -> tuple[dict[str, int], dict[str, int]]:
    net = load_model()
    return {n: 0 for n, node in net.nodes.items() if not node.is_input}, dict(net.defaults())


class PlainMpbn:
    """The peer: plain mpbn on the exported bnet; untreated attractors once per genotype."""

    def __init__(self, bnet: Path) -> None:
        self.net = mpbn.MPBooleanNetwork(str(bnet))
        self.rest, self.defaults = _rest_and_defaults()
        self.untreated: dict[str, tuple[dict, list[dict]]] = {}
        self.untreated_s = 0.0

    def base(self, name: str, background: dict[str, int]) -> tuple[dict, list[dict]]:
        if name not in self.untreated:
            start = time.perf_counter()
            fixed = {**self.defaults, **background}
            job = {"fixed": fixed, "drugs": {}, "rest": self.rest}
            self.untreated[name] = (fixed, untreated_attractors(self.net, job))
            self.untreated_s += time.perf_counter() - start
        return self.untreated[name]

    def treated(self, name: str, background: dict[str, int], drugs: dict[str, int]
                ) -> tuple[list[dict], list[dict]]:
        fixed, untreated = self.base(name, background)
        job = {"fixed": fixed, "drugs": drugs, "rest": self.rest}
        return untreated, treated_attractors(self.net, job, untreated)


def _score(c0: float, c1: float) -> float:
    return 0.0 if 1 - c0 <= 1e-9 else min(1.0, max(0.0, (c1 - c0) / (1 - c0)))


def _old_loop(network, background: dict[str, int], drugs: dict[str, int]):
    """her2resist's engine on one item with a fresh engine (no cache shared between items)."""
    from her2resist.engines.mp import MostPermissiveEngine
    from her2resist.predict.simulate import simulate_regimen

    return simulate_regimen(network, background, drugs, engine=MostPermissiveEngine(cache_size=1))


def _timed(sample: list, work: int, func) -> tuple[float, int]:
    start = time.perf_counter()
    for item in sample:
        func(*item)
    return (time.perf_counter() - start) * work / len(sample), len(sample)


def bench_combinations(peer: PlainMpbn, fraction: float, old_loop: bool) -> None:
    genotypes, combos = mechanism_genotypes(), combos_of(default_panel(), 2)
    work = [(g, c) for g in genotypes for c in combos]
    start = time.perf_counter()
    fast = screen_combinations(workers=1)
    fast_s = time.perf_counter() - start
    scores = fast.table.set_index(["genotype", "combination"])["score"]
    sample = _sample(work, fraction)
    for g in genotypes:  # the untreated step, timed whole, not scaled
        peer.base(g.name, dict(g.perturbation))

    def check(genotype, combo) -> None:
        untreated, treated = peer.treated(genotype.name, dict(genotype.perturbation),
                                          perturbation_of(combo))
        got = _score(control(untreated), control(treated))
        label = " + ".join(a.name for a in combo)
        if abs(got - scores[(genotype.name, label)]) > 1e-9:
            raise SystemExit(f"plain mpbn differs on {genotype.name} / {label}: {got}")

    peer_s, n = _timed(sample, len(work), check)
    peer_s += peer.untreated_s
    how = "measured" if n == len(work) else f"scaled from {n} of {len(work)}"
    rows = [("whole screen, 1 process each", fast_s, peer_s)]
    print(f"\nCombination screen: {len(genotypes)} genotypes x {len(combos)} combinations "
          f"(singles and pairs of {len(default_panel())} agents) = {len(work)} simulations; "
          f"plain mpbn {how}, scores identical")
    print_table("Combination screen (in-process, after imports; cold: nothing cached)",
                "plain mpbn", rows)
    if old_loop:
        network = load_model()
        old_s, _ = _timed([(network, dict(g.perturbation), perturbation_of(c)) for g, c in sample],
                          len(work), _old_loop)
        print_table("  the same against her2resist's engine once per item, fresh engine",
                    "old loop", [("whole screen, 1 process each", fast_s, old_s)])


def bench_targets(peer: PlainMpbn, fraction: float, max_size: int, old_loop: bool) -> None:
    setup = resolve_model(None)
    nodes = default_candidates(setup, resolve_readout(setup, None))
    sets = [c for k in range(1, max_size + 1) for c in combinations(nodes, k)]
    genotypes = mechanism_genotypes()
    start = time.perf_counter()
    fast = summarise_nodal_targets(max_size=max_size, workers=1)
    fast_s = time.perf_counter() - start
    minimal = {r.genotype: {t.nodes for t in r.targets} for r in fast.results}
    work = [(g, s) for g in genotypes for s in sets]
    sample = _sample(work, fraction)
    peer.untreated_s = 0.0
    backgrounds = {}
    for g in genotypes:
        _, background, drugs = treatment(setup, g, None)
        backgrounds[g.name] = (background, drugs)
        peer.base(f"targets:{g.name}", background)

    def check(genotype, chosen) -> None:
        background, drugs = backgrounds[genotype.name]
        _, treated = peer.treated(f"targets:{genotype.name}", background,
                                  {**drugs, **{n: 0 for n in chosen}})
        passes = all(a["Proliferation"] == 0 for a in treated)
        # a set that passes contains a minimal target; a minimal target passes (a superset of
        # a target may fail: knocking out a brake such as RB can undo it)
        contains = any(set(t) <= set(chosen) for t in minimal[genotype.name])
        if (passes and not contains) or (not passes and tuple(chosen) in minimal[genotype.name]):
            raise SystemExit(f"plain mpbn disagrees on {genotype.name} / {chosen}")

    peer_s, n = _timed(sample, len(work), check)
    peer_s += peer.untreated_s
    checked = sum(r.checked for r in fast.results)
    how = "measured" if n == len(work) else f"scaled from {n} of {len(work)}"
    print(f"\nNodal targets: {len(genotypes)} genotypes x {len(sets)} sets of up to {max_size} "
          f"of {len(nodes)} candidates = {len(work)} sets for plain mpbn ({how}; outcomes "
          f"consistent); her2resist checked {checked} (supersets of targets pruned)")
    print_table("Nodal-target search (in-process, after imports; cold: nothing cached)",
                "plain mpbn", [("whole search, 1 process each", fast_s, peer_s)])
    if old_loop:
        network = load_model()
        items = [(network, backgrounds[g.name][0],
                  {**backgrounds[g.name][1], **{x: 0 for x in s}}) for g, s in sample]
        old_s, _ = _timed(items, len(work), _old_loop)
        print_table("  the same against her2resist's engine once per set, fresh engine",
                    "old loop", [("whole search, 1 process each", fast_s, old_s)])


def main() -> None:
    """Run both benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-fraction", type=float, default=0.05)
    parser.add_argument("--max-size", type=int, default=2)
    parser.add_argument("--old-loop", action="store_true")
    args = parser.parse_args()
    header("bench_screen")
    with tempfile.TemporaryDirectory() as folder:
        bnet = Path(folder) / "model.bnet"
        run_process(her2resist_argv("model", "export", "--format", "bnet", "-o", str(bnet)))
        peer = PlainMpbn(bnet)
    bench_combinations(peer, args.peer_fraction, args.old_loop)
    bench_targets(peer, args.peer_fraction / 2, args.max_size, args.old_loop)


if __name__ == "__main__":
    main()
