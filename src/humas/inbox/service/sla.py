"""The deadlines stored on each conversation, recomputed from its events with the unit's calendar.

`refresh_deadlines` recomputes a conversation's deadline columns (`inbox.sla.compute`); the conversation
service calls it after every change that moves the clock, and `refresh_subtree` after a policy change. The
minute sweep (`inbox.service.sla_sweep`) then only compares those precomputed timestamps in SQL. The policy
services live in `inbox.service.sla_policies` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.core.time import utcnow
from humas.core.workcal import Calendar
from humas.inbox import sla
from humas.inbox.models import Conversation, ConversationEvent, LaporForward, SlaPolicy, SlaState, Status
from humas.inbox.service.sla_policies import PolicyFields as PolicyFields
from humas.inbox.service.sla_policies import access_policy as access_policy
from humas.inbox.service.sla_policies import apply_lapor_preset as apply_lapor_preset
from humas.inbox.service.sla_policies import create_policy as create_policy
from humas.inbox.service.sla_policies import delete_policy as delete_policy
from humas.inbox.service.sla_policies import effective_policies as effective_policies
from humas.inbox.service.sla_policies import own_policies as own_policies
from humas.inbox.service.sla_policies import policy_map as policy_map
from humas.inbox.service.sla_policies import policy_of as policy_of
from humas.inbox.service.sla_policies import update_policy as update_policy
from humas.org import service as org_service
from humas.org.models import Unit

RUNNING_STATUSES = (Status.baru.value, Status.terbuka.value, Status.ditunda.value)
CLOCK_KINDS = (sla.Kind.citizen.value, sla.Kind.staff_reply.value, sla.Kind.status.value)
# The SLA level told so far: escalations go once per level.
AT_RISK_TOLD, MISSED_TOLD = 1, 2


def _calendar_changed(session: Session, unit: Unit) -> None:
    """A unit's zone, hours or closures changed: its subtree's deadlines are recomputed after commit."""
    from humas.inbox.service import sla_policies

    sla_policies.queue_refresh(session, unit)


org_service.on_calendar_change("inbox.deadlines", _calendar_changed)


# --- a conversation's deadlines -------------------------------------------------------------------------


def history(session: Session, conversation: Conversation) -> list[sla.Event]:
    """The events that move the clock, as plain values (opened first)."""
    rows = session.execute(
        select(ConversationEvent.at, ConversationEvent.kind, ConversationEvent.data)
        .where(ConversationEvent.conversation_id == conversation.id, ConversationEvent.kind.in_(CLOCK_KINDS))
        .order_by(ConversationEvent.at, ConversationEvent.id)
    )
    events = [sla.Event(conversation.opened_at, sla.Kind.opened)]
    for at, kind, data in rows:
        status = (data or {}).get("to") or (data or {}).get("status") if kind == sla.Kind.status else None
        events.append(sla.Event(at, kind, status))
    return events


@dataclass
class Context:
    """Calendars and policies by unit id, so a batch of conversations loads each once."""

    calendars: dict[int, Calendar]
    policies: dict[int, list[SlaPolicy]]

    @classmethod
    def empty(cls) -> Context:
        return cls({}, {})

    def calendar(self, session: Session, unit: Unit) -> Calendar:
        if unit.id not in self.calendars:
            self.calendars[unit.id] = org_service.unit_calendar(session, unit)
        return self.calendars[unit.id]

    def policies_of(self, session: Session, unit: Unit) -> list[SlaPolicy]:
        if unit.id not in self.policies:
            self.policies[unit.id] = effective_policies(session, unit)[1]
        return self.policies[unit.id]


def choose_policy(
    session: Session, conversation: Conversation, policies: Iterable[SlaPolicy]
) -> tuple[SlaPolicy | None, sla.Policy | None]:
    """The stored policy that applies to the conversation and its value with a LAPOR! forward's tier."""
    rows = {p.id: p for p in policies}
    chosen = sla.select_policy(
        (policy_of(p) for p in rows.values()),
        message_type=conversation.message_type,
        priority=conversation.priority,
    )
    row = rows[chosen.id] if chosen is not None and chosen.id is not None else None
    tier = session.scalar(select(LaporForward.tier).where(LaporForward.conversation_id == conversation.id))
    if tier is not None and tier in sla.LAPOR_TIERS:
        return row, sla.with_lapor_tier(chosen, tier)
    return row, chosen


def refresh_deadlines(
    session: Session,
    *,
    conversation: Conversation,
    now: datetime | None = None,
    context: Context | None = None,
) -> sla.Deadlines | None:
    """Recompute the conversation's stored deadlines, times met and SLA state from its events."""
    now = now or utcnow()
    context = context or Context.empty()
    unit = conversation.unit
    row, policy = choose_policy(session, conversation, context.policies_of(session, unit))
    conversation.sla_policy_id = row.id if row is not None else None
    result = None
    if policy is not None:
        result = sla.compute(policy, context.calendar(session, unit), history(session, conversation), now)
    store(conversation, result)
    return result


def current(
    session: Session, *, conversation: Conversation, now: datetime | None = None
) -> sla.Deadlines | None:
    """The conversation's deadlines as of now, not stored (a page shows time used and, while paused, left)."""
    _row, policy = choose_policy(session, conversation, effective_policies(session, conversation.unit)[1])
    if policy is None:
        return None
    calendar = org_service.unit_calendar(session, conversation.unit)
    return sla.compute(policy, calendar, history(session, conversation), now or utcnow())


def _due(target: sla.TargetStatus | None) -> tuple[datetime | None, datetime | None]:
    if target is None or not target.open:
        return None, None
    return target.due_at, target.at_risk_at


def _met(target: sla.TargetStatus | None) -> bool | None:
    if target is None or target.state not in (sla.State.met, sla.State.missed):
        return None
    return target.state is sla.State.met


def store(conversation: Conversation, result: sla.Deadlines | None) -> None:
    """Write a computation onto the conversation's columns (only targets not done carry due times)."""
    first = result.first_response if result else None
    following = result.next_response if result else None
    resolution = result.resolution if result else None
    conversation.first_response_due_at, conversation.first_response_risk_at = _due(first)
    conversation.next_response_due_at, conversation.next_response_risk_at = _due(following)
    conversation.resolution_due_at, conversation.resolution_risk_at = _due(resolution)
    conversation.next_deadline_at = result.next_due_at if result else None
    conversation.next_risk_at = result.next_risk_at if result else None
    conversation.first_response_met = _met(first)
    conversation.resolution_met = _met(resolution)
    state = result.state.value if result else SlaState.none.value
    conversation.sla_state = state
    # Back on track after an at-risk notice (a new turn, a paused clock): a later at-risk is told again.
    if conversation.escalation_level == AT_RISK_TOLD and state != SlaState.at_risk.value:
        conversation.escalation_level = 0


def refresh_subtree(session: Session, *, unit: Unit, now: datetime | None = None, batch: int = 500) -> int:
    """Recompute every open conversation in the unit and its descendants (after a policy or calendar change);
    returns how many were recomputed."""
    now = now or utcnow()
    units = org_service.subtree_ids(session, unit)
    ids = list(
        session.scalars(
            select(Conversation.id)
            .where(Conversation.unit_id.in_(units), Conversation.status != Status.selesai.value)
            .order_by(Conversation.id)
        )
    )
    context = Context.empty()
    for start in range(0, len(ids), batch):
        chunk = session.scalars(select(Conversation).where(Conversation.id.in_(ids[start : start + batch])))
        for conversation in chunk.all():
            refresh_deadlines(session, conversation=conversation, now=now, context=context)
        session.flush()
    return len(ids)
