"""Settings of a web server: where it stores data and the limits it enforces."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from her2resist.exceptions import ParameterError

_UNITS = {"": 1, "B": 1, "K": 1024, "KB": 1024, "KIB": 1024, "M": 1024**2, "MB": 1024**2,
          "MIB": 1024**2, "G": 1024**3, "GB": 1024**3, "GIB": 1024**3}


def parse_size(text: str, *, option: str = "--max-upload") -> int:
    """``"20M"`` -> 20971520; bytes with an optional K/M/G suffix (powers of 1024).

    Examples
    --------
    >>> parse_size("512K"), parse_size("2M"), parse_size("1000")
    (524288, 2097152, 1000)
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", str(text))
    unit = match.group(2).upper() if match else ""
    if not match or unit not in _UNITS or float(match.group(1)) <= 0:
        raise ParameterError(option, "her2resist serve",
                             "a positive size such as 500K, 20M or 1G", text)
    return int(float(match.group(1)) * _UNITS[unit])


@dataclass(frozen=True, slots=True)
class Settings:
    """What a server stores where, and its limits.

    Attributes
    ----------
    data_dir
        Folder of the SQLite database (when ``database`` is not given) and the server's secret.
    database
        A SQLAlchemy URL (``postgresql+psycopg://user@host/db``); default: a SQLite file in
        ``data_dir``.
    max_upload
        Largest request body in bytes (uploads answer 413 above it).
    max_unzipped
        Largest total size of a zipped study once extracted (a zip bomb is refused).
    rate_limit
        Requests per minute allowed to one token or session (429 above it).
    workers
        Processes that run jobs.
    scheduler
        A Dask scheduler address (``tcp://HOST:PORT``) that runs jobs instead of local
        processes; its workers must reach ``database``.
    """

    data_dir: Path
    database: str | None = None
    max_upload: int = 20 * 1024**2
    max_unzipped: int = 200 * 1024**2
    max_zip_entries: int = 2000
    rate_limit: int = 300
    workers: int = 1
    scheduler: str | None = None
    max_attempts: int = 2
    secure_cookies: bool = field(default=False)

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL of the store."""
        return self.database or f"sqlite:///{self.data_dir / 'her2resist.db'}"
