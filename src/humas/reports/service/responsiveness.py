"""The responsiveness section: the inbox's measures (``inbox.service.measures.responsiveness``) for the
report's units, in total and by channel, message type, team and person.

Each period's conversations are read and timed once (``responsiveness_groups``): the totals and each child's
numbers are folded from the grouping by unit (a conversation belongs to exactly one unit), the tables are the
groupings by channel, type, team and person of the same pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from humas.core.i18n import gettext
from humas.inbox.service import measures as inbox_measures
from humas.inbox.service.measures import Measures
from humas.reports.document import Chart, Column, Figure, Section, Table
from humas.reports.service import figures as F
from humas.reports.service.charts import bar_spec
from humas.reports.service.scope import Scope

N_ = F.N_
GROUPS = (
    ("channel", N_("By channel"), N_("Channel")),
    ("type", N_("By message type"), N_("Message type")),
    ("team", N_("By team"), N_("Team")),
    ("person", N_("By person"), N_("Person")),
)
KEYS = (
    "inbox.received",
    "inbox.response_rate",
    "inbox.unanswered",
    "inbox.first_response_p50",
    "inbox.first_response_p90",
    "inbox.resolution_p50",
    "inbox.sla_met_rate",
    "inbox.sla_missed",
    "inbox.lapor",
)


@dataclass
class InboxData:
    total: Measures
    previous: Measures
    by_unit: dict[int, Measures]
    previous_by_unit: dict[int, Measures]
    groups: dict[str, list[Measures]]  # this period's measures by channel, type, team and person


def merge(parts: Iterable[Measures], *, key: str = "all", label: str = "") -> Measures:
    """One group's measures from several (a subtree from its units): counts add, times and ids join."""
    out = Measures(key=key, label=label)
    for m in parts:
        out.received += m.received
        out.responded += m.responded
        out.resolved += m.resolved
        out.sla_known += m.sla_known
        out.sla_met += m.sla_met
        out.lapor += m.lapor
        out.first_response_hours.extend(m.first_response_hours)
        out.resolution_hours.extend(m.resolution_hours)
        for mine, theirs in (
            (out.received_ids, m.received_ids),
            (out.unanswered_ids, m.unanswered_ids),
            (out.missed_ids, m.missed_ids),
            (out.lapor_ids, m.lapor_ids),
        ):
            mine.extend(theirs[: max(0, inbox_measures.IDS_MAX - len(mine))])
    return out


def load(session: Session, scope: Scope) -> InboxData:
    """Both periods' measures per unit, and their totals."""
    ids = list(scope.unit_ids)
    wanted: tuple[str | None, ...] = ("unit", *(g for g, _t, _c in GROUPS))
    now = inbox_measures.responsiveness_groups(
        session, unit_ids=ids, start=scope.start, end=scope.end, groups=wanted
    )
    before = inbox_measures.responsiveness_groups(
        session, unit_ids=ids, start=scope.prev_start, end=scope.prev_end, groups=("unit",)
    )
    by_unit = {int(m.key): m for m in now["unit"]}
    previous_by_unit = {int(m.key): m for m in before["unit"]}
    groups = {str(g): rows for g, rows in now.items() if g != "unit"}
    return InboxData(merge(now["unit"]), merge(before["unit"]), by_unit, previous_by_unit, groups)


def values(m: Measures) -> dict[str, float | int | None]:
    """The section's figures of one group, by figure key."""
    return {
        "inbox.received": m.received,
        "inbox.response_rate": m.response_rate,
        "inbox.unanswered": m.received - m.responded,
        "inbox.first_response_p50": m.median_first_response_hours,
        "inbox.first_response_p90": m.p90_first_response_hours,
        "inbox.resolution_p50": m.median_resolution_hours,
        "inbox.sla_met_rate": m.sla_met_rate,
        "inbox.sla_missed": m.sla_known - m.sla_met,
        "inbox.lapor": m.lapor,
    }


def figures(data: InboxData) -> dict[str, Figure]:
    now, before = values(data.total), values(data.previous)
    return {key: F.figure(key, now[key], before[key]) for key in KEYS}


def _columns(group_title: str) -> tuple[Column, ...]:
    return (
        Column("group", group_title, "text"),
        Column("received", F.label("inbox.received"), "count"),
        Column("response_rate", F.label("inbox.response_rate"), "percent"),
        Column("first_response_p50", F.label("inbox.first_response_p50"), "hours"),
        Column("first_response_p90", F.label("inbox.first_response_p90"), "hours"),
        Column("resolution_p50", F.label("inbox.resolution_p50"), "hours"),
        Column("sla_met_rate", F.label("inbox.sla_met_rate"), "percent"),
        Column("lapor", F.label("inbox.lapor"), "count"),
    )


def _row(m: Measures) -> tuple[Any, ...]:
    v = values(m)
    keys = (
        "inbox.received",
        "inbox.response_rate",
        "inbox.first_response_p50",
        "inbox.first_response_p90",
        "inbox.resolution_p50",
        "inbox.sla_met_rate",
        "inbox.lapor",
    )
    return (str(m.label), *(F.clean(v[k]) for k in keys))


def _definition() -> str:
    return gettext(
        "Conversations opened in the period (spam left out). Response rate: those with a first response "
        "over those received. Times are counted in each unit's working hours. Deadlines met: conversations "
        "whose deadlines were met over those whose outcome is known."
    )


def section(data: InboxData, draft: tuple[str, ...]) -> Section:
    """The responsiveness section: the figures, one table per grouping, conversations per channel."""
    tables: list[Table] = []
    by_channel: list[Measures] = []
    for group, title, column in GROUPS:
        rows = data.groups[group]
        if group == "channel":
            for m in rows:
                m.label = F.platform_label(m.key)
            by_channel = rows
        tables.append(
            Table(
                key=f"inbox.by_{group}",
                title=gettext(title),
                columns=_columns(gettext(column)),
                rows=tuple(_row(m) for m in rows),
                definition=_definition(),
            )
        )
    charts: tuple[Chart, ...] = ()
    if by_channel:
        spec = bar_spec(
            [{"label": str(m.label), "value": m.received} for m in by_channel],
            label_title=gettext("Channel"),
            value_title=F.label("inbox.received"),
        )
        charts = (Chart("inbox.received_by_channel", gettext("Conversations received per channel"), spec),)
    return Section(
        key="responsiveness",
        title=gettext("Responsiveness"),
        figures=tuple(figures(data).values()),
        tables=tuple(tables),
        charts=charts,
        draft=draft,
    )
