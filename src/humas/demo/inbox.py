"""A busy week in the demo inbox, made the way production makes it.

Demo channels (no platform behind them: they never poll, and the writes the demo makes are confirmed as a
platform would confirm them) receive a week of comments, mentions and direct messages written in the voice
of the public to a government office. Every item goes through the real ingest pipeline, so the intake routes
it into conversations; staff then work through the real inbox services: round-robin in a team, replies
through the approval queue and the outbox, answers typed on the platform itself, waiting on the public,
closing, a LAPOR! forward, a hidden abusive comment. The LAPOR! deadline preset applies, and every deadline
state (on track, at risk, missed) comes from the real computation on times in the past, counted back from
now in the unit's working hours.

Texts are written for humas (public domain, ours). Deterministic (fixed seed) and idempotent: a database
that already has conversations is left as it is.
"""

from __future__ import annotations

import random
import secrets as pysecrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from humas.channels import service as channels_service
from humas.channels.models import Channel
from humas.connectors.base import SourceItem
from humas.core import secrets
from humas.core.db import session_scope
from humas.core.time import utcnow
from humas.demo.inbox_script import ACCOUNTS, TEAM_MEMBERS, TEMPLATE, THREADS, Thread
from humas.inbox.models import Conversation, ConversationItem, Reply, Team
from humas.inbox.service import (
    conversations,
    lapor,
    moderation,
    replies,
    sla_policies,
    sla_sweep,
    templates,
    unit_settings,
)
from humas.inbox.service import sla as sla_service
from humas.ingest.models import Mention
from humas.ingest.service.pipeline import ingest_items
from humas.org import service as org_service
from humas.org.models import Role, Unit, User
from humas.outbox.models import OutboxMessage

SEED = 12
FAR_FUTURE = timedelta(days=3650)  # demo channels never poll
SERVICE_OFFICE = "KPPN Bandung I"


@dataclass
class Staff:
    admin: User
    reviewer: User
    responder: User


def seed_demo_inbox(engine: Engine, *, analyzer=None, now: datetime | None = None) -> int:
    """Fill the demo institution's inbox with a week of conversations (once); returns how many."""
    from humas.demo.listening import demo_analyzer

    analyzer = analyzer or demo_analyzer()
    now = (now or utcnow()).replace(second=0, microsecond=0)
    with session_scope(engine) as session:
        if session.scalar(select(func.count(Conversation.id))) or _staff(session) is None:
            return 0
        _prepare(session)
    with session_scope(engine) as session:
        staff = _staff(session)
        assert staff is not None
        units = _units(session)
        _ingest_openings(session, units, now, analyzer)
        by_thread = _conversations(session)
        team = session.scalars(select(Team).where(Team.unit_id == units[SERVICE_OFFICE].id)).one()
        for n, thread in enumerate(THREADS):
            conversation = by_thread[n]
            _work(session, thread, conversation, staff, team, units, now, analyzer)
    with session_scope(engine) as session:
        root = session.scalars(select(Unit).where(Unit.depth == 0)).one()
        sla_service.refresh_subtree(session, unit=root, now=now)
    with session_scope(engine) as session:
        sla_sweep.sweep_deadlines(session, now=now)
        _confirm_writes(session, now)
        return int(session.scalar(select(func.count(Conversation.id))) or 0)


# --- setup: channels, rules, deadlines, team, template ----------------------------------------------------


def _staff(session: Session) -> Staff | None:
    def first(role: Role) -> User | None:
        return session.scalars(
            select(User).where(User.email == f"{role.value}@demo.go.id").order_by(User.id)
        ).first()

    admin, reviewer, responder = first(Role.admin), first(Role.reviewer), first(Role.responder)
    if admin is None or reviewer is None or responder is None:
        return None
    return Staff(admin, reviewer, responder)


def _units(session: Session) -> dict[str, Unit]:
    return {u.name: u for u in session.scalars(select(Unit).where(Unit.name.in_(list(ACCOUNTS))))}


def _prepare(session: Session) -> None:
    staff = _staff(session)
    assert staff is not None
    units = _units(session)
    for unit_name, accounts in ACCOUNTS.items():
        for platform, (account, name, values) in accounts.items():
            _channel(session, units[unit_name], platform, account, name, values, staff.admin)
    office = units[SERVICE_OFFICE]
    unit_settings.set_rules(
        session,
        unit=office,
        data=unit_settings.RulesInput(reply_approval="roles", reply_approval_roles=(Role.responder.value,)),
        actor=staff.admin,
    )
    root = session.scalars(select(Unit).where(Unit.depth == 0)).one()
    sla_policies.apply_lapor_preset(session, unit=root, actor=staff.admin)
    members = [staff.responder] + [_member(session, office, name, staff.admin) for name in TEAM_MEMBERS]
    team = conversations.create_team(
        session, unit_id=office.id, name="Tim Layanan Informasi", actor=staff.admin, lead=staff.responder
    )
    for user in members:
        conversations.set_member(session, team=team, user=user, on_duty=True, actor=staff.admin)
    name, text, kind = TEMPLATE
    templates.create_template(
        session,
        unit=office,
        data=templates.TemplateInput(name=name, text=text, message_type=kind),
        actor=staff.admin,
    )


def _channel(
    session: Session, unit: Unit, platform: str, account: str, name: str, values: dict[str, str], actor: User
) -> Channel:
    """A connected account stored without the platform check (there is no platform behind the demo)."""
    channel = Channel(
        unit_id=unit.id,
        platform=platform,
        name=name,
        account_external_id=account,
        credentials_encrypted=secrets.encrypt(values),
        next_poll_at=utcnow() + FAR_FUTURE,
        interval_s=3600,
    )
    session.add(channel)
    session.flush()
    from humas.org import audit

    audit.record(
        session, actor=actor, action="channel.add", obj=channel, unit=unit,
        after={"platform": platform, "account": account, "fields": sorted(values), "demo": True},
    )  # fmt: skip
    return channel


def _member(session: Session, unit: Unit, name: str, actor: User) -> User:
    local = name.lower().replace(" ", ".")
    user, _password = org_service.create_user(
        session,
        email=f"{local}@demo.go.id",
        name=name,
        unit=unit,
        roles=[Role.responder.value],
        actor=actor,
        password=pysecrets.token_urlsafe(12),  # a team member for round-robin; not shown, not used to log in
    )
    return user


# --- time: working hours before now --------------------------------------------------------------------


def working_ago(session: Session, unit: Unit, now: datetime, hours: float) -> datetime:
    """The moment `hours` of the unit's working time before `now` (inside working hours)."""
    calendar = org_service.unit_calendar(session, unit)
    want = timedelta(hours=hours)
    low, high = now - timedelta(days=30), now
    for _step in range(40):
        mid = low + (high - low) / 2
        if calendar.working_time_between(mid, now) > want:
            low = mid
        else:
            high = mid
    return high.replace(second=0, microsecond=0)


def later(session: Session, unit: Unit, start: datetime, hours: float, now: datetime) -> datetime:
    """`hours` of working time after `start`, never after `now`."""
    calendar = org_service.unit_calendar(session, unit)
    return min(calendar.add_working_hours(start, hours), now - timedelta(minutes=5))


# --- items through the pipeline -------------------------------------------------------------------------


def _account(unit_name: str, platform: str) -> str:
    return ACCOUNTS[unit_name][platform][0]


def _citizen_item(thread: Thread, n: int, index: int, text: str, at: datetime) -> SourceItem:
    """A message of the public as a connector gives it: a DM, a post mentioning the account (and replies
    under it), or a comment under the unit's post."""
    who = f"w{SEED}{n:03d}"
    root: str | None
    if thread.kind == "message":
        external_id, kind, root = f"demo-dm-{n}-{index}", "message", None
    elif thread.kind == "mention":
        root = f"demo-mn-{n}"
        external_id, kind = (root, "mention") if index == 0 else (f"{root}-{index}", "reply")
    else:
        external_id, kind, root = f"demo-cm-{n}-{index}", "comment", _post_id(thread)
    return SourceItem(
        platform=thread.platform,
        external_id=external_id,
        kind=kind,
        text=text,
        created_at=at,
        author_id=who,
        author_handle=thread.handle,
        author_name=thread.author,
        channel_external_id=_account(thread.unit, thread.platform),
        thread_external_id=who if thread.kind == "message" else None,
        thread_root_id=root if external_id != root else None,
        in_reply_to_id=root if external_id != root else None,
    )


def _age(thread: Thread) -> float:
    """The thread's age with a few minutes of spread, so first messages do not all share a minute."""
    return thread.age + (THREADS.index(thread) * 23 % 47) / 60


def _post_id(thread: Thread) -> str:
    return f"{_account(thread.unit, thread.platform)}_p{THREADS.index(thread)}"


def _post_item(session: Session, unit: Unit, thread: Thread, now: datetime) -> SourceItem:
    """The unit's own post a comment thread hangs under, a little before the first comment."""
    account = _account(thread.unit, thread.platform)
    return SourceItem(
        platform=thread.platform,
        external_id=_post_id(thread),
        kind="post",
        text=thread.post,
        created_at=working_ago(session, unit, now, _age(thread) + 1.5),
        author_id=account,
        author_name=thread.unit,
        channel_external_id=account,
    )


def _ingest_openings(session: Session, units: dict[str, Unit], now: datetime, analyzer) -> None:
    """The unit's own posts, then the first message of every thread, one batch per unit."""
    for unit in units.values():
        items: list[SourceItem] = []
        for n, thread in enumerate(THREADS):
            if thread.unit == unit.name:
                if thread.kind == "comment":
                    items.append(_post_item(session, unit, thread, now))
                at = working_ago(session, unit, now, _age(thread))
                items.append(_citizen_item(thread, n, 0, thread.texts[0], at))
        ingest_items(session, items, unit=unit, analyzer=analyzer)


def _conversations(session: Session) -> dict[int, Conversation]:
    """Thread number → its conversation (through the first item's mention)."""
    rows = session.execute(
        select(Mention.external_id, Conversation)
        .join(ConversationItem, ConversationItem.mention_id == Mention.id)
        .join(Conversation, Conversation.id == ConversationItem.conversation_id)
    ).tuples()
    out: dict[int, Conversation] = {}
    for external_id, conversation in rows:
        parts = external_id.split("-")
        if parts[:2] in (["demo", "dm"], ["demo", "mn"], ["demo", "cm"]) and parts[3:] in ([], ["0"]):
            out[int(parts[2])] = conversation
    return out


# --- what staff did -------------------------------------------------------------------------------------


def _work(
    session: Session,
    thread: Thread,
    conversation: Conversation,
    staff: Staff,
    team: Team,
    units: dict[str, Unit],
    now: datetime,
    analyzer,
) -> None:
    unit = units[thread.unit]
    n = THREADS.index(thread)
    rng = random.Random(SEED * 1000 + n)
    worker = staff.responder if thread.unit == SERVICE_OFFICE else staff.admin
    if thread.unit == SERVICE_OFFICE and thread.plan != "spam":
        conversations.assign_round_robin(session, conversation=conversation, team=team, actor=staff.admin)
    if thread.type_fix:
        conversations.set_type(session, conversation=conversation, message_type=thread.type_fix, actor=worker)
    at = conversation.opened_at
    for index, text in enumerate(thread.texts[1:], start=1):  # the citizen adds details before an answer
        at = later(session, unit, at, rng.uniform(0.1, 0.4), now)
        ingest_items(session, [_citizen_item(thread, n, index, text, at)], unit=unit, analyzer=analyzer)
    plan = thread.plan
    if plan in ("open", "assigned"):
        return
    if plan == "spam":
        conversations.set_status(session, conversation=conversation, status="selesai", actor=worker, now=now)
        return
    if plan == "hide":
        item = session.scalars(
            select(ConversationItem).where(ConversationItem.conversation_id == conversation.id)
        ).first()
        assert item is not None
        moderation.hide_item(session, conversation=conversation, item=item, actor=worker, reason=thread.reply)
        conversations.set_status(session, conversation=conversation, status="selesai", actor=worker, now=now)
        return
    at = later(session, unit, at, rng.uniform(0.5, 3.0), now)
    if plan == "pending":
        replies.compose_reply(session, conversation=conversation, actor=worker, text=thread.reply)
        return
    _answer(session, thread, n, conversation, staff, worker, at, analyzer, unit)
    if plan == "lapor":
        _forward(session, conversation, worker, thread)
    elif plan in ("waiting", "reopened"):
        at = later(session, unit, at, 0.05, now)
        conversations.set_status(session, conversation=conversation, status="menunggu", actor=worker, now=at)
        if plan == "reopened":
            at = later(session, unit, at, rng.uniform(2, 6), now)
            again = _citizen_item(thread, n, 9, thread.follow_up, at)
            ingest_items(session, [again], unit=unit, analyzer=analyzer)
    elif plan == "closed":
        at = later(session, unit, at, rng.uniform(0.5, 4), now)
        conversations.set_status(session, conversation=conversation, status="selesai", actor=worker, now=at)


def _answer(
    session: Session,
    thread: Thread,
    n: int,
    conversation: Conversation,
    staff: Staff,
    worker: User,
    at: datetime,
    analyzer,
    unit: Unit,
) -> None:
    """Staff answer: typed on the platform itself (it comes back as the account's own comment), or written
    in humas, approved where the unit asks, and sent through the outbox."""
    if thread.answered_on_platform:
        account = _account(thread.unit, thread.platform)
        root = _post_id(thread) if thread.kind == "comment" else f"demo-mn-{n}"
        item = SourceItem(
            platform=thread.platform, external_id=f"demo-staff-{n}", kind="comment", text=thread.reply,
            created_at=at, author_id=account, author_name=thread.unit, channel_external_id=account,
            thread_root_id=root, in_reply_to_id=root,
        )  # fmt: skip
        ingest_items(session, [item], unit=unit, analyzer=analyzer)
        return
    text = thread.reply
    template_id = None
    if thread.use_template:
        template = templates.for_conversation(session, conversation)[0]
        text, template_id = templates.render(template, conversation), template.id
    reply = replies.compose_reply(
        session, conversation=conversation, actor=worker, text=text, template_id=template_id
    )
    if reply.status == "menunggu_persetujuan":
        replies.approve_reply(session, reply=reply, conversation=conversation, actor=staff.reviewer)
    reply.created_at = reply.submitted_at = at - timedelta(minutes=4)
    if reply.reviewed_at is not None:
        reply.reviewed_at = at - timedelta(minutes=1)
    _deliver(session, reply, at)


def _deliver(session: Session, reply: Reply, at: datetime) -> None:
    """The platform took the reply at `at` (no platform behind the demo: the outbox row is confirmed)."""
    entry = session.get(OutboxMessage, reply.outbox_message_id)
    assert entry is not None
    channel = session.get(Channel, entry.owner_id)
    assert channel is not None
    entry.sent_at = at
    channels_service.mark_delivered(
        session, channel=channel, idempotency_key=entry.idempotency_key, external_id=f"demo-reply-{reply.id}"
    )
    session.flush()
    replies.sync_outcomes(session, conversation_ids=[reply.conversation_id])


def _forward(session: Session, conversation: Conversation, worker: User, thread: Thread) -> None:
    data = lapor.LaporInput(
        title=thread.lapor_title,
        description="\n".join(thread.texts),
        category="Pelayanan Publik",
        location=thread.unit,
        occurred_on=conversation.opened_at.date(),
        tier="aduan",
    )
    forward = lapor.create_forward(session, conversation=conversation, data=data, actor=worker)
    number = f"LAPOR-{conversation.opened_at:%y%m%d}-{conversation.id:05d}"
    adapter = cast(lapor.LaporAdapter, lapor.ManualAdapter(number))  # typed in by a person, as on lapor.go.id
    lapor.submit_forward(session, forward=forward, conversation=conversation, actor=worker, adapter=adapter)


def _confirm_writes(session: Session, now: datetime) -> None:
    """Writes (hides) the demo queued on its channels are confirmed, as a platform would confirm them."""
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.owner_type == "channel", OutboxMessage.status == "pending")
    )
    for entry in rows:
        channel = session.get(Channel, entry.owner_id)
        if channel is not None:
            key, done = entry.idempotency_key, f"demo-{entry.id}"
            channels_service.mark_delivered(session, channel=channel, idempotency_key=key, external_id=done)
