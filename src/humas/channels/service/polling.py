"""Polling: fetch since the saved cursor, hand the items to the ingest pipeline, keep the channel's health.

The network call happens outside any write; the ingest and the new cursor are stored together in a
savepoint, so a crash keeps the old cursor and the next poll reads the same items again (the pipeline
deduplicates them). A rate limit, an expired token or any other failure is recorded on the channel and
never reaches the other channels.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from humas.channels import platforms
from humas.channels.models import Channel, Health
from humas.channels.redact import scrub
from humas.channels.service.channels import channel_values
from humas.connectors.base import FetchResult
from humas.connectors.errors import AuthExpired, RateLimited
from humas.core.time import utcnow
from humas.ingest.service.pipeline import Analyzer, IngestResult, ingest_items
from humas.org import audit as audit_service

log = logging.getLogger(__name__)
BATCH = 500
MAX_BACKOFF = timedelta(days=1)
USAGE_SLOWDOWN = 90.0  # Meta's X-App-Usage percentage from which polls are spaced out
POLLING_PLATFORMS = [name for name in platforms.platform_names() if platforms.spec(name).source is not None]


def due_channel_ids(session: Session, *, all_channels: bool = False) -> list[int]:
    """Active polling channels whose next poll is due; channels that need re-authorisation wait."""
    stmt = (
        select(Channel.id)
        .where(
            Channel.is_active.is_(True),
            Channel.platform.in_(POLLING_PLATFORMS),
            Channel.status != Health.needs_reauth.value,
        )
        .order_by(Channel.next_poll_at, Channel.id)
    )
    if not all_channels:
        stmt = stmt.where(or_(Channel.next_poll_at <= utcnow(), Channel.next_poll_at.is_(None)))
    return list(session.scalars(stmt))


def poll_freshness(session: Session) -> list[tuple[int, str, datetime | None]]:
    """(id, platform, last successful poll) of every active channel, for monitoring (/metrics)."""
    stmt = (
        select(Channel.id, Channel.platform, Channel.last_success_at)
        .where(Channel.is_active.is_(True))
        .order_by(Channel.id)
    )
    return [(cid, platform, last) for cid, platform, last in session.execute(stmt)]


def fetch_channel(channel: Channel) -> tuple[FetchResult, dict[str, Any]]:
    """The platform call: new items since the cursor, and the rate-limit state the platform reported."""
    source = platforms.build_source(channel.platform, channel_values(channel))
    if source is None:
        return FetchResult(items=[], cursor=channel.cursor), {}
    fetched = source.fetch(channel.cursor or None)
    http = platforms.http_of(source)
    info = http.rate_limit if http is not None else None
    rate: dict[str, Any] = {}
    if info is not None:
        rate = {
            k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in dataclasses.asdict(info).items()
        }
    return fetched, {k: v for k, v in rate.items() if v is not None}


def store_fetched(
    session: Session,
    *,
    channel: Channel,
    fetched: FetchResult,
    rate: dict[str, Any],
    analyzer: Analyzer | None = None,
) -> IngestResult:
    """Ingest the fetched items and save the cursor and a healthy state, in the caller's transaction."""
    result = IngestResult()
    for start in range(0, len(fetched.items), BATCH):
        result += ingest_items(
            session,
            fetched.items[start : start + BATCH],
            unit=channel.unit,
            channel=channel.account_external_id,
            analyzer=analyzer,
        )
    now = utcnow()
    cursor = fetched.cursor
    channel.cursor = dict(cursor) if isinstance(cursor, dict) else ({"value": cursor} if cursor else {})
    channel.status = Health.ok.value
    channel.last_polled_at = channel.last_success_at = now
    channel.last_error = None
    channel.consecutive_failures = 0
    channel.rate_limited_until = None
    channel.rate_limit = rate
    # More pages left: come back at the next tick instead of waiting a whole interval.
    channel.next_poll_at = now if fetched.has_more else now + timedelta(seconds=channel.interval_s)
    channel.next_poll_at = max(channel.next_poll_at, _quota_wait(rate, now, channel.interval_s))
    return result


def _quota_wait(rate: dict[str, Any], now: datetime, interval_s: int) -> datetime:
    """Respect what the headers said: no calls left until the window resets; Meta usage near its cap."""
    if rate.get("remaining") == 0 and rate.get("reset_at"):
        reset = datetime.fromisoformat(rate["reset_at"])
        if reset > now:
            return reset
    if (rate.get("usage_percent") or 0) >= USAGE_SLOWDOWN:
        return now + timedelta(seconds=interval_s * 4)
    return now


def record_rate_limited(channel: Channel, *, retry_after_s: float, message: str) -> None:
    now = utcnow()
    wait = timedelta(seconds=max(1.0, retry_after_s))
    channel.status = Health.rate_limited.value
    channel.last_polled_at = now
    channel.rate_limited_until = now + wait
    channel.next_poll_at = now + wait
    channel.last_error = message[:2000]


def record_needs_reauth(session: Session, *, channel: Channel, message: str) -> None:
    """Stop polling until someone re-enters the credentials, and say so in the audit log once."""
    already = channel.status == Health.needs_reauth.value
    channel.status = Health.needs_reauth.value
    channel.last_polled_at = utcnow()
    channel.last_error = message[:2000]
    channel.next_poll_at = None
    if not already:
        audit_service.record(
            session,
            actor=None,
            action="channel.needs_reauth",
            obj=channel,
            unit=channel.unit,
            after={"status": Health.needs_reauth.value},
        )


def record_failure(channel: Channel, *, message: str) -> None:
    """Back off: interval × 2^failures, at most a day."""
    now = utcnow()
    channel.consecutive_failures += 1
    channel.status = Health.error.value
    channel.last_polled_at = now
    channel.last_error = message[:2000]
    delay = timedelta(seconds=channel.interval_s * 2 ** min(channel.consecutive_failures, 16))
    channel.next_poll_at = now + min(delay, MAX_BACKOFF)


def poll_channel(session: Session, *, channel: Channel, analyzer: Analyzer | None = None) -> str:
    """Poll one channel and record the outcome on it; never raises for a platform's failure."""
    secrets_ = list(_secret_values(channel))
    try:
        fetched, rate = fetch_channel(channel)
        with session.begin_nested():
            result = store_fetched(session, channel=channel, fetched=fetched, rate=rate, analyzer=analyzer)
        return f"ok: {result.added} new, {result.updated} known"
    except RateLimited as exc:
        record_rate_limited(channel, retry_after_s=exc.retry_after_s, message=scrub(str(exc), secrets_))
        return f"rate limited for {exc.retry_after_s:.0f}s"
    except AuthExpired as exc:
        record_needs_reauth(session, channel=channel, message=scrub(str(exc), secrets_))
        return "needs re-authorisation"
    except Exception as exc:  # noqa: BLE001 - recorded on the channel; the other channels go on
        message = scrub(f"{type(exc).__name__}: {exc}", secrets_)
        log.warning("channel %s (%s) poll failed: %s", channel.id, channel.platform, message)
        record_failure(channel, message=message)
        return f"failed: {message}"


def _secret_values(channel: Channel) -> list[str]:
    try:
        return [str(v) for v in channel_values(channel).values()]
    except Exception:  # noqa: BLE001 - an undecryptable blob has nothing to scrub
        return []
