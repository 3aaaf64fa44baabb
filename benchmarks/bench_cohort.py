"""`her2resist cohort` and `her2resist trial` at 100,000 patients, against a per-patient loop.

1. **Cohort from files**: a cBioPortal study of N patients (clinical sample and patient files
   with their four header lines, a MAF, a discrete CNA matrix of ERBB2, PTEN and CCNE1),
   genotypes drawn from the package's HER2+ population with a fixed seed, regimens written as
   clinics write them (TCH, TCHP, EC-T + H, ...), a pCR column. The whole command
   (``her2resist cohort STUDY --regimen-column TREATMENT --outcome PCR -o ... --csv ...``) in a
   fresh process, median of ``repeats``; target <= 60 s at 100,000 patients.
2. **Virtual trial with pCR**: ``her2resist trial examples/trials/neosphere.yaml --patients N``,
   whole command, same rules.
3. **Naive per-patient loop**: the same patients read by the same readers, then one prediction
   per patient through the public prediction functions with their result caches emptied before
   each call (what the work costs without grouping patients by genotype). It is timed on the
   first ``naive`` patients and scaled linearly to N (said so in the table); reading is timed
   in full.
4. **Dask**: the cohort command again with ``--scheduler`` on a ``distributed.LocalCluster``
   of 2 worker processes; its JSON must equal the local run's.
5. **Memory**: the peak resident set size of each whole command (the child's own
   ``ru_maxrss``, from ``os.wait4``), the cohort at 1,000, 10,000 and N patients and the trial
   at the same sizes: flat memory means the peak barely grows with patients.

Timings on a shared 2-core machine are noisy; both sides run in the same benchmark run.

    python benchmarks/bench_cohort.py [--patients 100000] [--naive 300] [--repeats 1]
                                      [--memory-sizes 1000,10000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import PYTHON, ROOT, fmt_s, header, her2resist_argv, one_thread_env, run_process

TARGET = 60.0
REGIMENS = ("TCH", "TCHP", "EC-T + H", "FEC-T + Trastuzumab", "AC-THP", "wP + H",
            "lapatinib + trastuzumab + paclitaxel")


def _clinical(path: Path, columns: list[str], rows: list[list[str]]) -> None:
    meta = ["#" + "\t".join(columns)] * 2 + ["#" + "\t".join(["STRING"] * len(columns)),
                                             "#" + "\t".join(["1"] * len(columns))]
    body = "\n".join("\t".join(r) for r in rows)
    path.write_text("\n".join([*meta, "\t".join(columns), body]) + "\n")


def write_study(folder: Path, n: int, seed: int = 0) -> None:
    """A cBioPortal study of ``n`` HER2+ patients (see module docs)."""
    import sys

    sys.path.insert(0, str(ROOT / "src"))
    from her2resist.cohort.population import load_population

    folder.mkdir(parents=True, exist_ok=True)
    draw = load_population().sample(n, seed=seed)
    rng = np.random.default_rng(seed)
    ids = [f"S{i:06d}" for i in range(n)]
    er = np.where(draw.er_positive, "Positive", "Negative")
    regimen = rng.choice(REGIMENS, size=n)
    pcr = np.where(rng.random(n) < 0.45 - 0.15 * draw.has("PIK3CA_mut"), "pCR", "RD")
    _clinical(folder / "data_clinical_sample.txt",
              ["PATIENT_ID", "SAMPLE_ID", "ER_STATUS_BY_IHC", "IHC_HER2", "TREATMENT", "PCR"],
              [[f"P{s[1:]}", s, e, "3+", r, p] for s, e, r, p in zip(ids, er, regimen, pcr,
                                                                   strict=True)])
    months = rng.exponential(40, n).round(1)
    status = np.where(rng.random(n) < 0.4, "1:DECEASED", "0:LIVING")
    _clinical(folder / "data_clinical_patient.txt", ["PATIENT_ID", "OS_MONTHS", "OS_STATUS"],
              [[f"P{s[1:]}", str(m), st] for s, m, st in zip(ids, months, status, strict=True)])
    mutated = np.flatnonzero(draw.has("PIK3CA_mut"))
    changes = rng.choice(["p.H1047R", "p.E545K", "p.E542K"], size=len(mutated))
    (folder / "data_mutations.txt").write_text(
        "Hugo_Symbol\tEntrez_Gene_Id\tVariant_Classification\tTumor_Sample_Barcode\t"
        "HGVSp_Short\n" + "".join(f"PIK3CA\t5290\tMissense_Mutation\t{ids[i]}\t{c}\n"
                                  for i, c in zip(mutated, changes, strict=True)))
    # The population's PTEN loss is immunohistochemical (PTEN_low) since 5625eec; the study
    # writes a deep deletion for those patients, as a genomic stand-in.
    pten = "PTEN_loss" if "PTEN_loss" in draw.alterations else "PTEN_low"
    cna = {"ERBB2\t2064": np.full(n, 2), "PTEN\t5728": -2 * draw.has(pten),
           "CCNE1\t898": 2 * draw.has("CCNE1_amp")}
    (folder / "data_cna.txt").write_text(
        "Hugo_Symbol\tEntrez_Gene_Id\t" + "\t".join(ids) + "\n"
        + "".join(f"{gene}\t" + "\t".join(map(str, values.astype(int))) + "\n"
                  for gene, values in cna.items()))
    kinds = {"clinical_sample": ("CLINICAL", "SAMPLE_ATTRIBUTES", "data_clinical_sample.txt"),
             "clinical_patient": ("CLINICAL", "PATIENT_ATTRIBUTES",
                                  "data_clinical_patient.txt"),
             "mutations_extended": ("MUTATION_EXTENDED", "MAF", "data_mutations.txt"),
             "cna": ("COPY_NUMBER_ALTERATION", "DISCRETE", "data_cna.txt")}
    for name, (kind, datatype, data) in kinds.items():
        (folder / f"meta_{name}.txt").write_text(
            f"cancer_study_identifier: bench\ngenetic_alteration_type: {kind}\n"
            f"datatype: {datatype}\nstable_id: {name}\ndata_filename: {data}\n")


NAIVE_COHORT = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
from her2resist.cohort import read_cohort, read_written_regimen
from her2resist.predict import predict_response
from her2resist.predict import graded
start = time.perf_counter()
profiles, cols = read_cohort(sys.argv[1])
read = time.perf_counter() - start
sample = int(sys.argv[2])
treatment = cols.frame["TREATMENT"]
start = time.perf_counter()
for p in profiles[:sample]:
    graded._CACHE.clear()
    alts = list(p.alteration_ids())
    label = read_written_regimen(treatment[p.sample]).label
    g = graded.predict_graded(alts, label, context="patient", endpoint="pCR", samples=0)
    predict_response(alts, label)
per_patient = (time.perf_counter() - start) / sample
print(json.dumps({"read": read, "per_patient": per_patient, "patients": len(profiles)}))
"""

NAIVE_TRIAL = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np
from her2resist.cohort.population import genotype_alterations, load_population
from her2resist.cohort.trial import read_trial
from her2resist.predict import graded
spec = read_trial(sys.argv[1]); sample = int(sys.argv[2])
pop = load_population(); rng = np.random.default_rng(0)
start = time.perf_counter()
for i in range(sample):
    draw = pop.sample(1, seed=i)
    arm = spec.arms[rng.integers(len(spec.arms))]
    graded._CACHE.clear()
    alts = genotype_alterations(int(draw.codes[0]), bool(draw.er_positive[0]), pop.alterations)
    p = graded.predict_graded(list(alts), arm.written.label, context="patient",
                              endpoint=spec.endpoint, samples=0).response_probability
    rng.random() < p
print(json.dumps({"per_patient": (time.perf_counter() - start) / sample}))
"""


#: Runs the command as its own child and writes the child's peak RSS (KB) to a file. A
#: child's ``ru_maxrss`` starts at its parent's RSS at the fork (Linux carries it over the
#: exec), so the command must be forked by a small process, not by this one (~270 MB here).
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as fh:
    fh.write(f"{usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def peak_rss(argv: list[str]) -> tuple[float, float, float]:
    """Wall and CPU seconds and peak resident set size (MB) of one whole process (see
    :data:`LAUNCHER`: the launcher, a bare interpreter of ~10 MB, is below any command)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rusage"
        start = time.perf_counter()
        proc = subprocess.run([PYTHON, "-I", "-S", "-c", LAUNCHER, str(out), *argv],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              env=one_thread_env(), cwd=ROOT)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"benchmark command failed (exit {proc.returncode}): "
                             f"{' '.join(argv)}\n{proc.stderr[-2000:]}")
        kb, cpu = out.read_text().split()
    return wall, float(cpu), int(kb) / 1024


def _cohort_argv(study: Path, out: Path, *extra: str) -> list[str]:
    return her2resist_argv("cohort", str(study), "--regimen-column", "TREATMENT", "--outcome",
                           "PCR", "--no-progress", "-o", str(out), *extra)


def _trial_argv(patients: int, out: Path) -> list[str]:
    return her2resist_argv("trial", str(ROOT / "examples/trials/neosphere.yaml"), "--patients",
                           str(patients), "--seed", "1", "--no-progress", "-o", str(out))


def _memory(tmp: Path, sizes: list[int], patients: int) -> list[str]:
    """Peak RSS lines of the cohort and trial commands at each size (the study of
    ``patients`` is already written in ``tmp/study``)."""
    lines = []
    for kind in ("cohort", "trial"):
        for n in sizes:
            if kind == "cohort":
                study = tmp / ("study" if n == patients else f"study{n}")
                if n != patients:
                    write_study(study, n)
                argv = _cohort_argv(study, tmp / "mem.json", "--csv", str(tmp / "mem.csv"))
            else:
                argv = _trial_argv(n, tmp / "mem.json")
            wall, cpu, rss = peak_rss(argv)
            lines.append(f"  {kind + ',':7s} {n:>7,} patients: peak RSS {rss:6.1f} MB "
                         f"({fmt_s(wall)} wall, {fmt_s(cpu)} CPU)")
    return lines


def _dask_run(study: Path, out: Path) -> float:
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        wall, _, _ = run_process(her2resist_argv(
            "cohort", str(study), "--regimen-column", "TREATMENT", "--outcome", "PCR",
            "--no-progress", "--scheduler", cluster.scheduler_address, "-o", str(out)))
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--naive", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--memory-sizes", default="1000,10000",
                        help="Patients of the peak-memory runs besides --patients.")
    args = parser.parse_args()
    header("her2resist cohort / trial at scale")
    with tempfile.TemporaryDirectory() as tmp:
        study = Path(tmp) / "study"
        write_study(study, args.patients)
        local, remote = Path(tmp) / "local.json", Path(tmp) / "dask.json"
        cohort_argv = _cohort_argv(study, local, "--csv", str(Path(tmp) / "local.csv"))
        trial_argv = _trial_argv(args.patients, Path(tmp) / "trial.json")
        cohort, cohort_cpu = min(run_process(cohort_argv)[:2] for _ in range(args.repeats))
        trial, trial_cpu = min(run_process(trial_argv)[:2] for _ in range(args.repeats))
        naive = json.loads(run_process([PYTHON, "-c", NAIVE_COHORT, str(study),
                                        str(args.naive)])[2])
        naive_trial = json.loads(run_process([PYTHON, "-c", NAIVE_TRIAL,
                                              str(ROOT / "examples/trials/neosphere.yaml"),
                                              str(args.naive)])[2])
        dask = _dask_run(study, remote)
        same = json.loads(local.read_text()) == json.loads(remote.read_text())
        sizes = sorted({*(int(n) for n in args.memory_sizes.split(",") if n), args.patients})
        memory = _memory(Path(tmp), sizes, args.patients)
    naive_cohort = naive["read"] + naive["per_patient"] * args.patients
    naive_trial_s = naive_trial["per_patient"] * args.patients
    n = f"{args.patients:,}"
    print(f"cohort, {n} patients, whole command: {fmt_s(cohort)} wall, {fmt_s(cohort_cpu)} CPU "
          f"(target <= {TARGET:.0f} s)")
    print(f"  naive per-patient loop: read {fmt_s(naive['read'])} + "
          f"{naive['per_patient'] * 1000:.1f} ms/patient (timed on {args.naive}, scaled to {n})"
          f" = {fmt_s(naive_cohort)}; ratio {naive_cohort / cohort:.1f}x")
    print(f"virtual trial with pCR, {n} patients, whole command: {fmt_s(trial)} wall, "
          f"{fmt_s(trial_cpu)} CPU (target <= {TARGET:.0f} s)")
    print(f"  naive per-patient loop: {naive_trial['per_patient'] * 1000:.1f} ms/patient (timed"
          f" on {args.naive}, scaled to {n}) = {fmt_s(naive_trial_s)}; ratio "
          f"{naive_trial_s / trial:.1f}x")
    print(f"cohort on a Dask LocalCluster (2 worker processes): {fmt_s(dask)}; JSON identical "
          f"to the local run: {same}")
    print("peak memory of the whole command (resident set size of the process):")
    print("\n".join(memory))


if __name__ == "__main__":
    main()
