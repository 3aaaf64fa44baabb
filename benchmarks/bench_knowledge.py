"""Time loading and validating the whole knowledge base against plain ``yaml.safe_load``.

Prints the median time of a full, uncached load (YAML with line tracking, pydantic validation
of every record, CIViC import, cross-record checks) and its ratio to parsing the same files with
``yaml.safe_load`` (C loader when available) and ``csv`` in the same process, one process.
Both sides are warm in the sense of imports done and files in the OS cache; neither caches
parsed data between repeats.  Target: <= 200 ms.

Run: ``python benchmarks/bench_knowledge.py``
"""

from __future__ import annotations

import csv
import statistics
import time
from pathlib import Path

import yaml
from _common import header

from her2resist.knowledge.catalogue import data_dir
from her2resist.knowledge.kb import read_knowledge_base

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
REPEATS = 15


def baseline(folder: Path) -> None:
    """Parse the same files without validation."""
    for name in ("drugs.yaml", "alterations.yaml", "evidence.yaml", "mechanisms.yaml"):
        with open(folder / name, encoding="utf-8") as fh:
            yaml.load(fh, Loader=_LOADER)
    for path in (folder / "civic").glob("*.tsv"):
        with open(path, encoding="utf-8", newline="") as fh:
            list(csv.DictReader(fh, delimiter="\t"))


def median_ms(func, *args) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        func(*args)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    header("bench_knowledge")
    folder = data_dir()
    read_knowledge_base(folder)  # warm imports
    full = median_ms(read_knowledge_base, folder)
    base = median_ms(baseline, folder)
    print(f"knowledge base load+validate: {full:.1f} ms (median of {REPEATS}); "
          f"yaml.safe_load+csv baseline: {base:.1f} ms; ratio {full / base:.2f}x; "
          f"target <= 200 ms: {'OK' if full <= 200 else 'OVER'}")


if __name__ == "__main__":
    main()
