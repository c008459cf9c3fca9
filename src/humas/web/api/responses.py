"""The error answers every `/api/v1` operation may give, declared once (included by `humas.web.app`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorRead(BaseModel):
    """A refused request: a stable code, a message in the caller's language, the field it concerns."""

    error: str
    message: str
    field: str | None = None


class FieldErrorRead(BaseModel):
    field: str
    message: str


class ValidationErrorRead(ErrorRead):
    """A parameter or body field that is missing, malformed or out of its bounds (each one listed)."""

    errors: list[FieldErrorRead] = []


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorRead, "description": "No valid API token or browser session."},
    403: {"model": ErrorRead, "description": "The caller's role or unit does not allow this."},
    404: {"model": ErrorRead, "description": "Not found in the caller's units."},
    409: {"model": ErrorRead, "description": "Conflicts with what is stored (e.g. a duplicate name)."},
    422: {"model": ValidationErrorRead, "description": "A parameter or field is invalid."},
}
