"""Deadline arithmetic on real 2026 dates: a weekend, a national holiday, cuti bersama, WITA, pauses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from humas.core.workcal import ZONES, Calendar, Closure
from humas.inbox.sla import (
    LAPOR_PRESET,
    Clock,
    Event,
    Kind,
    Policy,
    State,
    Target,
    compute,
    lapor_due_at,
    nearest_policies,
    select_policy,
    with_lapor_tier,
)

WIB, WITA = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar")
JAKARTA, MAKASSAR = Calendar(zone=WIB), Calendar(zone=WITA)  # Mon-Fri 08:00-16:00, national holidays on
FAR = datetime(2028, 1, 1, tzinfo=UTC)


def opened(at: datetime) -> list[Event]:
    return [Event(at, Kind.opened), Event(at, Kind.citizen)]


def minutes(first: int | None = None, nxt: int | None = None, resolution: int | None = None) -> Policy:
    make = lambda m: Target(minutes=m) if m is not None else None  # noqa: E731
    return Policy(first_response=make(first), next_response=make(nxt), resolution=make(resolution))


def status(at: datetime, to: str) -> Event:
    return Event(at, Kind.status, to)


# --- the calendar's days ------------------------------------------------------------------------------


def test_the_holiday_package_knows_the_2026_dates_used_here() -> None:
    days = holidays.Indonesia(years=2026, categories=("public", "government"))
    assert "Independence" in days[date(2026, 8, 17)]
    for joint in (
        date(2026, 3, 18),
        date(2026, 3, 20),
        date(2026, 3, 23),
        date(2026, 3, 24),
        date(2026, 12, 24),
    ):
        assert "Joint" in days[joint], joint  # cuti bersama (category "government")


def test_a_weekend_is_skipped() -> None:
    friday_3pm = datetime(2026, 7, 3, 15, tzinfo=WIB)
    result = compute(minutes(first=120), JAKARTA, opened(friday_3pm), friday_3pm + timedelta(minutes=5))
    first = result.first_response
    assert first is not None
    assert first.due_at == datetime(2026, 7, 6, 9, tzinfo=WIB)  # 1 h on Friday, 1 h on Monday
    assert first.at_risk_at == datetime(2026, 7, 6, 8, 30, tzinfo=WIB)  # 75 % = 90 minutes
    assert first.state is State.on_track and result.state is State.on_track
    saturday = compute(minutes(first=120), JAKARTA, opened(friday_3pm), datetime(2026, 7, 4, 12, tzinfo=WIB))
    assert saturday.state is State.on_track  # the clock stood still over the weekend
    assert saturday.first_response and saturday.first_response.elapsed == timedelta(hours=1)
    monday = compute(minutes(first=120), JAKARTA, opened(friday_3pm), datetime(2026, 7, 6, 8, 45, tzinfo=WIB))
    assert monday.state is State.at_risk
    late = compute(minutes(first=120), JAKARTA, opened(friday_3pm), datetime(2026, 7, 6, 9, tzinfo=WIB))
    assert late.state is State.missed  # the due time itself has run out


def test_a_national_holiday_is_skipped() -> None:
    # Monday 17 August 2026 is Independence Day.
    friday_2pm = datetime(2026, 8, 14, 14, tzinfo=WIB)
    first = compute(minutes(first=240), JAKARTA, opened(friday_2pm), friday_2pm).first_response
    assert first is not None
    assert first.due_at == datetime(2026, 8, 18, 10, tzinfo=WIB)  # 2 h Friday, 2 h Tuesday
    assert first.at_risk_at == datetime(2026, 8, 18, 9, tzinfo=WIB)
    # The same on a calendar without the national holidays would be due on Monday.
    plain = compute(
        minutes(first=240), Calendar(zone=WIB, national_holidays=False), opened(friday_2pm), friday_2pm
    )
    assert plain.first_response and plain.first_response.due_at == datetime(2026, 8, 17, 10, tzinfo=WIB)


def test_cuti_bersama_is_skipped_in_working_days() -> None:
    # 18 March 2026 (Nyepi's joint leave) to 24 March (Eid's joint leave) has no working day at all.
    tuesday = datetime(2026, 3, 17, 10, tzinfo=WIB)
    policy = Policy(first_response=Target(days=3), resolution=Target(days=5))
    result = compute(policy, JAKARTA, opened(tuesday), tuesday)
    assert result.first_response and result.resolution
    assert result.first_response.due_at == datetime(2026, 3, 27, 16, tzinfo=WIB)  # Wed 25, Thu 26, Fri 27
    assert result.resolution.due_at == datetime(2026, 3, 31, 16, tzinfo=WIB)  # then Mon 30, Tue 31
    # Christmas' joint leave (Thursday 24 December) and Christmas Day close the rest of the week.
    wednesday = datetime(2026, 12, 23, 9, tzinfo=WIB)
    first = compute(minutes(first=8 * 60), JAKARTA, opened(wednesday), wednesday).first_response
    assert first and first.due_at == datetime(2026, 12, 28, 9, tzinfo=WIB)  # 7 h Wednesday, 1 h Monday


def test_a_wita_unit_counts_its_own_office_hours() -> None:
    # 08:30 UTC on Wednesday 13 May 2026 is 16:30 in Makassar (closed) and 15:30 in Jakarta (open).
    # Thursday 14 May is Ascension Day, Friday 15 May its cuti bersama.
    arrived = datetime(2026, 5, 13, 8, 30, tzinfo=UTC)
    wita = compute(minutes(first=120), MAKASSAR, opened(arrived), arrived).first_response
    wib = compute(minutes(first=120), JAKARTA, opened(arrived), arrived).first_response
    assert wita and wib
    assert wita.due_at == datetime(2026, 5, 18, 10, tzinfo=WITA) == datetime(2026, 5, 18, 2, tzinfo=UTC)
    assert wib.due_at == datetime(2026, 5, 18, 9, 30, tzinfo=WIB) == datetime(2026, 5, 18, 2, 30, tzinfo=UTC)
    lapor = compute(Policy(first_response=Target(days=3)), MAKASSAR, opened(arrived), arrived).first_response
    assert lapor and lapor.due_at == datetime(2026, 5, 20, 16, tzinfo=WITA)  # Mon 18, Tue 19, Wed 20


def test_a_unit_closure_is_skipped() -> None:
    closed = Calendar(zone=WITA, closures=(Closure(date(2026, 7, 6), date(2026, 7, 6), "Hari jadi"),))
    friday_3pm = datetime(2026, 7, 3, 15, tzinfo=WITA)
    first = compute(minutes(first=120), closed, opened(friday_3pm), friday_3pm).first_response
    assert first and first.due_at == datetime(2026, 7, 7, 9, tzinfo=WITA)


# --- pauses ---------------------------------------------------------------------------------------------


def test_waiting_on_the_public_pauses_the_clock() -> None:
    monday_9 = datetime(2026, 7, 6, 9, tzinfo=WIB)
    asked = datetime(2026, 7, 6, 10, tzinfo=WIB)
    answered = datetime(2026, 7, 7, 11, tzinfo=WIB)
    history = [*opened(monday_9), Event(asked, Kind.staff_reply), status(asked, "menunggu")]
    policy = minutes(first=60, resolution=16 * 60)
    unpaused = compute(policy, JAKARTA, opened(monday_9), monday_9).resolution
    assert unpaused and unpaused.due_at == datetime(2026, 7, 8, 9, tzinfo=WIB)

    waiting = compute(policy, JAKARTA, history, datetime(2026, 7, 6, 15, tzinfo=WIB))
    assert waiting.state is State.paused and waiting.paused
    assert waiting.first_response and waiting.first_response.state is State.met
    assert waiting.resolution and waiting.resolution.due_at is None
    assert waiting.resolution.elapsed == timedelta(hours=1)
    assert waiting.next_due_at is None and waiting.next_risk_at is None  # nothing for the sweep to find
    # A week later, still waiting: still paused, never missed.
    assert compute(policy, JAKARTA, history, datetime(2026, 7, 13, 15, tzinfo=WIB)).state is State.paused

    # The public answers on Tuesday 11:00: 6 h on Monday and 3 h on Tuesday were paused.
    resumed = compute(policy, JAKARTA, [*history, Event(answered, Kind.citizen)], answered)
    assert resumed.state is State.on_track and not resumed.paused
    assert resumed.resolution and resumed.resolution.due_at == datetime(2026, 7, 9, 10, tzinfo=WIB)
    assert resumed.resolution.due_at == JAKARTA.add_working_time(
        unpaused.due_at, JAKARTA.working_time_between(asked, answered)
    )
    assert resumed.next_due_at == resumed.resolution.due_at
    # The citizen's answer opened a next-response cycle, but this policy has no next-response target.
    assert resumed.next_response is None


def test_a_pause_over_a_weekend_shifts_nothing() -> None:
    friday = datetime(2026, 7, 3, 15, tzinfo=WIB)
    history = [
        *opened(friday),
        status(datetime(2026, 7, 3, 16, 30, tzinfo=WIB), "menunggu"),
        Event(datetime(2026, 7, 6, 7, tzinfo=WIB), Kind.citizen),
    ]
    policy = minutes(resolution=120)
    assert (
        compute(policy, JAKARTA, history, FAR).resolution
        == compute(policy, JAKARTA, opened(friday), FAR).resolution
    )


def test_a_calendar_clock_counts_the_pause_in_wall_time() -> None:
    start = datetime(2026, 8, 15, 9, tzinfo=WIB)  # Saturday, before Independence Day
    history = [
        *opened(start),
        status(start + timedelta(hours=2), "menunggu"),
        status(start + timedelta(hours=5), "terbuka"),
    ]
    policy = Policy(clock=Clock.calendar, resolution=Target(days=2))
    result = compute(policy, JAKARTA, history, start + timedelta(hours=6)).resolution
    assert result and result.due_at == start + timedelta(days=2, hours=3)  # holidays and weekends count
    assert result.elapsed == timedelta(hours=3)


def test_closing_stops_and_reopening_resumes() -> None:
    monday_9 = datetime(2026, 7, 6, 9, tzinfo=WIB)
    closed_at = datetime(2026, 7, 6, 12, tzinfo=WIB)
    reopened_at = datetime(2026, 7, 8, 8, tzinfo=WIB)
    policy = minutes(first=8 * 60, resolution=16 * 60)
    history = [*opened(monday_9), status(closed_at, "selesai")]
    closed = compute(policy, JAKARTA, history, datetime(2026, 7, 20, tzinfo=WIB))
    assert closed.closed and closed.state is State.met  # closed in time (e.g. spam): every target done
    assert closed.resolution and closed.resolution.done_at == closed_at
    assert closed.next_due_at is None

    history += [status(reopened_at, "terbuka")]
    later = compute(policy, JAKARTA, history, reopened_at)
    assert later.state is State.on_track and not later.closed
    assert later.resolution and later.resolution.done_at is None
    # 3 h used before closing, 13 h left from Wednesday 08:00: Wednesday 8 h, Thursday 5 h.
    assert later.resolution.due_at == datetime(2026, 7, 9, 13, tzinfo=WIB)
    assert later.first_response and later.first_response.due_at == datetime(2026, 7, 8, 13, tzinfo=WIB)


def test_a_late_answer_stays_missed_and_next_response_counts_from_the_first_unanswered_message() -> None:
    monday_9 = datetime(2026, 7, 6, 9, tzinfo=WIB)
    history = [
        *opened(monday_9),
        Event(datetime(2026, 7, 6, 12, tzinfo=WIB), Kind.staff_reply),  # 3 h: late for a 2 h target
        Event(datetime(2026, 7, 6, 13, tzinfo=WIB), Kind.citizen),
        Event(datetime(2026, 7, 6, 13, 30, tzinfo=WIB), Kind.citizen),  # still the same unanswered turn
    ]
    policy = minutes(first=120, nxt=60)
    result = compute(policy, JAKARTA, history, datetime(2026, 7, 6, 13, 50, tzinfo=WIB))
    assert result.first_response and result.first_response.state is State.missed
    assert result.first_response.done_at == datetime(2026, 7, 6, 12, tzinfo=WIB)
    nxt = result.next_response
    assert nxt and nxt.started_at == datetime(2026, 7, 6, 13, tzinfo=WIB)
    assert nxt.due_at == datetime(2026, 7, 6, 14, tzinfo=WIB) and nxt.state is State.at_risk
    assert result.state is State.missed  # a missed target keeps the conversation missed
    answered = [*history, Event(datetime(2026, 7, 6, 13, 55, tzinfo=WIB), Kind.staff_reply)]
    done = compute(policy, JAKARTA, answered, datetime(2026, 7, 6, 15, tzinfo=WIB)).next_response
    assert done and done.state is State.met and done.done_at == datetime(2026, 7, 6, 13, 55, tzinfo=WIB)


def test_a_snooze_does_not_pause_and_later_events_are_ignored() -> None:
    monday_9 = datetime(2026, 7, 6, 9, tzinfo=WIB)
    history = [*opened(monday_9), status(monday_9 + timedelta(minutes=10), "ditunda")]
    result = compute(minutes(first=60), JAKARTA, history, monday_9 + timedelta(minutes=61))
    assert result.state is State.missed
    future = [*opened(monday_9), Event(monday_9 + timedelta(hours=5), Kind.staff_reply)]
    now = monday_9 + timedelta(minutes=50)
    assert compute(minutes(first=60), JAKARTA, future, now).state is State.at_risk


def test_no_policy_targets_means_no_state() -> None:
    monday_9 = datetime(2026, 7, 6, 9, tzinfo=WIB)
    assert compute(Policy(), JAKARTA, opened(monday_9), FAR).state is State.none


# --- policies and the LAPOR! preset ------------------------------------------------------------------


def test_the_most_specific_policy_wins() -> None:
    default = Policy(name="default", id=1, resolution=Target(days=5))
    by_type = Policy(name="aduan", id=2, message_type="aduan", resolution=Target(days=14))
    by_priority = Policy(name="urgent", id=3, priority="mendesak", resolution=Target(minutes=240))
    both = Policy(
        name="urgent aduan", id=4, message_type="aduan", priority="mendesak", resolution=Target(days=1)
    )
    policies = [default, by_type, by_priority, both]
    assert select_policy(policies, message_type="aduan", priority="mendesak") is both
    assert select_policy(policies, message_type="aduan", priority="normal") is by_type
    assert select_policy(policies, message_type="keluhan", priority="mendesak") is by_priority
    assert select_policy(policies, message_type="keluhan", priority="normal") is default
    assert select_policy([by_type], message_type="keluhan", priority="normal") is None
    older = Policy(name="older", id=0)
    assert select_policy([default, older], message_type=None, priority=None) is older


def test_the_nearest_unit_with_policies_applies_as_a_whole() -> None:
    province, agency = [Policy(name="p", id=1)], [Policy(name="a", id=2, message_type="aduan")]
    assert nearest_policies([1, 2, 3], {1: province}) == (1, province)
    assert nearest_policies([1, 2, 3], {1: province, 2: agency}) == (2, agency)
    assert nearest_policies([1, 2, 3], {}) == (None, [])


def test_the_lapor_preset() -> None:
    tuesday = datetime(2026, 3, 17, 10, tzinfo=WIB)
    chosen = {
        t: select_policy(LAPOR_PRESET, message_type=t, priority="normal")
        for t in ("pertanyaan", "aduan", "saran")
    }
    resolution = {t: compute(p, JAKARTA, opened(tuesday), tuesday).resolution for t, p in chosen.items() if p}
    assert resolution["pertanyaan"] and resolution["pertanyaan"].due_at == datetime(
        2026, 3, 31, 16, tzinfo=WIB
    )
    assert (
        resolution["saran"] and resolution["saran"].due_at == resolution["pertanyaan"].due_at
    )  # the default
    # 14 working days: 25, 26, 27, 30, 31 March, 1, 2 April, (3 April Good Friday), 6-10, 13, 14 April.
    assert resolution["aduan"] and resolution["aduan"].due_at == datetime(2026, 4, 14, 16, tzinfo=WIB)
    assert all(p.first_response == Target(days=3) and p.clock is Clock.working for p in LAPOR_PRESET)


def test_the_field_check_tier_takes_60_working_days() -> None:
    received = datetime(2026, 3, 2, 9, tzinfo=WITA)
    closed = set(holidays.Indonesia(years=2026, categories=("public", "government")))
    day, counted = received.date(), 0
    while counted < 60:  # counted by hand from the holiday list: weekdays that are no holiday
        day += timedelta(days=1)
        counted += day.weekday() < 5 and day not in closed
    expected = datetime(day.year, day.month, day.day, 16, tzinfo=WITA)
    assert lapor_due_at(MAKASSAR, received, "lapangan") == expected
    policy = with_lapor_tier(select_policy(LAPOR_PRESET, message_type="aduan", priority=None), "lapangan")
    result = compute(policy, MAKASSAR, opened(received), received)
    assert result.resolution and result.resolution.due_at == expected
    assert result.first_response and result.first_response.due_at == datetime(2026, 3, 5, 16, tzinfo=WITA)
    calendar_policy = Policy(clock=Clock.calendar, first_response=Target(minutes=60), at_risk_share=0.5)
    tiered = with_lapor_tier(calendar_policy, "aduan")
    assert (
        tiered.clock is Clock.working and tiered.resolution == Target(days=14) and tiered.at_risk_share == 0.5
    )
    with pytest.raises(ValueError):
        with_lapor_tier(None, "unknown")


def test_bad_targets_are_refused() -> None:
    with pytest.raises(ValueError):
        Target()
    with pytest.raises(ValueError):
        Target(minutes=-1)
    with pytest.raises(ValueError):
        Policy(at_risk_share=0)


# --- properties -----------------------------------------------------------------------------------------

moments = st.datetimes(datetime(2026, 1, 1), datetime(2027, 11, 30), timezones=st.just(UTC))
zones = st.sampled_from(ZONES).map(lambda name: Calendar(zone=ZoneInfo(name)))
targets = st.one_of(
    st.integers(1, 60 * 80).map(lambda m: Target(minutes=m)), st.integers(1, 20).map(lambda d: Target(days=d))
)


@st.composite
def histories(draw: st.DrawFn, start: datetime) -> list[Event]:
    events, at = opened(start), start
    for _ in range(draw(st.integers(0, 6))):
        at += timedelta(minutes=draw(st.integers(0, 60 * 72)))
        kind = draw(st.sampled_from([Kind.citizen, Kind.staff_reply, Kind.status]))
        to = (
            draw(st.sampled_from(["menunggu", "terbuka", "selesai", "ditunda"]))
            if kind == Kind.status
            else None
        )
        events.append(Event(at, kind, to))
    return events


@settings(max_examples=150, deadline=None)
@given(
    cal=zones,
    start=moments,
    target=targets,
    pause_after=st.integers(0, 60 * 24 * 10),
    pause_for=st.integers(1, 60 * 24 * 10),
    closed=st.booleans(),
)
def test_a_pause_never_makes_a_due_time_earlier(
    cal: Calendar, start: datetime, target: Target, pause_after: int, pause_for: int, closed: bool
) -> None:
    # Waiting on the public until the public answers, or closed until reopened: the same shift.
    policy = Policy(resolution=target)
    paused_at = start + timedelta(minutes=pause_after)
    resumed_at = paused_at + timedelta(minutes=pause_for)
    plain = compute(policy, cal, opened(start), FAR).resolution
    stop = status(paused_at, "selesai" if closed else "menunggu")
    resume = status(resumed_at, "terbuka") if closed else Event(resumed_at, Kind.citizen)
    history = [*opened(start), stop, resume]
    paused = compute(policy, cal, history, FAR).resolution
    assert plain and paused and plain.due_at and paused.due_at
    assert paused.due_at >= plain.due_at
    assert paused.at_risk_at and plain.at_risk_at and paused.at_risk_at >= plain.at_risk_at
    if paused_at < plain.due_at:  # the pause moves the due time by the working time it covered, exactly
        assert paused.due_at == cal.add_working_time(
            plain.due_at, cal.working_time_between(paused_at, resumed_at)
        )
    else:
        assert paused.due_at == plain.due_at


@settings(max_examples=100, deadline=None)
@given(zone=st.sampled_from(ZONES), start=moments, data=st.data(), first=targets, resolution=targets)
def test_a_calendar_clock_ignores_holidays_and_hours(
    zone: str, start: datetime, data: st.DataObject, first: Target, resolution: Target
) -> None:
    history = data.draw(histories(start))
    now = data.draw(st.datetimes(datetime(2026, 1, 1), datetime(2028, 1, 1), timezones=st.just(UTC)))
    policy = Policy(clock=Clock.calendar, first_response=first, next_response=first, resolution=resolution)
    office = Calendar(zone=ZoneInfo(zone))
    plain = Calendar(zone=ZoneInfo(zone), national_holidays=False, weekly=(((0, 1440),),) * 7)
    assert compute(policy, office, history, now) == compute(policy, plain, history, now)


@settings(max_examples=150, deadline=None)
@given(cal=zones, start=moments, data=st.data(), first=targets, resolution=targets)
def test_states_agree_with_the_times(
    cal: Calendar, start: datetime, data: st.DataObject, first: Target, resolution: Target
) -> None:
    history = data.draw(histories(start))
    now = data.draw(st.datetimes(datetime(2026, 1, 1), datetime(2028, 1, 1), timezones=st.just(UTC)))
    result = compute(
        Policy(first_response=first, next_response=first, resolution=resolution), cal, history, now
    )
    for t in result.targets:
        assert t.elapsed <= t.budget or t.state is State.missed
        if t.due_at and t.at_risk_at:
            assert t.at_risk_at <= t.due_at
        if t.state is State.on_track:
            assert t.due_at and t.at_risk_at and now < t.at_risk_at
        if t.state is State.at_risk:
            assert t.due_at and t.at_risk_at and t.at_risk_at <= now < t.due_at
        if t.state is State.paused:
            assert result.paused and t.due_at is None
    if result.next_due_at is not None:  # what the sweep compares: only a running clock has one
        assert not result.paused and not result.closed
        assert result.next_due_at == min(t.due_at for t in result.targets if t.open and t.due_at)
    if result.closed:
        assert result.state in (State.met, State.missed) and result.next_due_at is None
