"""The content calendar's data: the posts of a unit and its subtree in a range of time, with their channels,
and the days the unit's calendar closes (national holidays, *cuti bersama*, the unit's own closures).

Read with two column queries over the same range (no ORM objects), so a month of a large subtree stays
cheap to load.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.core.errors import Invalid, NotFound
from humas.core.i18n import _
from humas.core.time import as_utc
from humas.org import service as org_service
from humas.org.models import Unit
from humas.org.service import Principal
from humas.publishing.models import Post, PostVariant

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
