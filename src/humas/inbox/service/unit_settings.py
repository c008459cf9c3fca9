"""A unit's inbox rules (reply approval, auto-hide, DM retention, DM gap), inherited down the tree.

A unit without an ``InboxSettings`` row takes its nearest ancestor's; with none in its line it gets the
defaults (no approval, no auto-hide, DMs kept). Changing a unit's rules writes its own row, audited.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.core.errors import Invalid, NotFound
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.inbox.models import InboxSettings
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit
from humas.org.service import Principal

APPROVAL_MODES = ("none", "roles", "sensitive", "all")
RETENTION_MAX_DAYS = 3650
DM_GAP_MAX_HOURS = 24 * 90


@dataclass(frozen=True)
class Rules:
    """The rules that apply to one unit, and the unit they come from (``None``: the defaults)."""

    unit_id: int | None
    dm_gap_hours: int = 24
    auto_hide_abuse: bool = False
    auto_hide_threshold: float = 0.9
    reply_approval: str = "none"
    reply_approval_roles: tuple[str, ...] = field(default_factory=tuple)
    dm_retention_days: int | None = None
    escalation_telegram_chat_id: str | None = None


def _ancestor_ids(unit: Unit) -> list[int]:
    """The unit's line from itself up to the root (nearest first)."""
    return [int(x) for x in reversed(unit.path.strip("/").split("/")) if x]


def _rules_of(row: InboxSettings) -> Rules:
    return Rules(
        unit_id=row.unit_id,
        dm_gap_hours=row.dm_gap_hours,
        auto_hide_abuse=row.auto_hide_abuse,
        auto_hide_threshold=row.auto_hide_threshold,
        reply_approval=row.reply_approval,
        reply_approval_roles=tuple(str(r) for r in row.reply_approval_roles or ()),
        dm_retention_days=row.dm_retention_days,
        escalation_telegram_chat_id=row.escalation_telegram_chat_id,
    )


def rules_for(session: Session, unit: Unit) -> Rules:
    """The rules of ``unit``: its own row, else the nearest ancestor's, else the defaults."""
    line = _ancestor_ids(unit) or [unit.id]
    rows = {
        r.unit_id: r for r in session.scalars(select(InboxSettings).where(InboxSettings.unit_id.in_(line)))
    }
    for unit_id in line:
        if unit_id in rows:
            return _rules_of(rows[unit_id])
    return Rules(unit_id=None)


def rules_for_units(session: Session, units: Iterable[Unit]) -> dict[int, Rules]:
    """The rules of many units with one query (the retention sweep)."""
    units = list(units)
    lines = {u.id: (_ancestor_ids(u) or [u.id]) for u in units}
    wanted = {i for line in lines.values() for i in line}
    rows = {
        r.unit_id: r for r in session.scalars(select(InboxSettings).where(InboxSettings.unit_id.in_(wanted)))
    }
    out: dict[int, Rules] = {}
    for unit_id, line in lines.items():
        found = next((rows[i] for i in line if i in rows), None)
        out[unit_id] = _rules_of(found) if found is not None else Rules(unit_id=None)
    return out


@dataclass(frozen=True)
class RulesInput:
    reply_approval: str = "none"
    reply_approval_roles: tuple[str, ...] = ()
    auto_hide_abuse: bool = False
    auto_hide_threshold: float = 0.9
    dm_retention_days: int | None = None
    dm_gap_hours: int = 24
    escalation_telegram_chat_id: str | None = None


# A Telegram chat: a numeric id (groups and channels are negative, -100…) or a public @name.
_CHAT = re.compile(r"-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31}")


def _checked(data: RulesInput) -> RulesInput:
    if data.reply_approval not in APPROVAL_MODES:
        raise Invalid(_("Choose how replies are approved."), field="reply_approval")
    roles = tuple(sorted({r for r in data.reply_approval_roles if r}))
    if any(r not in {x.value for x in Role} for r in roles):
        raise Invalid(_("Unknown role."), field="reply_approval_roles")
    if data.reply_approval == "roles" and not roles:
        raise Invalid(_("Name the roles whose replies need approval."), field="reply_approval_roles")
    if not 0.0 < data.auto_hide_threshold <= 1.0:
        raise Invalid(_("The threshold must be above 0 and at most 1."), field="auto_hide_threshold")
    days = data.dm_retention_days
    if days is not None and not 1 <= days <= RETENTION_MAX_DAYS:
        raise Invalid(_("Keep messages between 1 and 3650 days."), field="dm_retention_days")
    if not 1 <= data.dm_gap_hours <= DM_GAP_MAX_HOURS:
        raise Invalid(_("The gap must be between 1 and 2160 hours."), field="dm_gap_hours")
    chat = (data.escalation_telegram_chat_id or "").strip() or None
    if chat is not None and not _CHAT.fullmatch(chat):
        raise Invalid(
            _("A Telegram chat is a number like -100123456 or a name like @humas_kota."),
            field="escalation_telegram_chat_id",
        )
    return RulesInput(
        reply_approval=data.reply_approval,
        reply_approval_roles=roles,
        auto_hide_abuse=data.auto_hide_abuse,
        auto_hide_threshold=data.auto_hide_threshold,
        dm_retention_days=days,
        dm_gap_hours=data.dm_gap_hours,
        escalation_telegram_chat_id=chat,
    )


def set_rules(session: Session, *, unit: Unit, data: RulesInput, actor: Principal) -> InboxSettings:
    """Set a unit's own inbox rules (its descendants without rules of their own follow); admins only."""
    org_service.require_role(actor, Role.admin)
    if not org_service.can_access(actor, unit):
        raise NotFound(_("Unit not found."))
    data = _checked(data)
    row = session.get(InboxSettings, unit.id)
    before = None if row is None else _snapshot(row)
    if row is None:
        row = InboxSettings(unit_id=unit.id)
        session.add(row)
    row.reply_approval, row.reply_approval_roles = data.reply_approval, list(data.reply_approval_roles)
    row.auto_hide_abuse, row.auto_hide_threshold = data.auto_hide_abuse, data.auto_hide_threshold
    row.dm_retention_days, row.dm_gap_hours = data.dm_retention_days, data.dm_gap_hours
    row.escalation_telegram_chat_id = data.escalation_telegram_chat_id
    row.updated_at = utcnow()
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="inbox.settings",
        obj=row,
        unit=unit,
        label=unit.name,
        before=before,
        after=_snapshot(row),
    )
    return row


def _snapshot(row: InboxSettings) -> dict[str, object]:
    return {
        "reply_approval": row.reply_approval,
        "reply_approval_roles": list(row.reply_approval_roles or []),
        "auto_hide_abuse": row.auto_hide_abuse,
        "auto_hide_threshold": row.auto_hide_threshold,
        "dm_retention_days": row.dm_retention_days,
        "dm_gap_hours": row.dm_gap_hours,
        "escalation_telegram_chat_id": row.escalation_telegram_chat_id,
    }
