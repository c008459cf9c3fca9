"""The content calendar's data: the posts of a unit and its subtree in a range of time, with their channels,
and the days the unit's calendar closes (national holidays, *cuti bersama*, the unit's own closures).

Read with two column queries over the same range (no ORM objects), so a month of a large subtree stays
cheap to load.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from humas.core.errors import Invalid, NotFound
from humas.core.i18n import _
from humas.core.time import as_utc
from humas.org import service as org_service
from humas.org.models import Unit
from humas.org.service import Principal
from humas.publishing.models import Post, PostStatus, PostVariant
from humas.publishing.service import schedule as schedule_service

RANGE_MAX = timedelta(days=62)


@dataclass(frozen=True)
class CalendarEntry:
    post_id: int
    title: str
    status: str
    at: datetime  # UTC; pages show it in the viewer's unit zone
    unit_id: int
    campaign: str | None
    channel_ids: tuple[int, ...]


def calendar_entries(
    session: Session, actor: Principal, *, start: datetime, end: datetime, unit: Unit | None = None
) -> list[CalendarEntry]:
    """Scheduled posts of the actor's subtree (or of ``unit``'s subtree) with ``start <= at < end``."""
    start, end = as_utc(start), as_utc(end)
    if end <= start or end - start > RANGE_MAX:
        raise Invalid(_("Choose a range of at most two months."), field="range")
    root = unit or actor.unit
    if not org_service.can_access(actor, root):
        raise NotFound(_("Unit not found."), field="unit_id")
    in_range = (Unit.path.startswith(root.path), Post.scheduled_at >= start, Post.scheduled_at < end)
    rows = session.execute(
        select(Post.id, Post.title, Post.status, Post.scheduled_at, Post.unit_id, Post.campaign)
        .join(Unit, Unit.id == Post.unit_id)
        .where(*in_range)
        .order_by(Post.scheduled_at, Post.id)
    ).all()
    channels: dict[int, list[int]] = {row[0]: [] for row in rows}
    variants = (
        select(PostVariant.post_id, PostVariant.channel_id)
        .join(Post, Post.id == PostVariant.post_id)
        .join(Unit, Unit.id == Post.unit_id)
        .where(*in_range)
        .order_by(PostVariant.id)
    )
    for post_id, channel_id in session.execute(variants):
        channels[post_id].append(channel_id)
    return [
        CalendarEntry(pid, title, status, at, unit_id, campaign, tuple(channels[pid]))
        for pid, title, status, at, unit_id, campaign in rows
    ]


def closed_days(session: Session, *, unit: Unit, first: date, last: date) -> dict[date, str]:
    """The days from ``first`` to ``last`` that the unit's calendar closes, with the holiday's name."""
    calendar = org_service.unit_calendar(session, unit)
    out = {}
    day = first
    while day <= last:
        reason = calendar.closed_because(day)
        if reason:
            out[day] = reason
        day += timedelta(days=1)
    return out


# --- the calendar page: counts per local day and a capped list of each day's posts -------------------------

SHOWN_STATUSES = (
    PostStatus.menunggu_persetujuan.value,
    PostStatus.disetujui.value,
    PostStatus.dijadwalkan.value,
    PostStatus.terbit.value,
    PostStatus.sebagian.value,
    PostStatus.gagal.value,
    PostStatus.kedaluwarsa.value,
    PostStatus.draf.value,
)


@dataclass(frozen=True)
class DayEntry:
    post_id: int
    title: str
    status: str
    at: datetime  # UTC
    unit_id: int
    campaign: str | None
    channel_ids: tuple[int, ...]


@dataclass(frozen=True)
class CalendarDay:
    day: date
    count: int  # every post of the day; ``entries`` holds at most the cap
    entries: tuple[DayEntry, ...]
    closed: str | None  # the holiday or *cuti bersama* that closes the day

    @property
    def more(self) -> int:
        return self.count - len(self.entries)


def _bounds(first: date, last: date, zone: ZoneInfo) -> list[datetime]:
    """UTC instants of each local midnight from ``first`` to the day after ``last``."""
    days = (last - first).days + 2
    return [
        datetime.combine(first + timedelta(days=i), time(), tzinfo=zone).astimezone(UTC) for i in range(days)
    ]


def _bucket(bounds: list[datetime], lo: int, hi: int) -> Any:
    """The local day's index of ``Post.scheduled_at`` (``bounds[lo] <= at < bounds[hi]``) as a nested CASE:
    a binary search of about five comparisons a row instead of one per day."""
    if hi - lo == 1:
        return literal(lo)
    mid = (lo + hi) // 2
    return case((Post.scheduled_at < bounds[mid], _bucket(bounds, lo, mid)), else_=_bucket(bounds, mid, hi))


def calendar_days(
    session: Session, actor: Principal, *, unit: Unit, first: date, last: date, zone: ZoneInfo, cap: int = 4
) -> list[CalendarDay]:
    """Each local day (in ``zone``) from ``first`` to ``last`` of ``unit``'s subtree: how many posts, the
    first ``cap`` of them, and why the unit's calendar closes it. Counts by one grouped query over the
    local days' UTC bounds; each non-empty day's first posts by a small limited query."""
    if last < first or (last - first) > RANGE_MAX:
        raise Invalid(_("Choose a range of at most two months."), field="range")
    if not org_service.can_access(actor, unit):
        raise NotFound(_("Unit not found."), field="unit_id")
    bounds = _bounds(first, last, zone)
    subtree = list(session.scalars(select(Unit.id).where(Unit.path.startswith(unit.path))))
    # NOTE: unit ids, not a join on the path: with the join a day's capped list cost a scan; with the ids
    # each day is a few index seeks (status, time) and the count one pass over the month's index entries.
    shown = (Post.unit_id.in_(subtree), Post.status.in_(SHOWN_STATUSES))
    bucket = _bucket(bounds, 0, len(bounds) - 1)
    counts: dict[int, int] = dict(
        session.execute(
            select(bucket, func.count())
            .select_from(Post)
            .where(*shown, Post.scheduled_at >= bounds[0], Post.scheduled_at < bounds[-1])
            .group_by(bucket)
        )
        .tuples()
        .all()
    )
    rows: list[Any] = []
    for day in sorted(counts):
        rows += [
            (*row, day)
            for row in session.execute(
                select(Post.id, Post.title, Post.status, Post.scheduled_at, Post.unit_id, Post.campaign)
                .where(*shown, Post.scheduled_at >= bounds[day], Post.scheduled_at < bounds[day + 1])
                .order_by(Post.scheduled_at, Post.id)
                .limit(cap)
            )
        ]
    channels: dict[int, list[int]] = {row[0]: [] for row in rows}
    if channels:
        for post_id, channel_id in session.execute(
            select(PostVariant.post_id, PostVariant.channel_id)
            .where(PostVariant.post_id.in_(list(channels)))
            .order_by(PostVariant.id)
        ):
            channels[post_id].append(channel_id)
    by_day: dict[int, list[DayEntry]] = {}
    for pid, title, status, at, unit_id, campaign, day in rows:
        by_day.setdefault(day, []).append(
            DayEntry(pid, title, status, as_utc(at), unit_id, campaign, tuple(channels[pid]))
        )
    closed = closed_days(session, unit=unit, first=first, last=last)
    return [
        CalendarDay(
            first + timedelta(days=i), counts.get(i, 0), tuple(by_day.get(i, ())),
            closed.get(first + timedelta(days=i)),
        )
        for i in range(len(bounds) - 1)
    ]  # fmt: skip


def move_post(session: Session, *, post: Post, day: date, actor: Principal) -> Post:
    """Move a scheduled post to another day at the same local time of its unit (the calendar's drag)."""
    if post.scheduled_at is None:
        raise Invalid(_("This post has no time yet."), field="date")
    local = schedule_service.local_time(session, post=post)
    assert local is not None
    at = datetime.combine(day, local.time())
    return schedule_service.schedule_post(session, post=post, at=at, actor=actor)
