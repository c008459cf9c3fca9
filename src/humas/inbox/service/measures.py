"""Responsiveness measures for reports and pages: what the guideline's *responsif* asks, counted once.

For a set of units and a period (conversations opened in it), grouped by unit, team, person, channel or
type: conversations received, response rate, median and 90th-percentile first-response time in working
hours (each unit's own calendar: zone, hours, national holidays, *cuti bersama*, closures), median
resolution time in working hours, share of deadlines met, and LAPOR! forwards. Every figure comes with the
ids of the conversations behind it, so a page or a report can drill down to them.

Definitions (also in docs/metrics.md once the reports land):
- received: conversations opened in the period (spam excluded: ``message_type == 'spam'``);
- response rate: received conversations with a first response (a staff reply that reached the platform,
  or the unit's own answer typed on the platform), over received;
- first-response time: working time from the conversation's opening to its first response;
- resolution time: working time from opening to closing (``selesai``), for those closed;
- deadlines met: conversations whose first-response target (and resolution target, once closed) was met,
  over those with a deadline policy whose result is known (answered, closed, or already missed).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.core.workcal import Calendar
from humas.inbox.models import Conversation, LaporForward, MessageType, SlaState, Team
from humas.org import service as org_service
from humas.org.models import Unit, User

ConversationRow = Any  # a row of ``_COLUMNS`` (or a Conversation): the fields read by name
GROUPS = ("unit", "team", "person", "channel", "type")
IDS_MAX = 5000  # the drill-down list behind one figure is capped (the page pages through it)


@dataclass
class Measures:
    """One group's figures; ``*_ids`` are the conversations behind each figure."""

    key: str
    label: str
    received: int = 0
    responded: int = 0
    resolved: int = 0
    sla_known: int = 0
    sla_met: int = 0
    lapor: int = 0
    first_response_hours: list[float] = field(default_factory=list, repr=False)
    resolution_hours: list[float] = field(default_factory=list, repr=False)
    received_ids: list[int] = field(default_factory=list, repr=False)
    unanswered_ids: list[int] = field(default_factory=list, repr=False)
    missed_ids: list[int] = field(default_factory=list, repr=False)
    lapor_ids: list[int] = field(default_factory=list, repr=False)

    @property
    def response_rate(self) -> float | None:
        return self.responded / self.received if self.received else None

    @property
    def median_first_response_hours(self) -> float | None:
        return percentile(self.first_response_hours, 50)

    @property
    def p90_first_response_hours(self) -> float | None:
        return percentile(self.first_response_hours, 90)

    @property
    def median_resolution_hours(self) -> float | None:
        return percentile(self.resolution_hours, 50)

    @property
    def sla_met_rate(self) -> float | None:
        return self.sla_met / self.sla_known if self.sla_known else None

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "label": self.label,
            "received": self.received,
            "responded": self.responded,
            "response_rate": self.response_rate,
            "median_first_response_hours": self.median_first_response_hours,
            "p90_first_response_hours": self.p90_first_response_hours,
            "resolved": self.resolved,
            "median_resolution_hours": self.median_resolution_hours,
            "sla_known": self.sla_known,
            "sla_met": self.sla_met,
            "sla_met_rate": self.sla_met_rate,
            "lapor_forwards": self.lapor,
        }


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile by the nearest-rank method (a figure that is one of the measured times)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


class _Timer:
    """Working hours from a conversation's opening to an answer (None without one), for many conversations of
    one calendar: working time up to each local day is summed once (``Calendar.working_time_between`` walks
    every day between the two moments, holidays and exceptions included, for each call; a month of a
    ministry's conversations spent most of its time there). Sums of timedeltas are exact, so the result is
    the calendar's own."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        self.base: date | None = None
        self.cumulative: list[timedelta] = []  # [i]: working time of the days base .. base + i - 1
        self.spans: dict[date, list[tuple[datetime, datetime]]] = {}

    def hours(self, start: datetime, end: datetime | None) -> float | None:
        return self.spans_from(start, end)[0]

    def spans_from(self, start: datetime, *ends: datetime | None) -> tuple[float | None, ...]:
        """Working hours from ``start`` to each of ``ends`` (None for a missing or earlier end)."""
        if all(end is None or end < start for end in ends):
            return tuple(None for _ in ends)
        before = self._upto(start)  # first: an earlier day moves the base, which only the ends after it see
        hour = timedelta(hours=1)
        return tuple(
            None if end is None or end < start else (self._upto(end) - before) / hour for end in ends
        )

    def _day(self, day: date) -> list[tuple[datetime, datetime]]:
        spans = self.spans.get(day)
        if spans is None:
            spans = self.spans[day] = self.calendar.intervals(day)
        return spans

    def _total(self, day: date) -> timedelta:
        return sum((e - s for s, e in self._day(day)), timedelta(0))

    def _before(self, day: date) -> timedelta:
        """Working time from ``base`` to the start of ``day`` (the base moves back when needed)."""
        if self.base is None:
            self.base, self.cumulative = day, [timedelta(0)]
        assert self.base is not None
        while day < self.base:
            self.base -= timedelta(days=1)
            first = self._total(self.base)
            self.cumulative = [timedelta(0), *(c + first for c in self.cumulative)]
        i = (day - self.base).days
        while len(self.cumulative) <= i:
            last = self.base + timedelta(days=len(self.cumulative) - 1)
            self.cumulative.append(self.cumulative[-1] + self._total(last))
        return self.cumulative[i]

    def _upto(self, moment: datetime) -> timedelta:
        day = self.calendar.local_date(moment)
        total = self._before(day)
        for s, e in self._day(day):
            if moment > s:
                total += min(e, moment) - s
        return total


def _sla_outcome(c: ConversationRow) -> bool | None:
    """Whether the conversation's deadlines were met: None while it is still open and not yet missed."""
    if c.sla_policy_id is None and c.sla_state == SlaState.none.value:
        return None
    if c.sla_state == SlaState.missed.value or c.first_response_met is False or c.resolution_met is False:
        return False
    if c.first_response_met is None:
        return None
    if c.resolved_at is not None and c.resolution_met is None and c.resolution_due_at is not None:
        return None
    return True


def _group_of(c: ConversationRow, group: str | None) -> str:
    if group == "unit":
        return str(c.unit_id)
    if group == "team":
        return str(c.team_id or "")
    if group == "person":
        return str(c.assignee_id or "")
    if group == "channel":
        return c.platform
    if group == "type":
        return c.message_type
    return "all"


def responsiveness(
    session: Session,
    *,
    unit_ids: Sequence[int],
    start: datetime,
    end: datetime,
    group: str | None = None,
) -> list[Measures]:
    """The responsiveness figures of conversations opened in [start, end) in these units, per group."""
    return responsiveness_groups(session, unit_ids=unit_ids, start=start, end=end, groups=(group,))[group]


# The columns the measures read, as plain rows: a report reads a month of a ministry's conversations, and
# loading them as ORM objects cost most of the time (a 10,000-row month: 1.4 s of 2.3 s).
_COLUMNS = (
    Conversation.id, Conversation.unit_id, Conversation.platform, Conversation.message_type,
    Conversation.team_id, Conversation.assignee_id, Conversation.opened_at, Conversation.first_response_at,
    Conversation.resolved_at, Conversation.sla_policy_id, Conversation.sla_state,
    Conversation.first_response_met, Conversation.resolution_met, Conversation.resolution_due_at,
)  # fmt: skip


def responsiveness_groups(
    session: Session,
    *,
    unit_ids: Sequence[int],
    start: datetime,
    end: datetime,
    groups: Sequence[str | None],
) -> dict[str | None, list[Measures]]:
    """The figures for several groupings at once (a report's total, per unit, channel, type, team and
    person): the conversations are read and their working times counted once."""
    if any(g is not None and g not in GROUPS for g in groups):
        raise Invalid(_("Unknown grouping."), field="group")
    if end <= start:
        raise Invalid(_("The end of the period must come after its start."), field="end")
    rows = session.execute(
        select(*_COLUMNS)
        .where(
            Conversation.unit_id.in_(list(unit_ids)),
            Conversation.opened_at >= start,
            Conversation.opened_at < end,
            Conversation.message_type != MessageType.spam.value,
        )
        .order_by(Conversation.opened_at, Conversation.id)
    ).all()
    forwarded = _forwarded(session, [c.id for c in rows])
    timers: dict[int, _Timer] = {}
    out: dict[str | None, dict[str, Measures]] = {g: {} for g in groups}
    for c in rows:
        timer = timers.get(c.unit_id)
        if timer is None:
            unit = session.get(Unit, c.unit_id)
            assert unit is not None
            timer = timers[c.unit_id] = _Timer(org_service.unit_calendar(session, unit))
        first, resolved = timer.spans_from(c.opened_at, c.first_response_at, c.resolved_at)
        lapor, outcome = c.id in forwarded, _sla_outcome(c)
        for group, measures in out.items():
            key = _group_of(c, group)
            m = measures.get(key) or measures.setdefault(key, Measures(key=key, label=key))
            _count(m, c.id, (first, resolved), outcome, lapor)
    for group, measures in out.items():
        _label(session, group, measures)
    return {g: sorted(ms.values(), key=lambda m: (-m.received, m.label)) for g, ms in out.items()}


def _count(
    m: Measures, cid: int, times: tuple[float | None, float | None], outcome: bool | None, lapor: bool
) -> None:
    m.received += 1
    _keep(m.received_ids, cid)
    first, resolved = times
    if first is not None:
        m.responded += 1
        m.first_response_hours.append(first)
    else:
        _keep(m.unanswered_ids, cid)
    if resolved is not None:
        m.resolved += 1
        m.resolution_hours.append(resolved)
    if outcome is not None:
        m.sla_known += 1
        m.sla_met += int(outcome)
        if not outcome:
            _keep(m.missed_ids, cid)
    if lapor:
        m.lapor += 1
        _keep(m.lapor_ids, cid)


def _keep(ids: list[int], value: int) -> None:
    if len(ids) < IDS_MAX:
        ids.append(value)


def _forwarded(session: Session, ids: Iterable[int]) -> set[int]:
    wanted = list(ids)
    found: set[int] = set()
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        found |= set(
            session.scalars(
                select(LaporForward.conversation_id).where(LaporForward.conversation_id.in_(chunk))
            )
        )
    return found


def _label(session: Session, group: str | None, groups: dict[str, Measures]) -> None:
    ids = [int(k) for k in groups if k.isdigit()]
    names: dict[str, str] = {}
    if group == "unit" and ids:
        names = {str(u.id): u.name for u in session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    elif group == "team" and ids:
        names = {str(t.id): t.name for t in session.scalars(select(Team).where(Team.id.in_(ids)))}
    elif group == "person" and ids:
        names = {str(u.id): u.name for u in session.scalars(select(User).where(User.id.in_(ids)))}
    for key, m in groups.items():
        if key in names:
            m.label = names[key]
        elif key == "" and group == "team":
            m.label = _("No team")
        elif key == "" and group == "person":
            m.label = _("Unassigned")
        elif key == "all":
            m.label = _("All")


def measure_ids(m: Measures, figure: str) -> list[int]:
    """The conversations behind one figure (``received``, ``unanswered``, ``missed``, ``lapor``)."""
    lists = {
        "received": m.received_ids,
        "unanswered": m.unanswered_ids,
        "missed": m.missed_ids,
        "lapor": m.lapor_ids,
    }
    if figure not in lists:
        raise Invalid(_("Unknown figure."), field="figure")
    return list(lists[figure])
