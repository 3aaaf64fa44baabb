"""The combination screen and the nodal-target search against plain mpbn, one process each.

1. The pair screen of the default panel over every mechanism genotype:
   ``screen_combinations(workers=1)`` against plain mpbn (``mpbn.MPBooleanNetwork`` on the
   exported bnet, ``benchmarks/peers/mpbn_route.py``): per genotype the untreated attractors from
   rest once, then per combination the attractors reachable from them with its drugs, scored as
   ``predict`` scores.
2. The nodal-target search (default candidates, ``--max-size``) over every genotype:
   ``summarise_nodal_targets(workers=1)`` against plain mpbn checking every candidate set up to
   the size (no pruning of supersets: the fast side's pruning is part of what is measured, and
   the number of sets it checks is printed).

Earlier versions of this script compared with her2resist's own engine called once per item and
called it "naive"; that loop used the engine's reductions and, since the shared simulation
service, its cache too, so it is no longer a baseline and is gone.

Each her2resist side runs in a fresh child process (imports excluded from its time), so that
nothing one measurement computed serves the next: cold.

3. With ``--against OTHER_CHECKOUT/src``: the ``screen`` and ``targets`` commands as a user
   runs them (whole process, Boolean engine, JSON), this checkout against another one (an
   earlier commit), alternating run by run, medians of ``--repeats``; the two must print the
   same JSON apart from the ``seconds`` each reports.  ``--commands-only`` skips 1 and 2.

The peers are slow (an hour and more for everything), so by default they run on a
deterministic sample (every k-th item, ``--peer-fraction``; the untreated step of every genotype
is timed whole) and their time is scaled to the whole; ``--peer-fraction 1`` runs everything.
Every sampled score or outcome is checked against the fast side's.

    python benchmarks/bench_screen.py [--peer-fraction 0.05] [--max-size 2]
                                      [--against OTHER/src [--repeats 3] [--commands-only]]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from itertools import combinations
from pathlib import Path

import mpbn
from _common import (
    PYTHON,
    ROOT,
    clock,
    fmt_s,
    header,
    her2resist_argv,
    print_table,
    run_process,
    since,
    time_processes,
)

from her2resist.model import load_model
from her2resist.screen import screen_combinations, summarise_nodal_targets
from her2resist.screen.combinations import combos_of, perturbation_of
from her2resist.screen.genotypes import default_panel, mechanism_genotypes
from her2resist.screen.setup import resolve_model, resolve_readout, treatment
from her2resist.screen.targets import default_candidates

sys.path.insert(0, str(ROOT / "benchmarks" / "peers"))
from mpbn_route import control, treated_attractors, untreated_attractors


def _sample(items: list, fraction: float) -> list:
    step = max(1, round(1 / fraction))
    return items[::step]


def _rest_and_defaults() -> tuple[dict[str, int], dict[str, int]]:
    net = load_model()
    return {n: 0 for n, node in net.nodes.items() if not node.is_input}, dict(net.defaults())


class PlainMpbn:
    """The peer: plain mpbn on the exported bnet; untreated attractors once per genotype."""

    def __init__(self, bnet: Path) -> None:
        self.net = mpbn.MPBooleanNetwork(str(bnet))
        self.rest, self.defaults = _rest_and_defaults()
        self.untreated: dict[str, tuple[dict, list[dict]]] = {}
        self.untreated_s = (0.0, 0.0)

    def base(self, name: str, background: dict[str, int]) -> tuple[dict, list[dict]]:
        if name not in self.untreated:
            start = clock()
            fixed = {**self.defaults, **background}
            job = {"fixed": fixed, "drugs": {}, "rest": self.rest}
            self.untreated[name] = (fixed, untreated_attractors(self.net, job))
            wall, cpu = since(start)
            self.untreated_s = (self.untreated_s[0] + wall, self.untreated_s[1] + cpu)
        return self.untreated[name]

    def treated(self, name: str, background: dict[str, int], drugs: dict[str, int]
                ) -> tuple[list[dict], list[dict]]:
        fixed, untreated = self.base(name, background)
        job = {"fixed": fixed, "drugs": drugs, "rest": self.rest}
        return untreated, treated_attractors(self.net, job, untreated)


FAST = """
import json, time
from her2resist.screen import screen_combinations, summarise_nodal_targets
s, c = time.perf_counter(), time.process_time()
{call}
print(json.dumps([time.perf_counter() - s, time.process_time() - c]))
"""


def _fast(call: str) -> tuple[float, float]:
    """(wall, CPU) of one her2resist call in a fresh process: cold, imports excluded."""
    wall, cpu = json.loads(run_process([PYTHON, "-c", FAST.format(call=call)])[2])
    return wall, cpu


def _score(c0: float, c1: float) -> float:
    return 0.0 if 1 - c0 <= 1e-9 else min(1.0, max(0.0, (c1 - c0) / (1 - c0)))


def _timed(sample: list, work: int, func, extra: tuple[float, float] = (0.0, 0.0),
           ) -> tuple[float, float]:
    """(wall, CPU) of ``func`` over the sample scaled to ``work`` items, plus ``extra``."""
    start = clock()
    for item in sample:
        func(*item)
    wall, cpu = since(start)
    scale = work / len(sample)
    return wall * scale + extra[0], cpu * scale + extra[1]


def _rows(what: str, ours: tuple[float, float], theirs: tuple[float, float]) -> list:
    return [(f"wall: {what}", ours[0], theirs[0]), ("CPU, same runs", ours[1], theirs[1])]


def bench_combinations(peer: PlainMpbn, fraction: float) -> None:
    genotypes, combos = mechanism_genotypes(), combos_of(default_panel(), 2)
    work = [(g, c) for g in genotypes for c in combos]
    fast_s = _fast("screen_combinations(workers=1)")
    fast = screen_combinations(workers=1)  # the results, for the checks (not timed)
    scores = fast.table.set_index(["genotype", "combination"])["score"]
    sample = _sample(work, fraction)
    for g in genotypes:  # the untreated step, timed whole, not scaled
        peer.base(g.name, dict(g.perturbation))

    def check(genotype, combo) -> None:
        untreated, treated = peer.treated(genotype.name, dict(genotype.perturbation),
                                          perturbation_of(combo))
        got = _score(control(untreated), control(treated))
        label = " + ".join(a.name for a in combo)
        if abs(got - scores[(genotype.name, label)]) > 1e-9:
            raise SystemExit(f"plain mpbn differs on {genotype.name} / {label}: {got}")

    peer_s = _timed(sample, len(work), check, peer.untreated_s)
    n = len(sample)
    how = "measured" if n == len(work) else f"scaled from {n} of {len(work)}"
    rows = _rows("whole screen, 1 process each", fast_s, peer_s)
    print(f"\nCombination screen: {len(genotypes)} genotypes x {len(combos)} combinations "
          f"(singles and pairs of {len(default_panel())} agents) = {len(work)} simulations; "
          f"plain mpbn {how}, scores identical")
    print_table("Combination screen (in-process, after imports; cold: nothing cached)",
                "plain mpbn", rows)


def bench_targets(peer: PlainMpbn, fraction: float, max_size: int) -> None:
    setup = resolve_model(None)
    nodes = default_candidates(setup, resolve_readout(setup, None))
    sets = [c for k in range(1, max_size + 1) for c in combinations(nodes, k)]
    genotypes = mechanism_genotypes()
    fast_s = _fast(f"summarise_nodal_targets(max_size={max_size}, workers=1)")
    fast = summarise_nodal_targets(max_size=max_size, workers=1)  # for the checks (not timed)
    minimal = {r.genotype: {t.nodes for t in r.targets} for r in fast.results}
    work = [(g, s) for g in genotypes for s in sets]
    sample = _sample(work, fraction)
    peer.untreated_s = (0.0, 0.0)
    backgrounds = {}
    for g in genotypes:
        _, background, drugs = treatment(setup, g, None)
        backgrounds[g.name] = (background, drugs)
        peer.base(f"targets:{g.name}", background)

    def check(genotype, chosen) -> None:
        background, drugs = backgrounds[genotype.name]
        _, treated = peer.treated(f"targets:{genotype.name}", background,
                                  {**drugs, **{n: 0 for n in chosen}})
        passes = all(a["Proliferation"] == 0 for a in treated)
        # a set that passes contains a minimal target; a minimal target passes (a superset of
        # a target may fail: knocking out a brake such as RB can undo it)
        contains = any(set(t) <= set(chosen) for t in minimal[genotype.name])
        if (passes and not contains) or (not passes and tuple(chosen) in minimal[genotype.name]):
            raise SystemExit(f"plain mpbn disagrees on {genotype.name} / {chosen}")

    peer_s = _timed(sample, len(work), check, peer.untreated_s)
    n = len(sample)
    checked = sum(r.checked for r in fast.results)
    how = "measured" if n == len(work) else f"scaled from {n} of {len(work)}"
    print(f"\nNodal targets: {len(genotypes)} genotypes x {len(sets)} sets of up to {max_size} "
          f"of {len(nodes)} candidates = {len(work)} sets for plain mpbn ({how}; outcomes "
          f"consistent); her2resist checked {checked} (supersets of targets pruned)")
    print_table("Nodal-target search (in-process, after imports; cold: nothing cached)",
                "plain mpbn", _rows("whole search, 1 process each", fast_s, peer_s))


COMMANDS = {
    "screen": ("screen", "--engine", "most-permissive", "--workers", "1", "--format", "json"),
    "targets": ("targets", "--all-genotypes", "--workers", "1", "--format", "json"),
}


def _without_seconds(text: str) -> object:
    """The command's JSON with every ``seconds`` field dropped (the only field that varies)."""
    def drop(value: object) -> object:
        if isinstance(value, dict):
            return {k: drop(v) for k, v in value.items() if k != "seconds"}
        if isinstance(value, list):
            return [drop(v) for v in value]
        return value
    return drop(json.loads(text))


def bench_commands(against: Path, repeats: int) -> None:
    """The screen and targets commands, whole process, this checkout against ``against``."""
    for args in COMMANDS.values():
        argv = her2resist_argv(*args)
        same = (_without_seconds(run_process(argv)[2])
                == _without_seconds(run_process(argv, env={"PYTHONPATH": str(against)})[2]))
        times = time_processes({"this": argv, "other": argv}, repeats,
                               envs={"other": {"PYTHONPATH": str(against)}})
        (wall, cpu), (wall0, cpu0) = times["this"], times["other"]
        print(f"\nher2resist {' '.join(args)} (whole process, median of {repeats}, alternating):"
              f" this checkout {fmt_s(wall)} wall, {fmt_s(cpu)} CPU; {against}: "
              f"{fmt_s(wall0)} wall, {fmt_s(cpu0)} CPU; {wall0 / wall:.2f}x wall, "
              f"{cpu0 / cpu:.2f}x CPU; JSON {'identical' if same else 'DIFFERENT'} "
              "(apart from seconds)")


def main() -> None:
    """Run the benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-fraction", type=float, default=0.05)
    parser.add_argument("--max-size", type=int, default=2)
    parser.add_argument("--against", type=Path, default=None,
                        help="another checkout's src folder: the screen and targets commands "
                             "are timed on both")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--commands-only", action="store_true",
                        help="only the commands against --against (skip the peers)")
    args = parser.parse_args()
    header("bench_screen")
    if args.against is not None:
        bench_commands(args.against, args.repeats)
    if args.commands_only:
        return
    with tempfile.TemporaryDirectory() as folder:
        bnet = Path(folder) / "model.bnet"
        run_process(her2resist_argv("model", "export", "--format", "bnet", "-o", str(bnet)))
        peer = PlainMpbn(bnet)
    bench_combinations(peer, args.peer_fraction)
    bench_targets(peer, args.peer_fraction / 2, args.max_size)


if __name__ == "__main__":
    main()
