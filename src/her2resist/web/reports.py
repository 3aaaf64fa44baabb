"""Tumour reports from uploaded files: the CLI's readers and renderers, on a server's upload.

Examples
--------
>>> from pathlib import Path
>>> example = Path("examples/profiles/her2_pik3ca.yaml")
>>> made = report_from_file(example, "profile", regimens=["trastuzumab"], only_named=True)
>>> made.samples, '"regimens"' in made.json, "<html" in made.html
(1, True, True)
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from her2resist.exceptions import InputFileError
from her2resist.web.uploads import extract_zip, safe_name, upload_kind


@dataclass(frozen=True, slots=True)
class MadeReport:
    """A report rendered as ``her2resist report`` renders it: JSON and standalone HTML."""

    samples: int
    json: str
    html: str


def report_from_file(path: Path, kind: str, *, sample: str | None = None,
                     regimens: Sequence[str] = (), only_named: bool = False) -> MadeReport:
    """Read one file of the given kind (see :data:`~her2resist.web.uploads.UPLOAD_KINDS`) and
    render its samples' report, as ``her2resist report FILE --format json|html`` does."""
    from her2resist.profile import load_profiles
    from her2resist.report import build_reports, render_html, render_json

    inputs: dict[str, object] = {"profile": path} if kind in ("profile", "study") else \
        {"clinical": [path]} if kind == "clinical" else {kind: path}
    with warnings.catch_warnings():
        # Reader warnings are part of each report, as in the CLI.
        warnings.simplefilter("ignore")
        profiles = load_profiles(**inputs, sample=sample)  # type: ignore[arg-type]
        reports = build_reports(profiles, regimens=regimens, standard=not only_named)
    return MadeReport(len(reports), render_json(reports), render_html(reports))


def reports_document(text: str) -> str:
    """A stored report's JSON in today's shape (``her2resist-reports/1``).

    Reports stored before the shape was fixed hold one report object, or a list for several
    samples; they are wrapped as :func:`~her2resist.report.render_json` writes them now.

    Examples
    --------
    >>> import json
    >>> json.loads(reports_document('{"sample": "T1"}'))
    {'schema': 'her2resist-reports/1', 'reports': [{'sample': 'T1'}]}
    """
    import json

    from her2resist.report.text import REPORTS_SCHEMA

    data = json.loads(text)
    if isinstance(data, dict) and data.get("schema") == REPORTS_SCHEMA:
        return text
    reports = data if isinstance(data, list) else [data]
    return json.dumps({"schema": REPORTS_SCHEMA, "reports": reports}, indent=2,
                      ensure_ascii=False) + "\n"


def report_from_upload(name: str, data: bytes, *, kind: str | None, sample: str | None,
                       regimens: Sequence[str], only_named: bool, max_unzipped: int,
                       max_entries: int) -> MadeReport:
    """Save an upload in a private temporary folder and report on it.

    Errors name the file as the user called it (no server path appears in a message).
    """
    clean = safe_name(name)
    chosen = upload_kind(clean, kind)
    with tempfile.TemporaryDirectory(prefix="her2resist-upload-") as folder:
        root = Path(folder)
        target = root / clean
        target.write_bytes(data)
        try:
            if chosen == "study":
                target = extract_zip(target, root / "study", max_bytes=max_unzipped,
                                     max_entries=max_entries)
            made = report_from_file(target, chosen, sample=sample, regimens=regimens,
                                    only_named=only_named)
        except InputFileError as exc:
            raise _relative(exc, root) from None
    # Sources name files as the user named them: no server path reaches a report.
    prefix = str(target if chosen == "study" else root) + "/"
    return MadeReport(made.samples, made.json.replace(prefix, ""), made.html.replace(prefix, ""))


def _relative(exc: InputFileError, root: Path) -> InputFileError:
    """The same error, naming its file relative to the upload folder."""
    prefix = str(root) + "/"
    path = exc.path.replace(prefix, "")
    return type(exc)(path, exc.detail.replace(prefix, ""), line=exc.line, column=exc.column,
                     field=exc.field)
