"""Benchmark of issue 2: one prediction, and `her2resist validate` on the 42 literature cases.

Prints, for the most-permissive engine:
- the median time of one prediction after warm-up, served from the perturbation cache, and the
  median of the same prediction computed afresh (cache cleared each time), with their ratio;
- the wall time of the whole ``her2resist validate`` command (a fresh process, imports
  included), and in-process validation with the cache against without it, with their ratio.

Targets: one prediction <= 50 ms median after warm-up; validate <= 5 s wall.

Run: ``python benchmarks/bench_predict.py [CASES.csv]``
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from her2resist.engines.mp import MostPermissiveEngine
from her2resist.predict import predict_response
from her2resist.predict.validate import read_cases, validate_cases

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT.parent / "shared" / "validation" / "cases.csv"
QUERY = (["PIK3CA H1047R"], "trastuzumab + everolimus")


def median_ms(func, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench_prediction(explain: bool) -> tuple[float, float]:
    engine = MostPermissiveEngine()
    predict_response(*QUERY, engine=engine, explain=explain)  # warm-up: imports, model, catalogue
    cached = median_ms(lambda: predict_response(*QUERY, engine=engine, explain=explain), 50)

    def fresh() -> None:
        engine.clear_cache()
        predict_response(*QUERY, engine=engine, explain=explain)

    uncached = median_ms(fresh, 15)
    return cached, uncached


def bench_validate(cases: Path) -> None:
    start = time.perf_counter()
    proc = subprocess.run(["her2resist", "validate", str(cases)], capture_output=True, text=True)
    wall = time.perf_counter() - start
    status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
    print(
        f"her2resist validate (whole command, fresh process): {wall:.2f} s wall [{status}]"
        f"  target <= 5 s"
    )
    loaded = read_cases(cases)
    start = time.perf_counter()
    validate_cases(loaded, engine=MostPermissiveEngine(cache_size=0))
    uncached = time.perf_counter() - start
    start = time.perf_counter()
    report = validate_cases(loaded, engine=MostPermissiveEngine())
    cached = time.perf_counter() - start
    print(
        f"validate in-process: {cached:.2f} s with the perturbation cache, {uncached:.2f} s "
        f"without; ratio {uncached / cached:.1f}x ({report.passed}/{report.total} passed)"
    )


def main() -> None:
    cases = Path(sys.argv[1]) if len(sys.argv) > 1 else CASES
    for explain in (False, True):
        cached, uncached = bench_prediction(explain)
        label = "with trace and mechanisms" if explain else "score and class"
        print(
            f"one prediction ({label}): median {cached:.2f} ms after warm-up (cached), "
            f"{uncached:.1f} ms uncached; ratio {uncached / cached:.0f}x  target <= 50 ms"
        )
    if cases.is_file():
        bench_validate(cases)
    else:
        print(f"validation cases not found at {cases}; skipped the validate benchmark")


if __name__ == "__main__":
    main()
