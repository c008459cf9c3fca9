"""What a dashboard or a job looks at: a unit's subtree (or one saved query) over a time range."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.ingest import service as ingest_service
from humas.ingest.models import SavedQuery
from humas.org import service as org_service
from humas.org.models import Unit
from humas.org.service import Principal

MAX_RANGE = timedelta(days=400)
HOURLY_UP_TO = timedelta(days=3)
# NOTE: the daily rollups (DailyRollup, FacetRollup) hold WIB days; a scope's own days follow its unit's zone.
# Indonesian zones are whole hours from UTC without DST, so a zone is a fixed offset here.
WIB = timedelta(hours=7)


@dataclass(frozen=True)
class Scope:
    """A unit subtree (its ids) and optionally a saved query; `since` <= t < `until` (UTC); days are the
    unit's local days (`offset` from UTC: 7 h WIB, 8 h WITA, 9 h WIT)."""

    unit: Unit
    unit_ids: tuple[int, ...]
    query: SavedQuery | None
    since: datetime
    until: datetime
    offset: timedelta = WIB

    @property
    def query_id(self) -> int:
        return self.query.id if self.query is not None else 0

    @property
    def bucket(self) -> str:
        return "hour" if self.until - self.since <= HOURLY_UP_TO else "day"

    def previous(self) -> Scope:
        """The same scope over the equally long period just before (a baseline)."""
        span = self.until - self.since
        since = self.since - span
        if self.bucket == "day":
            since = bucket_of(since, "day", self.offset)
        return Scope(self.unit, self.unit_ids, self.query, since, self.since, self.offset)

    def local(self, value: datetime) -> datetime:
        """An instant in the unit's zone (for labels: "2026-12-02T00:00:00+08:00")."""
        return value.astimezone(timezone(self.offset))


def floor_hour(value: datetime) -> datetime:
    return value.replace(minute=0, second=0, microsecond=0)


def bucket_of(hour: datetime, bucket: str, offset: timedelta = WIB) -> datetime:
    """The start (UTC) of the hour, or of the local day holding it (WIB unless another offset is given)."""
    if bucket == "hour":
        return hour
    local = hour + offset
    return local.replace(hour=0, minute=0, second=0, microsecond=0) - offset


def resolve_scope(
    session: Session,
    actor: Principal,
    *,
    unit_id: int | None = None,
    query_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    days: int | None = None,
    since_on: date | None = None,
    until_on: date | None = None,
    facts: Callable[[Session, Unit], UnitFacts] | None = None,
) -> Scope:
    """Check access and build the scope (default: the actor's unit, the last 7 days up to now); `since_on`
    and `until_on` are whole days (the last one included) in the unit's zone. `facts` may answer the unit's
    subtree and offset from a cache (the web's, decision 0101); the access checks always run."""
    unit = org_service.access_unit(session, actor, unit_id) if unit_id else actor.unit
    query = ingest_service.access_query(session, actor, query_id) if query_id else None
    ids, offset = (facts or unit_facts)(session, unit)
    since = day_start(since_on, offset) if since_on is not None else since
    until = day_start(until_on + timedelta(days=1), offset) if until_on is not None else until
    end = until or floor_hour(utcnow()) + timedelta(hours=1)
    start = since or end - timedelta(days=days or 7)
    if start.tzinfo is None or end.tzinfo is None:
        start, end = start.replace(tzinfo=start.tzinfo or UTC), end.replace(tzinfo=end.tzinfo or UTC)
    if start >= end:
        raise Invalid(_("The start of the range must be before its end."), field="since")
    if end - start > HOURLY_UP_TO:  # charted per day of the unit's zone: whole days
        start = bucket_of(floor_hour(start), "day", offset)
    if end - start > MAX_RANGE:
        raise Invalid(_("Choose a range of at most 400 days."), field="since")
    return Scope(unit, ids, query, start, end, offset)


UnitFacts = tuple[tuple[int, ...], timedelta]


def unit_facts(session: Session, unit: Unit) -> UnitFacts:
    """The ids of the unit's subtree and its UTC offset."""
    ids = tuple(session.scalars(select(Unit.id).where(Unit.path.startswith(unit.path))))
    return ids, unit_offset(session, unit)


def day_start(day: date, offset: timedelta) -> datetime:
    """The UTC instant a local date starts at."""
    return datetime.combine(day, time(0), tzinfo=UTC) - offset


def unit_offset(session: Session, unit: Unit) -> timedelta:
    """The unit's UTC offset (its zone has no DST, so one instant tells it for every day)."""
    return utcnow().astimezone(org_service.unit_zone(session, unit)).utcoffset() or WIB


def visible_queries(session: Session, actor: Principal) -> list[SavedQuery]:
    """Active saved queries of the actor's units (share of voice, filters)."""
    ids = org_service.visible_unit_ids(session, actor)
    stmt = (
        select(SavedQuery)
        .where(SavedQuery.unit_id.in_(ids), SavedQuery.archived_at.is_(None))
        .order_by(SavedQuery.name)
    )
    return list(session.scalars(stmt))
