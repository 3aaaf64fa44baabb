"""`her2resist report`: one tumour as a user runs it, and 1,000 different tumours in one process.

1. The whole command on one profile, a fresh process each run (imports included); target 2 s.
2. In a process that has imported the package: the first report (cold: model, knowledge base
   and every simulation computed), then the same report again (warm), JSON included;
   target 300 ms cold.
3. 1,000 different tumours in one process (every single alteration of the catalogue, then
   distinct pairs and triples drawn with a fixed seed), each built and rendered to JSON, as a
   cohort run does, with the default graded engine and with the Boolean engine alone
   (``graded=None``, ``report --engine most-permissive``), both in the same run; target
   <= 10 s.  Two ways: ``build_report`` tumour by tumour, and ``build_reports`` on all of them
   (the cohort call: the graded simulations of every tumour integrated together); the two
   must print the same reports (a digest of the JSON texts is compared).  ``--against SRC``
   also times the tumour-by-tumour loop on another checkout's ``src`` (an earlier commit),
   alternating with this one, and prints the ratio.
   All timings in a fresh child process, so that nothing an earlier measurement computed is
   reused.

There is no peer: no other tool writes this report (the simulations under one report are
timed against plain mpbn in ``bench_predict.py``).

    python benchmarks/bench_report.py [--profile PROFILE] [--tumours 1000] [--repeats 5]
                                      [--against OTHER_CHECKOUT/src]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path
from typing import Any

from _common import (
    DISTINCT_SETS,
    PYTHON,
    ROOT,
    fmt_s,
    header,
    her2resist_argv,
    run_process,
    time_processes,
)

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

MANY = DISTINCT_SETS + """
import hashlib, itertools, json, sys, time, warnings
warnings.simplefilter("ignore")
from her2resist.knowledge.catalogue import load_catalogue
from her2resist.profile import TumourProfile
from her2resist import report as r
n, way = int(sys.argv[1]), sys.argv[3]
options = {} if sys.argv[2] == "graded" else {"graded": None}
ids = sorted(a for a in load_catalogue().alterations if a != "ERBB2_amp")
sets = distinct_sets(ids, n)
tumours = [TumourProfile.from_alterations(f"T{i}", s) for i, s in enumerate(sets[:n])]
digest = hashlib.sha256()
start, cpu = time.perf_counter(), time.process_time(); marks = {}
if way == "each":
    for i, tumour in enumerate(tumours, 1):
        digest.update(r.render_json([r.build_report(tumour, **options)]).encode())
        if i in (1, 10, 100) or i == n:
            marks[i] = time.perf_counter() - start
else:
    for report in r.build_reports(tumours, **options):
        digest.update(r.render_json([report]).encode())
    marks[n] = time.perf_counter() - start
cpu = time.process_time() - cpu
from her2resist.engines import get_engine, get_service
from her2resist.model import load_model
work = {"simulations": getattr(get_service(load_model(), "most-permissive"), "simulations", None),
        "column_steps": getattr(get_engine("graded"), "column_steps", None)}
print(json.dumps({"marks": marks, "cpu": cpu, "digest": digest.hexdigest(), **work}))
"""

WAYS = {"each": "build_report + render_json each", "cohort": "build_reports, render_json each"}


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


def run_many(tumours: int, engine: str, way: str, src: Path | None = None) -> dict[str, Any]:
    env = None if src is None else {"PYTHONPATH": str(src)}
    out = json.loads(run_process([PYTHON, "-c", MANY, str(tumours), engine, way], env=env)[2])
    out["marks"] = {int(k): v for k, v in out["marks"].items()}
    return out  # type: ignore[no-any-return]


def print_many(tumours: int, engine: str, way: str, out: dict[str, Any],
               label: str = "") -> None:
    total = out["marks"][tumours]
    # the target is for 1,000 reports: a shorter run is judged on its pace
    verdict = "OK" if total * 1000 / tumours <= TARGET_COHORT else "SLOWER THAN TARGET"
    print(f"{tumours} different tumours ({engine}{label}), {WAYS[way]}, one process (after "
          f"imports; one run): {fmt_s(total)} wall ({fmt_s(total / tumours)} per report), "
          f"{fmt_s(out['cpu'])} CPU; target <= {TARGET_COHORT:.0f} s per 1,000: {verdict}")
    work = []
    if out.get("simulations") is not None:
        work.append(f"{out['simulations'] / tumours:.0f} exact Boolean simulations")
    if out.get("column_steps"):
        work.append(f"{out['column_steps'] / tumours:,.0f} graded column-steps (one state "
                    "column stepped once; batched integrations)")
    if work:
        print("  computed per report: " + "; ".join(work))
    if len(out["marks"]) > 1:
        print("  elapsed after " + ", ".join(f"{k} reports {fmt_s(v)}"
                                             for k, v in out["marks"].items()))


def bench_many(tumours: int, against: Path | None) -> None:
    """Both engines, both ways, in one run (and the other checkout's loop, alternating)."""
    for engine in ("graded", "most-permissive"):
        each = run_many(tumours, engine, "each")
        print_many(tumours, engine, "each", each)
        cohort = run_many(tumours, engine, "cohort")
        print_many(tumours, engine, "cohort", cohort)
        same = "identical" if cohort["digest"] == each["digest"] else "DIFFERENT"
        print(f"  build_reports and build_report give {same} JSON "
              f"(sha256 of the {tumours} reports' JSON: each {each['digest']}, "
              f"build_reports {cohort['digest']})")
        if against is None:
            continue
        before = run_many(tumours, engine, "each", against)
        print_many(tumours, engine, "each", before, f", {against}")
        same = "identical" if before["digest"] == each["digest"] else "DIFFERENT"
        print(f"  against {against}: {same} JSON (sha256 {before['digest']}); "
              f"this checkout {before['marks'][tumours] / each['marks'][tumours]:.1f}x "
              f"(tumour by tumour), {before['marks'][tumours] / cohort['marks'][tumours]:.1f}x "
              f"(build_reports) faster in wall time, "
              f"{before['cpu'] / each['cpu']:.1f}x and {before['cpu'] / cohort['cpu']:.1f}x "
              "in CPU time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", type=Path, default=EXAMPLE)
    parser.add_argument("--tumours", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--against", type=Path, default=None,
                        help="another checkout's src folder: its tumour-by-tumour loop is "
                             "timed in the same run")
    parser.add_argument("--only-many", action="store_true",
                        help="only part 3 (1,000 different tumours)")
    args = parser.parse_args()
    header("bench_report")
    if not args.only_many:
        bench_command(args.profile, args.repeats)
        bench_one(args.profile, args.repeats)
    bench_many(args.tumours, args.against)


if __name__ == "__main__":
    main()
