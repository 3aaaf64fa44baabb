"""`her2resist simulate --engine stochastic` against cmaboss run directly on the same model.

Both sides make the same two MaBoSS runs (the untreated cell from rest, then the regimen from
the untreated cell's final node probabilities), with the same samples, simulated time, seed and
one thread, each in one fresh process:

- ours: ``her2resist simulate --engine stochastic -a ... -r ... --samples N --max-time T``;
- peer: ``python benchmarks/peers/cmaboss_route.py UNTREATED TREATED``, on the ``.bnd``/``.cfg``
  texts her2resist hands to cmaboss, captured once before timing.  The full model as
  ``her2resist model export --format maboss`` writes it has more nodes than cmaboss's compiled
  limit of 64, so a user of cmaboss needs the reduced model (inputs and fixed nodes substituted)
  that her2resist builds; the capture gives the peer exactly that, at no cost to it.

The treated node probabilities of both sides are compared.  Target: ours no slower than the peer.

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


def compare(args: list[str], peer: list[str]) -> str:
    """The treated probabilities of the shown nodes on both sides; exits if they differ."""
    ours = json.loads(run_process(her2resist_argv(*args, "--json"))[2])
    theirs = json.loads(run_process(peer)[2])
    worst = 0.0
    for node in ours["treated"][0]:
        mean = sum(w * row[node] for w, row in zip(ours["weights"], ours["treated"], strict=True))
        if node in theirs:  # nodes fixed or substituted are not in the model cmaboss runs
            worst = max(worst, abs(mean - theirs[node]))
    if worst > 0.02:
        raise SystemExit(f"treated node probabilities differ by up to {worst:.3f}")
    return f"treated node probabilities agree within {worst:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--max-time", type=float, default=40.0)
    args = parser.parse_args()
    header("bench_simulate")
    alts, regimen = QUERY
    cmd = command(alts, regimen, args.samples, args.max_time)
    with tempfile.TemporaryDirectory() as folder:
        untreated, treated = capture_models(cmd, Path(folder))
        peer = [PYTHON, str(PEER), str(untreated), str(treated)]
        agreement = compare(cmd, peer)
        times = time_processes({"ours": her2resist_argv(*cmd), "peer": peer}, args.repeats)
    ours, theirs = times["ours"], times["peer"]
    print(f"\nQuestion: {' + '.join(alts)} under {regimen}; {args.samples} samples, max time "
          f"{args.max_time:g}, seed 0, one thread; {agreement}")
    print_table(f"Whole process (fresh process each run, median of {args.repeats})",
                "cmaboss direct",
                [("wall: her2resist simulate / cmaboss_route.py", ours[0], theirs[0]),
                 ("CPU (user+system), same runs", ours[1], theirs[1])])
    verdict = "OK" if ours[0] <= theirs[0] else "SLOWER THAN THE PEER"
    print(f"  target: her2resist no slower than cmaboss direct (wall): {verdict}")


if __name__ == "__main__":
    main()
