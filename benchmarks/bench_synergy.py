"""Bliss, HSA, Loewe and ZIP on the O'Neil lapatinib blocks, against the `synergy` package.

Both sides compute the same four scores of each block (the same definitions: Bliss and HSA
excess over the observed single drugs, Loewe excess with the HSA fallback where the Loewe
equation has no solution (``synergy``'s ``Loewe(mode="delta_HSA")``), and ZIP delta), from the
same averaged dose-response matrices (single-drug wells filled from the single-agent plates),
in one process each.  The peer is the ``synergy`` package (``pip install her2resist[bench]``),
timed on a deterministic sample of blocks (``--sample``); her2resist is timed on the same
sample and on every block.  The Spearman correlation of the two sides' block scores shows that
they compute the same quantities (curve fits differ: LL.4 as SynergyFinder against
``synergy``'s Hill fits).

Timings are warm: plate read, single-agent fits done and imports loaded before the clock
starts, on both sides.  Target: >= 100 blocks per second for her2resist on every block.

SynergyFinder 3 itself (R) is timed on the same sample, in one R process, when ``Rscript``
can run it: ``--synergyfinder DIR`` (its source folder; only the files for ReshapeData and
CalculateSynergy are sourced, with ``drc`` installed) or an installed ``synergyfinder``
package (``--synergyfinder installed``); its wall and CPU time include starting R and loading
its packages (a few seconds), and the sum of its per-block times (measured in R) is printed
beside them.  Its block means are compared with ours (blocks within 1 point per method).

    python benchmarks/bench_synergy.py [--sample 40] [--repeats 3] [--synergyfinder DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pandas as pd
from _common import SHARED, clock, fmt_s, header, print_table, since
from scipy.stats import spearmanr

REFERENCE = SHARED / "reference" / "synergy"
METHODS = ("Bliss", "HSA", "Loewe", "ZIP")
TARGET_BLOCKS_PER_S = 100.0


def _ours(plate, repeats: int):
    from her2resist.synergy import score_plate

    times, result = [], None
    for _ in range(repeats):
        start = clock()
        result = score_plate(plate, workers=1)
        times.append(since(start))
    return tuple(statistics.median(t[i] for t in times) for i in (0, 1)), result


def _deepsynergy(blocks: pd.DataFrame) -> None:
    """Spearman of our block scores with DeepSynergy's Loewe labels; top partners per line."""

    def key(a, b, c):
        return [(*sorted((x.upper(), y.upper())), z) for x, y, z in zip(a, b, c, strict=True)]

    pub = pd.read_csv(REFERENCE / "deepsynergy_loewe_lapatinib.csv")
    pub["key"] = key(pub["drug_a_name"], pub["drug_b_name"], pub["cell_line"])
    ours = blocks.assign(key=key(blocks["drug1"], blocks["drug2"], blocks["cell_line"]))
    scores = [f"{m}_synergy" for m in ("Loewe", "ZIP", "Bliss", "HSA")]
    joined = ours.groupby("key")[scores].mean().join(pub.groupby("key")["synergy"].mean(),
                                                      how="inner")
    print(f"\nDeepSynergy Loewe vs ours on {len(joined)} combinations: Spearman " + ", ".join(
        f"{s.split('_')[0]} {spearmanr(joined[s], joined['synergy']).statistic:.3f}"
        for s in scores))
    partner = np.where(blocks["drug1"] == "Lapatinib", blocks["drug2"], blocks["drug1"])
    table = blocks.assign(partner=partner).groupby(["cell_line", "partner"])[
        "Loewe_synergy"].mean().reset_index()
    for line in ("EFM192B", "KPL1", "MDAMB436", "OCUBM", "T47D", "ZR751"):
        top = table[table["cell_line"] == line].nlargest(3, "Loewe_synergy")
        print(f"  {line}: " + ", ".join(f"{p} {v:.1f}" for p, v in
                                        zip(top["partner"], top["Loewe_synergy"], strict=True)))


def _peer(plate) -> tuple[tuple[float, float], pd.DataFrame, int]:
    """(wall, CPU) seconds for every block of ``plate`` with the synergy package, its block
    scores (mean over combination wells), and how many model fits raised."""
    from synergy.combination import HSA, ZIP, Bliss, Loewe

    wells = plate.data.groupby(["block_id", "conc1", "conc2"])["response"].mean().reset_index()
    rows, failures = [], 0
    start = clock()
    for block, one in wells.groupby("block_id", sort=False):
        d1, d2 = one["conc1"].to_numpy(), one["conc2"].to_numpy()
        effect = 1.0 - one["response"].to_numpy() / 100.0  # synergy's E: 1 untreated, falling
        combo = (d1 > 0) & (d2 > 0)
        row = {"block_id": block}
        for name, model in zip(METHODS, (Bliss(), HSA(), Loewe(mode="delta_HSA"), ZIP()),
                               strict=True):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    row[name] = float(np.nanmean(np.asarray(model.fit(d1, d2, effect))[combo]))
            except Exception:  # the peer's failures are counted, not fixed
                failures += 1
                row[name] = np.nan
        rows.append(row)
    return since(start), pd.DataFrame(rows).set_index("block_id"), failures


def _synergyfinder(plate, source: str, ours: pd.DataFrame) -> None:
    """Time SynergyFinder (R, one process) on the blocks of ``plate`` and compare its block
    means with ours."""
    from peers.synergyfinder_parity import run_synergyfinder

    if shutil.which("Rscript") is None:
        print("\nSynergyFinder (R): not run, Rscript not found")
        return
    wells = plate.data.groupby(["block_id", "drug1", "drug2", "conc1", "conc2"],
                               as_index=False)["response"].mean().assign(conc_unit1="uM")
    out, wall, cpu, versions = run_synergyfinder(
        wells, None if source == "installed" else source, 1)
    out = out.set_index("block_id")
    n = len(out)
    print(f"\nSynergyFinder 3 in R ({versions}), the same {n} blocks, one process")
    print_table("Four scores per block, one process each (her2resist warm, median; "
                "SynergyFinder one whole R run)", "SynergyFinder",
                [(f"wall: {n} sampled blocks", ours.attrs["wall"], wall),
                 ("CPU, same runs", ours.attrs["cpu"], cpu),
                 ("wall per block (SF: its own per-block times)", ours.attrs["wall"] / n,
                  float(out["seconds"].mean()))])
    ours = ours.set_index("block_id")
    print("  blocks within 1 point of SynergyFinder: " + ", ".join(
        f"{m} {int(((ours[f'{m}_synergy'] - out[f'{m}_synergy']).abs() <= 1).sum())}/{n}"
        for m in ("Loewe", "ZIP", "Bliss", "HSA")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--synergyfinder", metavar="DIR",
                        help="SynergyFinder source folder, or 'installed', to time it in R")
    args = parser.parse_args()
    header("bench_synergy")
    from her2resist.synergy import read_oneil
    from her2resist.synergy.plate import Plate

    combos = REFERENCE / "oneil_lapatinib_combos.csv.gz"
    if not combos.exists():
        raise SystemExit(f"reference data not found at {REFERENCE}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plate = read_oneil(combos, REFERENCE / "oneil_single_agent_response.csv.gz")
    blocks = plate.block_ids
    step = max(1, len(blocks) // args.sample)
    chosen = set(blocks[::step][: args.sample])
    sample = Plate(plate.data[plate.data["block_id"].isin(chosen)], source="sample")
    all_s, everything = _ours(plate, args.repeats)
    ours_s, ours = _ours(sample, args.repeats)
    try:
        peer_s, theirs, failures = _peer(sample)
    except ImportError:
        raise SystemExit("the synergy package is not installed: pip install her2resist[bench]"
                         ) from None
    n = len(chosen)
    print(f"\nO'Neil lapatinib blocks: {len(blocks)}; sample for the peer: every {step}th, "
          f"{n} blocks; the synergy package raised on {failures} of {4 * n} model fits")
    print_table(f"Four scores per block, one process each (warm; her2resist median of "
                f"{args.repeats}, peer one run)", "synergy pkg",
                [(f"wall: {n} sampled blocks", ours_s[0], peer_s[0]),
                 ("CPU, same runs", ours_s[1], peer_s[1]),
                 ("wall per block", ours_s[0] / n, peer_s[0] / n)])
    rate = len(blocks) / all_s[0]
    verdict = "OK" if rate >= TARGET_BLOCKS_PER_S else "BELOW TARGET"
    print(f"  her2resist on all {len(blocks)} blocks: {fmt_s(all_s[0])} wall "
          f"({fmt_s(all_s[1])} CPU), {rate:.0f} blocks/s ({len(blocks) / all_s[1]:.0f} per "
          f"CPU-second); "
          f"target >= {TARGET_BLOCKS_PER_S:.0f} blocks/s: {verdict}")
    ours_blocks = ours.blocks.set_index("block_id")
    print("  Spearman, her2resist vs synergy package block scores: " + ", ".join(
        f"{m} {spearmanr(ours_blocks[f'{m}_synergy'].reindex(theirs.index), theirs[m], nan_policy='omit').statistic:.2f}"  # noqa: E501
        for m in METHODS))
    if args.synergyfinder:
        blocks_s = ours.blocks.copy()
        blocks_s.attrs.update(wall=ours_s[0], cpu=ours_s[1])
        _synergyfinder(sample, args.synergyfinder, blocks_s)
    _deepsynergy(everything.blocks)


if __name__ == "__main__":
    main()
