"""The hostile-input campaign of issue 14, as a script that prints its counts.

Every try runs the ``her2resist`` command line in a fresh process (so a native abort or a
memory blow-up shows as such) with a 60-second limit without output: hostile strings in every
option that takes text (Rich markup, emoji codes, control characters, spreadsheet formulas,
very long values, empty lists), out-of-range numbers, alias bombs, deep nesting, wrong
encodings, impossible scenarios, contradictory inputs, outputs that cannot be written, a study
folder whose meta file points outside it, and plates and profiles whose names carry scripts
(the HTML they produce is then opened in headless Chromium).

It prints: tries, clean refusals (exit 1 or 2, one message), accepted (exit 0, for inputs
that are hostile but valid, such as a UTF-16 file or a drug named ``[/x]`` in a plate),
tracebacks, internal errors on bad input (exit 3), native aborts, files read outside their
folder, live scripts, runs over 60 s without progress, and the peak memory of the bomb tries.

Usage::

    python benchmarks/hostile_campaign.py            # every try (36 min on a loaded 2-core VM)
    python benchmarks/hostile_campaign.py --quick    # three hostile strings per option
    python benchmarks/hostile_campaign.py --jobs 4   # four tries at once
    python benchmarks/hostile_campaign.py --only "report --tumour-sample"  # a part again

Timings on a shared machine are noisy; the counts are not.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATE = ROOT / "tests" / "data" / "synergy" / "two_blocks.csv"
STUDY = ROOT / "tests" / "data" / "profiles" / "study"
PROFILE = ROOT / "examples" / "profiles" / "her2_pik3ca.yaml"
CANARY = "CANARY-7f3a-not-for-output"
SILENCE_LIMIT = 60.0

#: Text that has broken or could break a command line: markup, emoji codes, control
#: characters, formulas, paths, very long values, empty and separator-only lists.
HOSTILE_STRINGS = [
    "[/x]", "[/]", "[bold red]x[/]", "[link=file:///etc/passwd]x", ":x: :warning:", "[v2]",
    "\x1b[31mred\x1b[0m", "a\rb\nc\td", "\u202etxt.exe", "=HYPERLINK(\"http://x\")", "@SUM(A1)",
    "-1", "", " ", ",,,", "x" * 100_000, "../../etc/passwd", "A=2", "NaN", "%s%n{0}",
    "<script>alert(1)</script>",
]
SCRIPT = "document.body.setAttribute('data-pwned','1')"
PAYLOADS = [f"x\"><script>{SCRIPT}</script>", f"<img src=x onerror=\"{SCRIPT}\">",
            f"</title><svg onload=\"{SCRIPT}\">"]
SCENARIO = """\
name: small
base: {birth: 1.0, death: 0.5}
types:
  - name: S
    drugs: {A: {death: 2.0}}
start: {S: 1}
detection_size: 1.0e3
dt: 0.25
max_time: 30
schedule: {kind: continuous, drugs: [A]}
"""
BOMB = "".join(["a: &a [x, x, x, x, x, x, x, x, x]\n", *(
    f"{n}: &{n} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, n in zip("abcdefgh", "bcdefghi", strict=True))])


@dataclass
class Try:
    """One command line; ``valid`` when the input is hostile but acceptable (exit 0 is fine)."""

    label: str
    argv: list[str]
    valid: bool = False
    bomb: bool = False
    html: list[Path] = field(default_factory=list)


@dataclass
class Outcome:
    attempt: Try
    code: int
    seconds: float
    peak_kb: int
    output: str
    silent_too_long: bool


def run(attempt: Try, cwd: Path) -> Outcome:
    """Run one try in a fresh process; stop it after SILENCE_LIMIT seconds without output."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "100"}
    command = [sys.executable, "-c", "from her2resist.cli.main import main; main()",
               *attempt.argv]
    out_path = cwd / f".campaign-output-{threading.get_ident()}"
    with open(out_path, "wb") as sink:
        start = time.monotonic()
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT)
        silent_too_long = False
        last_size, last_change = 0, start
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            size = out_path.stat().st_size
            now = time.monotonic()
            if size != last_size:
                last_size, last_change = size, now
            elif now - last_change > SILENCE_LIMIT:
                silent_too_long = True
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
    seconds = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    output = out_path.read_text(errors="replace")
    out_path.unlink()
    return Outcome(attempt, code, seconds, usage.ru_maxrss, output, silent_too_long)


def text_tries(quick: bool) -> list[Try]:
    """Every hostile string in every option that takes text."""
    strings = HOSTILE_STRINGS[:3] if quick else HOSTILE_STRINGS
    slots = [
        ["predict", "-r", "{}"], ["predict", "-r", "trastuzumab", "-a", "{}"],
        ["predict", "-r", "trastuzumab", "--set", "{}"], ["simulate", "--nodes", "{}"],
        ["simulate", "-r", "{}", "--samples", "10"], ["screen", "--agents", "{}"],
        ["screen", "-a", "{}"], ["targets", "--candidates", "{}"],
        ["targets", "--readout", "{}"], ["report", str(PROFILE), "--sample", "{}"],
        ["report", str(PROFILE), "-r", "{}", "--only-named"],
        ["synergy", str(PLATE), "--method", "{}"], ["synergy", str(PLATE), "--format", "{}"],
        ["kb", "show", "{}"], ["kb", "drugs", "--drug", "{}"], ["model", "show", "{}"],
        ["model", "export", "-f", "bnet", "--set", "{}"], ["evolve", "s.yaml", "--regimen", "{}"],
        ["validate", "{}"], ["predict", "-r", "trastuzumab", "--format", "{}"],
        ["report", str(PROFILE), "--tumour-sample", "{}"], ["kb", "evidence", "--drug", "{}"],
    ]
    tries = []
    for slot in slots:
        for text in strings:
            argv = [text if a == "{}" else a for a in slot]
            where = " ".join(a for a in slot if a != "{}" and not a.startswith("/"))
            tries.append(Try(f"{where} <{text[:20]!r}>", argv))
    return tries


def number_tries() -> list[Try]:
    """Out-of-range and non-finite numbers for every numeric option."""
    tries = []
    for value in ("nan", "inf", "-inf", "1e12", "-1", "0", "1e308"):
        tries.append(Try(f"simulate --max-time {value}", ["simulate", "--max-time", value,
                                                          "--samples", "10"]))
    for value in ("1e9", "1000000000", "0", "-5", "2.5"):
        tries.append(Try(f"simulate --samples {value}", ["simulate", "--samples", value]))
        tries.append(Try(f"evolve --tumours {value}", ["evolve", "s.yaml", "--tumours", value]))
    for value in ("-1", "4294967296", "1e3", "x"):
        tries.append(Try(f"simulate --seed {value}", ["simulate", "--seed", value]))
        tries.append(Try(f"evolve --seed {value}", ["evolve", "s.yaml", "--seed", value]))
    for value in ("0", "7", "100", "-1"):
        tries.append(Try(f"targets --max-size {value}", ["targets", "--max-size", value]))
        tries.append(Try(f"screen --max-size {value}", ["screen", "--max-size", value]))
    for value in ("0", "-3", "100000", "x"):
        tries.append(Try(f"synergy --workers {value}", ["synergy", str(PLATE), "--workers",
                                                          value]))
        tries.append(Try(f"screen --workers {value}", ["screen", "--workers", value]))
    tries.append(Try("screen --top 0", ["screen", "--top", "0"]))
    # Long runs above their command's ceiling (refused before they start, naming what to lower).
    tries += [
        Try("targets --max-size 6 (whole model)", ["targets", "--max-size", "6"]),
        Try("targets --all-genotypes --max-size 5", ["targets", "--all-genotypes",
                                                     "--max-size", "5"]),
        Try("simulate 1e6 samples x 5000", ["simulate", "--samples", "1000000", "--max-time",
                                            "5000"]),
        Try("evolve 1e6 tumours x 30,000 steps", ["evolve", "fine.yaml", "-n", "1000000"]),
        Try("screen 60 agents, triples", ["screen", "--max-size", "3", "--agents", ",".join(
            f"N{i}=0" for i in range(60))]),
    ]
    return tries


def file_tries(folder: Path) -> list[Try]:
    """Malformed, hostile and impossible files for every reader the CLI exposes."""
    def write(name: str, data: str | bytes) -> str:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
        return name

    deep = "[" * 100_000 + "]" * 100_000
    tries = [
        Try("evolve alias bomb", ["evolve", write("bomb.yaml", SCENARIO + BOMB.replace(
            "a: &a", "zz: &a"))], bomb=True),
        Try("report alias bomb", ["report", write("pbomb.yaml", BOMB + "samples: *i\n")],
            bomb=True),
        Try("report 100k-deep JSON", ["report", write("deep.json", deep)], bomb=True),
        Try("report 100k-deep YAML", ["report", write("deep.yaml", "samples: " + deep)],
            bomb=True),
        Try("evolve 100k-deep YAML", ["evolve", write("sdeep.yaml", "name: " + deep)],
            bomb=True),
        Try("model check 50k parentheses", ["model", "check", write(
            "deep.bnet", "A, " + "(" * 50_000 + "A" + ")" * 50_000 + "\n")], bomb=True),
        Try("model check 50k negations", ["model", "check", write(
            "bang.bnet", "A, " + "!" * 50_000 + "A\n")], bomb=True),
        Try("evolve UTF-16 scenario", ["evolve", write("u16.yaml", SCENARIO.encode("utf-16")),
                                       "-n", "20", "--seed", "1"], valid=True),
        Try("evolve Latin-1 scenario", ["evolve", write(
            "latin1.yaml", SCENARIO.encode() + b"description: caf\xe9\n")]),
        Try("evolve binary scenario", ["evolve", write("bin.yaml", b"\x00\x01\x02" * 100)]),
        Try("evolve duplicate key", ["evolve", write("dup.yaml", SCENARIO + "dt: 1\n")]),
        Try("evolve two documents", ["evolve", write("two.yaml", SCENARIO + "---\na: 1\n")]),
        Try("evolve list, not mapping", ["evolve", write("list.yaml", "- 1\n- 2\n")]),
        Try("evolve empty file", ["evolve", write("empty.yaml", "")]),
        Try("evolve folder", ["evolve", "."]),
        Try("evolve missing file", ["evolve", "missing.yaml"]),
        Try("validate header only", ["validate", write(
            "cases.csv", "id,alterations,regimen,expected,ref_alterations,ref_regimen,"
            "source\n")]),
        Try("validate UTF-16 header only", ["validate", write(
            "cases16.csv", "id,alterations,regimen,expected,ref_alterations,ref_regimen,"
            "source\n".encode("utf-16"))]),
        Try("study folder escaping via data_filename", ["report", "study"]),
        Try("report profile duplicate key", ["report", write(
            "dupkey.yaml", "sample: S\nsample: T\nalterations: [PTEN loss]\n")]),
    ]
    for old, new, label in (
            ("birth: 1.0,", "birth: 1.0e300,", "birth 1e300"),
            ("birth: 1.0,", "birth: .nan,", "birth NaN"),
            ("birth: 1.0,", "birth: -1,", "birth -1"),
            ("dt: 0.25", "dt: 100", "dt > max_time"),
            ("dt: 0.25", "dt: 1.0e-9", "dt 1e-9"),
            ("max_time: 30", "max_time: .inf", "max_time inf"),
            ("drugs: [A]}", "drugs: []}", "schedule drugs []"),
            ("start: {S: 1}", "start: {S: -1}", "start -1"),
            ("start: {S: 1}", "start: {S: 1.0e300}", "start 1e300"),
            ("detection_size: 1.0e3", "detection_size: 0", "detection_size 0"),
            ("name: small", "name: '[/bold] :x:'", "markup scenario name")):
        name = write(f"scn_{len(tries)}.yaml", SCENARIO.replace(old, new))
        tries.append(Try(f"evolve {label}", ["evolve", name, "-n", "20", "--seed", "1"],
                         valid=label == "markup scenario name"))
    tries += [
        Try("evolve -o/--table/--figure with a bad figure suffix",
            ["evolve", "s.yaml", "-o", "x.json", "--table", "x.csv", "--figure", "x.xyz"]),
        Try("screen --figure fig.xyz", ["screen", "-a", "PTEN loss", "--figure", "fig.xyz"]),
        Try("predict -o into a file's folder", ["predict", "-r", "trastuzumab", "-o",
                                                "s.yaml/out.json"]),
        Try("predict -o a folder", ["predict", "-r", "trastuzumab", "-o", "."]),
        Try("predict --format png to the terminal", ["predict", "-r", "trastuzumab",
                                                     "--format", "png"]),
        Try("report --format csv", ["report", str(PROFILE), "--format", "csv"]),
    ]
    return tries


def html_tries(folder: Path) -> list[Try]:
    """Outputs whose user-supplied names carry scripts; their HTML is opened in Chromium."""
    import pandas as pd

    frame = pd.read_csv(PLATE)
    ids = list(dict.fromkeys(frame["block_id"]))
    frame["block_id"] = frame["block_id"].map({ids[0]: "a/b", ids[1]: "a_b"})
    frame.loc[frame["block_id"] == "a/b", "drug1"] = PAYLOADS[0]
    frame.loc[frame["block_id"] == "a_b", "drug2"] = PAYLOADS[1]
    frame.loc[frame["block_id"] == "a_b", "cell_line"] = PAYLOADS[2]
    frame.to_csv(folder / "hostile_plate.csv", index=False)
    (folder / "hostile.yaml").write_text(
        f"sample: {json.dumps(''.join(PAYLOADS)[:190])}\nalterations: [PTEN loss]\n",
        encoding="utf-8")
    plots = folder / "plots"
    return [
        Try("synergy hostile names --plots", ["synergy", "hostile_plate.csv", "--plots",
                                              "plots", "--json"], valid=True,
            html=[plots]),
        Try("report hostile sample id as HTML", ["report", "hostile.yaml", "-o",
                                                 "report.html"], valid=True,
            html=[folder / "report.html"]),
    ]


def live_scripts(pages: list[Path], profile: Path) -> tuple[int, int]:
    """(pages checked, pages where headless Chromium ran a payload)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None or not pages:
        return 0, 0
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--virtual-time-budget=2000",
             f"--user-data-dir={profile}"]
    live = 0
    for page in pages:
        dom = subprocess.run([browser, *flags, "--dump-dom", page.as_uri()],
                             capture_output=True, text=True, timeout=120).stdout
        live += 'data-pwned="1"' in dom
    return len(pages), live


def setup(folder: Path) -> None:
    (folder / "s.yaml").write_text(SCENARIO, encoding="utf-8")
    (folder / "fine.yaml").write_text(SCENARIO.replace("dt: 0.25", "dt: 0.001"),
                                      encoding="utf-8")
    study = folder / "study"
    shutil.copytree(STUDY, study)
    (folder / "secret.txt").write_text(f"{CANARY}\tx\n", encoding="utf-8")
    meta = study / "meta_mutations_extended.txt"
    meta.write_text(meta.read_text().replace("data_filename: data_mutations.txt",
                                             "data_filename: ../secret.txt"))


def classify(outcome: Outcome) -> str:
    if outcome.silent_too_long:
        return "over 60 s without progress"
    if outcome.code < 0 or outcome.code in (134, 137, 139):
        return "native abort"
    if "Traceback (most recent call last)" in outcome.output:
        return "traceback"
    if outcome.code == 3:
        return "internal error"
    if outcome.code in (1, 2):
        return "clean refusal"
    if outcome.code == 0:
        return "accepted" if outcome.attempt.valid else "accepted (bad input!)"
    return f"exit {outcome.code}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one hostile string per option")
    parser.add_argument("--show", action="store_true", help="print every try's outcome")
    parser.add_argument("--jobs", type=int, default=1, help="tries run at once (default 1)")
    parser.add_argument("--only", default=None, metavar="TEXT",
                        help="run only the tries whose label contains TEXT (a rerun of a part)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="her2resist-campaign-") as tmp:
        folder = Path(tmp)
        setup(folder)
        tries = [*text_tries(args.quick), *number_tries(), *file_tries(folder),
                 *html_tries(folder)]
        if args.only:
            tries = [t for t in tries if args.only in t.label]
        counts: Counter[str] = Counter()
        bomb_peak_kb = 0
        outside = 0
        pages: list[Path] = []
        slowest = 0.0
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            outcomes = list(pool.map(lambda attempt: run(attempt, folder), tries))
        for attempt, outcome in zip(tries, outcomes, strict=True):
            kind = classify(outcome)
            counts[kind] += 1
            slowest = max(slowest, outcome.seconds)
            if attempt.bomb:
                bomb_peak_kb = max(bomb_peak_kb, outcome.peak_kb)
            outside += CANARY in outcome.output
            for target in attempt.html:
                pages += sorted(target.glob("*.html")) if target.is_dir() else [target]
            if args.show or kind not in ("clean refusal", "accepted"):
                first = outcome.output.strip().splitlines()[-1:] or [""]
                print(f"{kind:>24}  exit {outcome.code:>3}  {outcome.seconds:5.1f} s  "
                      f"{attempt.label[:60]}  | {first[0][:120]}")
        checked, live = live_scripts([p for p in pages if p.exists()], folder / "chromium")
    print(f"tries: {len(tries)}")
    for kind in ("clean refusal", "accepted", "accepted (bad input!)", "traceback",
                 "internal error", "native abort", "over 60 s without progress"):
        print(f"{kind}: {counts.get(kind, 0)}")
    print(f"files read outside their folder: {outside}")
    print(f"live scripts: {live} (of {checked} HTML pages opened in headless Chromium"
          f"{'' if checked else '; Chromium not found'})")
    print(f"peak memory of the bomb tries: {bomb_peak_kb / 1024:.0f} MiB (whole process)")
    print(f"slowest try: {slowest:.1f} s")


if __name__ == "__main__":
    main()
