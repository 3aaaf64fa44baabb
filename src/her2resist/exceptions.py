"""Exceptions and warnings of her2resist.

Every error subclasses :class:`Her2ResistError` and, where one exists, the builtin it
replaces, so ``except ValueError`` keeps working for callers that do not know this package.
Messages name the file, line, field and value at fault and what is accepted.
"""

from __future__ import annotations

from collections.abc import Iterable


class Her2ResistError(Exception):
    """Base class of every error raised by her2resist."""


class InputFileError(Her2ResistError, ValueError):
    """A file given by the user cannot be read as the format it claims to be.

    Parameters
    ----------
    path
        The file at fault.
    message
        What is wrong and what is accepted.
    line, column, field
        Where in the file, when known (lines count from 1).
    """

    def __init__(
        self,
        path: object,
        message: str,
        *,
        line: int | None = None,
        column: int | str | None = None,
        field: str | None = None,
    ) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        self.field = field
        self.detail = message
        where = [self.path]
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column}")
        if field is not None:
            where.append(f"field '{field}'")
        super().__init__(f"{', '.join(where)}: {message}")


class ModelError(InputFileError):
    """A model file (YAML, bnet, SBML-qual) is malformed or inconsistent."""


class KnowledgeBaseError(InputFileError):
    """A knowledge-base data file does not match its schema."""


class ProfileError(InputFileError):
    """A tumour profile file cannot be read."""


class PlateError(InputFileError):
    """A drug-combination plate cannot be read or scored."""


class ScenarioError(InputFileError):
    """An evolution scenario file is malformed."""


class CohortError(InputFileError):
    """A cohort (clinical columns, outcomes, regimens) or a virtual trial file cannot be used."""


class UnknownNameError(Her2ResistError, KeyError):
    """A name (drug, alteration, node, regimen) that the package does not know.

    The message lists the closest known names; they are looked up when the message is read,
    so code that catches the error and tries another name pays nothing for them.
    """

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self._known = tuple(known)
        super().__init__(kind, name)

    @property
    def suggestions(self) -> list[str]:
        known = sorted(set(self._known))
        from difflib import get_close_matches  # only when a name is unknown

        close = get_close_matches(self.name, known, n=5, cutoff=0.5)
        if not close:
            lowered = self.name.lower()
            close = [k for k in known if lowered in k.lower()][:5]
        return close

    @property
    def message(self) -> str:
        suggestions = self.suggestions
        if suggestions:
            hint = f" Did you mean: {', '.join(repr(s) for s in suggestions)}?"
        else:
            known = sorted(set(self._known))
            more = ", ..." if len(known) > 12 else ""
            plural = self.kind + ("es" if self.kind.endswith("s") else "s")
            hint = f" Known {plural}: {', '.join(known[:12])}{more}."
        name = self.name if len(self.name) <= 80 else self.name[:77] + "..."
        return f"Unknown {self.kind} {name!r}.{hint}"

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class ParameterError(Her2ResistError, ValueError):
    """A parameter of a public function has a value outside what it accepts."""

    def __init__(self, parameter: str, function: str, accepted: str, got: object) -> None:
        super().__init__(
            f"The {parameter!r} parameter of {function} must be {accepted}. Got {got!r} instead."
        )


class EngineError(Her2ResistError, RuntimeError):
    """A simulation engine failed or is not available."""


class MissingDependencyError(Her2ResistError, ImportError):
    """A feature needs an optional package that is not installed; the message names the
    pip extra that installs it (``pip install "her2resist[sbml]"``)."""


class Her2ResistWarning(UserWarning):
    """Base class of the package's warnings."""


class UnmappedVariantWarning(Her2ResistWarning):
    """A variant that no rule of the knowledge base maps to a model alteration."""


class DataQualityWarning(Her2ResistWarning):
    """Input data that was read, with a caveat the user should see."""


class ModelWarning(Her2ResistWarning):
    """The model result needs a caveat (no proliferative drive, no attractor reached, ...)."""
