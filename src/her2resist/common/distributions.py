"""Installed distributions' versions, read without importing :mod:`importlib.metadata`.

That import costs a one-shot command ~20 ms; the version an installer records is in the name of
the distribution's ``NAME-VERSION.dist-info`` folder on ``sys.path``, which one listing of the
path gives for every distribution.

Examples
--------
>>> installed_version("no-such-distribution-here") is None
True
"""

from __future__ import annotations

import os
import re
import sys
from functools import cache


def installed_version(distribution: str) -> str | None:
    """The version in the name of the distribution's ``NAME-VERSION.dist-info`` folder on
    ``sys.path`` (how installers name it), or None; what ``importlib.metadata.version`` reads
    for an installed wheel."""
    return _dist_info_versions().get(re.sub(r"[-_.]+", "_", distribution).lower())


@cache
def _dist_info_versions() -> dict[str, str]:
    """Each ``NAME-VERSION.dist-info`` folder's version by lower-cased NAME, the first on
    ``sys.path`` winning: one listing of the path for every distribution asked about."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info") and "-" in name:
                key, _, version = name[:-len(".dist-info")].partition("-")
                found.setdefault(key.lower(), version)
    return found
