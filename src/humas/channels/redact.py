"""Keep platform secrets out of log lines and stored error texts.

httpx logs every request URL at INFO; Telegram puts the bot token in the path and Meta takes
``access_token`` as a query parameter, so a filter on the ``httpx``/``httpcore`` loggers rewrites those
before any handler sees them. ``scrub`` removes a channel's own secret values from an error message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

_PATTERNS = (
    (re.compile(r"/bot\d+:[A-Za-z0-9_-]+"), "/bot***"),
    (
        re.compile(
            r"(?i)((?:access_token|input_token|key|client_secret|appsecret_proof|hub\.verify_token)=)[^&\s\"']+"
        ),
        r"\1***",
    ),
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1***"),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every (non-trivial) secret value and every token-shaped fragment masked."""
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "***")
    return redact(text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is left to logging's own error path
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactingFilter()


def install() -> None:
    """Attach the filter to the HTTP client loggers (idempotent)."""
    # uvicorn's access log shows query strings: Meta's handshake carries the verify token in one.
    for name in ("httpx", "httpcore", "humas.connectors.http", "uvicorn.access"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
