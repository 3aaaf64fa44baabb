"""Time scoring every lapatinib block of the O'Neil screen with all four scores.

Target: >= 100 blocks per second on 2 cores. Beside it, the time of the ``synergy`` package
(optional ``bench`` extra) on the same blocks (averaged 5x5 matrices with the single-drug
wells filled from the single-agent fits), timed on a sample and printed as a ratio.

Run: ``python benchmarks/bench_synergy.py [--workers 2] [--sample 60]``.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

import numpy as np

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "synergy"


def _time_ours(plate, workers: int):
    from her2resist.synergy import score_plate

    start = time.perf_counter()
    result = score_plate(plate, workers=workers)
    return time.perf_counter() - start, result


def _oneil_report(blocks) -> None:
    """Spearman of our Loewe block scores with DeepSynergy's; top partners per breast line."""
    import pandas as pd
    from scipy.stats import spearmanr

    def key(a, b, c):
        return [(*sorted((x.upper(), y.upper())), z) for x, y, z in zip(a, b, c, strict=True)]

    pub = pd.read_csv(REFERENCE / "deepsynergy_loewe_lapatinib.csv")
    pub["key"] = key(pub["drug_a_name"], pub["drug_b_name"], pub["cell_line"])
    ours = blocks.assign(key=key(blocks["drug1"], blocks["drug2"], blocks["cell_line"]))
    scores = [f"{m}_synergy" for m in ("Loewe", "ZIP", "Bliss", "HSA")]
    joined = ours.groupby("key")[scores].mean().join(pub.groupby("key")["synergy"].mean(),
                                                      how="inner")
    print(f"DeepSynergy Loewe vs ours on {len(joined)} combinations: Spearman " + ", ".join(
        f"{s.split('_')[0]} {spearmanr(joined[s], joined['synergy']).statistic:.3f}"
        for s in scores))
    partner = np.where(blocks["drug1"] == "Lapatinib", blocks["drug2"], blocks["drug1"])
    table = blocks.assign(partner=partner).groupby(["cell_line", "partner"])[
        "Loewe_synergy"].mean().reset_index()
    for line in ("EFM192B", "KPL1", "MDAMB436", "OCUBM", "T47D", "ZR751"):
        top = table[table["cell_line"] == line].nlargest(3, "Loewe_synergy")
        print(f"  {line}: " + ", ".join(f"{p} {v:.1f}" for p, v in
                                        zip(top["partner"], top["Loewe_synergy"], strict=True)))


def _time_synergy_package(plate, sample: int) -> tuple[float, int, int]:
    """Seconds per block of the synergy package, and how many blocks it failed on."""
    from synergy.combination import HSA, ZIP, Bliss, Loewe
    from synergy.single import Hill

    wells = plate.data.groupby(["block_id", "conc1", "conc2"])["response"].mean().reset_index()
    blocks = list(dict.fromkeys(wells["block_id"]))[:sample]
    failures = 0
    start = time.perf_counter()
    for block in blocks:
        one = wells[wells["block_id"] == block]
        d1, d2 = one["conc1"].to_numpy(), one["conc2"].to_numpy()
        effect = 1.0 - one["response"].to_numpy() / 100.0  # synergy uses fractional effect
        for model in (Bliss(), HSA(), Loewe(drug1_model=Hill, drug2_model=Hill), ZIP()):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model.fit(d1, d2, effect)
            except Exception:  # the baseline's failures are counted, not fixed
                failures += 1
    return (time.perf_counter() - start) / len(blocks), len(blocks), failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=60)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from her2resist.synergy import read_oneil

    combos = REFERENCE / "oneil_lapatinib_combos.csv.gz"
    if not combos.exists():
        raise SystemExit(f"reference data not found at {REFERENCE}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        plate = read_oneil(combos, REFERENCE / "oneil_single_agent_response.csv.gz")
        read_s = time.perf_counter() - start
    n = len(plate.block_ids)
    timed = [_time_ours(plate, args.workers) for _ in range(2)]
    runs = [t for t, _ in timed]
    ours = min(runs)
    print(f"O'Neil lapatinib blocks: {n} (read and single-agent fits {read_s:.2f} s)")
    print(f"her2resist, ZIP+HSA+Bliss+Loewe, {args.workers} worker(s): {ours:.2f} s, "
          f"{n / ours:.0f} blocks/s ({1000 * ours / n:.2f} ms/block; target >= 100 blocks/s)")
    _oneil_report(timed[0][1].blocks)
    print(f"SynergyFinder 3 (published): 0.83 s/block -> x{0.83 / (ours / n):.0f} faster")
    try:
        per_block, sampled, failures = _time_synergy_package(plate, args.sample)
    except ImportError:
        print("synergy package not installed (pip install her2resist[bench]); no ratio")
        return
    print(f"synergy package, same 4 scores, 1 core, {sampled} blocks: {per_block:.3f} s/block"
          f" ({failures} model fits raised); ratio synergy/her2resist = "
          f"{per_block / (ours / n):.0f}")
    print(f"spread of our runs: {np.round(runs, 2).tolist()}")


if __name__ == "__main__":
    main()
