"""When posts go out: scheduling in the unit's zone, posting slots ("next free slot"), expiry of posts not
approved by their time, and recurring posts (RFC 5545 rules through ``dateutil.rrule``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrulestr
from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.channels.models import Channel
from humas.core.errors import Conflict, Invalid, NotFound
from humas.core.i18n import _
from humas.core.time import as_utc, utcnow
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, User
from humas.org.service import Principal
from humas.publishing.models import (
    UNAPPROVED_STATUSES,
    ApprovalChain,
    Post,
    PostingSlot,
    PostRecurrence,
    PostStatus,
    PostVariant,
)
from humas.publishing.service import approvals
from humas.publishing.service import posts as posts_service

SLOT_SEARCH_DAYS = 28
RECURRENCE_HORIZON = timedelta(days=7)
RECURRENCE_BATCH = 20
ALLOWED_FREQS = (DAILY, WEEKLY, MONTHLY, YEARLY)  # no post more often than daily


def zone_of(session: Session, post: Post) -> ZoneInfo:
    return org_service.unit_zone(session, post.unit)


def to_utc(session: Session, *, post: Post, at: datetime) -> datetime:
    """A time typed by a person: naive means the unit's local time."""
    if at.tzinfo is None:
        return as_utc(at.replace(tzinfo=zone_of(session, post)))
    return as_utc(at)


def local_time(session: Session, *, post: Post) -> datetime | None:
    """The post's scheduled time in its unit's zone (what every page shows)."""
    return post.scheduled_at.astimezone(zone_of(session, post)) if post.scheduled_at else None


def schedule_post(session: Session, *, post: Post, at: datetime, actor: Principal) -> Post:
    """Give a post its time (naive: the unit's local time). A new time for an approved post keeps its
    approvals only if its chain allows it; otherwise the chain starts again."""
    org_service.require_role(actor, *posts_service.DRAFTERS)
    posts_service.require_editable(post)
    when = to_utc(session, post=post, at=at)
    if when <= utcnow():
        raise Invalid(_("Choose a time in the future."), field="scheduled_at")
    before = post.scheduled_at
    post.scheduled_at = when
    if post.status in (PostStatus.disetujui.value, PostStatus.dijadwalkan.value):
        chain = session.get(ApprovalChain, post.chain_id) if post.chain_id else None
        if before is not None and before != when and not (chain is not None and chain.keep_on_reschedule):
            approvals.restart_chain(session, post=post, actor=actor, reason="reschedule")
        else:
            post.status = PostStatus.dijadwalkan.value
    audit_service.record(
        session, actor=actor, action="post.schedule", obj=post, unit=post.unit, label=post.title,
        before={"scheduled_at": before.isoformat() if before else None},
        after={"scheduled_at": when.isoformat(), "status": post.status},
    )  # fmt: skip
    return post


# --- posting slots ------------------------------------------------------------------------------------


def _slot_minute(text: str) -> int:
    try:
        parsed = time.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(_("Enter a time as HH:MM."), field="time") from None
    return parsed.hour * 60 + parsed.minute


def add_slot(session: Session, *, channel: Channel, weekday: int, at: str, actor: Principal) -> PostingSlot:
    """A regular posting time of a channel (weekday Monday = 0, HH:MM in the unit's zone)."""
    org_service.require_role(actor, Role.admin, Role.drafter)
    if weekday not in range(7):
        raise Invalid(_("Choose a weekday."), field="weekday")
    minute = _slot_minute(at)
    stmt = select(PostingSlot).where(
        PostingSlot.channel_id == channel.id,
        PostingSlot.weekday == weekday,
        PostingSlot.minute_of_day == minute,
    )
    existing = session.scalar(stmt)
    if existing is not None:
        return existing
    slot = PostingSlot(channel_id=channel.id, weekday=weekday, minute_of_day=minute)
    session.add(slot)
    audit_service.record(
        session, actor=actor, action="posting_slot.add", obj=slot, unit=channel.unit, label=channel.name,
        after={"weekday": weekday, "minute": minute},
    )  # fmt: skip
    return slot


def remove_slot(session: Session, *, channel: Channel, slot_id: int, actor: Principal) -> None:
    org_service.require_role(actor, Role.admin, Role.drafter)
    slot = session.get(PostingSlot, slot_id)
    if slot is None or slot.channel_id != channel.id:
        raise NotFound(_("Slot not found."))
    audit_service.record(
        session, actor=actor, action="posting_slot.remove", obj=slot, unit=channel.unit, label=channel.name
    )
    session.delete(slot)


def list_slots(session: Session, *, channel: Channel) -> list[PostingSlot]:
    stmt = select(PostingSlot).where(PostingSlot.channel_id == channel.id)
    return list(session.scalars(stmt.order_by(PostingSlot.weekday, PostingSlot.minute_of_day)))


def _taken(session: Session, channel_id: int, start: datetime, end: datetime) -> set[datetime]:
    stmt = (
        select(Post.scheduled_at)
        .join(PostVariant, PostVariant.post_id == Post.id)
        .where(
            PostVariant.channel_id == channel_id,
            Post.scheduled_at >= start,
            Post.scheduled_at <= end,
            Post.status.not_in((PostStatus.kedaluwarsa.value, PostStatus.dibatalkan.value)),
        )
    )
    return {as_utc(t) for t in session.scalars(stmt) if t is not None}


def next_free_slot(session: Session, *, channel: Channel, after: datetime | None = None) -> datetime | None:
    """The channel's next posting slot after ``after`` (default now) that no post takes yet (UTC)."""
    slots = list_slots(session, channel=channel)
    if not slots:
        return None
    zone = org_service.unit_zone(session, channel.unit)
    after = as_utc(after or utcnow())
    end = after + timedelta(days=SLOT_SEARCH_DAYS + 1)
    taken = _taken(session, channel.id, after, end)
    first_day = after.astimezone(zone).date()
    for offset in range(SLOT_SEARCH_DAYS + 1):
        day = first_day + timedelta(days=offset)
        for moment in _slot_times(day, slots, zone):
            if moment > after and moment not in taken:
                return moment
    return None


def _slot_times(day: date, slots: list[PostingSlot], zone: ZoneInfo) -> list[datetime]:
    local = [
        datetime.combine(day, time(s.minute_of_day // 60, s.minute_of_day % 60), tzinfo=zone)
        for s in slots
        if s.weekday == day.weekday()
    ]
    return sorted(as_utc(m) for m in local)


# --- expiry -------------------------------------------------------------------------------------------


def expire_due_posts(session: Session, *, now: datetime | None = None) -> list[int]:
    """Posts not approved by their scheduled time become ``kedaluwarsa``: never published."""
    now = now or utcnow()
    stmt = select(Post).where(
        Post.status.in_([s.value for s in UNAPPROVED_STATUSES]),
        Post.scheduled_at.is_not(None),
        Post.scheduled_at <= now,
    )
    expired = []
    for post in session.scalars(stmt.order_by(Post.id)):
        before = post.status
        post.status, post.finished_at = PostStatus.kedaluwarsa.value, now
        approvals.notify(
            session, user_ids=[post.created_by_id], post=post, kind="post.expired",
            text=_("Expired without approval: %(title)s", title=post.title),
        )  # fmt: skip
        audit_service.record(
            session, actor=None, action="post.expire", obj=post, unit=post.unit, label=post.title,
            before={"status": before}, after={"status": post.status},
        )  # fmt: skip
        expired.append(post.id)
    return expired


# --- recurrence ---------------------------------------------------------------------------------------


def _rule(rule: str, *, start_local: datetime) -> tuple[str, Any]:
    text = (rule or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text or len(text) > 500 or "\n" in text or "DTSTART" in text.upper():
        raise Invalid(_("Enter a recurrence rule such as FREQ=WEEKLY;BYDAY=MO."), field="rule")
    try:
        parsed = rrulestr(text, dtstart=start_local)
    except (ValueError, TypeError):
        raise Invalid(_("Enter a recurrence rule such as FREQ=WEEKLY;BYDAY=MO."), field="rule") from None
    if getattr(parsed, "_freq", None) not in ALLOWED_FREQS:
        raise Invalid(_("A post repeats at most daily."), field="rule")
    return text, parsed


def create_recurrence(
    session: Session, *, post: Post, rule: str, starts_at: datetime, actor: Principal
) -> PostRecurrence:
    """Repeat a post by a rule from ``starts_at`` (naive: the unit's local time); each occurrence becomes
    its own post a week ahead and goes through the chain like any other."""
    org_service.require_role(actor, *posts_service.DRAFTERS)
    start = to_utc(session, post=post, at=starts_at)
    text, _parsed = _rule(rule, start_local=start.astimezone(zone_of(session, post)).replace(tzinfo=None))
    recurrence = PostRecurrence(
        unit_id=post.unit_id, template_post_id=post.id, rule=text, starts_at=start, created_by_id=actor.id
    )
    session.add(recurrence)
    audit_service.record(
        session, actor=actor, action="post.recurrence", obj=post, unit=post.unit, label=post.title,
        after={"rule": text, "starts_at": start.isoformat()},
    )  # fmt: skip
    return recurrence


def occurrences(
    session: Session, *, recurrence: PostRecurrence, after: datetime, until: datetime
) -> list[datetime]:
    """The rule's occurrences in (after, until], computed in the unit's local time, returned in UTC."""
    template = posts_service.get_post(session, recurrence.template_post_id)
    zone = zone_of(session, template)
    start_local = as_utc(recurrence.starts_at).astimezone(zone).replace(tzinfo=None)
    _text, parsed = _rule(recurrence.rule, start_local=start_local)
    low = as_utc(after).astimezone(zone).replace(tzinfo=None)
    high = as_utc(until).astimezone(zone).replace(tzinfo=None)
    return [as_utc(m.replace(tzinfo=zone)) for m in parsed.between(low, high, inc=True) if m > low]


def materialise_recurrences(session: Session, *, now: datetime | None = None) -> list[int]:
    """Make the next week's occurrences of every active recurrence into posts sent for approval."""
    now = now or utcnow()
    made: list[int] = []
    stmt = select(PostRecurrence).where(PostRecurrence.is_active.is_(True)).order_by(PostRecurrence.id)
    for recurrence in session.scalars(stmt):
        after = max(as_utc(recurrence.last_occurrence_at or recurrence.starts_at - timedelta(seconds=1)), now)
        for moment in occurrences(
            session, recurrence=recurrence, after=after, until=now + RECURRENCE_HORIZON
        )[:RECURRENCE_BATCH]:
            made.append(_occurrence(session, recurrence=recurrence, at=moment).id)
            recurrence.last_occurrence_at = moment
    return made


def _occurrence(session: Session, *, recurrence: PostRecurrence, at: datetime) -> Post:
    template = posts_service.get_post(session, recurrence.template_post_id)
    author = session.get(User, recurrence.created_by_id)
    if author is None:
        raise Conflict(_("The recurrence's author no longer exists."))
    post = Post(
        unit_id=template.unit_id, title=template.title, body=template.body, kind=template.kind,
        campaign=template.campaign, status=PostStatus.draf.value, scheduled_at=at, version=1,
        recurrence_id=recurrence.id, created_by_id=author.id,
    )  # fmt: skip
    post.variants = [
        PostVariant(channel_id=v.channel_id, text=v.text, media=list(v.media)) for v in template.variants
    ]
    session.add(post)
    session.flush()
    posts_service.save_version(session, post, actor=author)
    audit_service.record(
        session, actor=None, action="post.create", obj=post, unit=template.unit, label=post.title,
        after={"recurrence_id": recurrence.id, "scheduled_at": at.isoformat()},
    )  # fmt: skip
    try:
        with session.begin_nested():
            approvals.submit_post(session, post=post, actor=author)
    except Invalid:  # no chain or a failing variant: it stays a draft for a person (and expires if left)
        pass
    return post
