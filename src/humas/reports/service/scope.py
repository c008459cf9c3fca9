"""What a report covers: the unit, the units whose numbers count, the zone, the period and the one before.

Built once per report (and per drill-down) from the unit, the period and whether descendants count, so the
builder and the drill-down read exactly the same units and the same ``[start, end)`` instants.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.core.errors import Invalid
from humas.core.i18n import LOCALES, _
from humas.org import service as org_service
from humas.org.models import Unit
from humas.reports.period import Period


@dataclass(frozen=True)
class Scope:
    unit: Unit
    unit_ids: tuple[int, ...]
    include_descendants: bool
    zone: ZoneInfo
    period: Period
    previous: Period
    start: datetime
    end: datetime
    prev_start: datetime
    prev_end: datetime

    @property
    def zone_name(self) -> str:
        return self.zone.key


def report_scope(session: Session, *, unit: Unit, period: Period, include_descendants: bool) -> Scope:
    """The units (the unit alone, or its whole subtree), its zone and the UTC bounds of both periods."""
    unit_ids = org_service.subtree_ids(session, unit) if include_descendants else [unit.id]
    zone = ZoneInfo(org_service.unit_zone_name(session, unit))
    previous = period.previous()
    start, end = period.bounds(zone)
    prev_start, prev_end = previous.bounds(zone)
    return Scope(
        unit=unit,
        unit_ids=tuple(sorted(unit_ids)),
        include_descendants=include_descendants,
        zone=zone,
        period=period,
        previous=previous,
        start=start,
        end=end,
        prev_start=prev_start,
        prev_end=prev_end,
    )


def clean_locale(locale: str | None) -> str:
    """A report locale humas speaks (none given: Indonesian); anything else is refused by name.

    The one check for the builder, the texts, the archive and the schedules."""
    value = (locale or "id").strip().lower()
    if value not in LOCALES:
        raise Invalid(_("Unknown language %(locale)s: use id or en.", locale=value[:10]), field="locale")
    return value


def root_name(session: Session, unit: Unit) -> str:
    """The institution's name: the root of the unit's tree (its first path element)."""
    root_id = next((int(p) for p in unit.path.split("/") if p), unit.id)
    if root_id == unit.id:
        return unit.name
    return session.scalar(select(Unit.name).where(Unit.id == root_id)) or unit.name


def direct_children(session: Session, unit: Unit) -> list[Unit]:
    """The unit's direct children that are not archived, by name."""
    stmt = select(Unit).where(Unit.parent_id == unit.id, Unit.archived_at.is_(None)).order_by(Unit.name)
    return list(session.scalars(stmt))


def child_of(unit: Unit, path_by_id: dict[int, str], children: list[Unit]) -> dict[int, int]:
    """Each unit of the subtree below ``unit`` mapped to the direct child whose subtree holds it."""
    child_ids = {c.id for c in children}
    out: dict[int, int] = {}
    for uid, path in path_by_id.items():
        parts = [int(p) for p in path.split("/") if p]
        if len(parts) > unit.depth + 1 and parts[unit.depth + 1] in child_ids:
            out[uid] = parts[unit.depth + 1]
    return out


def subtree_paths(session: Session, unit_ids: tuple[int, ...]) -> dict[int, str]:
    rows = session.execute(select(Unit.id, Unit.path).where(Unit.id.in_(list(unit_ids))))
    return {uid: path for uid, path in rows}
