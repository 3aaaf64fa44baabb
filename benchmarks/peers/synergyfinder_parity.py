"""Parity of her2resist's synergy scores with SynergyFinder 3 itself, run here in R.

Three steps (each writes what the next reads; R is needed only for ``reference``):

    python benchmarks/peers/synergyfinder_parity.py blocks      # input blocks (needs ../shared)
    python benchmarks/peers/synergyfinder_parity.py reference --source DIR [--processes 2]
    python benchmarks/peers/synergyfinder_parity.py compare

``blocks`` writes ``tests/data/synergy/synergyfinder_oneil_blocks.csv.gz``: O'Neil et al.
(2016) lapatinib blocks (4x4 doses, single-drug wells filled from the single-agent plates as
:func:`her2resist.synergy.read_oneil` does, replicate means), set ``fitted``: every block whose
single-drug fits are not plain (any status other than ``ok``) plus a seeded random sample;
and two stress sets built from the same blocks: ``measured``, whose single-drug wells are the
measured single-agent responses (replicate means of that cell line, drug and batch at the
single-agent dose nearest on the log scale) instead of a fitted curve, so flat, noisy and
non-monotone single-drug curves occur as they do in real plates; and ``outlier``, the
``measured`` blocks with the untreated well replaced by an outlying value (98.1 % inhibition,
the 1.9 % viability of issue 13's example, or -40 %, alternately).

``reference`` runs ``synergyfinder_reference.R`` (SynergyFinder's ``ReshapeData`` and
``CalculateSynergy``, ``correct_baseline = "non"``, and its IC50) on those blocks in
``--processes`` R processes and writes
``tests/data/synergy/synergyfinder_oneil_reference.csv`` with its provenance in ``#`` lines.

``compare`` scores the same blocks with ``score_plate`` (one process) and prints, per set and
method, how many block means lie within 1 point of SynergyFinder's, the worst differences,
and both sides' time per block.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "reference" / "synergy"
DATA = ROOT / "tests" / "data" / "synergy"
BLOCKS = DATA / "synergyfinder_oneil_blocks.csv.gz"
REFERENCE = DATA / "synergyfinder_oneil_reference.csv"
SCRIPT = Path(__file__).with_name("synergyfinder_reference.R")
METHODS = ("Loewe", "ZIP", "Bliss", "HSA")
OUTLIERS = (98.1, -40.0)


def _oneil_means() -> tuple[pd.DataFrame, pd.DataFrame]:
    from her2resist.synergy import read_oneil

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plate = read_oneil(SHARED / "oneil_lapatinib_combos.csv.gz",
                           SHARED / "oneil_single_agent_response.csv.gz")
    keys = ["block_id", "drug1", "drug2", "cell_line", "conc1", "conc2"]
    return plate.data.groupby(keys, as_index=False)["response"].mean(), plate.data


def _measured_singles(wells: pd.DataFrame) -> pd.DataFrame:
    """Single-drug wells replaced by the measured single-agent responses (nearest dose)."""
    singles = pd.read_csv(SHARED / "oneil_single_agent_response.csv.gz")
    reps = [c for c in singles.columns if c.startswith("viability")]
    singles["response"] = 100.0 * (1.0 - singles[reps].mean(axis=1))
    singles["dose"] = singles["Drug_concentration (microM)"]
    batch = wells["block_id"].str.rsplit("_", n=1).str[1].astype(int)
    out = wells.copy()
    for k in (1, 2):
        other = 3 - k
        rows = (out[f"conc{k}"] > 0) & (out[f"conc{other}"] == 0)
        for i in np.flatnonzero(rows.to_numpy()):
            w = out.iloc[i]
            cand = singles[(singles["cell_line"] == w["cell_line"])
                           & (singles["drug_name"] == w[f"drug{k}"])]
            same = cand[cand["BatchID"] == batch.iloc[i]]
            cand = same if len(same) else cand
            near = np.argmin(np.abs(np.log(cand["dose"].to_numpy() / w[f"conc{k}"])))
            out.iloc[i, out.columns.get_loc("response")] = cand["response"].iloc[near]
    return out


def make_blocks(sample: int, seed: int) -> pd.DataFrame:
    """The three sets of blocks (see the module docstring)."""
    from her2resist.synergy import score_plate
    from her2resist.synergy.plate import validate_plate

    wells, _ = _oneil_means()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scored = score_plate(validate_plate(wells, response_type="inhibition")).blocks
    odd = scored[(scored["fit_status_1"] != "ok") | (scored["fit_status_2"] != "ok")]
    rng = np.random.default_rng(seed)
    rest = sorted(set(scored["block_id"]) - set(odd["block_id"]))
    chosen = sorted(set(odd["block_id"]) | set(rng.choice(rest, sample, replace=False)))
    fitted = wells[wells["block_id"].isin(chosen)].assign(set="fitted")
    stress = sorted(rng.choice(chosen, min(sample, len(chosen)), replace=False))
    measured = _measured_singles(wells[wells["block_id"].isin(stress)]).assign(set="measured")
    outlier = measured.assign(set="outlier")
    control = (outlier["conc1"] == 0) & (outlier["conc2"] == 0)
    order = {b: i for i, b in enumerate(stress)}
    outlier.loc[control, "response"] = [OUTLIERS[order[b] % 2]
                                        for b in outlier.loc[control, "block_id"]]
    frame = pd.concat([fitted, measured, outlier], ignore_index=True)
    frame["block_id"] = frame["set"] + ":" + frame["block_id"]
    return frame.assign(conc_unit1="uM")[["set", "block_id", "drug1", "drug2", "cell_line",
                                          "conc1", "conc2", "response", "conc_unit1"]]


def run_synergyfinder(blocks: pd.DataFrame, source: str | None,
                      processes: int) -> tuple[pd.DataFrame, float, float, str]:
    """SynergyFinder on every block of ``blocks`` (columns block_id, drug1, drug2, conc1,
    conc2, response in % inhibition, conc_unit1), split over ``processes`` R processes.

    Returns its block table, the wall and CPU seconds of the R processes (R's start and
    package loading included) and the versions line."""
    ids = blocks["block_id"].unique()
    chunks = [c for c in np.array_split(ids, processes) if len(c)]
    columns = ["block_id", "drug1", "drug2", "conc1", "conc2", "response", "conc_unit1"]
    with tempfile.TemporaryDirectory() as tmp:
        procs = []
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        for i, chunk in enumerate(chunks):
            path = Path(tmp) / f"in{i}.csv"
            part = blocks.loc[blocks["block_id"].isin(chunk), columns].copy()
            # Hexadecimal floats: R's decimal parser can differ from Python's in the last
            # bit, and the curve fits amplify such differences; both sides read the same
            # doubles this way.
            for col in ("conc1", "conc2", "response"):
                part[col] = [float(v).hex() for v in part[col]]
            part.to_csv(path, index=False)
            argv = ["Rscript", str(SCRIPT), str(path), str(Path(tmp) / f"out{i}")]
            procs.append(subprocess.Popen(argv + ([source] if source else []),
                                          stdout=subprocess.DEVNULL))
        if any(p.wait() for p in procs):
            raise SystemExit("an R process running SynergyFinder failed")
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        out = pd.concat([pd.read_csv(Path(tmp) / f"out{i}_blocks.csv")
                         for i in range(len(chunks))], ignore_index=True)
        versions = (Path(tmp) / "out0_versions.txt").read_text().strip()
    out["block_id"] = out["block_id"].astype(str)
    return out, wall, cpu, versions


def run_reference(source: str | None, processes: int) -> None:
    """SynergyFinder on every committed input block; writes the reference CSV."""
    started = datetime.now(timezone.utc)
    out, wall, cpu, versions = run_synergyfinder(pd.read_csv(BLOCKS), source, processes)
    head = [f"# SynergyFinder 3 output on {BLOCKS.name}, generated here (not copied)",
            f"# {versions}",
            f"# {started:%Y-%m-%d %H:%M} UTC; {len(out)} blocks in {processes} R processes, "
            f"{wall:.0f} s wall, {cpu:.0f} s CPU",
            "# command: python benchmarks/peers/synergyfinder_parity.py reference"
            + (" --source DIR" if source else "") + f" --processes {processes}",
            "# settings: ReshapeData(data_type='inhibition', impute=FALSE, noise=FALSE); "
            "CalculateSynergy(correct_baseline='non'); IC50 as CalculateSensitivity; "
            "seconds: SynergyFinder's time per block in R"]
    REFERENCE.write_text("\n".join(head) + "\n" + out.to_csv(index=False, float_format="%.17g"))
    print(f"wrote {REFERENCE} ({len(out)} blocks, {wall:.0f} s wall, {cpu:.0f} s CPU)")


def load_reference() -> pd.DataFrame:
    """The committed SynergyFinder reference, one row per block."""
    return pd.read_csv(REFERENCE, comment="#")


def score_ours(blocks: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Our block scores of the committed input blocks, and the wall seconds it took."""
    from her2resist.synergy import score_plate
    from her2resist.synergy.plate import validate_plate

    plate = validate_plate(blocks.drop(columns=["set"]), response_type="inhibition")
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = score_plate(plate, workers=1)
    return result.blocks.set_index("block_id"), time.perf_counter() - start


def compare() -> None:
    blocks = pd.read_csv(BLOCKS)
    ref = load_reference().set_index("block_id")
    ours, seconds = score_ours(blocks)
    sets = blocks.groupby("block_id")["set"].first()
    print(f"{len(ref)} blocks: " + ", ".join(f"{s} {n}" for s, n in
                                              sets.value_counts().sort_index().items()))
    for name in ("fitted", "measured", "outlier", "all"):
        ids = sets.index if name == "all" else sets.index[sets == name]
        parts = []
        for m in METHODS:
            diff = (ours.loc[ids, f"{m}_synergy"] - ref.loc[ids, f"{m}_synergy"]).abs()
            parts.append(f"{m} {int((diff <= 1).sum())}/{len(ids)} (max {diff.max():.3g})")
        print(f"  {name:9s} within 1 point: " + ", ".join(parts))
    for m in METHODS:
        diff = (ours[f"{m}_synergy"] - ref[f"{m}_synergy"]).reindex(ref.index)
        worst = diff.abs().nlargest(3)
        print(f"  worst {m}: " + "; ".join(
            f"{b} {ours.loc[b, f'{m}_synergy']:.2f} vs {ref.loc[b, f'{m}_synergy']:.2f}"
            f" (SF models {ref.loc[b, 'model_1']}/{ref.loc[b, 'model_2']})"
            for b in worst.index))
    for k in (1, 2):
        rel = (ours[f"ic50_{k}"].reindex(ref.index) / ref[f"ic50_{k}"] - 1).abs()
        print(f"  IC50 drug {k}: within 1% on {int((rel <= 0.01).sum())}/{len(ref)} blocks")
    l4 = (ref["model_1"] == "L.4") | (ref["model_2"] == "L.4")
    print(f"  SynergyFinder refitted a curve with L.4 in {int(l4.sum())} blocks")
    sf_cpu = (f", {ref['cpu_seconds'].median() * 1e3:.0f} ms CPU"
              if "cpu_seconds" in ref else "")
    print(f"  time per block: her2resist {seconds / len(ref) * 1e3:.1f} ms wall (one process, "
          f"all {len(ref)} together), SynergyFinder {ref['seconds'].median() * 1e3:.0f} ms "
          f"wall{sf_cpu} (median of its per-block times in R, when the reference was made; "
          "bench_synergy.py times both on the same blocks)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("blocks", "reference", "compare"))
    parser.add_argument("--source", help="SynergyFinder source folder (else library())")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    if args.step == "blocks":
        if not SHARED.exists():
            sys.exit(f"O'Neil data not found at {SHARED}")
        frame = make_blocks(args.sample, args.seed)
        DATA.mkdir(parents=True, exist_ok=True)
        frame.to_csv(BLOCKS, index=False, float_format="%.10g")
        print(f"wrote {BLOCKS}: " + ", ".join(
            f"{s} {n}" for s, n in frame.groupby("set")["block_id"].nunique().items()))
    elif args.step == "reference":
        run_reference(args.source, args.processes)
    else:
        compare()


if __name__ == "__main__":
    main()
