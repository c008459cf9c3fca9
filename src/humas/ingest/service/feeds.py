"""News feeds: add, list, poll with health and exponential backoff.

Each poll runs in its own transaction (``ingest.runner.poll_feed_by_id`` owns it, like a task): a feed that
fails is marked unhealthy, its error and failure count recorded, and its next poll pushed back (interval ×
2^failures, at most a day); the others are polled as usual. This module takes a session and never commits.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from humas.connectors.feeds import FeedSource as FeedReader
from humas.core.errors import Conflict, Invalid, NotFound
from humas.core.i18n import _
from humas.core.pages import Page, paginate
from humas.core.time import utcnow
from humas.ingest.models import FeedSource
from humas.ingest.service.pipeline import Analyzer, IngestResult, ingest_items
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit, User
from humas.org.service import Principal

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(days=1)
# Who may add feeds (everyone in the subtree sees them and their health).
FEED_MANAGERS = (Role.admin, Role.analyst)
BATCH = 500


def add_feed(
    session: Session,
    *,
    unit: Unit,
    url: str,
    actor: User | None,
    interval_s: int = 900,
    extract_articles: bool = True,
) -> FeedSource:
    """Register an RSS/Atom feed for a unit; it is polled on the schedule from now on."""
    url = (url or "").strip()
    parsed = httpx.URL(url) if url else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise Invalid(_("Give the feed's http(s) address."), field="url")
    if interval_s < 60:
        raise Invalid(_("Poll a feed at most once a minute."), field="interval")
    if actor is not None and not org_service.can_access(actor, unit):
        raise NotFound(_("Unit not found."))
    if actor is not None:
        org_service.require_role(actor, *FEED_MANAGERS)
    if session.scalar(select(FeedSource.id).where(FeedSource.unit_id == unit.id, FeedSource.url == url)):
        raise Conflict(_("This feed is already added for this unit."), field="url")
    feed = FeedSource(unit_id=unit.id, url=url, interval_s=interval_s, extract_articles=extract_articles)
    session.add(feed)
    session.flush()
    audit_service.record(session, actor=actor, action="feed.add", obj=feed, unit=unit, label=url)
    return feed


def can_add_feed(actor: Principal) -> bool:
    """Admins and analysts add news feeds for their units."""
    return org_service.has_role(actor, *FEED_MANAGERS)


def list_feeds(session: Session, actor: User | None = None) -> list[FeedSource]:
    stmt = select(FeedSource).order_by(FeedSource.id)
    if actor is not None:
        stmt = stmt.where(FeedSource.unit_id.in_(org_service.visible_unit_ids(session, actor)))
    return list(session.scalars(stmt))


def page_feeds(session: Session, actor: Principal, *, page: int | None = None) -> Page[FeedSource]:
    """One page of the news feeds of the actor's units with their total."""
    units = select(Unit.id).where(Unit.path.startswith(actor.unit.path))
    stmt = select(FeedSource).where(FeedSource.unit_id.in_(units)).order_by(FeedSource.id)
    return paginate(session, stmt, page=page)


def due_feed_ids(session: Session, *, all_feeds: bool = False) -> list[int]:
    stmt = select(FeedSource.id).where(FeedSource.is_active.is_(True)).order_by(FeedSource.next_poll_at)
    if not all_feeds:
        stmt = stmt.where(or_(FeedSource.next_poll_at <= utcnow(), FeedSource.next_poll_at.is_(None)))
    return list(session.scalars(stmt))


def poll_feed(
    session: Session,
    *,
    feed: FeedSource,
    client: httpx.Client | None = None,
    analyzer: Analyzer | None = None,
) -> IngestResult:
    """Fetch a feed since its cursor and ingest the new entries; raises on a feed that cannot be read."""
    reader = FeedReader(feed.url, client=client, extract_articles=feed.extract_articles)
    fetched = reader.fetch(feed.cursor or None)
    unit = session.get(Unit, feed.unit_id)
    assert unit is not None
    result = IngestResult()
    for start in range(0, len(fetched.items), BATCH):
        result += ingest_items(session, fetched.items[start : start + BATCH], unit=unit, analyzer=analyzer)
    now = utcnow()
    feed.cursor = dict(fetched.cursor) if isinstance(fetched.cursor, dict) else {}
    feed.title = (reader.title or feed.title)[:500]
    feed.healthy, feed.failures, feed.last_error = True, 0, None
    feed.last_polled_at = feed.last_ok_at = now
    feed.next_poll_at = now + timedelta(seconds=feed.interval_s)
    return result


def record_failure(session: Session, *, feed: FeedSource, error: str) -> None:
    """Mark a feed unhealthy and back off: interval × 2^failures, at most a day."""
    now = utcnow()
    feed.failures += 1
    feed.healthy = False
    feed.last_error = error[:2000]
    feed.last_polled_at = now
    delay = min(timedelta(seconds=feed.interval_s * 2 ** min(feed.failures, 16)), MAX_BACKOFF)
    feed.next_poll_at = now + delay


def poll_due_feeds(
    session: Session, *, client: httpx.Client | None = None, analyzer: Analyzer | None = None
) -> dict[int, str]:
    """Poll every due feed inside one session, each in a savepoint: a broken feed rolls back alone."""
    outcomes: dict[int, str] = {}
    for feed_id in due_feed_ids(session):
        feed = session.get(FeedSource, feed_id)
        assert feed is not None
        try:
            with session.begin_nested():
                result = poll_feed(session, feed=feed, client=client, analyzer=analyzer)
            outcomes[feed_id] = f"{result.added} new, {result.updated} known"
        except Exception as exc:  # noqa: BLE001 - recorded on the feed, the others go on
            session.refresh(feed)
            record_failure(session, feed=feed, error=f"{type(exc).__name__}: {exc}")
            outcomes[feed_id] = f"failed: {exc}"
    return outcomes
