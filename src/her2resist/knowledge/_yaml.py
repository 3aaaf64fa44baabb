"""Load YAML data files keeping the line of every record, and turn pydantic errors into
messages that name the file, the record, the field and the line.

pydantic is imported here, when a file is validated, and never by code that only reads the
records (:mod:`.schema`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from her2resist.common.documents import excerpt, read_document
from her2resist.exceptions import KnowledgeBaseError

if TYPE_CHECKING:
    from pydantic import TypeAdapter, ValidationError

M = TypeVar("M")

#: pydantic words some errors of dataclass records differently from model records; the
#: messages keep the model wording the knowledge base has always printed.
_WORDING = {
    "unexpected_keyword_argument": "Extra inputs are not permitted",
    "dataclass_type": "Input should be a valid dictionary or instance of {class_name}",
}


def read_yaml(path: Path) -> Any:
    """Parse a YAML file safely; each mapping records its line under ``__line__``.

    Errors become :class:`KnowledgeBaseError` with the line (see
    :func:`her2resist.common.documents.read_document`).
    """
    return read_document(path, error=KnowledgeBaseError, line_key="__line__").data


def strip_lines(value: Any) -> Any:
    """Remove the ``__line__`` bookkeeping keys, recursively."""
    if isinstance(value, dict):
        return {k: strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [strip_lines(v) for v in value]
    return value


def record_lines(data: Any, key: str) -> dict[str, int]:
    """The line of every record of ``data[key]``, by record id (for cross-record errors)."""
    records = data.get(key) if isinstance(data, dict) else None
    return {
        str(raw["id"]): int(raw["__line__"])
        for raw in records or []
        if isinstance(raw, dict) and "id" in raw and "__line__" in raw
    }


@cache
def _adapter(model: type[M]) -> TypeAdapter[M]:
    # The schema's annotations name pydantic's Field and AfterValidator: they resolve here.
    from pydantic import AfterValidator, Field, TypeAdapter  # noqa: F401

    return TypeAdapter(model)


def check_record(model: type[M], raw: Any) -> M:
    """``raw`` (a mapping) validated as a ``model`` record; raises pydantic's
    ``ValidationError`` (see :func:`first_error`)."""
    return _adapter(model).validate_python(raw)


def first_error(exc: ValidationError) -> tuple[str, str, Any]:
    """Field (dotted), message and input of the first error of a validation."""
    err = exc.errors()[0]
    message = _WORDING.get(err["type"], "").format(**err.get("ctx", {})) or err["msg"]
    return ".".join(str(p) for p in err["loc"]), message, err.get("input")


def validate_records(path: Path, data: Any, key: str, model: type[M]) -> list[M]:
    """Validate ``data[key]`` (a list of mappings) against ``model``, record by record."""
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise KnowledgeBaseError(
            path, f"the file must hold a list under {key!r}", line=1, field=key
        )
    from pydantic import ValidationError

    records: list[M] = []
    for index, raw in enumerate(data[key]):
        line = raw.get("__line__") if isinstance(raw, dict) else None
        if not isinstance(raw, dict):
            raise KnowledgeBaseError(path, f"{key}[{index}] must be a mapping", field=key)
        record_id = raw.get("id", f"#{index + 1}")
        try:
            records.append(check_record(model, strip_lines(raw)))
        except ValidationError as exc:
            field, message, value = first_error(exc)
            raise KnowledgeBaseError(
                path,
                f"record {record_id!r}: {message} (got {excerpt(value)})",
                line=line,
                field=field or key,
            ) from None
    return records
