"""The children section of a report with descendants: each direct child (with its own subtree) ranked per
key measure, and who improved most.

Nothing is rebuilt per child: the inbox numbers fold the per-unit grouping the responsiveness section already
read, the publishing numbers fold its per-channel figures (a channel has one unit), and listening reads the
dashboard's rollup cells once per child over both periods (a few indexed sums each).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from humas.core.i18n import gettext
from humas.org.models import Unit
from humas.reports.document import Column, Drill, Section, Table
from humas.reports.service import figures as F
from humas.reports.service import listening, publishing, responsiveness
from humas.reports.service.draft import fmt
from humas.reports.service.scope import Scope, child_of, direct_children, subtree_paths

Values = dict[str, float | int | None]


@dataclass(frozen=True)
class ChildRow:
    unit: Unit
    now: Values
    before: Values

    def improvement(self, key: str) -> float | None:
        """How far the measure moved the good way (positive: better); None when not comparable."""
        a, b, better = self.now.get(key), self.before.get(key), F.DEFS[key].better
        if a is None or b is None or better == "none":
            return None
        return (float(a) - float(b)) * (1 if better == "up" else -1)


def child_rows(
    session: Session, scope: Scope, inbox: responsiveness.InboxData, pub: publishing.PublishingData | None
) -> list[ChildRow]:
    """Every direct child's figures (its subtree's) in both periods."""
    children = direct_children(session, scope.unit)
    if not children or not scope.include_descendants:
        return []
    owner = child_of(scope.unit, subtree_paths(session, scope.unit_ids), children)
    members: dict[int, list[int]] = defaultdict(list)
    for uid, child_id in owner.items():
        members[child_id].append(uid)
    rows = []
    for child in children:
        ids = members[child.id]
        now: Values = {}
        before: Values = {}
        now |= responsiveness.values(
            responsiveness.merge(inbox.by_unit[u] for u in ids if u in inbox.by_unit)
        )
        before |= responsiveness.values(
            responsiveness.merge(inbox.previous_by_unit[u] for u in ids if u in inbox.previous_by_unit)
        )
        if pub is not None:
            now |= _publishing(pub.now, ids)
            before |= _publishing(pub.previous, ids)
        t_now, t_before = listening.totals_both(session, scope, ids)
        now |= listening.values(t_now.total, t_now.positive, t_now.negative, t_now.net)
        before |= listening.values(t_before.total, t_before.positive, t_before.negative, t_before.net)
        rows.append(ChildRow(child, now, before))
    return rows


def _publishing(m: Any, ids: list[int]) -> Values:
    wanted = set(ids)
    folded = publishing.fold(c for c in m.channels if c.unit_id in wanted)
    return publishing.values(None, folded)


def _order(rows: list[ChildRow], key: str) -> list[ChildRow]:
    """Best first (highest, or lowest where lower is better); children without a value last, by name."""
    sign = -1 if F.DEFS[key].better == "down" else 1
    known = [r for r in rows if r.now.get(key) is not None]
    unknown = [r for r in rows if r.now.get(key) is None]
    known.sort(key=lambda r: (-sign * float(r.now[key] or 0), r.unit.name))
    return known + sorted(unknown, key=lambda r: r.unit.name)


def _ranked(rows: list[ChildRow], key: str) -> Table:
    d = F.DEFS[key]
    ordered = _order(rows, key)
    return Table(
        key=f"children.{key}",
        title=F.label(key),
        columns=(
            Column("rank", gettext("Rank"), "count"),
            Column("unit", gettext("Unit"), "text"),
            Column("value", gettext("This period"), d.kind),
            Column("previous", gettext("Previous period"), d.kind),
        ),
        rows=tuple(
            (
                i + 1 if r.now.get(key) is not None else None,
                r.unit.name,
                F.clean(r.now.get(key)),
                F.clean(r.before.get(key)),
            )
            for i, r in enumerate(ordered)
        ),
        drills=tuple(
            Drill(d.target, {"figure": key, "unit": str(r.unit.id)}) if d.target else None for r in ordered
        ),
    )


def most_improved(rows: list[ChildRow]) -> list[tuple[str, ChildRow]]:
    """Per ranked measure with a good direction: the child that moved furthest the good way (if any did)."""
    out = []
    for key in F.RANKED:
        if F.DEFS[key].better == "none":
            continue
        moved = [(r.improvement(key), r) for r in rows]
        best = max(((v, r) for v, r in moved if v is not None and v > 0), key=lambda x: x[0], default=None)
        if best is not None:
            out.append((key, best[1]))
    return out


def section(rows: list[ChildRow], draft: tuple[str, ...]) -> Section:
    improved = most_improved(rows)
    tables = [_ranked(rows, key) for key in F.RANKED]
    tables.append(
        Table(
            key="children.most_improved",
            title=gettext("Who improved most"),
            columns=(
                Column("measure", gettext("Measure"), "text"),
                Column("unit", gettext("Unit"), "text"),
                Column("previous", gettext("Previous period"), "text"),
                Column("value", gettext("This period"), "text"),
            ),
            rows=tuple(
                (
                    F.label(key),
                    r.unit.name,
                    fmt(r.before.get(key), F.DEFS[key].kind),
                    fmt(r.now.get(key), F.DEFS[key].kind),
                )
                for key, r in improved
            ),
            definition=gettext(
                "For each measure, the child unit (with its descendants) whose value moved furthest the good "
                "way against the previous period."
            ),
        )
    )
    return Section(
        key="children", title=gettext("Comparison of sub-units"), tables=tuple(tables), draft=draft
    )
