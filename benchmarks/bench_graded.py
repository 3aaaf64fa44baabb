"""The graded engine against the Boolean (most-permissive) engine and MaBoSS on the same
conditions: speed per prediction, and the scores each gives.

1. In process: twelve (tumour, regimen) conditions, each predicted once uncached (the first
   time it is asked) and again (cached), each side in a fresh process of its own (after imports
   and one unrelated prediction), so that no side reuses another's simulations:
   - graded: ``predict_graded(..., samples=0)`` (point score) and with the interval
     (``samples=16``: the parameter sets stepped as one (nodes, samples) array),
   - ``predict(...)``: what ``her2resist predict`` computes (graded score, interval, calibrated
     probability, and the Boolean limit's trace and mechanisms),
   - most-permissive: ``predict_response(..., engine="most-permissive", explain=False)``,
   - stochastic (MaBoSS via cmaboss): ``predict_response(..., engine="stochastic")``.
   Targets (issue 11): graded <= 100 ms uncached (the interval included), <= 5 ms cached.
2. Whole process: ``her2resist validate`` on the 42 literature cases (graded by default,
   target <= 5 s) and with ``--engine most-permissive``; ``her2resist report`` on an example
   profile (target <= 2 s); ``her2resist predict --json`` with each engine.

    python benchmarks/bench_graded.py [--repeats 5]
"""

from __future__ import annotations

import argparse

from _common import PYTHON, ROOT, SHARED, header, her2resist_argv, run_process, time_processes

CONDITIONS = [
    ([], "trastuzumab"), ([], "trastuzumab + pertuzumab + docetaxel"),
    ([], "trastuzumab emtansine"), ([], "trastuzumab deruxtecan"),
    (["PTEN loss"], "trastuzumab + everolimus"), (["PIK3CA H1047R"], "trastuzumab + lapatinib"),
    (["PIK3CA K111N"], "trastuzumab + lapatinib"), (["SLC46A3 loss"], "trastuzumab emtansine"),
    (["ER positive"], "lapatinib + trastuzumab + paclitaxel"),
    (["CCNE1 amplification"], "trastuzumab + CDK2 inhibitor"), (["p95HER2"], "lapatinib"),
    (["NRG1 overexpression"], "trastuzumab + pertuzumab"),
]


SIDES = {
    "graded (point)": "predict_graded(a, r, samples=0).score",
    "graded (+ interval, 16 sets)": "predict_graded(a, r, samples=16).score",
    "predict() (interval + trace)": "predict(a, r).score",
    "most-permissive": "predict_response(a, r, explain=False).score",
    "stochastic (MaBoSS)": "predict_response(a, r, engine='stochastic', explain=False).score",
}

CHILD = """
import json, statistics, sys, time
from her2resist.predict import predict, predict_response
from her2resist.predict.graded import predict_graded
conditions = json.loads(sys.argv[2])
side = lambda a, r: EXPR
side(["MYC amplification"], "neratinib")  # imports, model, catalogue, compiled code
def run():
    seconds, cpu, scores = [], [], []
    for a, r in conditions:
        start, used = time.perf_counter(), time.process_time()
        scores.append(side(a, r))
        seconds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - used)
    return statistics.median(seconds), statistics.median(cpu), scores
cold, cold_cpu, scores = run()
warm, warm_cpu, _ = run()
print(json.dumps({"cold": cold, "warm": warm, "cold_cpu": cold_cpu, "warm_cpu": warm_cpu,
                  "scores": scores}))
"""


def _side(expr: str) -> dict[str, object]:
    import json

    out = run_process([PYTHON, "-c", CHILD.replace("EXPR", expr), "-",
                       json.dumps(CONDITIONS)])[2]
    return json.loads(out)


def in_process() -> None:
    print(f"\nIn process, {len(CONDITIONS)} conditions (median ms per prediction, wall and CPU; "
          "each side in a fresh process)")
    print(f"  {'engine':30s} {'uncached':>9} {'(CPU)':>9} {'cached':>9} {'(CPU)':>9}")
    all_scores = {}
    for name, expr in SIDES.items():
        row = _side(expr)
        all_scores[name] = row["scores"]
        print(f"  {name:30s} {row['cold'] * 1e3:9.2f} {row['cold_cpu'] * 1e3:9.2f} "
              f"{row['warm'] * 1e3:9.3f} {row['warm_cpu'] * 1e3:9.3f}")
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
