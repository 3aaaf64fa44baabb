"""cmaboss run directly: the untreated cell, then the regimen from its final node probabilities.

The same two MaBoSS runs ``her2resist simulate --engine stochastic`` makes, on ``.bnd``/``.cfg``
model files: ``UNTREATED`` (from rest) and ``TREATED`` (drugs fixed), as
``her2resist model export --format maboss --set ...`` writes them, or as her2resist hands them
to cmaboss.  The treated run starts from the untreated run's final probability of each node
being 1, which this script computes and writes into the treated configuration (nodes whose
rule is a constant keep the exported initial state: a drug is present from the start).
``--samples``, ``--max-time``, ``--time-tick`` and ``--seed`` override the configuration, as a
user edits it.  The cmaboss build is the smallest that holds the model (64, 128, ... nodes).
Prints the final probability of every output node of the treated run as JSON.  Imports only
cmaboss and the standard library.

    python benchmarks/peers/cmaboss_route.py UNTREATED TREATED [--samples N] [--max-time T]
"""

from __future__ import annotations

import argparse
import importlib
import json
import re

BUILDS = ((64, "cmaboss"), (128, "cmaboss_128n"), (256, "cmaboss_256n"),
          (512, "cmaboss_512n"), (1024, "cmaboss_1024n"))


def run(bnd: str, cfg: str) -> dict[str, float]:
    """Final probability of each output node being 1."""
    nodes = len(re.findall(r"^\s*Node\s", bnd, flags=re.M))
    module = importlib.import_module(next(name for size, name in BUILDS if nodes <= size))
    result = module.MaBoSSSim(network_str=bnd, config_str=cfg).run()
    probs, _, names, _ = result.get_last_nodes_probtraj()
    return {name: float(p) for name, p in zip(names, probs[0], strict=True)}


def read(stem: str, overrides: dict[str, str]) -> tuple[str, str]:
    with open(stem + ".bnd", encoding="utf-8") as bnd, open(stem + ".cfg", encoding="utf-8") as cfg:
        network, config = bnd.read(), cfg.read()
    for key, value in overrides.items():
        config = re.sub(rf"^{key}\s*=[^;]*;", f"{key} = {value};", config, flags=re.M)
    return network, config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("untreated")
    parser.add_argument("treated")
    parser.add_argument("--samples")
    parser.add_argument("--max-time")
    parser.add_argument("--time-tick")
    parser.add_argument("--seed")
    args = parser.parse_args()
    overrides = {key: value for key, value in (
        ("sample_count", args.samples), ("max_time", args.max_time),
        ("time_tick", args.time_tick), ("seed_pseudorandom", args.seed)) if value is not None}
    untreated = run(*read(args.untreated, overrides))
    bnd, cfg = read(args.treated, overrides)
    constant = set(re.findall(r"Node\s+(\w+)\s*\{\s*logic\s*=\s*\(?\s*[01]\s*\)?\s*;", bnd))

    def istate(match: re.Match) -> str:
        node = match.group(1)
        if node in constant or node not in untreated:
            return match.group(0)
        p = untreated[node]
        return f"[{node}].istate = {p:.6g} [1], {1 - p:.6g} [0];"

    cfg = re.sub(r"\[(\w+)\]\.istate = [^;]*;", istate, cfg)
    print(json.dumps(run(bnd, cfg)))


if __name__ == "__main__":
    main()
