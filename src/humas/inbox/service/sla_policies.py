"""Deadline policies of units: inherited down the tree as a whole, changed by admins (audited), and the
LAPOR! preset.

A unit with active policies of its own uses those, any other unit its nearest ancestor's; within that set the
most specific policy for a conversation's type and priority applies (`inbox.sla.select_policy`). Every change
queues a recomputation of the open conversations of the unit's subtree after commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.inbox import sla
from humas.inbox.models import MessageType, Priority, SlaPolicy
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit

POLICY_EDITORS = (Role.admin,)
TARGET_FIELDS = (
    "first_response_minutes",
    "next_response_minutes",
    "resolution_minutes",
    "first_response_days",
    "resolution_days",
)
TARGET_MAX = {"minutes": 60 * 24 * 366, "days": 366}


# --- policies as values ---------------------------------------------------------------------------------


def _target(minutes: int | None, days: int | None) -> sla.Target | None:
    if minutes is None and days is None:
        return None
    return sla.Target(minutes=minutes, days=days)


def policy_of(row: SlaPolicy) -> sla.Policy:
    """The pure value of a stored policy."""
    return sla.Policy(
        clock=sla.Clock(row.clock),
        first_response=_target(row.first_response_minutes, row.first_response_days),
        next_response=_target(row.next_response_minutes, None),
        resolution=_target(row.resolution_minutes, row.resolution_days),
        at_risk_share=row.at_risk_share,
        message_type=row.message_type,
        priority=row.priority,
        escalate_to_parent=row.escalate_to_parent,
        name=row.name,
        id=row.id,
    )


def _path(unit: Unit) -> list[int]:
    return [int(x) for x in unit.path.strip("/").split("/") if x] or [unit.id]


def own_policies(session: Session, unit: Unit) -> list[SlaPolicy]:
    """The unit's own active policies, most general first."""
    stmt = select(SlaPolicy).where(SlaPolicy.unit_id == unit.id, SlaPolicy.is_active.is_(True))
    rows = session.scalars(stmt.order_by(SlaPolicy.id))
    return sorted(rows, key=lambda p: (policy_of(p).specificity, p.id))


def effective_policies(session: Session, unit: Unit) -> tuple[Unit | None, list[SlaPolicy]]:
    """The policies that apply in the unit: its own, else its nearest ancestor's (and that unit)."""
    path = _path(unit)
    rows = session.scalars(
        select(SlaPolicy)
        .where(SlaPolicy.unit_id.in_(path), SlaPolicy.is_active.is_(True))
        .order_by(SlaPolicy.id)
    ).all()
    by_unit: dict[int, list[SlaPolicy]] = {}
    for row in rows:
        by_unit.setdefault(row.unit_id, []).append(row)
    for unit_id in reversed(path):
        if unit_id in by_unit:
            owner = unit if unit_id == unit.id else session.get(Unit, unit_id)
            return owner, by_unit[unit_id]
    return None, []


def access_policy(session: Session, actor: org_service.Principal, policy_id: int) -> SlaPolicy:
    """A policy of the actor's unit or below (to read or change); any other id is simply not found."""
    policy = session.get(SlaPolicy, policy_id)
    unit = session.get(Unit, policy.unit_id) if policy is not None else None
    if policy is None or unit is None or not org_service.can_access(actor, unit):
        raise NotFound(_("Policy not found."))
    return policy


# --- changing policies (admins of the unit's subtree; every change audited) -------------------------


@dataclass(frozen=True)
class PolicyFields:
    """What an admin sets on a policy (None: no such target / any type / any priority)."""

    name: str
    clock: str = sla.Clock.working.value
    message_type: str | None = None
    priority: str | None = None
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    first_response_days: int | None = None
    resolution_days: int | None = None
    at_risk_share: float = sla.DEFAULT_AT_RISK_SHARE
    escalate_to_parent: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _require_editor(actor: org_service.Principal, unit: Unit) -> None:
    org_service.require_role(actor, *POLICY_EDITORS)
    if not org_service.can_access(actor, unit):
        raise PermissionDenied(_("Your role does not allow this."))


def _clean(fields: PolicyFields) -> PolicyFields:
    name = org_service.clean_name(fields.name)
    if fields.clock not in {c.value for c in sla.Clock}:
        raise Invalid(_("Choose working time or calendar time."), field="clock")
    message_type = fields.message_type or None
    if message_type is not None and message_type not in {t.value for t in MessageType}:
        raise Invalid(_("Choose one of the listed types."), field="message_type")
    priority = fields.priority or None
    if priority is not None and priority not in {p.value for p in Priority}:
        raise Invalid(_("Choose one of the listed priorities."), field="priority")
    for name_ in TARGET_FIELDS:
        value = getattr(fields, name_)
        limit = TARGET_MAX["days" if name_.endswith("_days") else "minutes"]
        if value is not None and not 0 < value <= limit:
            raise Invalid(_("Enter a positive number up to %(n)s.", n=limit), field=name_)
    if all(getattr(fields, f) is None for f in TARGET_FIELDS):
        raise Invalid(_("Set at least one target."), field="first_response_minutes")
    if not 0 < fields.at_risk_share <= 1:
        message = _("The at-risk point must lie after the start and no later than the deadline.")
        raise Invalid(message, field="at_risk_share")
    return PolicyFields(
        **{**fields.as_dict(), "name": name, "message_type": message_type, "priority": priority}
    )


def _check_unique(
    session: Session, unit: Unit, fields: PolicyFields, *, except_id: int | None = None
) -> None:
    stmt = select(SlaPolicy.id).where(
        SlaPolicy.unit_id == unit.id,
        SlaPolicy.is_active.is_(True),
        SlaPolicy.message_type.is_(None)
        if fields.message_type is None
        else SlaPolicy.message_type == fields.message_type,
        SlaPolicy.priority.is_(None) if fields.priority is None else SlaPolicy.priority == fields.priority,
    )
    if except_id is not None:
        stmt = stmt.where(SlaPolicy.id != except_id)
    if session.scalar(stmt.limit(1)) is not None:
        raise Conflict(_("This unit already has a policy for this type and priority."), field="message_type")


def _snapshot(row: SlaPolicy) -> dict[str, Any]:
    return {k: getattr(row, k) for k in PolicyFields.__dataclass_fields__}


def create_policy(
    session: Session, *, unit: Unit, fields: PolicyFields, actor: org_service.Principal, refresh: bool = True
) -> SlaPolicy:
    """Give the unit a deadline policy (its descendants without policies of their own inherit it)."""
    _require_editor(actor, unit)
    clean = _clean(fields)
    _check_unique(session, unit, clean)
    row = SlaPolicy(unit_id=unit.id, is_active=True, **clean.as_dict())
    session.add(row)
    audit_service.record(
        session, actor=actor, action="sla_policy.create", obj=row, unit=unit, after=_snapshot(row)
    )
    if refresh:
        queue_refresh(session, unit)
    return row


def update_policy(
    session: Session, *, policy: SlaPolicy, fields: PolicyFields, actor: org_service.Principal
) -> SlaPolicy:
    """Change a policy's targets or what it applies to."""
    unit = session.get_one(Unit, policy.unit_id)
    _require_editor(actor, unit)
    clean = _clean(fields)
    _check_unique(session, unit, clean, except_id=policy.id)
    before = _snapshot(policy)
    for key, value in clean.as_dict().items():
        setattr(policy, key, value)
    policy.updated_at = utcnow()
    audit_service.record(
        session,
        actor=actor,
        action="sla_policy.update",
        obj=policy,
        unit=unit,
        before=before,
        after=_snapshot(policy),
    )
    queue_refresh(session, unit)
    return policy


def delete_policy(session: Session, *, policy: SlaPolicy, actor: org_service.Principal) -> None:
    """Remove a policy; its conversations fall back to the next policy that fits (or none)."""
    unit = session.get_one(Unit, policy.unit_id)
    _require_editor(actor, unit)
    audit_service.record(
        session, actor=actor, action="sla_policy.delete", obj=policy, unit=unit, before=_snapshot(policy)
    )
    session.delete(policy)
    session.flush()
    queue_refresh(session, unit)


def _preset_fields(policy: sla.Policy) -> PolicyFields:
    first, resolution = policy.first_response, policy.resolution
    return PolicyFields(
        name=policy.name,
        clock=policy.clock.value,
        message_type=policy.message_type,
        priority=policy.priority,
        first_response_days=first.days if first else None,
        resolution_days=resolution.days if resolution else None,
        at_risk_share=policy.at_risk_share,
    )


def apply_lapor_preset(session: Session, *, unit: Unit, actor: org_service.Principal) -> list[SlaPolicy]:
    """Set the LAPOR! tiers on the unit: a policy of the same type and priority is replaced, others kept."""
    _require_editor(actor, unit)
    own = {(p.message_type, p.priority): p for p in own_policies(session, unit)}
    rows = []
    for preset in sla.LAPOR_PRESET:
        fields = _preset_fields(preset)
        existing = own.get((preset.message_type, preset.priority))
        if existing is None:
            rows.append(create_policy(session, unit=unit, fields=fields, actor=actor, refresh=False))
            continue
        before = _snapshot(existing)
        for key, value in fields.as_dict().items():
            setattr(existing, key, value)
        existing.first_response_minutes = existing.next_response_minutes = existing.resolution_minutes = None
        existing.updated_at = utcnow()
        audit_service.record(
            session,
            actor=actor,
            action="sla_policy.update",
            obj=existing,
            unit=unit,
            before=before,
            after=_snapshot(existing),
        )
        rows.append(existing)
    audit_service.record(session, actor=actor, action="sla_policy.lapor_preset", obj=unit, unit=unit)
    queue_refresh(session, unit)
    return rows


def queue_refresh(session: Session, unit: Unit) -> None:
    """Recompute the open conversations of the unit's subtree after this transaction commits."""
    from humas.inbox.tasks import refresh_unit_deadlines_task
    from humas.jobs import enqueue_after_commit

    enqueue_after_commit(session, refresh_unit_deadlines_task, unit_id=unit.id)


def policy_map(session: Session, unit_ids: Iterable[int]) -> Mapping[int, list[SlaPolicy]]:
    """Active policies of the given units, by unit id (pages show what each unit sets)."""
    out: dict[int, list[SlaPolicy]] = {}
    stmt = select(SlaPolicy).where(SlaPolicy.unit_id.in_(list(unit_ids)), SlaPolicy.is_active.is_(True))
    for row in session.scalars(stmt.order_by(SlaPolicy.id)):
        out.setdefault(row.unit_id, []).append(row)
    return out
