"""Run every benchmark in turn and print (or write as Markdown) what each one prints.

The figures in docs/benchmarks.md are this script's output, pasted as printed.

    python benchmarks/run_all.py [--only predict,simulate] [--markdown OUT.md]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from _common import PYTHON, ROOT, machine, one_thread_env

ORDER = ("predict", "simulate", "report", "screen", "synergy", "evolution", "knowledge",
         "readers")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(ORDER),
                        help=f"comma-separated subset of {', '.join(ORDER)}")
    parser.add_argument("--markdown", type=Path, default=None)
    args = parser.parse_args()
    chosen = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = sorted(set(chosen) - set(ORDER))
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}; choose from {', '.join(ORDER)}")
    sections = [f"Run of {machine()}\n"]
    failed = []
    for name in chosen:
        script = ROOT / "benchmarks" / f"bench_{name}.py"
        proc = subprocess.run([PYTHON, str(script)], capture_output=True, text=True,
                              env=one_thread_env(), cwd=ROOT)
        text = proc.stdout if proc.returncode == 0 else proc.stdout + proc.stderr[-3000:]
        if proc.returncode != 0:
            failed.append(name)
        print(text, flush=True)
        sections.append(f"### `{script.name}`\n\n```\n{text.rstrip()}\n```\n")
    if args.markdown:
        args.markdown.write_text("\n".join(sections), encoding="utf-8")
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
