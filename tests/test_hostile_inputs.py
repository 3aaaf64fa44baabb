"""Replays the hostile-input campaign of issue 14 (the findings the CLI, loaders, evolution
and synergy figures own; profile readers and plate reading have their own tests).

Each numbered finding of the issue (1-10) has at least one test here: the exit code, a message
that names the file or option, no traceback, no live script, bounded time and memory. Finding 4's
ceilings, estimates and progress are in tests/test_hostile_long_runs.py, finding 9's outputs
committed together in tests/test_hostile_outputs.py, and the hypothesis fuzzing of every reader
and every command's arguments in tests/test_fuzz_cli.py. The counts of the whole campaign come
from ``benchmarks/hostile_campaign.py``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli_inputs import PLATE, PROFILE, SCENARIO
from her2resist.cli.main import app

STUDY = Path(__file__).parent / "data" / "profiles" / "study"

runner = CliRunner()
#: Words of the program, not of the user, that no message may show.
INTERNAL = ("get_engine", "StochasticEngine", "score_plate", "_ScenarioFile", "np.float64",
            "Got None instead", "Traceback")
PAYLOAD = "x\"><script>document.body.setAttribute('data-pwned','1')</script>"
HANDLER = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">"


def invoke(*args: str) -> object:
    return runner.invoke(app, list(args))


def assert_clean_refusal(result: object, code: int, *words: str) -> None:
    """The exit code expected, the words in the message, nothing internal, no exception."""
    output = result.output  # type: ignore[attr-defined]
    assert result.exit_code == code, output  # type: ignore[attr-defined]
    assert isinstance(result.exception, SystemExit), result.exception  # type: ignore[attr-defined]
    for word in words:
        assert word in output, (word, output)
    for word in INTERNAL:
        assert word not in output, (word, output)


def scenario(tmp_path: Path, text: str = SCENARIO, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def hostile_plate(tmp_path: Path) -> Path:
    frame = pd.read_csv(PLATE)
    ids = list(dict.fromkeys(frame["block_id"]))
    frame["block_id"] = frame["block_id"].map({ids[0]: "a/b", ids[1]: "a_b"})
    frame.loc[frame["block_id"] == "a/b", "drug1"] = PAYLOAD
    frame.loc[frame["block_id"] == "a_b", "drug2"] = HANDLER
    frame.loc[frame["block_id"] == "a_b", "drug1"] = "=HYPERLINK(\"http://x\")"
    path = tmp_path / "plate.csv"
    frame.to_csv(path, index=False)
    return path


# 1. Script injection in figures; block ids that collide as file names -----------------------

def test_1_synergy_heatmap_escapes_names_and_block_ids_do_not_collide(tmp_path: Path) -> None:
    plots = tmp_path / "plots"
    result = invoke("synergy", str(hostile_plate(tmp_path)), "--plots", str(plots), "--json")
    assert result.exit_code == 0, result.output
    pages = sorted(plots.glob("*.html"))
    assert len(pages) == 2  # a/b and a_b each keep their own figures
    assert len(list(plots.glob("*.png"))) == 4
    for page in pages:
        text = page.read_text()
        assert "<script" not in text and "<img" not in text
        assert "onerror=" not in text.replace("onerror=&quot;", "")


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") \
        or shutil.which("google-chrome")


def live_script_pages(pages: list[Path], tmp_path: Path) -> list[Path]:
    """Pages in which headless Chromium ran a script or handler of the payloads."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             "--virtual-time-budget=2000", f"--user-data-dir={tmp_path / 'chromium'}"]
    live = []
    for page in pages:
        dom = subprocess.run([str(_chromium()), *flags, "--dump-dom", page.as_uri()],
                             check=True, capture_output=True, timeout=120, text=True).stdout
        assert "<body" in dom
        if 'data-pwned="1"' in dom:
            live.append(page)
    return live


@pytest.mark.skipif(_chromium() is None, reason="Chromium is not installed "
                    "(apt-get install -y chromium); no browser to check for live scripts")
def test_1_no_script_runs_in_headless_chromium(tmp_path: Path) -> None:
    plots = tmp_path / "plots"
    assert invoke("synergy", str(hostile_plate(tmp_path)), "--plots", str(plots),
                  "--json").exit_code == 0
    profile = tmp_path / "p.yaml"
    profile.write_text(f"sample: {json.dumps(PAYLOAD + HANDLER)}\nalterations: "
                       f"[PTEN loss]\n", encoding="utf-8")
    report = tmp_path / "report.html"
    assert invoke("report", str(profile), "-o", str(report)).exit_code == 0
    screen = tmp_path / "screen.html"
    assert invoke("screen", "-a", "PTEN loss", "--agents", "trastuzumab,lapatinib",
                  "--workers", "1", "-o", str(screen)).exit_code == 0
    pages = [*sorted(plots.glob("*.html")), report, screen]
    assert live_script_pages(pages, tmp_path) == []


# 2. YAML alias bombs ------------------------------------------------------------------------

BOMB = "".join([
    "a: &a [x, x, x, x, x, x, x, x, x]\n",
    *(f"{n}: &{n} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
      for p, n in zip("abcdefgh", "bcdefghi", strict=True)),
])


@pytest.mark.parametrize("command, name, text", [
    ("evolve", "bomb.yaml", SCENARIO + BOMB.replace("a: &a", "zz: &a")),
    ("report", "bomb.yaml", BOMB + "samples: *i\n"),
], ids=["scenario", "profile"])
def test_2_alias_bombs_are_refused_fast_in_bounded_memory(
        tmp_path: Path, command: str, name: str, text: str) -> None:
    path = scenario(tmp_path, text, name)
    invoke(command, str(tmp_path / "missing.yaml"))  # imports are not the input's cost
    baseline, _ = _peak(command, str(tmp_path / "missing.yaml"))
    peak, result = _peak(command, str(path))
    assert_clean_refusal(result, 1, "aliases would add more than", name)
    assert peak - baseline < 20 * 2**20  # the bomb itself costs (almost) nothing


def _peak(*args: str) -> tuple[int, object]:
    tracemalloc.start()
    start = time.perf_counter()
    result = invoke(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert time.perf_counter() - start < 30  # seconds, on a shared, loaded machine
    return peak, result


# 3. Files outside a study folder --------------------------------------------------------------

CANARY = "CANARY-7f3a-not-for-output"


@pytest.mark.parametrize("target", ["../secret.txt", "{secret}", "link.txt"])
def test_3_study_meta_files_cannot_point_outside_the_folder(tmp_path: Path, target: str) -> None:
    study = tmp_path / "study"
    shutil.copytree(STUDY, study)
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{CANARY}\tx\n", encoding="utf-8")
    (study / "link.txt").symlink_to(secret)
    meta = study / "meta_mutations_extended.txt"
    meta.write_text(meta.read_text().replace(
        "data_filename: data_mutations.txt",
        f"data_filename: {target.replace('{secret}', str(secret))}"))
    result = invoke("report", str(study))
    assert_clean_refusal(result, 1, "meta_mutations_extended.txt", "data_filename",
                         "inside the study folder")
    assert CANARY not in result.output


# 4. Numeric options checked before native code and loops -----------------------------------

@pytest.mark.parametrize("args, option", [
    (("simulate", "--max-time", "nan"), "--max-time"),
    (("simulate", "--max-time", "inf"), "--max-time"),
    (("simulate", "--max-time", "1e12"), "--max-time"),
    (("simulate", "--max-time", "-1"), "--max-time"),
    (("simulate", "--samples", "1e9"), "--samples"),
    (("simulate", "--samples", "1000000000"), "--samples"),
    (("evolve", "x.yaml", "--tumours", "1000000000"), "--tumours"),
    (("targets", "--max-size", "7"), "--max-size"),
    (("screen", "--max-size", "9"), "--max-size"),
])
def test_4_out_of_range_numbers_are_usage_errors(args: tuple[str, ...], option: str) -> None:
    assert_clean_refusal(invoke(*args), 2, option)


def test_4_scenario_time_steps_are_bounded(tmp_path: Path) -> None:
    path = scenario(tmp_path, SCENARIO.replace("dt: 0.25", "dt: 1.0e-9"))
    assert_clean_refusal(invoke("evolve", str(path)), 1, "time steps", "dt")


# 5. Rich markup and emoji codes in user text -------------------------------------------------

@pytest.mark.parametrize("text", ["[/x]", "[/]", "[bold red]x", ":x: [v2]", "[link=file:///etc]a"])
def test_5_markup_in_arguments_is_printed_as_text(text: str) -> None:
    result = invoke("predict", "-r", text)
    assert_clean_refusal(result, 1, f"Unknown drug or drug class {text!r}")
    assert "❌" not in result.output


def test_5_markup_in_scenario_names_and_paths(tmp_path: Path) -> None:
    folder = tmp_path / "run[v2]"
    folder.mkdir()
    path = scenario(folder, SCENARIO.replace("name: small", "name: '[/bold] :x:'"))
    result = invoke("evolve", str(path), "-n", "20", "--seed", "1")
    assert result.exit_code == 0, result.output
    assert "[/bold] :x:" in result.output
    out = folder / "out.json"
    result = invoke("evolve", str(path), "-n", "20", "--seed", "1", "-o", str(out))
    assert result.exit_code == 0 and f"Wrote {out}" in result.output.replace("\n", "")


# 6. Deep nesting ------------------------------------------------------------------------------

@pytest.mark.parametrize("command, name, text", [
    ("report", "deep.json", "[" * 100_000 + "]" * 100_000),
    ("report", "deep.yaml", "samples: " + "[" * 100_000 + "]" * 100_000),
    ("evolve", "deep.yaml", "name: " + "[" * 100_000 + "]" * 100_000),
    ("model check", "deep.bnet", "A, " + "(" * 50_000 + "A" + ")" * 50_000 + "\n"),
    ("model check", "bang.bnet", "A, " + "!" * 50_000 + "A\n"),
], ids=["json", "yaml-profile", "yaml-scenario", "bnet-parentheses", "bnet-negations"])
def test_6_deep_nesting_is_refused_clearly(
        tmp_path: Path, command: str, name: str, text: str) -> None:
    path = scenario(tmp_path, text, name)
    result = invoke(*command.split(), str(path))
    assert_clean_refusal(result, 1, name, "deeper than 100 levels")
    assert len(result.output) < 2_000  # a short excerpt, never the input


# 7. Contradictory or impossible inputs ---------------------------------------------------------

@pytest.mark.parametrize("regimen", ["", " ", " + ", "+"])
def test_7_empty_regimen_is_an_error(regimen: str) -> None:
    assert_clean_refusal(invoke("predict", "-r", regimen), 2, "no drug given")


def test_7_header_only_validation_file_fails(tmp_path: Path) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text("id,alterations,regimen,expected,ref_alterations,ref_regimen,source\n")
    assert_clean_refusal(invoke("validate", str(cases)), 1, "holds no cases", "cases.csv")


@pytest.mark.parametrize("workers", ["0", "-3", "100000"])
def test_7_synergy_workers_out_of_range(workers: str) -> None:
    assert_clean_refusal(invoke("synergy", str(PLATE), "--workers", workers), 2, "--workers")


def test_7_schedule_without_drugs_is_refused(tmp_path: Path) -> None:
    path = scenario(tmp_path, SCENARIO.replace("drugs: [A]}", "drugs: []}"))
    assert_clean_refusal(invoke("evolve", str(path)), 1, "schedule.drugs", "at least 1")


@pytest.mark.parametrize("name, text, words", [
    ("dup.yaml", "sample: S\nsample: T\nalterations: [PTEN loss]\n",
     ("dup.yaml, line 2", "given twice")),
    ("cna.txt", "Hugo_Symbol\tS1\nERBB2\t2\nPTEN\t-3\n", ("cna.txt", "out of range")),
    ("cna.txt", "Hugo_Symbol\tS1\nERBB2\t2\nERBB2\t0\n", ("cna.txt, line 3", "ERBB2")),
], ids=["duplicate-key", "copy-number-minus-3", "gene-twice"])
def test_7_contradictory_profiles_are_refused(tmp_path: Path, name: str, text: str,
                                              words: tuple[str, ...]) -> None:
    path = scenario(tmp_path, text, name)
    args = [str(path)] if name.endswith(".yaml") else ["--cna", str(path)]
    assert_clean_refusal(invoke("report", *args), 1, *words)


def test_7_one_sample_twice_in_a_clinical_file_is_refused(tmp_path: Path) -> None:
    cna = scenario(tmp_path, "Hugo_Symbol\tS1\nERBB2\t2\nPTEN\t-2\n", "cna.txt")
    clinical = scenario(tmp_path, "PATIENT_ID\tSAMPLE_ID\tER_STATUS\nP1\tS1\tPositive\n"
                        "P1\tS1\tNegative\n", "clin.txt")
    assert_clean_refusal(invoke("report", "--cna", str(cna), "--clinical", str(clinical)), 1,
                         "clin.txt, line 3", "SAMPLE_ID", "different HER2/ER/PR values")


def test_7_csv_output_neutralises_formulas(tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    assert invoke("synergy", str(hostile_plate(tmp_path)), "-o", str(out)).exit_code == 0
    table = pd.read_csv(out)
    assert set(table["drug1"]) >= {"'=HYPERLINK(\"http://x\")"}
    cells = [c for c in table.select_dtypes(object).to_numpy().ravel() if isinstance(c, str)]
    assert not any(c.startswith(("=", "+", "@")) for c in cells)


# 8. Internal errors where the input is at fault -------------------------------------------------

def test_8_utf16_scenario_is_read(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(SCENARIO.encode("utf-16"))
    result = invoke("evolve", str(path), "-n", "20", "--seed", "3", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["scenario"] == "small"


def test_8_non_utf8_scenario_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(SCENARIO.encode() + b"description: caf\xe9\n")
    assert_clean_refusal(invoke("evolve", str(path)), 1, "s.yaml, line 11, column 17",
                         "not UTF-8")


@pytest.mark.parametrize("old, new, words", [
    ("birth: 1.0,", "birth: 1.0e300,", ("base.birth", "less than or equal to 1000")),
    ("birth: 1.0,", "birth: .nan,", ("base.birth",)),
    ("max_time: 30", "max_time: 30\ndt: 100", ("twice",)),
    ("dt: 0.25", "dt: 100", ("must not exceed max_time",)),
])
def test_8_impossible_scenario_numbers(tmp_path: Path, old: str, new: str,
                                       words: tuple[str, ...]) -> None:
    path = scenario(tmp_path, SCENARIO.replace(old, new))
    assert_clean_refusal(invoke("evolve", str(path)), 1, "s.yaml", *words)


@pytest.mark.parametrize("args, option", [
    (("evolve", "x.yaml", "--seed", "-1"), "--seed"),
    (("simulate", "--seed", "-1"), "--seed"),
    (("simulate", "--seed", str(2**40)), "--seed"),
    (("screen", "--agents", ",,,"), "--agents"),
    (("targets", "--candidates", " , "), "--candidates"),
    (("simulate", "--nodes", ","), "--nodes"),
    (("predict", "-r", "trastuzumab", "--set", ""), "--set"),
    (("targets", "--readout", " "), "--readout"),
    (("kb", "drugs", "--drug", ""), "--drug"),
    (("report", str(PROFILE), "--sample", " "), "--sample"),
    (("report", str(PROFILE), "--tumour-sample", "[/x]"), "--tumour-sample"),
])
def test_8_bad_option_values_are_usage_errors(args: tuple[str, ...], option: str) -> None:
    assert_clean_refusal(invoke(*args), 2, option)


# 9. Outputs checked before the computation, written only on success ---------------------------

def test_9_evolve_writes_nothing_when_one_output_is_wrong(tmp_path: Path) -> None:
    path = scenario(tmp_path)
    outs = [tmp_path / "x.json", tmp_path / "x.csv", tmp_path / "x.xyz"]
    result = invoke("evolve", str(path), "-o", str(outs[0]), "--table", str(outs[1]),
                    "--figure", str(outs[2]))
    assert_clean_refusal(result, 2, "--figure", "x.xyz")
    assert not any(p.exists() for p in outs)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


@pytest.mark.parametrize("args", [
    ("screen", "-a", "PTEN loss", "--figure", "{tmp}/fig.xyz"),
    ("screen", "-a", "PTEN loss", "-o", "{tmp}/out.xyz"),
    ("targets", "-a", "PTEN loss", "-o", "{tmp}"),
    ("predict", "-r", "trastuzumab", "-o", "{tmp}/s.yaml/out.json"),
    ("report", str(PROFILE), "--format", "png", "-o", "{tmp}/r.png"),
    ("predict", "-r", "trastuzumab", "--format", "png"),
    ("predict", "-r", "trastuzumab", "--format", "csv", "--json"),
])
def test_9_outputs_refused_before_computing(tmp_path: Path, args: tuple[str, ...]) -> None:
    scenario(tmp_path)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    start = time.perf_counter()
    result = invoke(*argv)
    assert_clean_refusal(result, 2)
    assert time.perf_counter() - start < 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


def test_9_write_errors_name_the_users_path(tmp_path: Path) -> None:
    from her2resist.cli._output import write_atomic

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OSError) as info:
        write_atomic(blocker / "out.json", "{}")
    assert info.value.filename == str(blocker / "out.json")


def test_9_outputs_follow_the_umask(tmp_path: Path) -> None:
    out = tmp_path / "p.json"
    assert invoke("predict", "-r", "trastuzumab", "-o", str(out)).exit_code == 0
    from her2resist.cli._output import current_umask

    assert out.stat().st_mode & 0o777 == 0o666 & ~current_umask()
    assert json.loads(out.read_text())["regimen"]


# 10. Messages in the user's terms ----------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("simulate", "--engine", "mp2"),
    ("predict", "-r", "trastuzumab", "--engine", "fast"),
    ("synergy", str(PLATE), "--format", "xml"),
    ("evolve", "missing.yaml"),
])
def test_10_messages_use_the_users_terms(args: tuple[str, ...]) -> None:
    result = invoke(*args)
    assert result.exit_code in (1, 2)
    assert not any(word in result.output for word in INTERNAL), result.output


def test_10_scenario_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = scenario(tmp_path, "- 1\n- 2\n")
    assert_clean_refusal(invoke("evolve", str(path)), 1, "must be a mapping")


# Exit codes and --traceback anywhere ------------------------------------------------------

def test_traceback_after_the_subcommand_shows_the_error() -> None:
    result = invoke("predict", "-r", "nodrug", "--traceback")
    assert result.exception is not None and not isinstance(result.exception, SystemExit)


def test_7_her2_loss_with_her2_amplification_is_warned_once() -> None:
    """Contradictory HER2 statuses (by the vocabulary's ``contradicts``) are said, not silent."""
    result = runner.invoke(
        app, ["predict", "-a", "HER2 loss", "-a", "ERBB2 amplification", "-r", "trastuzumab"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.count("ERBB2_amp and ERBB2_loss contradict each other") == 1, text
    assert "DataQualityWarning" not in text


def test_6_a_5000_node_model_screens_without_recursion(tmp_path: Path) -> None:
    """A 5,000-node chain (once a RecursionError in the screen's explanations) screens."""
    model = tmp_path / "chain.bnet"
    model.write_text("targets, factors\nA0, A0\n"
                     + "".join(f"A{i}, A{i - 1}\n" for i in range(1, 5000)), encoding="utf-8")
    result = runner.invoke(app, ["screen", "--model", str(model), "--agents", "A0=0,A1=0",
                                 "--readout", "A4999=0", "--max-size", "2", "--json"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "RecursionError" not in result.output
    assert json.loads(result.stdout)["combinations"]


def test_package_warnings_reach_the_console_as_plain_lines() -> None:
    """The console script shows a package warning as 'Warning: ...', not Python's display."""
    code = "import sys; from her2resist.cli.main import main; sys.argv[0] = 'her2resist'; main()"
    done = subprocess.run(
        [sys.executable, "-c", code, "simulate", "-a", "HER2 loss", "-a", "ERBB2 amplification",
         "-r", "trastuzumab", "--seed", "1", "--json"],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Warning: ERBB2_amp and ERBB2_loss contradict each other" in done.stderr
    assert "DataQualityWarning" not in done.stderr and ".py:" not in done.stderr
