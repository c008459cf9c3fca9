"""An httpx client wrapper: timeouts, rate-limit state, retries with exponential backoff.

Reads (GET, or anything marked ``idempotent=True``) are retried on timeouts, dropped connections, 5xx and
rate limits. Writes are retried only where the platform certainly did not apply them (a connection that
never opened, a 429); a write that timed out or got a 5xx raises ``DeliveryUnknown`` so the publisher can
reconcile before sending again. The sleep function is injectable so tests never sleep.
"""

from __future__ import annotations

import logging
import re
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from humas.connectors.base import to_int
from humas.connectors.errors import (
    AuthExpired,
    ConnectorError,
    DeliveryUnknown,
    PlatformError,
    RateLimited,
)

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=10.0)
_SSL_LOCK = threading.Lock()
_SSL_CONTEXT: ssl.SSLContext | None = None


def shared_ssl_context() -> ssl.SSLContext:
    """One verifying client SSL context per process, shared by every connector's client.

    NOTE: building a context loads the CA bundle (``load_verify_locations``), about half of a publish's time
    when every publisher made its own; a client-side context is safe to share across threads once built and
    is never changed after this function returns it. A forked worker builds its own on first use.
    """
    global _SSL_CONTEXT
    if _SSL_CONTEXT is None:
        with _SSL_LOCK:
            if _SSL_CONTEXT is None:
                import certifi

                _SSL_CONTEXT = ssl.create_default_context(cafile=certifi.where())
    return _SSL_CONTEXT


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class RateLimitInfo:
    """The last rate-limit state a platform told us about (for channel health)."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None
    usage_percent: float | None = None  # Meta's X-App-Usage: the highest of its percentages


ErrorMapper = Callable[[httpx.Response], ConnectorError | None]
RateLimitParser = Callable[[httpx.Headers], RateLimitInfo | None]


def epoch_reset(value: str | None) -> datetime | None:
    seconds = to_int(value)
    return datetime.fromtimestamp(seconds, UTC) if seconds else None


def counted_rate_limit(
    headers: httpx.Headers,
    prefix: str,
    *,
    parse_reset: Callable[[str | None], datetime | None] = epoch_reset,
) -> RateLimitInfo | None:
    """`<prefix>limit` / `remaining` / `reset` headers, named alike by X, Bluesky and Mastodon."""
    if f"{prefix}remaining" not in headers:
        return None
    return RateLimitInfo(
        limit=to_int(headers.get(f"{prefix}limit")),
        remaining=to_int(headers.get(f"{prefix}remaining")),
        reset_at=parse_reset(headers.get(f"{prefix}reset")),
    )


def retry_after_seconds(headers: httpx.Headers, default: float | None = None) -> float | None:
    """Read a ``Retry-After`` header: delta-seconds or an HTTP date."""
    value = headers.get("retry-after")
    if not value:
        return default
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def default_error_for(response: httpx.Response) -> ConnectorError | None:
    """Generic mapping: 2xx/3xx ok, 401 expired token, 429 rate limit, other 4xx/5xx platform error."""
    status = response.status_code
    if status < 400:
        return None
    if status == 401:
        return AuthExpired(f"HTTP 401 from {response.request.url.host}")
    if status == 429:
        return RateLimited(retry_after_seconds(response.headers, 60.0) or 60.0)
    return PlatformError(
        f"HTTP {status} from {response.request.url.host}", status=status, body=json_or_none(response)
    )


class HttpClient:
    """One connection pool per channel; every platform module talks through one of these."""

    def __init__(
        self,
        *,
        base_url: str = "",
        headers: dict[str, str] | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = 60.0,
        max_wait_s: float = 900.0,
        sleep: Callable[[float], None] = time.sleep,
        error_for: ErrorMapper = default_error_for,
        rate_limit_parser: RateLimitParser | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self._client = client or httpx.Client(
            base_url=base_url, headers=headers, timeout=timeout, verify=shared_ssl_context()
        )
        if client is not None and headers:
            self._client.headers.update(headers)
        self.max_retries = max_retries
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.max_wait_s = max_wait_s  # a longer wait is the caller's job (reschedule), not a blocking sleep
        self.sleep = sleep
        self.error_for = error_for
        self.rate_limit_parser = rate_limit_parser
        self.rate_limit: RateLimitInfo | None = None

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def backoff(self, attempt: int) -> float:
        return float(min(self.backoff_max_s, self.backoff_base_s * (2**attempt)))

    def request(
        self, method: str, url: str, *, idempotent: bool | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send with retries; return a successful response or raise a ``ConnectorError``."""
        method = method.upper()
        safe = method in SAFE_METHODS if idempotent is None else idempotent
        attempt = 0
        while True:
            error, delay = self._attempt(method, url, safe, kwargs)
            if isinstance(error, httpx.Response):
                return error
            if attempt >= self.max_retries:
                raise error
            wait = max(delay or 0.0, self.backoff(attempt))
            log.info("retrying %s %s in %.1fs after %s", method, _redact(url), wait, type(error).__name__)
            self.sleep(wait)
            attempt += 1

    def _attempt(self, method: str, url: str, safe: bool, kwargs: dict[str, Any]) -> tuple[Any, float | None]:
        """One try: the response, or (retryable error, minimum delay); raises what must not be retried."""
        try:
            response = self._client.request(method, url, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # The request never reached the platform: always safe to send again.
            return PlatformError(f"cannot connect: {type(exc).__name__}"), None
        except httpx.TransportError as exc:  # read/write timeouts, dropped connections
            if not safe:
                raise DeliveryUnknown(f"{method} {_redact(url)}: {type(exc).__name__}") from exc
            return PlatformError(f"transport error: {type(exc).__name__}"), None
        if self.rate_limit_parser is not None:
            self.rate_limit = self.rate_limit_parser(response.headers) or self.rate_limit
        error = self.error_for(response)
        if error is None:
            return response, None
        if isinstance(error, RateLimited):
            if error.retry_after_s > self.max_wait_s:
                raise error
            return error, error.retry_after_s
        if response.status_code >= 500 and not isinstance(error, AuthExpired):
            if not safe:
                raise DeliveryUnknown(f"{method} {_redact(url)}: HTTP {response.status_code}") from error
            return error, None
        raise error

    def get_json(self, url: str, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs).json()

    def post_json(self, url: str, *, idempotent: bool | None = None, **kwargs: Any) -> Any:
        response = self.request("POST", url, idempotent=idempotent, **kwargs)
        return json_or_none(response) if response.content else {}


_BOT_TOKEN = re.compile(r"/bot[^/]+")


def _redact(url: str) -> str:
    """Drop what may carry secrets from log lines: query strings (Meta tokens, YouTube keys), bot tokens."""
    return _BOT_TOKEN.sub("/bot***", url.split("?", 1)[0])
