"""Load YAML data files keeping the line of every record, and turn pydantic errors into
messages that name the file, the record, the field and the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from her2resist.common.documents import excerpt, read_document
from her2resist.exceptions import KnowledgeBaseError

M = TypeVar("M", bound=BaseModel)


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


def validate_records(path: Path, data: Any, key: str, model: type[M]) -> list[M]:
    """Validate ``data[key]`` (a list of mappings) against ``model``, record by record."""
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise KnowledgeBaseError(
            path, f"the file must hold a list under {key!r}", line=1, field=key
        )
    records: list[M] = []
    for index, raw in enumerate(data[key]):
        line = raw.get("__line__") if isinstance(raw, dict) else None
        if not isinstance(raw, dict):
            raise KnowledgeBaseError(path, f"{key}[{index}] must be a mapping", field=key)
        record_id = raw.get("id", f"#{index + 1}")
        try:
            records.append(model.model_validate(strip_lines(raw)))
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or key
            raise KnowledgeBaseError(
                path,
                f"record {record_id!r}: {err['msg']} (got {excerpt(err.get('input'))})",
                line=line,
                field=field,
            ) from None
    return records
