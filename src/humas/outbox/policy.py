"""The one retry policy of the outbox: exponential backoff with jitter, at least what the other side asked.

Senders tell the runner what happened by raising ``Retry`` (try again later; ``retry_after`` from a
``Retry-After`` header or Telegram's ``parameters.retry_after``), ``Permanent`` (a person must fix something)
or ``Unknown`` (sent, no answer: reconcile before sending again), or by returning ``Sent``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Sent:
    """The other side took it: the platform's id (or Message-ID, delivery id), and a link if there is one."""

    external_id: str | None = None
    url: str | None = None
    reconciled: bool = False  # found on the platform instead of freshly sent


class SendError(Exception):
    """Base of what a sender raises to say how an attempt ended."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Retry(SendError):
    """Nothing was applied (refused connection, 5xx before acceptance, 429): try again after a backoff."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Permanent(SendError):
    """Retrying will not help (a wrong address, a revoked token, a refused write): a person decides."""

    def __init__(self, message: str, *, needs_reauth: bool = False) -> None:
        super().__init__(message)
        self.needs_reauth = needs_reauth


class Unknown(SendError):
    """The write may have landed. ``check_again``: reconcile later; otherwise only a person can tell."""

    def __init__(self, message: str, *, check_again: bool = True) -> None:
        super().__init__(message)
        self.check_again = check_again


@dataclass(frozen=True)
class Policy:
    max_attempts: int = 6
    base_s: float = 30.0
    cap_s: float = 3600.0
    jitter: float = 0.2  # ± share of the delay, so that rows failed together do not retry together
    lease: timedelta = timedelta(minutes=5)  # a claim older than this is a crashed worker's
    reconcile_again: timedelta = timedelta(minutes=2)

    def delay(
        self, attempts: int, retry_after: float | None = None, *, rng: random.Random | None = None
    ) -> float:
        """Seconds before the next try after ``attempts`` tries: exponential, jittered, never below
        ``retry_after`` (what the other side asked for, capped at four times ``cap_s``)."""
        raw = min(self.cap_s, self.base_s * 2 ** max(0, attempts - 1))
        spread = (rng or random).uniform(-self.jitter, self.jitter)
        return max(raw * (1 + spread), min(retry_after or 0.0, self.cap_s * 4))

    def gives_up(self, attempts: int) -> bool:
        return attempts >= self.max_attempts


DEFAULT_POLICY = Policy()
