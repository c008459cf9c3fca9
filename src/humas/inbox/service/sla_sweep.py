"""The minute job of the deadlines: move conversations to *at risk* and *missed*, and tell people once.

The due and at-risk times are precomputed on each conversation (`inbox.service.sla.refresh_deadlines`), so
the sweep is two set-based UPDATEs over the ``(status, next_deadline_at)`` / ``(status, next_risk_at)``
indexes, whatever the number of open conversations: no calendar is consulted here.

Escalation, once per level (``escalation_level``): at risk → the assignee and the team lead (the unit head
when nobody is assigned); missed → the unit head (users with role *pimpinan* of the conversation's unit),
the parent unit's heads when the policy says so, and the assignee and team lead when they were not told yet.
Each is told in the app, by e-mail and in the unit's escalation Telegram chat, through the one outbox
(`outbox.notify`), under a key that never tells the same person twice about the same deadline.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import Session

from humas.core import workcal
from humas.core.i18n import DEFAULT_LOCALE, _, use_locale
from humas.core.time import as_utc, utcnow
from humas.inbox.models import Conversation, ConversationEvent, SlaPolicy, SlaState, Team
from humas.inbox.service import unit_settings
from humas.inbox.service.sla import AT_RISK_TOLD, MISSED_TOLD, RUNNING_STATUSES
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit, User, UserRole
from humas.outbox import notify as notify_service

log = logging.getLogger(__name__)
BATCH = 200
# The minute job stops escalating after this many seconds; the rest are told in the next minute.
BUDGET_S = 2.5
SUBJECT_MAX = 80


@dataclass(frozen=True)
class SweepResult:
    at_risk: int  # conversations that became at risk now
    missed: int  # conversations that missed a deadline now
    escalated: int  # escalations sent (one per conversation and level)
    failed: int = 0


def sweep_deadlines(
    session: Session, *, now: datetime | None = None, batch: int = BATCH, budget_s: float = BUDGET_S
) -> SweepResult:
    """Mark running conversations whose precomputed times have passed, then escalate (once per level)."""
    now = now or utcnow()
    running = Conversation.status.in_(RUNNING_STATUSES)
    missed = session.execute(
        update(Conversation)
        .where(
            running,
            Conversation.next_deadline_at <= now,
            Conversation.sla_state.in_((SlaState.on_track.value, SlaState.at_risk.value)),
        )
        .values(sla_state=SlaState.missed.value)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    # NOTE: coalesce() keeps SQLite (no statistics) off the (sla_state, escalation_level) index, where
    # 'on_track' is most of the table, and on the (status, next_risk_at) range: 0.15 s -> 1 ms at 100,000.
    on_track = func.coalesce(Conversation.sla_state, "") == SlaState.on_track.value
    at_risk = session.execute(
        update(Conversation)
        .where(running, Conversation.next_risk_at <= now, on_track)
        .values(sla_state=SlaState.at_risk.value)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    escalated, failed = escalate_due(session, now=now, batch=batch, budget_s=budget_s)
    return SweepResult(at_risk=int(at_risk or 0), missed=int(missed or 0), escalated=escalated, failed=failed)


def _waiting(limit: int) -> Select[tuple[int]]:
    return (
        select(Conversation.id)
        .where(
            Conversation.status.in_(RUNNING_STATUSES),
            or_(
                and_(
                    Conversation.sla_state == SlaState.at_risk.value,
                    Conversation.escalation_level < AT_RISK_TOLD,
                ),
                and_(
                    Conversation.sla_state == SlaState.missed.value,
                    Conversation.escalation_level < MISSED_TOLD,
                ),
            ),
        )
        .order_by(Conversation.next_deadline_at, Conversation.id)
        .limit(limit)
    )


@dataclass
class Lookups:
    """What many escalations of one sweep share, looked up once per unit or policy."""

    heads: dict[int, list[User]] = field(default_factory=dict)
    zones: dict[int, ZoneInfo] = field(default_factory=dict)
    chats: dict[int, str | None] = field(default_factory=dict)
    to_parent: dict[int, bool] = field(default_factory=dict)

    def heads_of(self, session: Session, unit_id: int | None) -> list[User]:
        if unit_id is None:
            return []
        if unit_id not in self.heads:
            self.load_heads(session, [unit_id])
        return self.heads[unit_id]

    def load_heads(self, session: Session, unit_ids: Iterable[int | None]) -> None:
        """The heads (role *pimpinan*, active) of many units with one query."""
        wanted = {u for u in unit_ids if u is not None and u not in self.heads}
        if not wanted:
            return
        stmt = (
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.unit_id.in_(wanted), UserRole.role == Role.pimpinan.value, User.is_active.is_(True))
            .order_by(User.id)
        )
        for unit_id in wanted:
            self.heads[unit_id] = []
        for user in session.scalars(stmt).unique():
            self.heads[user.unit_id].append(user)

    def zone_of(self, session: Session, unit: Unit) -> ZoneInfo:
        if unit.id not in self.zones:
            self.zones[unit.id] = org_service.unit_zone(session, unit)
        return self.zones[unit.id]

    def chat_of(self, session: Session, unit: Unit) -> str | None:
        if unit.id not in self.chats:
            self.chats[unit.id] = unit_settings.rules_for(session, unit).escalation_telegram_chat_id
        return self.chats[unit.id]

    def escalates_to_parent(self, session: Session, policy_id: int | None) -> bool:
        if policy_id is None:
            return False
        if policy_id not in self.to_parent:
            policy = session.get(SlaPolicy, policy_id)
            self.to_parent[policy_id] = policy is not None and policy.escalate_to_parent
        return self.to_parent[policy_id]


def escalate_due(
    session: Session, *, now: datetime, batch: int = BATCH, budget_s: float = BUDGET_S
) -> tuple[int, int]:
    """Tell people about conversations at risk or missed that were not told at that level, soonest deadline
    first, until `batch` or `budget_s` is used up (the rest wait for the next minute); returns (escalated,
    failed). A failing one is logged and tried again next minute; it never stops the rest."""
    session.expire_all()  # the bulk UPDATEs above changed rows the session may hold
    started = time.monotonic()
    ids = list(session.scalars(_waiting(batch)))
    found = {c.id: c for c in session.scalars(select(Conversation).where(Conversation.id.in_(ids)))}
    lookups, done, failed = Lookups(), 0, 0
    lookups.load_heads(session, [u for c in found.values() for u in (c.unit_id, c.unit.parent_id)])
    for conversation_id in ids:
        if time.monotonic() - started > budget_s:
            break
        try:
            with session.begin_nested():
                escalate(session, conversation=found[conversation_id], now=now, lookups=lookups)
            done += 1
        except Exception:  # noqa: BLE001 - one conversation's failure never stops the others
            log.exception("escalating conversation %s failed", conversation_id)
            failed += 1
    return done, failed


def _responders(session: Session, conversation: Conversation) -> list[User]:
    people = [conversation.assignee] if conversation.assignee is not None else []
    team = session.get(Team, conversation.team_id) if conversation.team_id is not None else None
    if team is not None and team.lead_id is not None:
        lead = session.get(User, team.lead_id)
        people += [lead] if lead is not None else []
    return people


def recipients(
    session: Session, *, conversation: Conversation, level: int, lookups: Lookups | None = None
) -> list[User]:
    """Who is told at a level (each person once)."""
    lookups = lookups or Lookups()
    responders = _responders(session, conversation)
    if level == AT_RISK_TOLD:
        people = responders or lookups.heads_of(session, conversation.unit_id)
    else:
        people = list(lookups.heads_of(session, conversation.unit_id))
        if lookups.escalates_to_parent(session, conversation.sla_policy_id):
            people += lookups.heads_of(session, conversation.unit.parent_id)
        if conversation.escalation_level < AT_RISK_TOLD:
            people += responders
    unique = {u.id: u for u in people if u.is_active}
    return list(unique.values())


def _texts(conversation: Conversation, level: int, zone: ZoneInfo) -> tuple[str, str]:
    due = "-"
    if conversation.next_deadline_at is not None:
        local = as_utc(conversation.next_deadline_at).astimezone(zone)
        due = f"{local:%d-%m-%Y %H:%M} {workcal.zone_label(zone, local)}"
    params = {
        "ticket": conversation.ticket,
        "subject": (conversation.subject or "").strip()[:SUBJECT_MAX],
        "due": due,
        "unit": conversation.unit.name,
    }
    with use_locale(DEFAULT_LOCALE):  # stored once for everyone told, in the installation's language
        if level == AT_RISK_TOLD:
            subject = str(_("Deadline at risk: %(ticket)s %(subject)s", **params))
            text = str(_("Conversation %(ticket)s of %(unit)s needs an answer before %(due)s.", **params))
        else:
            subject = str(_("Deadline missed: %(ticket)s %(subject)s", **params))
            text = str(_("The deadline of conversation %(ticket)s of %(unit)s passed at %(due)s.", **params))
    return subject, text


def escalate(
    session: Session, *, conversation: Conversation, now: datetime, lookups: Lookups | None = None
) -> int:
    """Tell the people of the conversation's current level; returns how many were told."""
    lookups = lookups or Lookups()
    level = MISSED_TOLD if conversation.sla_state == SlaState.missed.value else AT_RISK_TOLD
    if conversation.escalation_level >= level:
        return 0
    people = recipients(session, conversation=conversation, level=level, lookups=lookups)
    subject, text = _texts(conversation, level, lookups.zone_of(session, conversation.unit))
    deadline = as_utc(conversation.next_deadline_at).isoformat() if conversation.next_deadline_at else "-"
    chat = lookups.chat_of(session, conversation.unit)
    notify_service.notify(
        session,
        users=people,
        kind="inbox.sla_missed" if level == MISSED_TOLD else "inbox.sla_at_risk",
        subject=subject,
        text=text,
        link=f"/inbox/{conversation.id}",
        key=f"inbox.sla:{conversation.id}:{level}:{deadline}",
        unit=conversation.unit,
        telegram_chats=[chat] if chat else [],
    )
    conversation.escalation_level = level
    told = [u.id for u in people]
    data = {"level": level, "state": conversation.sla_state, "told": told, "deadline": deadline}
    session.add(ConversationEvent(conversation_id=conversation.id, at=now, kind="escalation", data=data))
    audit_service.record(
        session,
        actor=None,
        action="conversation.escalate",
        obj=conversation,
        unit=conversation.unit,
        label=conversation.ticket,
        after=data,
    )
    return len(people)
