"""`her2resist report`: one tumour as a user runs it, and 1,000 different tumours in one process.

1. The whole command on one profile, a fresh process each run (imports included); target 2 s.
2. In a process that has imported the package: the first report (cold: model, knowledge base
   and every simulation computed), then the same report again (warm), JSON included;
   target 300 ms cold.
3. 1,000 different tumours in one process (every single alteration of the catalogue, then
   distinct pairs and triples drawn with a fixed seed), each built and rendered to JSON, as a
   cohort run does, with the default graded engine and with the Boolean engine alone
   (``build_report(..., graded=None)``, ``report --engine most-permissive``); target <= 10 s.
   All timings in a fresh child process, so that nothing an earlier measurement computed is
   reused.

There is no peer: no other tool writes this report (the simulations under one report are
timed against plain mpbn in ``bench_predict.py``).

    python benchmarks/bench_report.py [--profile PROFILE] [--tumours 1000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from _common import PYTHON, ROOT, fmt_s, header, her2resist_argv, run_process, time_processes

EXAMPLE = ROOT / "examples" / "profiles" / "her2_pik3ca.yaml"
TARGET_COMMAND, TARGET_BUILD, TARGET_COHORT = 2.0, 0.3, 10.0

ONE = """
import json, statistics, sys, time, warnings
warnings.simplefilter("ignore")
from her2resist.profile import load_profiles
from her2resist.report import build_report, render_json
(tumour,) = load_profiles(sys.argv[1])
def t():
    s, c = time.perf_counter(), time.process_time()
    render_json([build_report(tumour)])
    return time.perf_counter() - s, time.process_time() - c
cold = t()
warm = [t() for _ in range(5)]
print(json.dumps({"cold": cold, "warm": [statistics.median(w[i] for w in warm) for i in (0, 1)]}))
"""

MANY = """
import itertools, json, random, sys, time, warnings
warnings.simplefilter("ignore")
from her2resist.knowledge.catalogue import load_catalogue
from her2resist.profile import TumourProfile
from her2resist.report import build_report, render_json
n = int(sys.argv[1])
options = {} if sys.argv[2] == "graded" else {"graded": None}
ids = sorted(a for a in load_catalogue().alterations if a != "ERBB2_amp")
sets = [(a,) for a in ids]
rng, seen = random.Random(0), set(sets)
while len(sets) < n:
    pick = tuple(sorted(rng.sample(ids, rng.choice([2, 3]))))
    if pick not in seen:
        seen.add(pick); sets.append(pick)
tumours = [TumourProfile.from_alterations(f"T{i}", s) for i, s in enumerate(sets[:n])]
start, cpu = time.perf_counter(), time.process_time(); marks = {}
for i, tumour in enumerate(tumours, 1):
    render_json([build_report(tumour, **options)])
    if i in (1, 10, 100) or i == n:
        marks[i] = time.perf_counter() - start
print(json.dumps({"marks": marks, "cpu": time.process_time() - cpu}))
"""


def bench_command(profile: Path, repeats: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        argv = her2resist_argv("report", str(profile), "--format", "json",
                               "-o", str(Path(folder) / "report.json"))
        wall, cpu = time_processes({"report": argv}, repeats)["report"]
    verdict = "OK" if wall <= TARGET_COMMAND else "SLOWER THAN TARGET"
    print(f"\nher2resist report {profile.name} --format json (whole process, median of "
          f"{repeats}): {fmt_s(wall)} wall, {fmt_s(cpu)} CPU; target <= {TARGET_COMMAND} s wall:"
          f" {verdict}")


def bench_one(profile: Path, repeats: int) -> None:
    rows = [json.loads(run_process([PYTHON, "-c", ONE, str(profile)])[2])
            for _ in range(repeats)]
    cold = [statistics.median(r["cold"][i] for r in rows) for i in (0, 1)]
    warm = [statistics.median(r["warm"][i] for r in rows) for i in (0, 1)]
    verdict = "OK" if cold[0] <= TARGET_BUILD else "SLOWER THAN TARGET"
    print(f"build_report + render_json after imports (median of {repeats} fresh processes): "
          f"cold {fmt_s(cold[0])} wall, {fmt_s(cold[1])} CPU; warm (same tumour again) "
          f"{fmt_s(warm[0])} wall, {fmt_s(warm[1])} CPU; target cold <= "
          f"{TARGET_BUILD * 1000:.0f} ms wall: {verdict}")


def bench_many(tumours: int, engine: str) -> None:
    out = json.loads(run_process([PYTHON, "-c", MANY, str(tumours), engine])[2])
    marks = {int(k): v for k, v in out["marks"].items()}
    total = marks[tumours]
    verdict = "OK" if total <= TARGET_COHORT else "SLOWER THAN TARGET"
    print(f"{tumours} different tumours ({engine}), build_report + render_json each, one process "
          f"(after imports; one run): {fmt_s(total)} wall ({fmt_s(total / tumours)} per report), "
          f"{fmt_s(out['cpu'])} CPU; "
          f"target <= {TARGET_COHORT:.0f} s: {verdict}")
    print("  elapsed after " + ", ".join(f"{k} reports {fmt_s(v)}" for k, v in marks.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", type=Path, default=EXAMPLE)
    parser.add_argument("--tumours", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    header("bench_report")
    bench_command(args.profile, args.repeats)
    bench_one(args.profile, args.repeats)
    for engine in ("graded", "most-permissive"):
        bench_many(args.tumours, engine)


if __name__ == "__main__":
    main()
