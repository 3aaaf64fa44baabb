"""Time the evolution simulator on the issue's workload and print its throughput.

10,000 replicate tumours grow from one cell to 1e9 cells, then receive two drugs together;
two resistance mechanisms (Bozic et al. 2013: S, R1, R2, R12). Target: <= 30 s wall on 2
cores (``--workers 2``).  Prints the measured wall time (one run, imports done, cold: nothing
cached) and the CPU time of all processes; no peer tool simulates this model, so the check is
against Bozic's closed form instead of a speed ratio.

    python benchmarks/bench_evolution.py [--tumours N] [--workers W] [--seed S]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from _common import header

from her2resist.evolution import read_scenario, simulate
from her2resist.evolution.theory import bozic_eradication

SCENARIO = Path(__file__).parents[1] / "examples" / "evolution" / "bozic2013.yaml"
TARGET_SECONDS = 30.0


def _cpu() -> float | None:
    """CPU seconds of this process and its worker processes, live or finished (the execution
    layer keeps its pool alive, so finished-children accounting alone would miss it); None
    without psutil."""
    try:
        import psutil
    except ImportError:
        return None
    me = psutil.Process()
    live = sum(sum(c.cpu_times()[:2]) for c in me.children(recursive=True))
    own = me.cpu_times()
    return own.user + own.system + own.children_user + own.children_system + live


def main() -> None:
    """Run the benchmark and print wall time, tumour-steps and throughput."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tumours", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    header("bench_evolution")
    scenario = read_scenario(SCENARIO)
    cpu_before = _cpu()
    start = time.perf_counter()
    result = simulate(scenario, tumours=args.tumours, seed=args.seed, workers=args.workers)
    wall = time.perf_counter() - start
    cpu_after = _cpu()
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    theory = bozic_eradication(
        1e9, birth=0.14, death=0.13, treated_death=0.17, mutation_rate=1e-9, n1=50, n2=50, n12=1
    ).probability
    low, high = result.p_eradication_interval()
    print(f"tumours: {args.tumours}, workers: {args.workers}, dt: {scenario.dt} days")
    print(
        f"wall time: {wall:.1f} s, measured (target <= {TARGET_SECONDS:.0f} s on 2 cores): "
        f"{'OK' if wall <= TARGET_SECONDS else 'SLOWER THAN TARGET'}"
    )
    print(f"tumour-steps: {result.tumour_steps:,}")
    print(f"throughput: {result.tumour_steps / wall:,.0f} tumour-steps/s")
    # CPU time of this process and its workers: less sensitive than wall time to other users
    if cpu is None:
        print("CPU time: not measured (psutil is not installed)")
    else:
        print(f"CPU time (all processes): {cpu:.1f} s "
              f"({result.tumour_steps / cpu:,.0f} tumour-steps per CPU-second)")
    print(
        f"P(eradication): {result.p_eradication:.4f} (95% CI {low:.4f}-{high:.4f}); "
        f"Bozic 2013 eq. 1: {theory:.4f}"
    )


if __name__ == "__main__":
    main()
