"""her2resist: mechanistic modelling of resistance to HER2-targeted therapy.

Nothing happens at import time; the public API is imported lazily by its submodules.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
