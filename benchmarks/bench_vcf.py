"""A VEP-annotated VCF of ~100 MB and of ~1 GB read by ``read_vcf``: time and peak memory.

The question is whether reading is streamed with flat memory: the peak resident memory of a
process that reads the 1 GB file should be about that of one that reads the 100 MB file
(imports, the knowledge base and htslib's buffers), not ten times the difference above a
process that only imports.

Both files are generated once (fixed seed) in a temporary folder (``--folder``, default
``$TMPDIR/her2resist-bench-vcf``; not in the repository) as PCGR and Mutect2 write them:
``##tumor_sample``/``##normal_sample``, a VEP ``CSQ`` header with PCGR's fields, three
transcript entries per record (the ``PICK`` one flagged), ``GT:AD:DP`` for NORMAL and
TUMOR. About one record in 2,000 is a variant the model uses (PIK3CA H1047R, PTEN R233*,
ERBB2 L755S); the rest are in ~300 genes the model has no alteration of, as in a whole
exome. Each size is read in a fresh process (``read_vcf`` as a Python call, imports and the
knowledge base loaded before the clock starts); the process reports its wall and CPU time
and its peak resident set size (``getrusage``'s ``ru_maxrss``); a process that only imports
and loads the knowledge base gives the baseline.

With ``--gzip`` each size is also read as bgzip-compressed VCF (written once from the plain
file through htslib, as ``bgzip`` would), and a fresh process splits the CPU time of both
files into the line-by-line check (:func:`her2resist.profile.vcf._prescan`, which decompresses
a ``.gz`` in Python to check every ``GT`` before htslib sees it: htslib crashes on a malformed
one) and htslib's own pass (cyvcf2 iterating every record, decompressing a ``.gz`` again):
the difference between the compressed and the plain file in each part is what that
decompression costs there.

Run: ``python benchmarks/bench_vcf.py [--sizes 100,1000] [--gzip]`` (sizes in MB; the first
run writes the files, ~1 min per GB).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import PYTHON, fmt_s, header, one_thread_env

CSQ = ("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|"
       "HGVSc|HGVSp|cDNA_position|CDS_position|Protein_position|Amino_acids|Codons|"
       "Existing_variation|DISTANCE|STRAND|FLAGS|PICK|VARIANT_CLASS|SYMBOL_SOURCE|HGNC_ID|"
       "CANONICAL|MANE_SELECT|BIOTYPE|ENSP|SWISSPROT|UNIPARC|SIFT|PolyPhen|DOMAINS|"
       "HGVS_OFFSET|gnomADe_AF|CLIN_SIG")
#: (chromosome, position, ref, alt, gene, HGVSp, amino acids, consequence) of used variants.
HITS = (("3", 179234297, "A", "G", "PIK3CA", "p.His1047Arg", "H/R", "missense_variant"),
        ("10", 87957915, "C", "T", "PTEN", "p.Arg233Ter", "R/*", "stop_gained"),
        ("17", 39723966, "T", "C", "ERBB2", "p.Leu755Ser", "L/S", "missense_variant"))
AMINO = "ACDEFGHIKLMNPQRSTVWY"


def _header() -> str:
    contigs = "".join(f"##contig=<ID={c},length=250000000>\n" for c in
                      [*map(str, range(1, 23)), "X", "Y"])
    return ("##fileformat=VCFv4.2\n##source=Mutect2\n##tumor_sample=TUMOR\n"
            "##normal_sample=NORMAL\n" + contigs +
            '##FILTER=<ID=PASS,Description="All filters passed">\n'
            '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
            '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
            f'Ensembl VEP. Format: {CSQ}">\n'
            '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
            '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n'
            '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tTUMOR\n")


def _entry(allele: str, gene: str, number: int, change: str, amino: str, consequence: str,
           pick: str) -> str:
    fields = [allele, consequence, "MODERATE", gene, f"ENSG{number:011d}", "Transcript",
              f"ENST{number:011d}", "protein_coding", "7/11", "", f"ENST{number:011d}.4:c.7"
              f"43G>A", f"ENSP{number:011d}.4:{change}", "743", "743", "248",
              amino, "cGg/cAg", "rs0000", "", "1", "", pick, "SNV", "HGNC", "HGNC:1",
              "YES" if pick else "", "NM_000000.4" if pick else "", "protein_coding",
              f"ENSP{number:011d}", "P00000", "UPI0000", "deleterious(0)",
              "probably_damaging(0.99)", "PDB-ENSP_mappings:1", "", "1e-05", ""]
    return "|".join(fields)


def _record(rng: random.Random, index: int, genes: list[str]) -> str:
    if index % 2000 == 1999:
        chrom, pos, ref, alt, gene, change, amino, consequence = HITS[(index // 2000) % 3]
    else:
        chrom, pos = str(rng.randint(1, 22)), rng.randint(1, 240_000_000)
        ref, alt = rng.sample("ACGT", 2)
        gene = genes[rng.randrange(len(genes))]
        a, b = rng.choice(AMINO), rng.choice(AMINO)
        position = rng.randint(1, 1500)
        change, amino, consequence = f"p.{a}{position}{b}", f"{a}/{b}", "missense_variant"
    number = rng.randrange(10**9)
    csq = ",".join(_entry(alt, gene, number + k, change, amino, consequence,
                          "1" if k == 0 else "") for k in range(3))
    depth = rng.randint(30, 200)
    alt_reads = rng.randint(5, depth // 2)
    return (f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\tDP={depth * 2};CSQ={csq}\tGT:AD:DP\t"
            f"0/0:{depth},0:{depth}\t0/1:{depth - alt_reads},{alt_reads}:{depth}\n")


def write_vcf(path: Path, megabytes: int, seed: int = 13) -> int:
    """A VEP-annotated tumour/normal VCF of about ``megabytes`` MB; its record count."""
    rng = random.Random(seed)
    genes = [f"GENE{i}" for i in range(300)] + ["TP53", "GATA3", "MAP3K1", "CDH1"]
    target = megabytes * 1_000_000
    records = 0
    tmp = path.with_suffix(".part")
    with open(tmp, "w") as fh:
        written = fh.write(_header())
        while written < target:
            chunk = "".join(_record(rng, records + i, genes) for i in range(1000))
            written += fh.write(chunk)
            records += 1000
    tmp.rename(path)
    return records


CHILD = """
import json, resource, sys, time, warnings
from her2resist.knowledge.catalogue import load_catalogue
from her2resist.profile.vcf import read_vcf
load_catalogue()
path = sys.argv[1]
result = {}
if path != "-":
    wall, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        profiles = read_vcf(path)
    result = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
              "samples": list(profiles),
              "alterations": [a.id for p in profiles.values() for a in p.alterations],
              "sources": sum(len(a.sources) for p in profiles.values() for a in p.alterations),
              "listed_unmapped": sum(len(p.unmapped) for p in profiles.values()),
              "notes": [n for p in profiles.values() for n in p.notes]}
result["maxrss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(result))
"""


PARTS = """
import json, sys, time
from cyvcf2 import VCF
from her2resist.profile.vcf import _prescan
def cpu(work):
    best = None
    for _ in range(3):
        start = time.process_time()
        work()
        took = time.process_time() - start
        best = took if best is None else min(best, took)
    return best
def iterate(path):
    vcf = VCF(path, lazy=True)
    for _ in vcf:
        pass
    vcf.close()
out = {}
for path in sys.argv[1:]:
    out[path] = {"check": cpu(lambda: _prescan(path)), "htslib": cpu(lambda: iterate(path))}
print(json.dumps(out))
"""


def write_bgzip(plain: Path, path: Path) -> None:
    """``plain`` compressed as bgzip (BGZF blocks, what htslib and tabix expect)."""
    from cyvcf2 import VCF, Writer

    tmp = path.with_suffix(".part")
    vcf = VCF(str(plain))
    out = Writer(str(tmp), vcf, mode="wz")
    for record in vcf:
        out.write_record(record)
    out.close()
    vcf.close()
    tmp.rename(path)


def measure_parts(paths: list[str]) -> dict:
    """CPU seconds (best of 3, one fresh process) of the check and of htslib's pass."""
    proc = subprocess.run([PYTHON, "-c", PARTS, *paths], capture_output=True, text=True,
                          env=one_thread_env())
    if proc.returncode != 0:
        raise SystemExit(f"timing the parts failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(path: str) -> dict:
    """One fresh process reading ``path`` ("-": imports and knowledge base only)."""
    proc = subprocess.run([PYTHON, "-c", CHILD, path], capture_output=True, text=True,
                          env=one_thread_env())
    if proc.returncode != 0:
        raise SystemExit(f"reading {path} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000", help="file sizes in MB")
    parser.add_argument("--folder", type=Path,
                        default=Path(tempfile.gettempdir()) / "her2resist-bench-vcf")
    parser.add_argument("--gzip", action="store_true",
                        help="also read a bgzip copy of each file and split the CPU time")
    args = parser.parse_args()
    header("bench_vcf")
    args.folder.mkdir(parents=True, exist_ok=True)
    base = measure("-")
    base_mib = base["maxrss_kib"] / 1024
    print(f"\nbaseline (imports + knowledge base, no file): peak RSS {base_mib:.0f} MiB")
    print(f"{'file':>11} {'records':>7} {'wall':>9} {'CPU':>9} {'peak RSS':>10} "
          f"{'above baseline':>15}  alterations (sources), unmapped listed")
    split = []
    for size in (int(s) for s in args.sizes.split(",")):
        path = args.folder / f"bench_{size}mb.vcf"
        if not path.exists():
            write_vcf(path, size)
        with open(path, "rb") as fh:
            records = sum(1 for line in fh if not line.startswith(b"#"))
        paths = [path]
        if args.gzip:
            paths.append(args.folder / f"bench_{size}mb.vcf.gz")
            if not paths[1].exists():
                write_bgzip(path, paths[1])
            split.append([str(p) for p in paths])
        for each in paths:
            out = measure(str(each))
            mib = out["maxrss_kib"] / 1024
            alterations = sorted(set(out["alterations"]))
            print(f"{os.path.getsize(each) / 1e6:6.0f}MB{'.gz' if each.suffix == '.gz' else '   '}"
                  f" {records:>7,} {fmt_s(out['wall']):>9} {fmt_s(out['cpu']):>9} "
                  f"{mib:8.0f}MiB {mib - base_mib:12.0f}MiB  "
                  f"{', '.join(alterations)} ({out['sources']}), {out['listed_unmapped']}")
    for plain, packed in split:
        parts = measure_parts([plain, packed])
        a, b = parts[plain], parts[packed]
        print(f"\n{Path(packed).name}: CPU of the text check {b['check']:.2f} s (plain "
              f"{a['check']:.2f} s: Python's decompression {b['check'] - a['check']:+.2f} s), "
              f"of htslib's pass {b['htslib']:.2f} s (plain {a['htslib']:.2f} s: htslib's "
              f"decompression {b['htslib'] - a['htslib']:+.2f} s)")
    print(f"\n(files kept in {args.folder} for the next run; delete them when done)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
