"""``her2resist report``: a tumour's data in; the regimens it escapes, and what restores
response, out.

Examples
--------
::

    her2resist report examples/profiles/her2_pik3ca.yaml
    her2resist report --maf data_mutations.txt --cna data_cna.txt \\
        --clinical data_clinical_sample.txt
    her2resist report study_folder/ --sample S1 --format html -o S1.html
    her2resist report tumour.vcf.gz --format json --regimen "trastuzumab + alpelisib"
"""

from __future__ import annotations

import warnings
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from her2resist.cli._common import console, handle_errors, usage_error
from her2resist.cli._options import JSON_OPTION, OUTPUT_OPTION, format_option, list_option
from her2resist.cli._output import deliver, plan_output

#: Renderings of the report ("text" is the older name of "table").
FORMATS = ("table", "json", "html")


class CnaScale(str, Enum):
    """Scales of a copy-number table (``read_cna``'s ``scale``)."""

    auto = "auto"
    discrete = "discrete"
    copies = "copies"
    log2 = "log2"


class ExpressionScale(str, Enum):
    """Scales of an expression table (``read_expression``'s ``scale``)."""

    auto = "auto"
    zscore = "zscore"
    log2 = "log2"
    tpm = "tpm"
    counts = "counts"


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""
    app.command("report")(report)


@handle_errors
def report(
    profile: Annotated[Path | None, typer.Argument(
        help="YAML/JSON profile, a VCF or MAF file, or a cBioPortal study folder.")] = None,
    maf: Annotated[Path | None, typer.Option("--maf", help="MAF (cBioPortal/TCGA).")] = None,
    vcf: Annotated[Path | None, typer.Option("--vcf", help="VCF with VEP CSQ or SnpEff ANN.")
                   ] = None,
    cna: Annotated[Path | None, typer.Option(
        "--cna", help="Gene copy number: cBioPortal discrete (-2..2), copies or log2 ratios "
        "(scale detected, or --cna-scale).")] = None,
    cna_scale: Annotated[CnaScale, typer.Option(
        "--cna-scale", help="Scale of --cna: auto (detect from the values), discrete, copies "
        "or log2.")] = CnaScale.auto,
    expression: Annotated[Path | None, typer.Option(
        "--expression", help="mRNA expression: z-scores (|z| >= 2 is high/low), or log2, TPM "
        "or counts z-scored against the file's samples (--expression-scale); or one sample's "
        "PCGR TPM file (TargetID, TPM) z-scored against --expression-reference.")] = None,
    expression_reference: Annotated[Path | None, typer.Option(
        "--expression-reference", help="Reference cohort for a PCGR TPM --expression file: "
        "gene x sample TPM or log2(TPM + 1).")] = None,
    expression_scale: Annotated[ExpressionScale, typer.Option(
        "--expression-scale", help="Scale of --expression: auto (detect), zscore, log2, tpm "
        "or counts.")] = ExpressionScale.auto,
    segments: Annotated[Path | None, typer.Option(
        "--segments", help="Copy-number segments (.seg, PCGR, ASCAT) called for the model's "
        "genes; needs --genome.")] = None,
    genome: Annotated[str | None, typer.Option(
        "--genome", help="Genome build of --segments: GRCh37 (hg19) or GRCh38 (hg38).")
    ] = None,
    ploidy: Annotated[float | None, typer.Option(
        "--ploidy", min=0.5, max=10.0, help="Tumour ploidy for --segments copy numbers "
        "(default: the segments' mean).")] = None,
    fusions: Annotated[Path | None, typer.Option(
        "--fusions", help="Gene fusions: cBioPortal SV file, Arriba, STAR-Fusion or PCGR "
        "fusion TSV.")
    ] = None,
    clinical: Annotated[list[Path] | None, typer.Option(
        "--clinical", help="cBioPortal clinical sample/patient file (repeatable).")] = None,
    sample: Annotated[str | None, typer.Option("--sample", help="Report this sample only.")
                      ] = None,
    tumour_sample: Annotated[str | None, typer.Option(
        "--tumour-sample", help="The VCF's tumour sample (default: from ##tumor_sample, "
        "##PEDIGREE, ##SAMPLE or the sample names).")] = None,
    normal_sample: Annotated[str | None, typer.Option(
        "--normal-sample", help="The VCF's matched normal sample (never reported).")] = None,
    min_vaf: Annotated[float, typer.Option(
        "--min-vaf", min=0.0, max=1.0, help="VCF alleles and MAF rows below this allele "
        "fraction are not used.")] = 0.05,
    min_depth: Annotated[int, typer.Option(
        "--min-depth", min=0, help="VCF alleles and MAF rows with fewer reads are not "
        "used.")] = 10,
    allow_unmatched: Annotated[bool, typer.Option(
        "--allow-unmatched", help="Report samples of the molecular files that the clinical "
        "files lack (a warning) instead of stopping.")] = False,
    include_filtered: Annotated[bool, typer.Option(
        "--include-filtered", help="Use VCF records and MAF rows that fail FILTER.")
    ] = False,
    fmt: str | None = format_option(*FORMATS),
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    regimen: Annotated[list[str] | None, typer.Option(
        "--regimen", "-r", help="Also report this regimen, e.g. 'trastuzumab + alpelisib' "
        "(repeatable).")] = None,
    only_named: Annotated[bool, typer.Option(
        "--only-named", help="Report only the --regimen regimens, not the standard ones.")
    ] = False,
    engine: Annotated[str, typer.Option(
        "--engine", help="graded (default: graded scores, their interval and the calibrated "
        "probability of --endpoint; traces and remedies from the Boolean limit) or "
        "most-permissive (the Boolean engine alone).")] = "graded",
    context: Annotated[str, typer.Option(
        "--context", help="Graded engine: patient (ligands, immune effectors at documented "
        "levels) or culture (the model's defaults).")] = "patient",
    endpoint: Annotated[str, typer.Option(
        "--endpoint", help="Graded engine: pCR or ORR.")] = "pCR",
    samples: Annotated[int, typer.Option(
        "--samples", help="Graded engine: parameter sets drawn for each score's interval "
        "(0: no interval, about 10x faster; at most 256).")] = 16,
    wide: Annotated[bool, typer.Option(
        "--wide", help="Tables (at least 160 columns) even on a narrow terminal; by default "
        "a terminal under 120 columns gets stacked blocks.")] = False,
) -> None:
    """Which HER2 regimens a tumour escapes, why, on what evidence, and what restores response.

    Several samples give one report each (JSON: one entry each in "reports"; HTML: a
    section each).
    """
    plan = plan_output(fmt, as_json, output, FORMATS)
    regimens = list_option(regimen, "--regimen")
    graded = _graded_options(engine, context, endpoint, samples)
    for option, value in (("--sample", sample), ("--tumour-sample", tumour_sample),
                          ("--normal-sample", normal_sample)):
        if value is not None and not value.strip():
            raise usage_error(option, f"no sample id given (got {value!r})")
    from her2resist.profile import load_profiles
    from her2resist.report import build_reports, render_html, render_json

    profile, maf, vcf = _route_positional(profile, maf, vcf)
    for option, value in (("--tumour-sample", tumour_sample), ("--normal-sample", normal_sample)):
        if value is not None and vcf is None:
            raise usage_error(option, "names a sample of a VCF; give the VCF (--vcf or a .vcf "
                              "file), or --sample for the other files")
    with warnings.catch_warnings():
        # Reader warnings are part of each report; do not print them twice.
        warnings.simplefilter("ignore")
        profiles = load_profiles(profile, maf=maf, vcf=vcf, cna=cna, expression=expression,
                                 clinical=clinical or (), sample=sample, fusions=fusions,
                                 segments=segments,
                                 segment_options={"genome": genome, "ploidy": ploidy},
                                 cna_scale=cna_scale.value,
                                 expression_scale=expression_scale.value,
                                 vcf_options=_vcf_options(tumour_sample or sample, normal_sample,
                                                          min_vaf, min_depth, include_filtered),
                                 allow_unmatched=allow_unmatched,
                                 expression_reference=expression_reference)
        reports = build_reports(profiles, regimens=regimens, standard=not only_named,
                                graded=graded)
    deliver(plan, {"json": lambda: render_json(reports), "html": lambda: render_html(reports)},
            lambda: _print_reports(reports, wide))


def _graded_options(engine: str, context: str, endpoint: str, samples: int) -> Any:
    """``--engine``/``--context``/``--endpoint``/``--samples`` checked as usage errors
    (exit 2)."""
    from her2resist.cli._prediction import check_graded_options
    from her2resist.engines import DEFAULT_ENGINE, EXACT_ENGINE, is_graded
    from her2resist.report.build import GradedOptions

    if engine not in (DEFAULT_ENGINE, EXACT_ENGINE):
        raise usage_error("--engine", f"must be {DEFAULT_ENGINE} or {EXACT_ENGINE}; got "
                          f"{engine!r}")
    check_graded_options(context, endpoint)
    if not 0 <= samples <= 256:
        raise usage_error("--samples", f"must be between 0 and 256; got {samples}")
    return GradedOptions(context, endpoint, samples, engine) if is_graded(engine) else None


def _print_reports(reports: list[Any], wide: bool) -> None:
    from her2resist.report.text import WIDE_FROM, is_narrow, report_renderable

    # COLUMNS (when set) or the terminal's width; 160 when printing to a pipe or file.
    width = _columns() or (console.width if console.is_terminal else 160)
    narrow = not wide and is_narrow(width)
    # report_renderable escapes every user string itself and styles with markup.
    styled = Console(emoji=False, file=console.file,
                     width=width if narrow else max(width, WIDE_FROM, 160 if wide else 0))
    for item in reports:
        styled.print(report_renderable(item, narrow=narrow))


def _columns() -> int | None:
    """``COLUMNS`` from the environment, when it is a usable width."""
    import os

    value = os.environ.get("COLUMNS", "")
    return int(value) if value.isdigit() and 20 <= int(value) <= 1000 else None


def _vcf_options(tumour: str | None, normal: str | None, min_vaf: float, min_depth: int,
                 include_filtered: bool) -> dict[str, object]:
    return {"sample": tumour, "normal": normal, "min_vaf": min_vaf, "min_depth": min_depth,
            "include_filtered": include_filtered}


def _route_positional(profile: Path | None, maf: Path | None, vcf: Path | None
                      ) -> tuple[Path | None, Path | None, Path | None]:
    """A positional VCF or MAF file is read as if given with --vcf or --maf."""
    if profile is None or profile.is_dir():
        return profile, maf, vcf
    name = profile.name.lower()
    if vcf is None and (name.endswith(".vcf") or name.endswith(".vcf.gz")):
        return None, maf, profile
    if maf is None and (name.endswith(".maf") or name.endswith(".maf.gz")):
        return None, profile, vcf
    return profile, maf, vcf
