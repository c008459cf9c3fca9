"""The issuer's view of a content kit: a tracker of receiving units × their channels (each cell *belum*,
*draf*, *menunggu persetujuan*, *terbit* or *terlambat*), coverage, median time to publish, reach and
engagement of the kit's posts, the public's uptake of its hashtags; reminders to the units behind (in-app,
e-mail, Telegram; once per unit, kit and day), the CSV export, and ``kit_measures`` for reports."""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from humas.channels.models import Channel
from humas.core.errors import Invalid, NotFound
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.ingest.models import Mention, QueryMatch
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit
from humas.org.service import Principal
from humas.outbox import notify as outbox_notify
from humas.publishing.kits import CellState, ContentKit, KitPost, KitReceipt, KitUnitContact
from humas.publishing.models import Post, PostMetric, PostStatus, PostVariant, VariantState
from humas.publishing.service import kits as kits_service

IN_CHAIN = (
    PostStatus.menunggu_persetujuan.value,
    PostStatus.disetujui.value,
    PostStatus.dijadwalkan.value,
)
BEHIND = (CellState.belum, CellState.draf, CellState.menunggu, CellState.terlambat)
REMINDERS = (Role.admin, Role.drafter, Role.pimpinan)  # who may send reminders from the tracker
DUE_SOON = timedelta(hours=24)  # a unit not published this close to the window's end is reminded too


@dataclass(frozen=True)
class Cell:
    state: CellState
    post_id: int | None = None
    url: str | None = None
    published_at: datetime | None = None
    scheduled_at: datetime | None = None


@dataclass
class Row:
    unit: Unit
    receipt: KitReceipt
    cells: list[tuple[Channel | None, Cell]]
    state: CellState  # the unit's: terbit on any channel, else its furthest step (or late)
    first_published_at: datetime | None = None
    to_review: int = 0  # its posts made from an earlier version of a corrected kit, not reviewed yet


@dataclass
class Tracker:
    kit: ContentKit
    rows: list[Row]
    coverage: float  # share of receiving units that published on at least one channel
    median_hours: float | None  # from the window's start (or the issue, if later) to a unit's first post
    reach: int
    engagement: int  # likes + comments + shares, newest read-back of each published variant
    mentions: int  # the public's items matching the kit's hashtag query
    sentiment: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # units per state

    @property
    def late(self) -> list[Row]:
        return [r for r in self.rows if r.state is CellState.terlambat]


@dataclass(frozen=True)
class _Made:
    post: Post
    variant: PostVariant
    kit_version: int = 1


def _made(session: Session, receipt_ids: list[int]) -> dict[int, list[_Made]]:
    """Each receipt's posts made from the kit with their variants."""
    out: dict[int, list[_Made]] = {}
    if not receipt_ids:
        return out
    rows = session.execute(
        select(KitPost.receipt_id, KitPost.kit_version, Post, PostVariant)
        .join(Post, Post.id == KitPost.post_id)
        .join(PostVariant, PostVariant.post_id == Post.id)
        .where(KitPost.receipt_id.in_(receipt_ids))
    )
    for receipt_id, kit_version, post, variant in rows:
        out.setdefault(receipt_id, []).append(_Made(post, variant, kit_version))
    return out


def _cell(made: list[_Made], *, kit: ContentKit, now: datetime) -> Cell:
    published = sorted(
        (m for m in made if m.variant.state == VariantState.terbit.value and m.variant.published_at),
        key=lambda m: m.variant.published_at or now,
    )
    if published:
        first = published[0]
        return Cell(CellState.terbit, first.post.id, first.variant.url, first.variant.published_at)
    if now >= kit.ends_at:
        return Cell(CellState.terlambat, made[0].post.id if made else None)
    waiting = [m for m in made if m.post.status in IN_CHAIN]
    if waiting:
        return Cell(CellState.menunggu, waiting[0].post.id, scheduled_at=waiting[0].post.scheduled_at)
    drafts = [m for m in made if m.post.status == PostStatus.draf.value]
    if drafts:
        return Cell(CellState.draf, drafts[0].post.id)
    return Cell(CellState.belum)


ORDER = [CellState.belum, CellState.draf, CellState.menunggu, CellState.terbit]


def _unit_state(cells: list[Cell], *, kit: ContentKit, now: datetime) -> CellState:
    states = [c.state for c in cells]
    if CellState.terbit in states:
        return CellState.terbit
    if now >= kit.ends_at:
        return CellState.terlambat
    return max((s for s in states if s in ORDER), key=ORDER.index, default=CellState.belum)


def tracker(session: Session, *, kit: ContentKit, now: datetime | None = None) -> Tracker:
    """The kit's tracker as of ``now``: a row per receiving unit, a cell per active channel."""
    now = now or utcnow()
    receipts = list(kit.receipts)
    made = _made(session, [r.id for r in receipts])
    channels: dict[int, list[Channel]] = {}
    stmt = select(Channel).where(
        Channel.unit_id.in_([r.unit_id for r in receipts]), Channel.is_active.is_(True)
    )
    for channel in session.scalars(stmt.order_by(Channel.id)):
        channels.setdefault(channel.unit_id, []).append(channel)
    rows = []
    for receipt in sorted(receipts, key=lambda r: r.unit.path):
        mine = made.get(receipt.id, [])
        unit_channels: list[Channel | None] = list(channels.get(receipt.unit_id, [])) or [None]
        cells = [
            (c, _cell([m for m in mine if c is None or m.variant.channel_id == c.id], kit=kit, now=now))
            for c in unit_channels
        ]
        published = [c.published_at for _ch, c in cells if c.published_at]
        state = _unit_state([c for _ch, c in cells], kit=kit, now=now)
        stale = len({m.post.id for m in mine if m.kit_version < kit.version})
        rows.append(Row(receipt.unit, receipt, cells, state, min(published) if published else None, stale))
    return _summary(session, kit=kit, rows=rows, made=made)


def _summary(session: Session, *, kit: ContentKit, rows: list[Row], made: dict[int, list[_Made]]) -> Tracker:
    start = max(kit.starts_at, kit.issued_at or kit.starts_at)
    delays = [
        max((r.first_published_at - start).total_seconds(), 0) / 3600 for r in rows if r.first_published_at
    ]
    variant_ids = [
        m.variant.id for ms in made.values() for m in ms if m.variant.state == VariantState.terbit.value
    ]
    reach, engagement = _metrics(session, variant_ids)
    mentions, sentiment = uptake(session, kit=kit)
    counts = {s.value: sum(1 for r in rows if r.state is s) for s in CellState}
    return Tracker(
        kit, rows, (sum(1 for r in rows if r.state is CellState.terbit) / len(rows)) if rows else 0.0,
        statistics.median(delays) if delays else None, reach, engagement, mentions, sentiment, counts,
    )  # fmt: skip


def _metrics(session: Session, variant_ids: list[int]) -> tuple[int, int]:
    """Reach and engagement summed over each variant's newest read-back."""
    if not variant_ids:
        return 0, 0
    newest = (
        select(PostMetric.variant_id, func.max(PostMetric.at).label("at"))
        .where(PostMetric.variant_id.in_(variant_ids))
        .group_by(PostMetric.variant_id)
        .subquery()
    )
    rows = session.execute(
        select(PostMetric).join(
            newest, (PostMetric.variant_id == newest.c.variant_id) & (PostMetric.at == newest.c.at)
        )
    ).scalars()
    reach = engagement = 0
    for m in rows:
        reach += m.reach or m.views or 0
        engagement += (m.likes or 0) + (m.comments or 0) + (m.shares or 0)
    return reach, engagement


def uptake(session: Session, *, kit: ContentKit) -> tuple[int, dict[str, int]]:
    """The public's items matching the kit's hashtag query, and their sentiment (label -> count)."""
    if kit.query_id is None:
        return 0, {}
    # NOTE: read-only over ingest's match table; ingest owns the matching, this only counts its result.
    rows = session.execute(
        select(Mention.sentiment, func.count())
        .select_from(QueryMatch)
        .join(Mention, Mention.id == QueryMatch.mention_id)
        .where(QueryMatch.query_id == kit.query_id)
        .group_by(Mention.sentiment)
    )
    sentiment: dict[str, int] = {}
    for label, n in rows:
        sentiment[label or "-"] = sentiment.get(label or "-", 0) + int(n)
    return sum(sentiment.values()), sentiment


# --- reminders ------------------------------------------------------------------------------------------


def _behind(row: Row, *, kit: ContentKit, now: datetime) -> bool:
    if row.state is CellState.terbit or now < kit.starts_at:
        return False
    return row.state is CellState.terlambat or kit.ends_at - now <= DUE_SOON


def remind_units(
    session: Session, *, kit: ContentKit, actor: Principal | None, now: datetime | None = None
) -> list[Unit]:
    """Remind each unit behind on the kit (late, or not published a day before the end): its admins and
    drafters in the app and by e-mail, its Telegram chat; once per unit, kit and day (the issuer's day)."""
    if actor is not None:
        if not kits_service.can_track(actor, kit):
            raise NotFound(_("Content kit not found."))
        org_service.require_role(actor, *REMINDERS)
    now = now or utcnow()
    if kit.withdrawn:  # a withdrawn kit is not to be published: nobody is reminded of it
        return []
    today = now.astimezone(org_service.unit_zone(session, kit.issuer)).date()
    told = []
    for row in tracker(session, kit=kit, now=now).rows:
        if not _behind(row, kit=kit, now=now) or row.receipt.reminded_on == today:
            continue
        _remind(session, kit=kit, row=row, today=today.isoformat())
        row.receipt.reminded_on, row.receipt.reminders = today, row.receipt.reminders + 1
        told.append(row.unit)
    if told:
        audit_service.record(
            session, actor=actor, action="kit.remind", obj=kit, unit=kit.issuer, label=kit.title,
            after={"units": [u.id for u in told], "on": today.isoformat()},
        )  # fmt: skip
    return told


def _remind(session: Session, *, kit: ContentKit, row: Row, today: str) -> None:
    if row.state is CellState.terlambat:
        subject = _("Late: content kit %(title)s has not been published", title=kit.title)
    else:
        subject = _("Reminder: publish content kit %(title)s before its window closes", title=kit.title)
    chat = session.get(KitUnitContact, row.unit.id)
    outbox_notify.notify(
        session, users=kits_service.unit_people(session, row.unit), kind="kit.reminder",
        subject=str(subject)[:200], text=f"{subject}\n{row.unit.name}", link=f"/publishing/kits/{kit.id}",
        key=f"kit.reminder:{kit.id}:{row.unit.id}:{today}", unit=row.unit,
        telegram_chats=[chat.telegram_chat_id] if chat else [],
    )  # fmt: skip


def kits_to_remind(session: Session, *, now: datetime | None = None) -> list[int]:
    """Issued kits whose window is open or closed within the last week (the daily reminder's list)."""
    now = now or utcnow()
    stmt = select(ContentKit.id).where(
        ContentKit.issued_at.is_not(None),
        ContentKit.withdrawn_at.is_(None),
        ContentKit.starts_at <= now,
        ContentKit.ends_at > now - timedelta(days=7),
    )
    return list(session.scalars(stmt.order_by(ContentKit.id)))


def set_unit_chat(session: Session, *, unit: Unit, chat_id: str, actor: Principal) -> KitUnitContact | None:
    """Where a unit also gets kit reminders: its Telegram chat id (empty: none)."""
    org_service.require_role(actor, Role.admin)
    if not org_service.can_access(actor, unit):
        raise NotFound(_("Unit not found."))
    chat_id = (chat_id or "").strip()
    row = session.get(KitUnitContact, unit.id)
    if chat_id and not (chat_id.lstrip("-").isdigit() or chat_id.startswith("@")) or len(chat_id) > 64:
        raise Invalid(_("A Telegram chat is a number or @name."), field="telegram_chat_id")
    if not chat_id:
        if row is not None:
            session.delete(row)
        row = None
    elif row is None:
        row = KitUnitContact(unit_id=unit.id, telegram_chat_id=chat_id)
        session.add(row)
    else:
        row.telegram_chat_id = chat_id
    audit_service.record(session, actor=actor, action="kit.unit_chat", obj=unit, unit=unit)
    return row


# --- export ---------------------------------------------------------------------------------------------


def tracker_csv(board: Tracker, *, show_time: Callable[[datetime | None], str]) -> str:
    """The tracker as CSV: one line per unit and channel (times by ``show_time``, the viewer's zone)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["unit", "channel", "platform", "state", "published_at", "url", "reminders"])
    for row in board.rows:
        for channel, cell in row.cells:
            writer.writerow(
                [
                    _safe(row.unit.name), _safe(channel.name if channel else ""),
                    channel.platform if channel else "", cell.state.value,
                    show_time(cell.published_at) if cell.published_at else "", _safe(cell.url or ""),
                    row.receipt.reminders,
                ]
            )  # fmt: skip
    return out.getvalue()


def _safe(text: str) -> str:
    """A cell a spreadsheet never runs as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# --- measures for reports -------------------------------------------------------------------------------


@dataclass(frozen=True)
class KitMeasures:
    kits_received: int  # receipts of the units for kits issued in the period
    published: int  # of them, published on at least one channel
    coverage: float | None  # published / received
    median_hours: float | None  # window start (or issue) to the unit's first publication
    late: int  # window closed (by the period's end or now) and not published before it closed


def kit_measures(
    session: Session, *, unit_ids: list[int], start: datetime, end: datetime, now: datetime | None = None
) -> KitMeasures:
    """Kits received by ``unit_ids`` that were issued in [start, end) and not withdrawn, and how the units
    acted on them (a corrected kit is one kit: its receipts are counted once)."""
    now = now or utcnow()
    stmt = (
        select(KitReceipt)
        .join(ContentKit, ContentKit.id == KitReceipt.kit_id)
        .where(
            KitReceipt.unit_id.in_(unit_ids),
            ContentKit.withdrawn_at.is_(None),  # a withdrawn kit was not to be published: not counted
            ContentKit.issued_at >= start,
            ContentKit.issued_at < end,
        )
    )
    receipts = list(session.scalars(stmt))
    made = _made(session, [r.id for r in receipts])
    published, delays, late = 0, [], 0
    cutoff = min(end, now)
    for receipt in receipts:
        kit = receipt.kit
        times = [
            m.variant.published_at
            for m in made.get(receipt.id, [])
            if m.variant.state == VariantState.terbit.value and m.variant.published_at
        ]
        first = min(times) if times else None
        if first is not None:
            published += 1
            begin = max(kit.starts_at, kit.issued_at or kit.starts_at)
            delays.append(max((first - begin).total_seconds(), 0) / 3600)
        if kit.ends_at <= cutoff and (first is None or first > kit.ends_at):
            late += 1
    return KitMeasures(
        kits_received=len(receipts),
        published=published,
        coverage=published / len(receipts) if receipts else None,
        median_hours=statistics.median(delays) if delays else None,
        late=late,
    )
