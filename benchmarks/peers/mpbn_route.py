"""Plain mpbn, as a user without her2resist would run the same question on the exported model.

Reads a bnet file (``her2resist model export --format bnet``) and a JSON list of jobs (a file,
or standard input); each job is ``{"fixed": {node: 0|1}, "drugs": {node: 0|1}, "rest": {...}}``.
For each job: the attractors reachable from the resting cell with ``fixed`` applied (untreated),
then the attractors reachable from each untreated attractor with ``drugs`` added (treated), and
the response score of docs/prediction.md from Proliferation and Apoptosis.  Prints one JSON line
per job: score, untreated and treated attractor counts.  Imports only mpbn and the standard
library.

    python benchmarks/peers/mpbn_route.py MODEL.bnet [JOBS.json]
"""

from __future__ import annotations

import json
import sys

import mpbn


def control(states: list[dict]) -> float:
    """Mean control of the states: (1 - P)/2 + (A/2)(1 - P/2), '*' counting 0.5."""

    def value(state: dict, node: str) -> float:
        v = state[node]
        return 0.5 if v == "*" else float(v)

    per = [(1 - value(s, "Proliferation")) / 2
           + value(s, "Apoptosis") / 2 * (1 - value(s, "Proliferation") / 2) for s in states]
    return sum(per) / len(per)


def _fixed(net: mpbn.MPBooleanNetwork, fixed: dict[str, int]) -> mpbn.MPBooleanNetwork:
    out = net.copy()
    for node, value in fixed.items():
        out[node] = value
    return out


def untreated_attractors(net: mpbn.MPBooleanNetwork, job: dict) -> list[dict]:
    """Attractors reachable from the resting cell with the job's fixed nodes."""
    fixed = job["fixed"]
    return list(_fixed(net, fixed).attractors(reachable_from={**job["rest"], **fixed}))


def treated_attractors(net: mpbn.MPBooleanNetwork, job: dict, untreated: list[dict],
                       ) -> list[dict]:
    """Distinct attractors reachable from any untreated attractor with the drugs added."""
    both = {**job["fixed"], **job["drugs"]}
    treated_net = _fixed(net, both)
    found: dict[tuple, dict] = {}
    for att in untreated:
        start = {**{n: v for n, v in att.items() if v in (0, 1)}, **both}
        for reached in treated_net.attractors(reachable_from=start):
            found[tuple(sorted(reached.items()))] = reached
    return list(found.values())


def route(net: mpbn.MPBooleanNetwork, job: dict) -> dict:
    """Untreated attractors from rest, treated attractors from each of them, and the score."""
    untreated = untreated_attractors(net, job)
    treated = treated_attractors(net, job, untreated)
    c0, c1 = control(untreated), control(treated)
    score = 0.0 if 1 - c0 <= 1e-9 else min(1.0, max(0.0, (c1 - c0) / (1 - c0)))
    return {"score": score, "untreated": len(untreated), "treated": len(treated)}


def main() -> None:
    net = mpbn.MPBooleanNetwork(sys.argv[1])
    if len(sys.argv) > 2:
        with open(sys.argv[2], encoding="utf-8") as fh:
            jobs = json.load(fh)
    else:
        jobs = json.load(sys.stdin)
    for job in jobs:
        print(json.dumps(route(net, job)))


if __name__ == "__main__":
    main()
