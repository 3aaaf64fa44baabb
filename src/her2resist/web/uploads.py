"""Uploaded files on disk: safe names, size limits, and zipped studies unpacked safely.

Nothing a client sends becomes a path as it is: a file name is reduced to its last component
of safe characters, and a zip entry is refused when absolute, when it climbs out with ``..``,
when it is a link, or when the archive would unpack to more than the configured size or entry
count (a zip bomb). Each refusal is an :class:`UploadError` that names the entry and the limit.

Examples
--------
>>> safe_name("../../etc/passwd"), safe_name("C:\\\\x\\\\tumour.maf"), safe_name("<b>.vcf")
('passwd', 'tumour.maf', '_b_.vcf')
>>> upload_kind("data_mutations.maf"), upload_kind("study.zip"), upload_kind("t.vcf.gz")
('maf', 'study', 'vcf')
"""

from __future__ import annotations

import re
import stat
import zipfile
from pathlib import Path, PurePosixPath

from her2resist.exceptions import InputFileError

#: Kinds of uploaded profile files, as the ``kind`` form field names them.
UPLOAD_KINDS = ("profile", "maf", "vcf", "cna", "expression", "clinical", "study")


class UploadError(InputFileError):
    """An upload refused before any reader saw it (unsafe archive, unknown kind)."""


def safe_name(name: str) -> str:
    """The last component of ``name`` with anything but ``[A-Za-z0-9._-]`` replaced by ``_``."""
    last = re.split(r"[\\/]", str(name))[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", last).lstrip(".")[:120]
    return cleaned or "upload"


def upload_kind(name: str, given: str | None = None) -> str:
    """The kind of an uploaded file: ``given``, or guessed from the name (cBioPortal names).

    Raises
    ------
    UploadError
        When ``given`` is not one of :data:`UPLOAD_KINDS`.
    """
    if given:
        if given not in UPLOAD_KINDS:
            raise UploadError(name, f"unknown kind {given!r}; accepted: {', '.join(UPLOAD_KINDS)}",
                              field="kind")
        return given
    lower = name.lower().removesuffix(".gz")
    checks = [("study", (".zip",)), ("maf", (".maf",)), ("vcf", (".vcf", ".bcf")),
              ("profile", (".yaml", ".yml", ".json"))]
    for kind, suffixes in checks:
        if lower.endswith(suffixes):
            return kind
    for kind, words in (("cna", ("cna", "copy", "gistic")), ("clinical", ("clinical",)),
                        ("expression", ("mrna", "expression", "zscore"))):
        if any(w in lower for w in words):
            return kind
    return "profile"


def extract_zip(archive: Path, folder: Path, *, max_bytes: int, max_entries: int) -> Path:
    """Unpack a zipped study into ``folder``; the folder holding its ``meta_study.txt``.

    Raises
    ------
    UploadError
        For a file that is not a zip, an absolute or ``..`` entry, a link, more than
        ``max_entries`` entries or more than ``max_bytes`` unpacked.
    """
    name = archive.name
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UploadError(name, f"not a readable zip archive ({exc})") from None
    with zf:
        entries = zf.infolist()
        if len(entries) > max_entries:
            raise UploadError(name, f"{len(entries)} entries; at most {max_entries} accepted")
        declared = sum(e.file_size for e in entries)
        if declared > max_bytes:
            raise UploadError(name, f"unpacks to {declared} bytes; at most {max_bytes} accepted")
        for entry in entries:
            _check_entry(name, entry)
        written = 0
        for entry in entries:
            target = folder.joinpath(*PurePosixPath(entry.filename).parts)
            if entry.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(entry) as src, open(target, "wb") as dst:
                # Count what really comes out: a forged header cannot hide a bomb.
                while chunk := src.read(1 << 16):
                    written += len(chunk)
                    if written > max_bytes:
                        raise UploadError(name, f"unpacks to more than {max_bytes} bytes; "
                                          f"at most {max_bytes} accepted")
                    dst.write(chunk)
    metas = sorted(folder.rglob("meta_study.txt"), key=lambda p: len(p.parts))
    return metas[0].parent if metas else folder


def _check_entry(name: str, entry: zipfile.ZipInfo) -> None:
    path = entry.filename.replace("\\", "/")
    parts = PurePosixPath(path).parts
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path) or ".." in parts:
        raise UploadError(name, f"entry {entry.filename!r} is an absolute or '..' path; "
                          "only relative paths inside the archive are accepted", field="entry")
    if stat.S_ISLNK(entry.external_attr >> 16):
        raise UploadError(name, f"entry {entry.filename!r} is a symbolic link; "
                          "only files and folders are accepted", field="entry")
