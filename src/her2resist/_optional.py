"""Optional dependencies: import one, or say which pip extra installs it.

``pip install her2resist`` alone predicts, reports and screens; file formats and engines that
need a compiled or heavy library live in extras (see ``[project.optional-dependencies]`` in
pyproject.toml).  Every feature that needs one calls :func:`require`, so the user always reads
the same message naming the extra.

Examples
--------
>>> require("json", "none", "Reading JSON").__name__
'json'
>>> try:
...     require("no_such_module_here", "sbml", "Reading SBML-qual files")
... except ImportError as exc:
...     print(str(exc).split(". ")[-1])
Install it with: pip install "her2resist[sbml]" (or "her2resist[all]").
"""

from __future__ import annotations

import importlib
from types import ModuleType

from her2resist.exceptions import MissingDependencyError

#: The extra that installs each optional top-level module (pip distribution in brackets).
EXTRAS = {
    "cyvcf2": "vcf",
    "distributed": "dask",
    "dask": "dask",
    "libsbml": "sbml",
    "cmaboss": "stochastic",
    "matplotlib": "plots",
    "lifelines": "survival",
    "openpyxl": "xlsx",
}


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import ``module``, or raise :class:`MissingDependencyError` naming ``extra``.

    Parameters
    ----------
    module
        The module to import (``"libsbml"``, ``"matplotlib.figure"``).
    extra
        The pip extra of her2resist that installs it.
    feature
        What the user asked for, as the start of a sentence ("Reading SBML-qual files").

    Examples
    --------
    >>> require("math", "none", "Arithmetic").sqrt(4.0)
    2.0
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".", 1)[0]
        raise MissingDependencyError(
            f"{feature} needs the optional package {top!r}, which is not installed. "
            f'Install it with: pip install "her2resist[{extra}]" (or "her2resist[all]").'
        ) from exc
