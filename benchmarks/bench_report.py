"""Time ``her2resist report`` on one profile, and the report build after import.

Prints: the whole command's wall time (a fresh process, as a user runs it), the time to build
the report in a process that has imported the package (first build, then again with warm
caches), and the ratio of the build to a baseline run in the same process: one explained
``predict_response`` call (trastuzumab on the same tumour), the unit of work a report repeats.

Targets (issue 4): command <= 2 s; build after import <= 300 ms.

    python benchmarks/bench_report.py [PROFILE]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

EXAMPLE = Path(__file__).parent.parent / "examples" / "profiles" / "her2_pik3ca.yaml"


def time_command(profile: Path, repeats: int = 5) -> float:
    """Median wall time of the whole command in a fresh interpreter (imports included)."""
    times = []
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.json"
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", "from her2resist.cli.main import main; main()",
                            "report", str(profile), "--format", "json", "-o", str(out)],
                           check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    profile = Path(sys.argv[1]) if len(sys.argv) > 1 else EXAMPLE
    command = time_command(profile)
    start = time.perf_counter()
    from her2resist.predict import predict_response
    from her2resist.profile import load_profiles
    from her2resist.report import build_report, render_html, render_json
    imported = time.perf_counter() - start
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (tumour,) = load_profiles(profile)
    start = time.perf_counter()
    predict_response(list(tumour.alteration_ids()), "trastuzumab")
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    report = build_report(tumour)
    first = time.perf_counter() - start
    start = time.perf_counter()
    report = build_report(tumour)
    render_json([report])
    render_html([report])
    warm = time.perf_counter() - start
    print(f"profile: {profile.name} ({len(report.regimens)} regimens)")
    print(f"her2resist report (whole command, fresh process, median of 5): {command:.2f} s  "
          "(target 2 s)")
    print(f"import of predict/profile/report:                 {imported:.2f} s")
    print(f"baseline, one explained predict_response:         {baseline * 1000:.0f} ms")
    print(f"build_report, first in process:                   {first * 1000:.0f} ms  "
          f"ratio {first / baseline:.1f}x baseline  (target 300 ms)")
    print(f"build_report + JSON + HTML, warm caches:          {warm * 1000:.0f} ms  "
          f"ratio {warm / baseline:.1f}x baseline")


if __name__ == "__main__":
    main()
