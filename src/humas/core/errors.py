"""Domain errors: user-safe, translatable, naming the field they concern."""

from __future__ import annotations

from typing import Any


class HumasError(Exception):
    status_code = 400
    code = "error"

    def __init__(self, message: Any, *, field: str | None = None) -> None:
        # `message` may be a lazy translatable string; str() renders it in the current locale.
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.code, "message": str(self.message), "field": self.field}


class NotFound(HumasError):
    status_code = 404
    code = "not_found"


class PermissionDenied(HumasError):
    status_code = 403
    code = "permission_denied"


class Conflict(HumasError):
    status_code = 409
    code = "conflict"


class Invalid(HumasError):
    status_code = 422
    code = "invalid"


class AuthenticationFailed(HumasError):
    status_code = 401
    code = "authentication_failed"


class RateLimited(HumasError):
    status_code = 429
    code = "rate_limited"
