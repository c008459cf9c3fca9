"""Two months of closed conversations before the demo's week, made the way production makes them.

The demo's week (``inbox``) shows deadlines at risk; a report of the previous month, and its comparison with
the month before, needs conversations in both. Each text of ``inbox_history_script`` opens a conversation
on a working day of one of the two calendar months before the one the demo is built in (in the unit's zone),
through the ingest pipeline; staff then answer it (typed on the platform, or through approval and the
outbox with the time the platform took it), forward a few to SP4N-LAPOR!, and close them. The older
month is slower (answers after a working day or more, some past the three-working-day deadline, a few
closed without an answer); the later one faster, so the report's comparison has something to say.

Deterministic (fixed seed) and idempotent: nothing is added once the history's first messages are stored.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from humas.connectors.base import SourceItem
from humas.core.db import session_scope
from humas.core.time import utcnow
from humas.demo.inbox import SERVICE_OFFICE, Staff, _account, _deliver, _staff, _units
from humas.demo.inbox_history_script import HISTORY, POSTS, Past
from humas.demo.months import history_months
from humas.inbox.models import Conversation, ConversationItem, Team
from humas.inbox.service import conversations, lapor, replies
from humas.inbox.service import sla as sla_service
from humas.ingest.models import Mention
from humas.ingest.service.pipeline import ingest_items
from humas.org import service as org_service
from humas.org.models import Unit, User

SEED = 31
PREFIX = "demo-h-"
# Working hours to the first answer, and from it to closing, per month (older first): the later month is
# faster, and fewer conversations are closed without an answer.
FIRST_HOURS = ((2.0, 4.0, 6.5, 9.0, 14.0, 20.0, 29.0, 34.0), (0.3, 0.6, 1.0, 1.5, 2.5, 4.0, 7.0, 26.0))
CLOSE_HOURS = ((1.0, 4.0, 10.0, 20.0, 46.0), (0.5, 1.5, 3.0, 6.0, 30.0))
UNANSWERED = (0.2, 0.05)


@dataclass
class Plan:
    n: int
    past: Past
    unit: Unit
    month: int  # 0: the month before last, 1: the previous month
    opened_at: datetime
    first: datetime | None  # when staff answered (None: closed without an answer)
    closed: datetime
    on_platform: bool


def month_of(n: int) -> int:
    return n % 2


def seed_demo_history(engine: Engine, *, analyzer=None, now: datetime | None = None) -> int:
    """Add two months of closed conversations before the demo's week (once); returns how many."""
    from humas.demo.listening import demo_analyzer

    analyzer = analyzer or demo_analyzer()
    now = (now or utcnow()).replace(second=0, microsecond=0)
    with session_scope(engine) as session:
        staff = _staff(session)
        units = _units(session)
        if staff is None or len(units) < 3 or _done(session) or not _has_channels(session, units):
            return 0
        plans = [_plan(session, n, past, units[past.unit], now) for n, past in enumerate(HISTORY)]
        for unit in units.values():
            ingest_items(session, _openings(plans, unit), unit=unit, analyzer=analyzer)
        for unit in units.values():
            answers = [_staff_item(p) for p in plans if p.unit.id == unit.id and p.first and p.on_platform]
            ingest_items(session, answers, unit=unit, analyzer=analyzer)
        found = _conversations(session)
        team = session.scalars(select(Team).where(Team.unit_id == units[SERVICE_OFFICE].id)).first()
        for plan in plans:
            _work(session, plan, found[plan.n], staff, team)
        ids = [c.id for c in found.values()]
    with session_scope(engine) as session:
        context = sla_service.Context.empty()
        for conversation in session.scalars(select(Conversation).where(Conversation.id.in_(ids))):
            sla_service.refresh_deadlines(session, conversation=conversation, now=now, context=context)
    return len(ids)


def _done(session: Session) -> bool:
    found = session.scalar(select(Mention.id).where(Mention.external_id.like(f"{PREFIX}%")).limit(1))
    return found is not None


def _has_channels(session: Session, units: dict[str, Unit]) -> bool:
    from humas.channels.models import Channel

    ids = [u.id for u in units.values()]
    count = session.scalar(select(func.count(Channel.id)).where(Channel.unit_id.in_(ids)))
    return bool(count)


# --- when: a working moment of the month, and the answers after it -------------------------------------


def _plan(session: Session, n: int, past: Past, unit: Unit, now: datetime) -> Plan:
    rng = random.Random(SEED * 1000 + n)
    month = month_of(n)
    calendar = org_service.unit_calendar(session, unit)
    start, end = history_months(now, org_service.unit_zone(session, unit))[month]
    days = [d for d in _days(calendar.local_date(start), calendar.local_date(end)) if calendar.intervals(d)]
    day = days[min(len(days) - 1, int(rng.random() * len(days)))]
    s, e = rng.choice(calendar.intervals(day))
    opened = (s + (e - s) * rng.uniform(0.05, 0.9)).replace(second=0, microsecond=0)
    opened = min(opened, now - timedelta(hours=2))

    def after(moment: datetime, hours: float) -> datetime:
        return min(calendar.add_working_hours(moment, hours), now - timedelta(minutes=5))

    answered = bool(past.reply) and rng.random() >= UNANSWERED[month]
    first = after(opened, rng.choice(FIRST_HOURS[month])) if answered else None
    closed = after(first or opened, rng.choice(CLOSE_HOURS[month]) if past.reply else 0.2)
    on_platform = past.kind != "message" and rng.random() < 0.4
    return Plan(n, past, unit, month, opened, first, closed, on_platform)


def _days(first: date, end: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((end - first).days)]


# --- items through the pipeline -------------------------------------------------------------------------


def _post_id(plan: Plan) -> str:
    return f"{_account(plan.past.unit, plan.past.platform)}_h{plan.n}"


def _openings(plans: list[Plan], unit: Unit) -> list[SourceItem]:
    """The unit's own posts the comments hang under, then each conversation's first message."""
    items: list[SourceItem] = []
    for plan in plans:
        if plan.unit.id != unit.id:
            continue
        past, account = plan.past, _account(plan.past.unit, plan.past.platform)
        if past.kind == "comment":
            items.append(
                SourceItem(
                    platform=past.platform, external_id=_post_id(plan), kind="post",
                    text=POSTS[(past.unit, past.platform)], created_at=plan.opened_at - timedelta(hours=3),
                    author_id=account, author_name=past.unit, channel_external_id=account,
                )
            )  # fmt: skip
        items.append(_citizen_item(plan))
    return items


def _citizen_item(plan: Plan) -> SourceItem:
    past = plan.past
    who = f"h{SEED}{plan.n:03d}"
    root: str | None = None
    if past.kind == "message":
        external_id, kind = f"{PREFIX}dm-{plan.n}", "message"
    elif past.kind == "mention":
        external_id, kind = f"{PREFIX}mn-{plan.n}", "mention"
    else:
        external_id, kind, root = f"{PREFIX}cm-{plan.n}", "comment", _post_id(plan)
    return SourceItem(
        platform=past.platform, external_id=external_id, kind=kind, text=past.text, created_at=plan.opened_at,
        author_id=who, author_handle=past.handle, author_name=past.author,
        channel_external_id=_account(past.unit, past.platform),
        thread_external_id=who if past.kind == "message" else None, thread_root_id=root, in_reply_to_id=root,
    )  # fmt: skip


def _staff_item(plan: Plan) -> SourceItem:
    """Staff's answer typed on the platform: it comes back as the account's own comment."""
    past, account = plan.past, _account(plan.past.unit, plan.past.platform)
    root = _post_id(plan) if past.kind == "comment" else f"{PREFIX}mn-{plan.n}"
    assert plan.first is not None
    return SourceItem(
        platform=past.platform, external_id=f"{PREFIX}staff-{plan.n}", kind="comment", text=past.reply,
        created_at=plan.first, author_id=account, author_name=past.unit, channel_external_id=account,
        thread_root_id=root, in_reply_to_id=root,
    )  # fmt: skip


def _conversations(session: Session) -> dict[int, Conversation]:
    """History entry number → its conversation (through the first message's mention)."""
    rows = session.execute(
        select(Mention.external_id, Conversation)
        .join(ConversationItem, ConversationItem.mention_id == Mention.id)
        .join(Conversation, Conversation.id == ConversationItem.conversation_id)
        .where(Mention.external_id.like(f"{PREFIX}%"), ConversationItem.from_staff.is_(False))
    ).tuples()
    return {int(external_id.rsplit("-", 1)[1]): conversation for external_id, conversation in rows}


# --- what staff did -------------------------------------------------------------------------------------


def _work(session: Session, plan: Plan, conversation: Conversation, staff: Staff, team: Team | None) -> None:
    past = plan.past
    office = past.unit == SERVICE_OFFICE
    worker = staff.responder if office else staff.admin
    if office and team is not None and past.message_type != "spam":
        conversations.assign_round_robin(session, conversation=conversation, team=team, actor=staff.admin)
    conversations.set_type(session, conversation=conversation, message_type=past.message_type, actor=worker)
    if plan.first is not None and not plan.on_platform:
        _reply(session, conversation, staff, worker, past.reply, plan.first)
    if plan.first is not None and office and past.message_type == "aduan":
        _forward(session, conversation, worker, plan)
    closed = plan.closed
    conversations.set_status(session, conversation=conversation, status="selesai", actor=worker, now=closed)


def _reply(
    session: Session, conversation: Conversation, staff: Staff, worker: User, text: str, at: datetime
) -> None:
    """Written in humas, approved where the unit asks, taken by the platform at ``at``."""
    reply = replies.compose_reply(session, conversation=conversation, actor=worker, text=text)
    if reply.status == "menunggu_persetujuan":
        replies.approve_reply(session, reply=reply, conversation=conversation, actor=staff.reviewer)
    reply.created_at = reply.submitted_at = at - timedelta(minutes=6)
    if reply.reviewed_at is not None:
        reply.reviewed_at = at - timedelta(minutes=2)
    _deliver(session, reply, at)


def _forward(session: Session, conversation: Conversation, worker: User, plan: Plan) -> None:
    """Forwarded to SP4N-LAPOR! when answered, and done there by the time it was closed."""
    data = lapor.LaporInput(
        title=plan.past.text[:120],
        description=plan.past.text,
        category="Pelayanan Publik",
        location=plan.past.unit,
        occurred_on=plan.opened_at.date(),
        tier="aduan",
    )
    forward = lapor.create_forward(session, conversation=conversation, data=data, actor=worker)
    number = f"LAPOR-{plan.opened_at:%y%m%d}-{conversation.id:05d}"
    adapter = cast(lapor.LaporAdapter, lapor.ManualAdapter(number))
    lapor.submit_forward(session, forward=forward, conversation=conversation, actor=worker, adapter=adapter)
    done = "selesai"
    lapor.set_lapor_status(session, forward=forward, conversation=conversation, status=done, actor=worker)
    assert plan.first is not None
    forward.created_at, forward.updated_at = plan.first, plan.closed
