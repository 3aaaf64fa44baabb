"""One prediction, and `her2resist validate`, against plain mpbn doing the same simulations.

Both sides answer the same question: the untreated cell from rest, the regimen from each
untreated attractor, and, because ``her2resist predict`` names the mechanisms, the same again
with each alteration removed.  The peer (``benchmarks/peers/mpbn_route.py``) is what a user
without her2resist would run: mpbn on the exported bnet, the same nodes fixed, attractors
enumerated; one process on both sides.  Its scores are checked against ours.

1. One-shot, whole process: ``her2resist predict --engine most-permissive -a ... -r ...``
   and the command with its default engine (graded), each against
   ``python benchmarks/peers/mpbn_route.py model.bnet jobs.json`` (target <= 0.25 s); both
   at a warm start (bytecode compiled, the package's data cache filled by the untimed first
   run) and a cold start (data cache turned off), with the interpreter's own start-up.
2. In a process that has imported the package / mpbn: the first prediction (cold: model and
   knowledge base loaded, nothing cached), a prediction never asked before in that process
   (model loaded, result not cached), and the same prediction again (warm).
3. ``her2resist validate`` on the literature cases, whole process (target <= 5 s).

``--against SRC`` also times the one-shot command (both engines, warm start) on another
checkout's ``src`` (an earlier commit) in the same run, alternating with this one, and checks
that both print the same bytes (table and ``--json``) for the question.

    python benchmarks/bench_predict.py [--repeats 7] [--cases CASES.csv] [--against SRC]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from _common import (
    PYTHON,
    ROOT,
    SHARED,
    header,
    her2resist_argv,
    print_table,
    run_process,
    time_processes,
)

PEER = ROOT / "benchmarks" / "peers" / "mpbn_route.py"
QUERY = (["PIK3CA_mut"], "trastuzumab + everolimus")
#: questions never asked before in the process: one alteration each, same regimen
NEW = ["PTEN_loss", "CCND1_amp", "ERBB3_high", "MET_act", "SRC_act", "RB1_loss", "MYC_amp"]
TARGET_ONE_SHOT = 0.25
TARGET_VALIDATE = 5.0


def route_jobs(alterations: list[str], regimen: str, *, explain: bool = True) -> list[dict]:
    """The simulations ``predict`` runs, as peer jobs (fixed nodes, drugs, resting cell).

    The one place that turns alterations and a regimen into model nodes for the peer; it uses
    her2resist's catalogue so that both sides fix exactly the same nodes.
    """
    from her2resist.knowledge.catalogue import load_catalogue
    from her2resist.model import load_model
    from her2resist.predict.regimen import parse_regimen

    net, cat = load_model(), load_catalogue()
    alts = [cat.parse_alteration(a) for a in alterations]
    drugs = parse_regimen(regimen, cat).perturbation()
    rest = {n: 0 for n, node in net.nodes.items() if not node.is_input}

    def job(kept: list) -> dict:
        fixed = dict(net.defaults())  # inputs at their defaults unless an alteration sets them
        for alt in kept:
            fixed.update({node: int(v) for node, v in alt.set.items()})
        return {"fixed": fixed, "drugs": drugs, "rest": rest}

    jobs = [job(alts)]
    if explain:
        jobs += [job([a for a in alts if a.id != alt.id]) for alt in alts]
    return jobs


def export_bnet(folder: Path) -> Path:
    """The model as a user exports it."""
    path = folder / "model.bnet"
    run_process(her2resist_argv("model", "export", "--format", "bnet", "-o", str(path)))
    return path


def predict_argv(alterations: list[str], regimen: str, *extra: str,
                 engine: str = "most-permissive") -> list[str]:
    """``her2resist predict`` on the question; most-permissive by default, the peer's
    semantics (the command's own default engine is graded)."""
    argv = her2resist_argv("predict", "-r", regimen, "--engine", engine)
    for alt in alterations:
        argv += ["-a", alt]
    return [*argv, *extra]


def check_scores(alterations: list[str], regimen: str, bnet: Path, jobs: list[dict]) -> str:
    """Both sides' scores for the question; exits if they differ."""
    out = run_process(predict_argv(alterations, regimen, "--json"))[2]
    ours = json.loads(out)["score"]
    out = run_process([PYTHON, str(PEER), str(bnet)], stdin=json.dumps(jobs[:1]))[2]
    theirs = json.loads(out.splitlines()[0])["score"]
    if abs(ours - theirs) > 1e-9:
        raise SystemExit(f"scores differ: her2resist {ours}, plain mpbn {theirs}")
    return f"score {ours:.2f} on both sides"


OURS_IN_PROCESS = """
import json, statistics, sys, time
from her2resist.predict import predict_response
q = json.load(sys.stdin)
def t(alts):
    s, c = time.perf_counter(), time.process_time()
    predict_response(alts, q["regimen"])
    return time.perf_counter() - s, time.process_time() - c
def med(rows):
    return [statistics.median(r[i] for r in rows) for i in (0, 1)]
cold = t(q["first"])
new = med([t([a]) for a in q["new"]])
warm = med([t(q["first"]) for _ in range(20)])
print(json.dumps({"cold": cold, "new": new, "warm": warm}))
"""

PEER_IN_PROCESS = """
import json, statistics, sys, time
sys.path.insert(0, sys.argv[2])
import mpbn
from mpbn_route import route
q = json.load(sys.stdin)
def t(jobs, load=False):
    s, c = time.perf_counter(), time.process_time()
    if load:
        global net
        net = mpbn.MPBooleanNetwork(sys.argv[1])
    [route(net, j) for j in jobs]
    return time.perf_counter() - s, time.process_time() - c
def med(rows):
    return [statistics.median(r[i] for r in rows) for i in (0, 1)]
cold = t(q["first"], load=True)
new = med([t(j) for j in q["new"]])
warm = med([t(q["first"]) for _ in range(5)])
print(json.dumps({"cold": cold, "new": new, "warm": warm}))
"""


def bench_in_process(bnet: Path, repeats: int) -> None:
    alts, regimen = QUERY
    ours_q = json.dumps({"first": alts, "new": NEW, "regimen": regimen})
    peer_q = json.dumps({"first": route_jobs(alts, regimen),
                         "new": [route_jobs([a], regimen) for a in NEW]})
    ours: list[dict] = []
    theirs: list[dict] = []
    for _ in range(repeats):
        ours.append(json.loads(run_process([PYTHON, "-c", OURS_IN_PROCESS], stdin=ours_q)[2]))
        theirs.append(json.loads(run_process(
            [PYTHON, "-c", PEER_IN_PROCESS, str(bnet), str(PEER.parent)], stdin=peer_q)[2]))

    def med(rows: list[dict], key: str, i: int) -> float:
        return statistics.median(r[key][i] for r in rows)

    labels = {"cold": "cold: first prediction (loads model and KB; nothing cached)",
              "new": "a question not asked before in the process",
              "warm": "warm: the same prediction again"}
    print_table(
        f"In-process, after imports (median of {repeats} fresh processes; {len(NEW)} new "
        "questions, 20 repeats per process)", "plain mpbn",
        [(f"{what} {labels[key]}", med(ours, key, i), med(theirs, key, i))
         for key in labels for i, what in ((0, "wall"), (1, "CPU "))])


def same_output(alts: list[str], regimen: str, against: Path) -> str:
    """Whether this checkout and ``against`` print the same bytes for the question (graded
    table and ``--json``); exits if not."""
    for extra in ((), ("--json",)):
        argv = predict_argv(alts, regimen, *extra, engine="graded")
        ours = run_process(argv)[2]
        theirs = run_process(argv, env={"PYTHONPATH": str(against)})[2]
        if ours != theirs:
            raise SystemExit(f"this checkout and {against} print different answers to "
                             f"{' '.join(argv[2:])}")
    return f"same bytes printed by both checkouts (table and --json, {against})"


def bench_one_shot(bnet: Path, repeats: int, against: Path | None = None) -> None:
    alts, regimen = QUERY
    jobs = route_jobs(alts, regimen)
    agreement = check_scores(alts, regimen, bnet, jobs)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(jobs, fh)
    peer = [PYTHON, str(PEER), str(bnet), fh.name]
    no_cache = {"HER2RESIST_NO_CACHE": "1"}
    sides = {"ours": predict_argv(alts, regimen), "peer": peer,
             "graded": predict_argv(alts, regimen, engine="graded"),
             "ours-no-cache": predict_argv(alts, regimen),
             "graded-no-cache": predict_argv(alts, regimen, engine="graded"),
             "python": [PYTHON, "-c", "pass"]}
    envs = {"ours-no-cache": no_cache, "graded-no-cache": no_cache}
    if against is not None:
        print(f"\n{same_output(alts, regimen, against)}")
        sides.update({"ours-against": predict_argv(alts, regimen),
                      "graded-against": predict_argv(alts, regimen, engine="graded")})
        envs.update({"ours-against": {"PYTHONPATH": str(against)},
                     "graded-against": {"PYTHONPATH": str(against)}})
    times = time_processes(sides, repeats, envs=envs)
    theirs = times["peer"]
    print(f"\nQuestion: {' + '.join(alts)} under {regimen}: {len(jobs)} untreated+treated "
          f"simulations on each side (the prediction and one per alteration removed); "
          f"{agreement}")
    rows: list[tuple[str, float | None, float | None]] = []
    for key, label in (("ours", "predict --engine most-permissive, warm start"),
                       ("graded", "predict (graded, the default), warm start"),
                       ("ours-no-cache", "predict --engine most-permissive, cold start"),
                       ("graded-no-cache", "predict (graded), cold start")):
        rows += [(f"wall: {label}", times[key][0], theirs[0]),
                 (f"CPU:  {label}", times[key][1], theirs[1])]
    if against is not None:
        for key, label in (("ours-against", "predict --engine most-permissive"),
                           ("graded-against", "predict (graded, the default)")):
            rows += [(f"wall: {label}, warm start, {against}", times[key][0], theirs[0]),
                     (f"CPU:  {label}, warm start, {against}", times[key][1], theirs[1])]
    print_table(f"One-shot, whole process (fresh process each run, median of {repeats}; peer: "
                "mpbn_route.py, the same whole process every time)", "plain mpbn", rows)
    print("  warm start: bytecode compiled and her2resist's data cache (parsed model and "
          "knowledge base) filled by an untimed first run, as on every run after the first; "
          "cold start: that cache off (HER2RESIST_NO_CACHE=1), as on the first run after "
          "installing. The graded command computes more than the peer: its graded score, "
          "interval and calibrated probability besides the Boolean route the peer runs.")
    floor = times["python"]
    print(f"  the interpreter alone (python -c pass, this environment's site packages): "
          f"{floor[0]:.3f} s wall, {floor[1]:.3f} s CPU, in both sides' figures")
    for label, key in (("--engine most-permissive", "ours"), ("(graded, the default)", "graded")):
        wall, cpu = times[key]
        verdict = "OK" if wall <= TARGET_ONE_SHOT else "SLOWER THAN TARGET"
        print(f"  her2resist predict {label}, warm start: {wall:.3f} s wall, {cpu:.3f} s CPU; "
              f"target <= {TARGET_ONE_SHOT} s wall: {verdict}")
        if against is not None:
            wall, cpu = times[f"{key}-against"]
            print(f"    the same at {against}: {wall:.3f} s wall, {cpu:.3f} s CPU")
    Path(fh.name).unlink()


def bench_validate(cases: Path, repeats: int) -> None:
    argv = her2resist_argv("validate", str(cases))
    wall, cpu = time_processes({"validate": argv}, repeats)["validate"]
    verdict = "OK" if wall <= TARGET_VALIDATE else "SLOWER THAN TARGET"
    print(f"\nher2resist validate {cases.name} (whole process, median of {repeats}): "
          f"{wall:.2f} s wall, {cpu:.2f} s CPU; target <= {TARGET_VALIDATE} s wall: {verdict}"
          " (no peer: plain mpbn has no case reader)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--cases", type=Path, default=SHARED / "validation" / "cases.csv")
    parser.add_argument("--against", type=Path, default=None,
                        help="another checkout's src: its one-shot predict timed in the same run")
    args = parser.parse_args()
    header("bench_predict")
    with tempfile.TemporaryDirectory() as folder:
        bnet = export_bnet(Path(folder))
        bench_one_shot(bnet, args.repeats, args.against)
        bench_in_process(bnet, max(3, args.repeats // 2))
    if args.cases.is_file():
        bench_validate(args.cases, max(3, args.repeats // 2))
    else:
        print(f"validation cases not found at {args.cases}; skipped the validate benchmark")


if __name__ == "__main__":
    main()
