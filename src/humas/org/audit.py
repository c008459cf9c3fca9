"""The audit log: every change of state, appended in the same transaction as the change."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Protocol

from sqlalchemy import Select, event, select
from sqlalchemy.orm import Session

from humas.core.errors import Conflict
from humas.core.i18n import _
from humas.core.pages import Page, paginate
from humas.core.time import utcnow
from humas.org.models import AuditLog, Unit, User

SYSTEM = "system"


class Actor(Protocol):
    """Who an audit row names: a user, or anything acting as one (an API token's principal)."""

    @property
    def id(self) -> int: ...
    @property
    def email(self) -> str: ...


def record(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    obj: Any,
    unit: Unit | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    label: str | None = None,
) -> AuditLog:
    """Append one audit row for a change of `obj` (flushes so the object has an id)."""
    session.flush()
    row = AuditLog(
        at=utcnow(),
        actor_id=actor.id if actor else None,
        actor_label=actor.email if actor else SYSTEM,
        action=action,
        object_type=type(obj).__name__.lower(),
        object_id=str(getattr(obj, "id", "")) or None,
        object_label=label
        if label is not None
        else str(getattr(obj, "name", "") or getattr(obj, "email", "")),
        unit_id=unit.id if unit else None,
        before=before,
        after=after,
    )
    session.add(row)
    return row


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditLog) and (obj in session.deleted or session.is_modified(obj)):
            raise Conflict(_("The audit log cannot be changed."))


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    actor: str | None = None
    object_type: str | None = None
    since: date | None = None
    until: date | None = None
    zone: tzinfo = UTC  # the zone `since` and `until` are days of (pages: the viewer's unit zone)


def list_entries(
    session: Session,
    *,
    unit_ids: Iterable[int] | None,
    filters: AuditFilter,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditLog]:
    """Entries newest first; `unit_ids` limits them to a subtree (None: everything, for the CLI)."""
    stmt = _filtered(select(AuditLog), filters)
    if unit_ids is not None:
        stmt = stmt.where(AuditLog.unit_id.in_(list(unit_ids)))
    stmt = stmt.order_by(AuditLog.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(stmt))


def page_entries(
    session: Session,
    *,
    unit_ids: Iterable[int],
    filters: AuditFilter,
    page: int | None = None,
    size: int = 50,
) -> Page[AuditLog]:
    """One page of the entries of a subtree, newest first, with the total the filters select."""
    stmt = _filtered(select(AuditLog), filters).where(AuditLog.unit_id.in_(list(unit_ids)))
    return paginate(session, stmt.order_by(AuditLog.id.desc()), page=page, size=size)


def actor_names(session: Session, entries: Iterable[AuditLog]) -> dict[int, str]:
    """The names of the people who made the entries (by user id), for sentences such as "Admin Demo ..."."""
    ids = {e.actor_id for e in entries if e.actor_id is not None}
    if not ids:
        return {}
    return {i: n for i, n in session.execute(select(User.id, User.name).where(User.id.in_(ids)))}


def _filtered(stmt: Select[tuple[AuditLog]], filters: AuditFilter) -> Select[tuple[AuditLog]]:
    if filters.action:
        stmt = stmt.where(AuditLog.action.startswith(filters.action, autoescape=True))
    if filters.actor:
        stmt = stmt.where(AuditLog.actor_label.contains(filters.actor, autoescape=True))
    if filters.object_type:
        stmt = stmt.where(AuditLog.object_type == filters.object_type)
    if filters.since:
        stmt = stmt.where(AuditLog.at >= datetime.combine(filters.since, time.min, tzinfo=filters.zone))
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), time.min, tzinfo=filters.zone)
        stmt = stmt.where(AuditLog.at < end)
    return stmt


CSV_COLUMNS = [
    "id",
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "unit_id",
    "before",
    "after",
]


def export_csv(
    session: Session, *, filters: AuditFilter, unit_ids: Iterable[int] | None = None
) -> Iterator[str]:
    """The log (filtered; `unit_ids` limits it to a subtree, None: all) as CSV, oldest first, in pages."""
    import json

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    base = _filtered(select(AuditLog), filters)
    if unit_ids is not None:
        base = base.where(AuditLog.unit_id.in_(list(unit_ids)))
    last_id = 0
    while True:
        rows = list(session.scalars(base.where(AuditLog.id > last_id).order_by(AuditLog.id).limit(1000)))
        for row in rows:
            writer.writerow(
                [
                    row.id,
                    row.at.isoformat(),
                    _csv_safe(row.actor_label),
                    _csv_safe(row.action),
                    _csv_safe(row.object_type),
                    _csv_safe(row.object_id or ""),
                    _csv_safe(row.object_label),
                    row.unit_id,
                    _csv_safe(json.dumps(row.before, ensure_ascii=False)) if row.before is not None else "",
                    _csv_safe(json.dumps(row.after, ensure_ascii=False)) if row.after is not None else "",
                ]
            )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(rows) < 1000:
            return
        last_id = rows[-1].id


def _csv_safe(value: str) -> str:
    """Defuse spreadsheet formulas in text a user or the public controls (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
