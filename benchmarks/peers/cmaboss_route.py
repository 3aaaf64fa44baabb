"""cmaboss run directly: the untreated cell, then the regimen from its final node probabilities.

The same two MaBoSS runs ``her2resist simulate --engine stochastic`` makes, on the model files it
hands to cmaboss (``UNTREATED.bnd/.cfg`` from rest; ``TREATED.bnd/.cfg`` with the drugs fixed).
The treated run starts from the untreated run's final probability of each node being 1, which
this script computes and writes into the treated configuration.  Prints the final probability of
every node of the treated model as JSON.  Imports only cmaboss and the standard library.

    python benchmarks/peers/cmaboss_route.py UNTREATED TREATED
"""

from __future__ import annotations

import json
import re
import sys

import cmaboss


def run(bnd: str, cfg: str) -> dict[str, float]:
    """Final probability of each node being 1."""
    result = cmaboss.MaBoSSSim(network_str=bnd, config_str=cfg).run()
    probs, _, names, _ = result.get_last_nodes_probtraj()
    return {name: float(p) for name, p in zip(names, probs[0], strict=True)}


def read(stem: str) -> tuple[str, str]:
    with open(stem + ".bnd", encoding="utf-8") as bnd, open(stem + ".cfg", encoding="utf-8") as cfg:
        return bnd.read(), cfg.read()


def main() -> None:
    untreated = run(*read(sys.argv[1]))
    bnd, cfg = read(sys.argv[2])

    def istate(match: re.Match) -> str:
        p = untreated.get(match.group(1), 0.0)
        return f"[{match.group(1)}].istate = {p:.6g} [1], {1 - p:.6g} [0];"

    cfg = re.sub(r"\[(\w+)\]\.istate = [^;]*;", istate, cfg)
    print(json.dumps(run(bnd, cfg)))


if __name__ == "__main__":
    main()
