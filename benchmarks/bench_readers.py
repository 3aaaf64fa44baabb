"""Time the copy-number and expression readers against ``pandas.read_csv`` on the same file.

A cBioPortal-layout matrix (``Hugo_Symbol``, ``Entrez_Gene_Id``, one column per sample) is
generated once per kind with a fixed seed: discrete calls (mostly 0, ~2 % at +-2, as GISTIC
thresholded tables are) and log2 expression (turned into z-scores by the reader). Each side
reads the same file; the ratio ``reader / read_csv`` is printed (target: <= 3, issues 12 and
13). Both sides run in the same process, alternating, best of ``--repeat`` each; peak memory
is traced in a separate run. On a shared machine the absolute times are noisy, the ratio
less so.

Run: ``python benchmarks/bench_readers.py [--genes 20000] [--samples 1000] [--repeat 2]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np


def write_matrix(path: Path, genes: int, samples: int, kind: str, seed: int = 7) -> None:
    """A gene x sample table in cBioPortal's layout, values of the given kind."""
    rng = np.random.default_rng(seed)
    if kind == "cna":
        values = rng.choice([-2, -1, 0, 1, 2], p=[0.01, 0.1, 0.78, 0.1, 0.01],
                            size=(genes, samples)).astype(str)
    else:
        base = rng.uniform(0, 14, size=(genes, 1))
        values = np.char.mod("%.3f", np.clip(base + rng.normal(0, 1, (genes, samples)), 0, None))
    names = [f"G{i}" for i in range(genes - 4)] + ["ERBB2", "PTEN", "MUC4", "CCNE1"]
    header = "Hugo_Symbol\tEntrez_Gene_Id\t" + "\t".join(f"TCGA-{i:04d}-01"
                                                         for i in range(samples))
    with open(path, "w") as fh:
        fh.write(header + "\n")
        for i, name in enumerate(names):
            fh.write(f"{name}\t{i + 1}\t" + "\t".join(values[i]) + "\n")


def best_times(first, second, repeat: int) -> tuple[float, float]:
    """Best seconds of ``first`` and of ``second`` over ``repeat`` alternating runs (so both
    sides meet the same load on a shared machine)."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for function, out in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            function()
            out.append(time.perf_counter() - start)
    return min(times[0]), min(times[1])


def peak_mib(function) -> float:
    """Peak traced memory (MiB) of one call (a separate run: tracing slows the call)."""
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak


def main() -> None:
    import pandas as pd

    from her2resist.profile import read_cna, read_expression

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genes", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    readers = {"cna": read_cna, "expression": read_expression}
    with tempfile.TemporaryDirectory() as folder:
        for kind, reader in readers.items():
            path = Path(folder) / f"data_{kind}.txt"
            write_matrix(path, args.genes, args.samples, kind)
            size = path.stat().st_size / 2**20
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pandas_s, ours_s = best_times(lambda p=path: pd.read_csv(p, sep="\t"),
                                              lambda p=path, r=reader: r(p), args.repeat)
                pandas_mb = peak_mib(lambda p=path: pd.read_csv(p, sep="\t"))
                ours_mb = peak_mib(lambda p=path, r=reader: r(p))
            print(f"{kind}: {args.genes} genes x {args.samples} samples ({size:.0f} MiB): "
                  f"pandas.read_csv {pandas_s:.2f} s (peak {pandas_mb:.0f} MiB), "
                  f"{reader.__name__} {ours_s:.2f} s (peak {ours_mb:.0f} MiB), "
                  f"ratio {ours_s / pandas_s:.2f} (target <= 3)")


if __name__ == "__main__":
    main()
