"""Time the two screens against the naive loop, in the same run.

1. The full pair screen of the default panel (the KB's agents) over every mechanism genotype:
   ``screen_combinations()`` against one ``simulate_regimen`` call per (genotype, combination)
   with a fresh engine (no cache, no reduction).
2. The nodal-target search over every genotype (default candidates, ``--max-size``):
   ``summarise_nodal_targets()`` against one ``simulate_regimen`` per candidate set, every set
   up to the size, no pruning, no cache.

The naive loops are long (hours for targets up to size 3), so by default they run on a
deterministic sample (every k-th item, ``--naive-fraction``) and their time is scaled to the
whole; ``--naive-fraction 1`` runs them whole.  The sampled naive results are also checked
against the fast ones.

    python benchmarks/bench_screen.py [--naive-fraction 0.05] [--max-size 2] [--workers N]
"""

from __future__ import annotations

import argparse
import time
from itertools import combinations

from her2resist.engines.mp import MostPermissiveEngine
from her2resist.model import load_model
from her2resist.predict.scoring import control, response_score
from her2resist.predict.simulate import simulate_regimen
from her2resist.screen import screen_combinations, summarise_nodal_targets
from her2resist.screen.combinations import combos_of, perturbation_of
from her2resist.screen.genotypes import default_panel, mechanism_genotypes
from her2resist.screen.setup import resolve_model, resolve_readout, treatment
from her2resist.screen.targets import default_candidates


def _sample(items: list, fraction: float) -> list:
    step = max(1, round(1 / fraction))
    return items[::step]


def naive_score(net, background: dict, perturbation: dict) -> float:
    """One uncached simulation of a combination: the naive loop's unit of work."""
    sim = simulate_regimen(net, background, perturbation, engine=MostPermissiveEngine(cache_size=1))
    return response_score(control(sim.untreated), control(sim.treated))


def bench_combinations(fraction: float, workers: int | None) -> None:
    net = load_model()
    genotypes, combos = mechanism_genotypes(), combos_of(default_panel(), 2)
    work = [(g, c) for g in genotypes for c in combos]
    start = time.perf_counter()
    fast = screen_combinations(workers=workers)
    fast_s = time.perf_counter() - start
    sample = _sample(work, fraction)
    scores = fast.table.set_index(["genotype", "combination"])["score"]
    start = time.perf_counter()
    for genotype, combo in sample:
        got = naive_score(net, dict(genotype.perturbation), perturbation_of(combo))
        label = " + ".join(a.name for a in combo)
        if abs(got - scores[(genotype.name, label)]) > 1e-9:
            raise SystemExit(f"mismatch on {genotype.name} / {label}: {got} vs fast")
    naive_s = (time.perf_counter() - start) * len(work) / len(sample)
    print(f"combination screen: {len(genotypes)} genotypes x {len(combos)} combinations "
          f"(agents {len(default_panel())}, singles and pairs) = {len(work)} simulations")
    print(f"  fast   {fast_s:8.2f} s")
    print(f"  naive  {naive_s:8.2f} s ({'measured' if len(sample) == len(work) else 'scaled'} "
          f"from {len(sample)} of {len(work)}; scores identical)")
    print(f"  ratio  {naive_s / fast_s:8.1f} x")
    agreement = fast.agreement()
    print(f"  top combination recorded by the KB: {int(agreement['top_is_kb'].sum())}/"
          f"{len(agreement)}; KB combination in the top-score tier: "
          f"{int(agreement['kb_in_top_tier'].sum())}/{len(agreement)}")


def bench_targets(fraction: float, workers: int | None, max_size: int) -> None:
    setup = resolve_model(None)
    net = setup.network
    readout = resolve_readout(setup, None)
    nodes = default_candidates(setup, readout)
    sets = [c for k in range(1, max_size + 1) for c in combinations(nodes, k)]
    genotypes = mechanism_genotypes()
    start = time.perf_counter()
    fast = summarise_nodal_targets(max_size=max_size, workers=workers)
    fast_s = time.perf_counter() - start
    minimal = {r.genotype: {t.nodes for t in r.targets} for r in fast.results}
    work = [(g, s) for g in genotypes for s in sets]
    sample = _sample(work, fraction)
    start = time.perf_counter()
    for genotype, chosen in sample:
        _, background, drugs = treatment(setup, genotype, None)
        sim = simulate_regimen(net, background, {**drugs, **{n: 0 for n in chosen}},
                               engine=MostPermissiveEngine(cache_size=1))
        passes = bool((sim.treated.states["Proliferation"] == 0).all())
        # a set that passes contains a minimal target; a minimal target passes (a superset of
        # a target may fail: knocking out a brake such as RB can undo it)
        contains = any(set(t) <= set(chosen) for t in minimal[genotype.name])
        if (passes and not contains) or (not passes and tuple(chosen) in minimal[genotype.name]):
            raise SystemExit(f"mismatch on {genotype.name} / {chosen}")
    naive_s = (time.perf_counter() - start) * len(work) / len(sample)
    checked = sum(r.checked for r in fast.results)
    print(f"nodal targets: {len(genotypes)} genotypes x {len(sets)} sets of up to {max_size} "
          f"of {len(nodes)} candidates = {len(work)} simulations naive; {checked} checked fast")
    print(f"  fast   {fast_s:8.2f} s")
    print(f"  naive  {naive_s:8.2f} s ({'measured' if len(sample) == len(work) else 'scaled'} "
          f"from {len(sample)} of {len(work)}; outcomes consistent)")
    print(f"  ratio  {naive_s / fast_s:8.1f} x")
    top = fast.nodes.head(6)
    print("  nodes restoring control alone in the most genotypes: " + ", ".join(
        f"{r.node}={r.value} ({r.alone})" for r in top.itertuples()))


def main() -> None:
    """Run both benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naive-fraction", type=float, default=0.05)
    parser.add_argument("--max-size", type=int, default=2)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    bench_combinations(args.naive_fraction, args.workers)
    bench_targets(args.naive_fraction / 2, args.workers, args.max_size)


if __name__ == "__main__":
    main()
