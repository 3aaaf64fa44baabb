"""Issue 14: hypothesis fuzzing of every reader through the command that reads it, and of every
command's argument strings (Rich markup, control characters, NUL, very long values, unicode).

Every try asserts the same contract: exit code 0, 1 or 2; no traceback and no exception other
than the exit; a refusal names the file (readers) or the option or value (arguments) at fault.
The library-level reader fuzzing lives in tests/test_profile_fuzz.py and
tests/test_synergy_fuzz.py; this module checks what the user sees. It is sized for CI: 25
examples a target, no deadline.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli_inputs import PROFILE, SCENARIO
from her2resist.cli.main import app

ROOT = Path(__file__).parents[1]
DATA = ROOT / "tests" / "data"
PROFILES = DATA / "profiles"
FUZZ = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
runner = CliRunner()

#: A one-block plate: small enough that a valid mutation scores in well under a second.
PLATE = "drug1,drug2,conc1,conc2,response\n" + "".join(
    f"A,B,{a},{b},{min(95, 5 + 30 * (i + j))}\n"
    for i, a in enumerate((0, 1, 3, 10)) for j, b in enumerate((0, 1, 3, 10)))
CASES = "id,alterations,regimen,expected,ref_alterations,ref_regimen,source\n" \
    "X01,PTEN loss,trastuzumab,resistant,,,test\n"
BNET = "targets, factors\nA, A\nB, A & !C\nC, B | (A & C)\n"
SBML = (DATA / "models" / "ginsim_style.sbml").read_text(encoding="utf-8")
MODEL_YAML = (DATA / "models" / "tiny.yaml").read_text(encoding="utf-8")
MAF = (ROOT / "examples" / "study" / "tumours.maf").read_text(encoding="utf-8")
REPORT = ["--engine", "most-permissive", "--only-named", "-r", "trastuzumab"]

#: reader -> (seed file, its name, the command line reading {file}).
READERS: dict[str, tuple[str, str, list[str]]] = {
    "profile yaml": (PROFILE.read_text(encoding="utf-8"), "p.yaml", ["report", "{file}", *REPORT]),
    "profile json": ((ROOT / "examples" / "profiles" / "her2_pik3ca.json").read_text(
        encoding="utf-8"), "p.json", ["report", "{file}", *REPORT]),
    "maf": (MAF, "t.maf", ["report", "--maf", "{file}", *REPORT]),
    "vcf": ((PROFILES / "tumour_vep.vcf").read_text(encoding="utf-8"), "t.vcf",
            ["report", "--vcf", "{file}", *REPORT]),
    "cna": ((PROFILES / "cna.txt").read_text(encoding="utf-8"), "cna.txt",
            ["report", "--cna", "{file}", *REPORT]),
    "expression": ((PROFILES / "expression.txt").read_text(encoding="utf-8"), "expr.txt",
                   ["report", "--expression", "{file}", *REPORT]),
    "clinical": ((PROFILES / "clinical_sample.txt").read_text(encoding="utf-8"), "clin.txt",
                 ["report", "--cna", str(PROFILES / "cna.txt"), "--clinical", "{file}",
                  "--allow-unmatched", *REPORT]),
    "plate": (PLATE, "plate.csv", ["synergy", "{file}", "--method", "bliss", "--workers", "1"]),
    "scenario": (SCENARIO, "s.yaml", ["evolve", "{file}", "-n", "5", "--seed", "1",
                                      "--workers", "1"]),
    "validation cases": (CASES, "cases.csv", ["validate", "{file}", "--engine",
                                              "most-permissive"]),
    "model bnet": (BNET, "m.bnet", ["model", "check", "{file}"]),
    "model sbml": (SBML, "m.sbml", ["model", "check", "{file}"]),
    "model yaml": (MODEL_YAML, "m.yaml", ["model", "check", "{file}"]),
}

#: Bytes and text that broke or could break a reader or a terminal.
HOSTILE = [b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\r", b"\n\n", b"\t", b"[/x]", b":x:",
           b"&a [*a]", b"*a", b"{{{{", b"]]]", b"'\"", b"\xe9", b"\x1b[31m", b"=1+1",
           b"-1e400", b"nan", b"<!ENTITY x SYSTEM 'file:///etc/passwd'>", b"x" * 5000]
MUTATION = st.one_of(
    st.tuples(st.integers(0, 10**6), st.integers(0, 40),
              st.one_of(st.sampled_from(HOSTILE), st.binary(max_size=30))),
    st.binary(max_size=300).map(lambda b: (0, 10**9, b)),
)


def _mutate(seed: bytes, mutation: tuple[int, int, bytes]) -> bytes:
    position, cut, insert = mutation
    position %= len(seed) + 1
    return seed[:position] + insert + seed[position + cut:]


def _flat(text: str) -> str:
    """The output on one line, without the box of a usage error."""
    return " ".join(text.replace("│", " ").split())


def _assert_contract(result: object, names: tuple[str, ...]) -> None:
    """Exit 0, 1 or 2; no traceback; a refusal names one of ``names``."""
    output = result.output  # type: ignore[attr-defined]
    code = result.exit_code  # type: ignore[attr-defined]
    exception = result.exception  # type: ignore[attr-defined]
    assert code in (0, 1, 2), (code, output[-2000:], exception)
    assert exception is None or isinstance(exception, SystemExit), repr(exception)
    assert "Traceback" not in output, output[-2000:]
    if code in (1, 2):
        flat = _flat(output)
        assert any(name in flat for name in names if name), (names, flat[-1500:])


#: Fewer examples for the targets whose valid examples compute a whole result.
EXAMPLES = {"profile yaml": 15, "profile json": 15, "evolve": 10, "screen": 15, "targets": 15,
            "synergy": 15, "plate": 15}


def _fuzz(target: str) -> settings:
    return settings(FUZZ, max_examples=EXAMPLES.get(target, FUZZ.max_examples))


@pytest.mark.parametrize("reader", list(READERS))
def test_fuzzed_files_are_read_or_refused_naming_the_file(reader: str) -> None:
    seed, name, args = READERS[reader]
    # A case file's failing case is a result (exit 1 with the table), not a refusal.
    names = (name, "Passed 0 of", "Passed 1 of") if reader == "validation cases" else (name,)

    @_fuzz(reader)
    @given(mutation=MUTATION)
    def read(mutation: tuple[int, int, bytes]) -> None:
        with tempfile.TemporaryDirectory(prefix="her2resist-fuzz-") as tmp:
            path = Path(tmp) / name
            path.write_bytes(_mutate(seed.encode("utf-8"), mutation))
            _assert_contract(runner.invoke(app, [a.replace("{file}", str(path)) for a in args]),
                             names)

    read()


STUDY = PROFILES / "study"


@FUZZ
@given(meta=st.sampled_from(sorted(p.name for p in STUDY.glob("meta_*.txt"))),
       mutation=MUTATION)
def test_fuzzed_study_meta_files_are_read_or_refused(meta: str,
                                                     mutation: tuple[int, int, bytes]) -> None:
    with tempfile.TemporaryDirectory(prefix="her2resist-fuzz-") as tmp:
        study = Path(tmp) / "study"
        shutil.copytree(STUDY, study)
        target = study / meta
        target.write_bytes(_mutate(target.read_bytes(), mutation))
        result = runner.invoke(app, ["report", str(study), "--allow-unmatched", *REPORT])
        _assert_contract(result, (*[p.name for p in study.iterdir()], "study"))


#: Text that has broken or could break a command line.
ODD_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from("[]/:\\=+-@,!()&|*\x00\x1b\r\n\t é中\u202e"), max_size=30),
    st.sampled_from(["[/]", "[/x]", ":x:", "[bold]x", "\x1b[31m", "A=1", "=1", "x" * 100_000,
                     "\u202etxt", "\x00", "", " ", ",,,", "../../etc/passwd", "%s%n{0}",
                     "trastuzumab", "PTEN loss", "AKT=0", "nan", "-1"]),
)
SMALL_SCREEN = ["--max-size", "1", "--workers", "1", "--no-progress"]
SMALL_SIM = ["--samples", "20", "--max-time", "2", "--seed", "1", "--no-progress"]

#: command -> the command lines with a slot {} for the fuzzed value, and the option it fills.
ARGUMENTS: dict[str, list[list[str]]] = {
    "predict": [["predict", "-r", "{}"], ["predict", "-r", "trastuzumab", "-a", "{}"],
                ["predict", "-r", "trastuzumab", "--set", "{}"],
                ["predict", "-r", "trastuzumab", "--dose", "{}"],
                ["predict", "-r", "trastuzumab", "--context", "{}"],
                ["predict", "-r", "trastuzumab", "--endpoint", "{}"],
                ["predict", "-r", "trastuzumab", "--format", "{}"],
                ["predict", "-r", "trastuzumab", "--engine", "{}"]],
    "simulate": [["simulate", *SMALL_SIM, "--nodes", "{}"], ["simulate", *SMALL_SIM, "-r", "{}"],
                 ["simulate", *SMALL_SIM, "-a", "{}"], ["simulate", *SMALL_SIM, "--set", "{}"]],
    "screen": [["screen", "-a", "PTEN loss", *SMALL_SCREEN, "--agents", "{}"],
               ["screen", "--agents", "trastuzumab", *SMALL_SCREEN, "-a", "{}"],
               ["screen", "-a", "PTEN loss", "--agents", "trastuzumab", *SMALL_SCREEN,
                "--readout", "{}"]],
    "targets": [["targets", "-a", "PTEN loss", *SMALL_SCREEN, "--candidates", "{}"],
                ["targets", "-a", "PTEN loss", "--candidates", "AKT", *SMALL_SCREEN,
                 "--background", "{}"],
                ["targets", "--candidates", "AKT", *SMALL_SCREEN, "-a", "{}"]],
    "report": [["report", str(PROFILE), "--sample", "{}"],
               ["report", str(PROFILE), "--engine", "most-permissive", "--only-named", "-r",
                "{}"],
               ["report", str(PROFILE), "--engine", "{}"],
               ["report", str(PROFILE), "--context", "{}"]],
    "synergy": [["synergy", "{plate}", "--method", "{}"],
                ["synergy", "{plate}", "--method", "bliss", "--replicates", "{}"],
                ["synergy", "{plate}", "--method", "bliss", "--response-type", "{}"]],
    "kb": [["kb", "show", "{}"], ["kb", "drugs", "--drug", "{}"],
           ["kb", "mechanisms", "--gene", "{}"], ["kb", "evidence", "--drug", "{}"]],
    "model": [["model", "show", "{}"], ["model", "export", "-f", "bnet", "--set", "{}"],
              ["model", "export", "-f", "{}"]],
    "evolve": [["evolve", "{scenario}", "-n", "5", "--seed", "1", "--regimen", "{}"]],
    "paths": [["evolve", "{}"], ["validate", "{}"], ["model", "check", "{}"],
              ["report", "{}"], ["synergy", "{}"], ["trial", "{}"], ["cohort", "{}"],
              ["predict", "-r", "trastuzumab", "-o", "{}"],
              ["screen", "-a", "PTEN loss", "--agents", "trastuzumab", *SMALL_SCREEN,
               "--figure", "{}"]],
}


def _option_of(line: list[str]) -> str:
    slot = line.index("{}")
    return line[slot - 1] if slot and line[slot - 1].startswith("-") else line[0]


def _value_names(value: str) -> tuple[str, ...]:
    """Ways a message may quote the value: as typed, as repr, or a short start of it."""
    shown = value.strip()[:20]
    items = tuple(repr(item.strip())[:20] for item in re.split("[,+]", value) if item.strip())
    if not value.strip():  # an empty path is the current folder to the operating system
        items = (*items, "Error: .:", "Error: :")
    return (shown, repr(value)[1:20], repr(value.strip())[1:20], *items, "No such option",
            "Missing", "extra argument")


@pytest.mark.parametrize("command", list(ARGUMENTS))
def test_fuzzed_arguments_never_crash(command: str) -> None:
    @_fuzz(command)
    @given(line=st.sampled_from(ARGUMENTS[command]), value=ODD_TEXT)
    def run(line: list[str], value: str) -> None:
        with tempfile.TemporaryDirectory(prefix="her2resist-fuzz-") as tmp:
            plate, scenario = Path(tmp) / "plate.csv", Path(tmp) / "s.yaml"
            plate.write_text(PLATE)
            scenario.write_text(SCENARIO)
            fill: dict[str, Callable[[], str]] = {
                "{}": lambda: value, "{plate}": lambda: str(plate),
                "{scenario}": lambda: str(scenario)}
            argv = [fill[a]() if a in fill else a for a in line]
            _assert_contract(runner.invoke(app, argv), (_option_of(line), *_value_names(value)))

    run()
