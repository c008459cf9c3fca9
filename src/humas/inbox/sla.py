"""Deadline (SLA) arithmetic of the inbox: pure, no database.

A `Policy` sets up to three targets — first response, next response, resolution — each a `Target` of minutes
or days, counted on one clock:

- ``working``: minutes are working minutes of the unit's `Calendar` (zone, hours, national holidays, *cuti
  bersama*, closures); days are working days, LAPOR! style: "3 working days" from a message received on
  Monday is due at the close of Thursday (`Calendar.add_working_days`), whatever the hour it came in.
- ``calendar``: minutes and days of wall-clock time (24 h a day, holidays count).

`compute` walks a conversation's history (plain `Event`s) into the spans during which the clock runs. It runs
from the opening; a status change to *menunggu* (waiting on the public) pauses it, *selesai* (closed) stops
it; any other status (*terbuka*, *baru*, *ditunda* — a snooze is the staff's choice, so it does not pause)
or a message from the public while waiting resumes it. A target's budget is measured in its clock — a days
target becomes the working time from its start to the close of its last working day — and its due time is
the moment the running spans have used that budget. So a pause shifts the due time by the paused span
measured in the policy's clock: two paused working hours move a working-time deadline by two working hours,
a paused weekend moves it by nothing. The at-risk time is when the set share of the budget is used.

A target is *met* when done (a staff reply for the responses, closing for the resolution) by its due time,
*missed* when its due time passed first (missed stays missed), else *paused*, *at_risk* or *on_track*. Closing
a conversation completes every running target at the closing moment (closing a spam thread answers it);
reopening resumes them, the closed span counted as a pause.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from humas.core.workcal import Calendar


class Clock(StrEnum):
    working = "working"
    calendar = "calendar"


class State(StrEnum):
    none = "none"  # no target applies
    on_track = "on_track"
    at_risk = "at_risk"
    missed = "missed"
    met = "met"
    paused = "paused"


class Kind(StrEnum):
    opened = "opened"
    citizen = "citizen"  # an item from the public
    staff_reply = "staff_reply"  # a public reply of the unit's staff (internal notes do not count)
    status = "status"  # a status change; `Event.status` is the new status


PAUSING = frozenset({"menunggu"})  # waiting on the public
STOPPING = frozenset({"selesai"})  # closed
DEFAULT_AT_RISK_SHARE = 0.75


@dataclass(frozen=True)
class Target:
    """A duration in the policy's clock: `days` (working or calendar days) wins over `minutes` when set."""

    minutes: int | None = None
    days: int | None = None

    def __post_init__(self) -> None:
        if self.minutes is None and self.days is None:
            raise ValueError("a target needs minutes or days")
        if (self.minutes or 0) < 0 or (self.days or 0) < 0:
            raise ValueError("a target must not be negative")


@dataclass(frozen=True)
class Policy:
    """Deadline targets for conversations of a type and priority (None: any)."""

    clock: Clock = Clock.working
    first_response: Target | None = None
    next_response: Target | None = None
    resolution: Target | None = None
    at_risk_share: float = DEFAULT_AT_RISK_SHARE
    message_type: str | None = None
    priority: str | None = None
    escalate_to_parent: bool = False
    name: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        if not 0 < self.at_risk_share <= 1:
            raise ValueError("the at-risk share must be within (0, 1]")

    @property
    def specificity(self) -> int:
        """2 bits: type set (2), priority set (1); a type-specific policy beats a priority-specific one."""
        return (self.message_type is not None) * 2 + (self.priority is not None)


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # a `Kind`
    status: str | None = None  # the new status of a `status` event


@dataclass(frozen=True)
class TargetStatus:
    started_at: datetime
    budget: timedelta  # in the policy's clock
    elapsed: timedelta  # clock time used by now (or by the moment it was done)
    due_at: datetime | None  # None while paused and not yet missed
    at_risk_at: datetime | None
    done_at: datetime | None
    state: State

    @property
    def remaining(self) -> timedelta:
        return max(self.budget - self.elapsed, timedelta(0))

    @property
    def running(self) -> bool:
        """Still counting towards a state change (not done, not missed yet)."""
        return self.done_at is None and self.state is not State.missed

    @property
    def open(self) -> bool:
        """Not done yet (a missed target stays open until answered or closed)."""
        return self.done_at is None


@dataclass(frozen=True)
class Deadlines:
    first_response: TargetStatus | None
    next_response: TargetStatus | None
    resolution: TargetStatus | None
    state: State
    paused: bool  # waiting on the public (the clock stands still)
    closed: bool
    next_due_at: datetime | None = field(
        default=None
    )  # soonest due time of an open target (overdue ones too)
    next_risk_at: datetime | None = field(default=None)  # soonest at-risk time of a running, on-track target

    @property
    def targets(self) -> tuple[TargetStatus, ...]:
        found = (self.first_response, self.next_response, self.resolution)
        return tuple(t for t in found if t is not None)


# --- clocks ---------------------------------------------------------------------------------------------


class Meter(Protocol):
    def between(self, start: datetime, end: datetime) -> timedelta: ...
    def add(self, start: datetime, amount: timedelta) -> datetime: ...
    def budget(self, start: datetime, target: Target) -> timedelta: ...


@dataclass(frozen=True)
class WorkingMeter:
    calendar: Calendar

    def between(self, start: datetime, end: datetime) -> timedelta:
        return self.calendar.working_time_between(start, end)

    def add(self, start: datetime, amount: timedelta) -> datetime:
        return self.calendar.add_working_time(start, amount)

    def budget(self, start: datetime, target: Target) -> timedelta:
        if target.days is not None:
            return self.between(start, self.calendar.add_working_days(start, target.days))
        return timedelta(minutes=target.minutes or 0)


class WallMeter:
    def between(self, start: datetime, end: datetime) -> timedelta:
        return max(end - start, timedelta(0))

    def add(self, start: datetime, amount: timedelta) -> datetime:
        return start + amount

    def budget(self, start: datetime, target: Target) -> timedelta:
        if target.days is not None:
            return timedelta(days=target.days)
        return timedelta(minutes=target.minutes or 0)


def meter_for(policy: Policy, calendar: Calendar) -> Meter:
    return WorkingMeter(calendar) if policy.clock is Clock.working else WallMeter()


# --- the history as running spans -----------------------------------------------------------------------

Span = tuple[datetime, datetime | None]  # the clock runs from .. to (None: still running)


@dataclass(frozen=True)
class Timeline:
    opened_at: datetime
    spans: tuple[Span, ...]
    closed_at: datetime | None  # set when the conversation is closed now
    first_reply_at: datetime | None
    next_cycle: tuple[datetime, datetime | None] | None  # the last citizen message awaiting a next answer

    @property
    def paused(self) -> bool:
        return self.closed_at is None and (not self.spans or self.spans[-1][1] is not None)


def timeline(history: Iterable[Event], now: datetime) -> Timeline:
    """Running spans and answer times from the events up to `now` (later ones are not known yet)."""
    events = sorted((e for e in history if e.at <= now), key=lambda e: e.at)
    opened = next((e.at for e in events if e.kind == Kind.opened), events[0].at if events else now)
    spans: list[Span] = []
    run_from: datetime | None = opened
    closed_at = first_reply = pending = None
    cycle: tuple[datetime, datetime | None] | None = None
    for event in events:
        at = max(event.at, opened)
        if event.kind == Kind.status:
            if event.status in PAUSING | STOPPING:
                if run_from is not None:
                    spans.append((run_from, at))
                run_from = None
                closed_at = at if event.status in STOPPING else None
            elif run_from is None:
                run_from, closed_at = at, None
        elif event.kind == Kind.citizen:
            if run_from is None and closed_at is None:  # the public answered: the clock runs again
                run_from = at
            if first_reply is not None and pending is None:
                pending = at
        elif event.kind == Kind.staff_reply:
            first_reply = first_reply or at
            if pending is not None:
                cycle, pending = (pending, at), None
    if run_from is not None:
        spans.append((run_from, None))
    if pending is not None:
        cycle = (pending, None)
    return Timeline(opened, tuple(spans), closed_at, first_reply, cycle)


def _reach(meter: Meter, spans: Sequence[Span], start: datetime, amount: timedelta) -> datetime | None:
    """The moment the running spans after `start` have used `amount`; None if they stop short of it."""
    used = timedelta(0)
    for span_start, span_end in spans:
        if span_end is not None and span_end <= start:
            continue
        begin = max(span_start, start)
        if span_end is None:
            return meter.add(begin, amount - used)
        part = meter.between(begin, span_end)
        if used + part >= amount:
            return meter.add(begin, amount - used)
        used += part
    return None


def _used(meter: Meter, spans: Sequence[Span], start: datetime, until: datetime) -> timedelta:
    total = timedelta(0)
    for span_start, span_end in spans:
        begin, end = max(span_start, start), min(span_end or until, until)
        if end > begin:
            total += meter.between(begin, end)
    return total


def _target(
    meter: Meter,
    line: Timeline,
    *,
    target: Target,
    share: float,
    start: datetime,
    done: datetime | None,
    now: datetime,
) -> TargetStatus:
    budget = meter.budget(start, target)
    due = _reach(meter, line.spans, start, budget)
    risk = _reach(meter, line.spans, start, budget * share)
    elapsed = _used(meter, line.spans, start, min(done or now, now))
    if done is not None:
        state = State.met if due is None or done <= due else State.missed
    elif due is not None and now >= due:
        state = State.missed
    elif line.paused:
        state = State.paused
    elif risk is not None and now >= risk:
        state = State.at_risk
    else:
        state = State.on_track
    return TargetStatus(start, budget, elapsed, due, risk, done, state)


# --- the whole conversation -----------------------------------------------------------------------------


def compute(policy: Policy, calendar: Calendar, history: Iterable[Event], now: datetime) -> Deadlines:
    """Due and at-risk times, time used and state of each target of `policy` at `now`."""
    line = timeline(history, now)
    meter = meter_for(policy, calendar)
    closed = line.closed_at

    def status(target: Target | None, start: datetime, done: datetime | None) -> TargetStatus | None:
        if target is None:
            return None
        done = done or closed
        return _target(
            meter, line, target=target, share=policy.at_risk_share, start=start, done=done, now=now
        )

    first = status(policy.first_response, line.opened_at, line.first_reply_at)
    following = None
    if line.next_cycle is not None:
        following = status(policy.next_response, *line.next_cycle)
    resolution = status(policy.resolution, line.opened_at, None)
    return _summary((first, following, resolution), paused=line.paused, closed=closed is not None)


def _summary(
    targets: tuple[TargetStatus | None, TargetStatus | None, TargetStatus | None],
    *,
    paused: bool,
    closed: bool,
) -> Deadlines:
    found = [t for t in targets if t is not None]
    running = [t for t in found if t.running]
    states = {t.state for t in found}
    if not found:
        state = State.none
    elif State.missed in states:
        state = State.missed
    elif paused and running:
        state = State.paused
    elif State.at_risk in states:
        state = State.at_risk
    elif running:
        state = State.on_track
    else:
        state = State.met
    live = [t for t in found if t.open and not paused]
    dues = [t.due_at for t in live if t.due_at is not None]
    risks = [t.at_risk_at for t in live if t.at_risk_at is not None and t.state is State.on_track]
    return Deadlines(
        *targets,
        state=state,
        paused=paused,
        closed=closed,
        next_due_at=min(dues, default=None),
        next_risk_at=min(risks, default=None),
    )


# --- choosing a policy ----------------------------------------------------------------------------------


def select_policy(
    policies: Iterable[Policy], *, message_type: str | None, priority: str | None
) -> Policy | None:
    """The most specific policy that fits: type and priority, then type, then priority, then the default;
    among equals the oldest (lowest id)."""
    fits = [p for p in policies if p.message_type in (None, message_type) and p.priority in (None, priority)]
    return max(fits, key=lambda p: (p.specificity, -(p.id or 0)), default=None)


def nearest_policies(
    path: Sequence[int], by_unit: Mapping[int, Sequence[Policy]]
) -> tuple[int | None, list[Policy]]:
    """The policies of the nearest unit on `path` (root first, the unit last) that has any: a unit with
    policies of its own overrides its ancestors' as a whole."""
    for unit_id in reversed(path):
        found = list(by_unit.get(unit_id, ()))
        if found:
            return unit_id, found
    return None, []


# --- the LAPOR! preset ----------------------------------------------------------------------------------

# SP4N-LAPOR! tiers in working days: a first answer within 3; information (pertanyaan) and complaints
# (keluhan) resolved within 5; cases needing checks (aduan) 14; cases needing field checks 60.
LAPOR_FIRST_ANSWER_DAYS = 3
LAPOR_TIERS: Mapping[str, int] = {"pertanyaan": 5, "keluhan": 5, "aduan": 14, "lapangan": 60}


def _lapor(name: str, message_type: str | None, days: int) -> Policy:
    return Policy(
        clock=Clock.working,
        first_response=Target(days=LAPOR_FIRST_ANSWER_DAYS),
        resolution=Target(days=days),
        message_type=message_type,
        name=name,
    )


# NOTE: conversations carry no "needs a field check" flag, so the 60-day tier is not a policy row: it applies
# through a LAPOR! forward of tier "lapangan" (`with_lapor_tier`), which is where LAPOR! itself sets it.
LAPOR_PRESET: tuple[Policy, ...] = (
    _lapor("LAPOR! umum", None, LAPOR_TIERS["keluhan"]),
    _lapor("LAPOR! pertanyaan", "pertanyaan", LAPOR_TIERS["pertanyaan"]),
    _lapor("LAPOR! keluhan", "keluhan", LAPOR_TIERS["keluhan"]),
    _lapor("LAPOR! aduan", "aduan", LAPOR_TIERS["aduan"]),
)


def with_lapor_tier(policy: Policy | None, tier: str) -> Policy:
    """The policy with the resolution target of a LAPOR! tier: a forwarded report follows LAPOR!'s deadline.

    A working-clock policy keeps its response targets; a calendar-clock one (or none) gives way to the LAPOR!
    tier as a whole, since one policy has one clock and LAPOR! counts working days."""
    days = LAPOR_TIERS.get(tier)
    if days is None:
        raise ValueError(f"unknown LAPOR! tier {tier!r}")
    if policy is not None and policy.clock is Clock.working:
        return replace(policy, resolution=Target(days=days))
    tiered = _lapor(f"LAPOR! {tier}", None, days)
    if policy is None:
        return tiered
    return replace(
        tiered, at_risk_share=policy.at_risk_share, escalate_to_parent=policy.escalate_to_parent, id=policy.id
    )


def lapor_due_at(calendar: Calendar, received_at: datetime, tier: str) -> datetime:
    """When LAPOR! expects a report of `tier` received at `received_at` to be resolved (no pauses)."""
    return calendar.add_working_days(received_at, LAPOR_TIERS[tier])
