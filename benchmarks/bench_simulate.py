"""`her2resist simulate --engine stochastic` against cmaboss run directly on the same model.

Both sides make the same two MaBoSS runs (the untreated cell from rest, then the regimen from
the untreated cell's final node probabilities), with the same samples, simulated time, seed and
one thread, each in one fresh process:

- ours: ``her2resist simulate --engine stochastic -a ... -r ... --samples N --max-time T``;
- peer, exported model: ``python benchmarks/peers/cmaboss_route.py UNTREATED TREATED`` on the
  files ``her2resist model export --format maboss --set ...`` writes (the same nodes fixed; the
  whole model, so cmaboss's 128-node build), samples, time, tick and seed set to ours: what a
  cmaboss user runs;
- peer, reduced model: the same script on the ``.bnd``/``.cfg`` texts her2resist itself hands
  to cmaboss (inputs and fixed nodes substituted, 64-node build), captured once before timing:
  the same MaBoSS work as ours, without her2resist around it.

The treated node probabilities of the sides are compared (identical on the reduced model; within
sampling error on the exported one).  Target: ours no slower than cmaboss on the exported model.

    python benchmarks/bench_simulate.py [--repeats 7] [--samples 2000] [--max-time 40]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

from _common import PYTHON, ROOT, header, her2resist_argv, print_table, run_process, time_processes

PEER = ROOT / "benchmarks" / "peers" / "cmaboss_route.py"
QUERY = (["PIK3CA_mut"], "trastuzumab + everolimus")


def command(alterations: list[str], regimen: str, samples: int, max_time: float) -> list[str]:
    """The simulate command's arguments (without the program)."""
    args = ["simulate", "--engine", "stochastic", "-r", regimen, "--samples", str(samples),
            "--max-time", str(max_time), "--seed", "0"]
    for alt in alterations:
        args += ["-a", alt]
    return args


def capture_models(args: list[str], folder: Path) -> list[Path]:
    """Run the command once in this process and save every model it hands to cmaboss."""
    import cmaboss

    folder.mkdir()
    from her2resist.cli.main import main

    seen: list[tuple[str, str]] = []
    real = cmaboss.MaBoSSSim

    def recording(*, network_str: str, config_str: str):  # type: ignore[no-untyped-def]
        seen.append((network_str, config_str))
        return real(network_str=network_str, config_str=config_str)

    cmaboss.MaBoSSSim = recording
    argv = sys.argv
    try:
        sys.argv = ["her2resist", *args]
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
            main()
    finally:
        cmaboss.MaBoSSSim = real
        sys.argv = argv
    if len(seen) != 2:
        raise SystemExit(f"expected 2 MaBoSS runs (untreated, treated), saw {len(seen)}")
    stems = []
    for name, (bnd, cfg) in zip(("untreated", "treated"), seen, strict=True):
        (folder / f"{name}.bnd").write_text(bnd)
        (folder / f"{name}.cfg").write_text(cfg)
        stems.append(folder / name)
    return stems


def export_models(alterations: list[str], regimen: str, folder: Path) -> list[Path]:
    """The untreated and treated models as ``model export --format maboss`` writes them."""
    from bench_predict import route_jobs

    job = route_jobs(alterations, regimen, explain=False)[0]
    folder.mkdir()
    stems = []
    for name, fixed in (("untreated", job["fixed"]), ("treated", {**job["fixed"], **job["drugs"]})):
        sets = [arg for node, value in fixed.items() for arg in ("--set", f"{node}={value}")]
        run_process(her2resist_argv("model", "export", "--format", "maboss",
                                    "-o", str(folder / name), *sets))
        stems.append(folder / name)
    return stems


def compare(args: list[str], peer: list[str], tolerance: float) -> str:
    """The treated probabilities of the shown nodes on both sides; exits if they differ."""
    ours = json.loads(run_process(her2resist_argv(*args, "--json"))[2])
    theirs = json.loads(run_process(peer)[2])
    worst = 0.0
    for node in ours["treated"][0]:
        mean = sum(w * row[node] for w, row in zip(ours["weights"], ours["treated"], strict=True))
        if node in theirs:  # nodes fixed or substituted are not in the model cmaboss runs
            worst = max(worst, abs(mean - theirs[node]))
    if worst > tolerance:
        raise SystemExit(f"treated node probabilities differ by up to {worst:.3f}")
    return f"{worst:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--max-time", type=float, default=40.0)
    args = parser.parse_args()
    header("bench_simulate")
    alts, regimen = QUERY
    cmd = command(alts, regimen, args.samples, args.max_time)
    overrides = ["--samples", str(args.samples), "--max-time", str(args.max_time),
                 "--time-tick", "1", "--seed", "0"]
    with tempfile.TemporaryDirectory() as folder:
        untreated, treated = capture_models(cmd, Path(folder) / "reduced")
        reduced = [PYTHON, str(PEER), str(untreated), str(treated)]
        exported = [PYTHON, str(PEER), *map(str, export_models(alts, regimen,
                                                              Path(folder) / "exported")),
                    *overrides]
        agree_reduced = compare(cmd, reduced, 0.02)
        agree_exported = compare(cmd, exported, 0.05)
        times = time_processes({"ours": her2resist_argv(*cmd), "exported": exported,
                                "reduced": reduced}, args.repeats)
    ours = times["ours"]
    print(f"\nQuestion: {' + '.join(alts)} under {regimen}; {args.samples} samples, max time "
          f"{args.max_time:g}, tick 1, seed 0, one thread; treated node probabilities agree "
          f"within {agree_exported} (exported model) and {agree_reduced} (reduced model)")
    for name, label in (("exported", "cmaboss on the model export writes"),
                        ("reduced", "cmaboss on her2resist's reduced model")):
        theirs = times[name]
        print_table(f"Whole process (fresh process each run, median of {args.repeats}): "
                    f"{label}", "cmaboss direct",
                    [("wall: her2resist simulate / cmaboss_route.py", ours[0], theirs[0]),
                     ("CPU (user+system), same runs", ours[1], theirs[1])])
    verdict = "OK" if ours[0] <= times["exported"][0] else "SLOWER THAN THE PEER"
    print(f"  target: her2resist no slower than cmaboss on the exported model (wall): {verdict}")


if __name__ == "__main__":
    main()
