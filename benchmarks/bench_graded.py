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
3. The graded share of many reports: ``predict_graded_cohort`` on ``--tumours`` different
   tumours (``bench_report.py``'s: every single catalogue alteration, then random pairs and
   triples) x the report's standard regimens, as ``build_reports`` calls it (patient context,
   pCR, 16 parameter sets), in a fresh process after imports; a digest of every prediction
   (its JSON and its unrounded numbers).  ``--against SRC`` runs the same on another
   checkout's ``src`` in the same run, alternating, and compares the digests.

    python benchmarks/bench_graded.py [--repeats 5] [--tumours 200] [--against SRC]
                                      [--only cohort]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _common import (
    DISTINCT_SETS,
    PYTHON,
    ROOT,
    SHARED,
    header,
    her2resist_argv,
    run_process,
    time_processes,
)

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


COHORT = DISTINCT_SETS + """
import hashlib, json, sys, time, warnings
warnings.simplefilter("ignore")
from her2resist.knowledge.catalogue import load_catalogue
from her2resist.model import load_model
from her2resist.profile import TumourProfile
from her2resist.report.build import STANDARD_REGIMENS
from her2resist.predict.graded import predict_graded_cohort
n = int(sys.argv[1])
catalogue, network = load_catalogue(), load_model()
ids = sorted(a for a in catalogue.alterations if a != "ERBB2_amp")
sets = distinct_sets(ids, n)
tumours = []
for i, s in enumerate(sets[:n]):
    p = TumourProfile.from_alterations(f"T{i}", s).model_perturbation(catalogue)
    tumours.append((p.alterations, dict(p.environment)))
options = dict(context="patient", endpoint="pCR", samples=16, network=network,
               catalogue=catalogue)
predict_graded_cohort([([], {})], ["neratinib"], **options)  # imports, compiled code
start, cpu = time.perf_counter(), time.process_time()
rows = predict_graded_cohort(tumours, list(STANDARD_REGIMENS), **options)
wall, cpu = time.perf_counter() - start, time.process_time() - cpu
digest = hashlib.sha256()
for row in rows:
    for p in row:
        digest.update(json.dumps(p.to_dict(), sort_keys=True).encode())
        digest.update(repr((p.score, p.interval, p.response_probability, sorted(p.levels.items()),
                            p.control_untreated, p.control_treated, p.proliferation,
                            p.apoptosis)).encode())
print(json.dumps({"wall": wall, "cpu": cpu, "predictions": sum(map(len, rows)),
                  "digest": digest.hexdigest()}))
"""


def cohort(tumours: int, repeats: int, against: Path | None) -> None:
    import json
    import statistics

    sides = {"this checkout": None} | ({str(against): against} if against else {})
    runs: dict[str, list[dict]] = {name: [] for name in sides}
    for _ in range(repeats):
        for name, src in sides.items():
            env = {"PYTHONPATH": str(src)} if src else None
            runs[name].append(json.loads(run_process(
                [PYTHON, "-c", COHORT, str(tumours)], env=env)[2]))
    print(f"\nThe graded share of {tumours} different reports: predict_graded_cohort, "
          f"{tumours} tumours x the report's standard regimens (median of {repeats} fresh "
          "processes, after imports)")
    for name, rows in runs.items():
        wall = statistics.median(r["wall"] for r in rows)
        cpu = statistics.median(r["cpu"] for r in rows)
        print(f"  {name}: {rows[0]['predictions']} predictions, {wall:.2f} s wall, "
              f"{cpu:.2f} s CPU ({cpu / tumours * 1e3:.1f} ms CPU per report); "
              f"digest {rows[0]['digest'][:16]}")
    digests = {r["digest"] for rows in runs.values() for r in rows}
    if against:
        print(f"  the same predictions on both checkouts: {'yes' if len(digests) == 1 else 'NO'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tumours", type=int, default=200)
    parser.add_argument("--against", type=Path, default=None,
                        help="another checkout's src: the cohort part timed there too")
    parser.add_argument("--only", choices=["cohort"], default=None)
    args = parser.parse_args()
    header("graded engine")
    if args.only is None:
        in_process()
        whole_process(args.repeats)
    cohort(args.tumours, max(3, args.repeats // 2 + 1), args.against)


if __name__ == "__main__":
    main()
