"""Errors raised by connectors.

They are plain exceptions, not ``HumasError``: a connector error is about a platform, not about a user's
request. The jobs and services that call connectors translate them (a channel marked "needs
re-authorisation", a retry scheduled after ``retry_after_s``, a user-safe message).
"""

from __future__ import annotations

from typing import Any


class ConnectorError(Exception):
    """Base of every connector error."""


class PlatformError(ConnectorError):
    """The platform answered with an error that retrying will not fix (or retries ran out)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | int | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.body = body


class RateLimited(ConnectorError):
    """The platform asked us to slow down; try again after ``retry_after_s`` seconds."""

    def __init__(self, retry_after_s: float, message: str = "rate limited") -> None:
        super().__init__(f"{message} (retry after {retry_after_s:.0f}s)")
        self.retry_after_s = float(retry_after_s)


class AuthExpired(ConnectorError):
    """The token is expired, revoked or invalid: the channel needs re-authorisation."""


class Unsupported(ConnectorError):
    """The platform (or its API) does not allow this operation."""


class UnrecognisedPayload(ConnectorError):
    """A body that matches no known endpoint or webhook shape of the platform."""


class ErrorPayload(UnrecognisedPayload):
    """A saved body that is a platform *error* answer, not data."""


class DeliveryUnknown(ConnectorError):
    """A write was sent but no answer came back (timeout, dropped connection, 5xx).

    The platform may or may not have applied it: reconcile before sending again.
    """


class WebhookRejected(ConnectorError):
    """A webhook delivery or handshake that must be refused (bad token, bad signature)."""

    def __init__(self, message: str, *, status: int = 403) -> None:
        super().__init__(message)
        self.status = status
