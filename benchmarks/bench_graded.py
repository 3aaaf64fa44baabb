"""The graded engine against the Boolean (most-permissive) engine and MaBoSS on the same
conditions: speed per prediction, and the scores each gives.

1. In one process that has imported the package: twelve (tumour, regimen) conditions, each
   predicted once uncached (the first time it is asked) and again (cached), by
   - graded: ``predict_graded(..., samples=0)`` (point score) and with the interval
     (``samples=16``, one vectorised integration),
   - most-permissive: ``predict_response(..., engine="most-permissive", explain=False)``,
   - stochastic (MaBoSS via cmaboss): ``predict_response(..., engine="stochastic")``.
   Targets (issue 11): graded <= 100 ms uncached, <= 5 ms cached.
2. Whole process: ``her2resist validate`` on the 42 literature cases (graded by default,
   target <= 5 s) and with ``--engine most-permissive``; ``her2resist report`` on an example
   profile (target <= 2 s); ``her2resist predict --json`` with each engine.

    python benchmarks/bench_graded.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

from _common import ROOT, SHARED, header, her2resist_argv, time_processes

CONDITIONS = [
    ([], "trastuzumab"), ([], "trastuzumab + pertuzumab + docetaxel"),
    ([], "trastuzumab emtansine"), ([], "trastuzumab deruxtecan"),
    (["PTEN loss"], "trastuzumab + everolimus"), (["PIK3CA H1047R"], "trastuzumab + lapatinib"),
    (["PIK3CA K111N"], "trastuzumab + lapatinib"), (["SLC46A3 loss"], "trastuzumab emtansine"),
    (["ER positive"], "lapatinib + trastuzumab + paclitaxel"),
    (["CCNE1 amplification"], "trastuzumab + CDK2 inhibitor"), (["p95HER2"], "lapatinib"),
    (["NRG1 overexpression"], "trastuzumab + pertuzumab"),
]


def _time(func, conditions) -> tuple[list[float], list[float]]:
    seconds, scores = [], []
    for alterations, regimen in conditions:
        start = time.perf_counter()
        scores.append(func(alterations, regimen))
        seconds.append(time.perf_counter() - start)
    return seconds, scores


def in_process() -> None:
    from her2resist.predict import predict_response
    from her2resist.predict.graded import predict_graded

    predict_graded(["MYC amplification"], "neratinib", samples=0)  # imports, model, catalogue
    predict_response(["MYC amplification"], "neratinib", explain=False)
    sides = {
        "graded (point)": lambda a, r: predict_graded(a, r, samples=0).score,
        "graded (+ interval, 16 sets)": lambda a, r: predict_graded(a, r, samples=16).score,
        "most-permissive": lambda a, r: predict_response(a, r, explain=False).score,
        "stochastic (MaBoSS)": lambda a, r: predict_response(a, r, engine="stochastic",
                                                             explain=False).score,
    }
    print(f"\nIn process, {len(CONDITIONS)} conditions (median ms per prediction)")
    print(f"  {'engine':30s} {'uncached':>9} {'cached':>9}")
    all_scores = {}
    for name, func in sides.items():
        cold, scores = _time(func, CONDITIONS)
        warm, _ = _time(func, CONDITIONS)
        all_scores[name] = scores
        print(f"  {name:30s} {statistics.median(cold) * 1e3:9.2f} "
              f"{statistics.median(warm) * 1e3:9.3f}")
    print("\nScores on the same conditions")
    names = ["graded (point)", "most-permissive", "stochastic (MaBoSS)"]
    print(f"  {'condition':58s} " + " ".join(f"{n[:12]:>12}" for n in names))
    for i, (alterations, regimen) in enumerate(CONDITIONS):
        label = f"{'; '.join(alterations) or '-'} | {regimen}"
        print(f"  {label[:58]:58s} " + " ".join(f"{all_scores[n][i]:12.3f}" for n in names))


def whole_process(repeats: int) -> None:
    cases = str(SHARED / "validation" / "cases.csv")
    profile = str(ROOT / "examples" / "profiles" / "her2_pik3ca.yaml")
    sides = {
        "validate (graded)": her2resist_argv("validate", cases),
        "validate (most-permissive)": her2resist_argv("validate", cases, "--engine",
                                                      "most-permissive"),
        "report": her2resist_argv("report", profile),
        "predict --json (graded)": her2resist_argv("predict", "-a", "PIK3CA H1047R", "-r",
                                                   "trastuzumab + lapatinib", "--json"),
        "predict --json (most-permissive)": her2resist_argv(
            "predict", "-a", "PIK3CA H1047R", "-r", "trastuzumab + lapatinib", "--json",
            "--engine", "most-permissive"),
    }
    timed = time_processes(sides, repeats)
    print(f"\nWhole process, median of {repeats} (wall s / CPU s)")
    for name, (wall, cpu) in timed.items():
        print(f"  {name:34s} {wall:7.2f} {cpu:7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    header("graded engine")
    in_process()
    whole_process(args.repeats)


if __name__ == "__main__":
    main()
