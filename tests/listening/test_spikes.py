"""The spike detector: known spikes found, shifts and quiet hours not flagged, only the past used."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from humas.bench.spikes import _rhythm, evaluate, generate_series, score_series
from humas.core.errors import Invalid
from humas.listening.spike_detector import (
    SpikeDetector,
    SpikeParams,
    detect,
    detect_share,
    fisher_score,
    infer_interval,
    tail_score,
)

T0 = datetime(2026, 9, 7, tzinfo=UTC)  # a Monday
HOUR = timedelta(hours=1)


def series(values) -> list[tuple[datetime, float]]:
    return [(T0 + i * HOUR, float(v)) for i, v in enumerate(values)]


def rhythmic(mean: float, seed: int, weeks: int = 6, phi: float | None = None) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lam = mean * _rhythm(weeks * 168, rng)
    if phi:
        lam = rng.gamma(1 / phi, lam * phi)
    return rng.poisson(lam).astype(float)


def test_tail_score_is_poisson_aware():
    # 4 where 0.5 is usual is unusual, but far less than 40 where 5 is usual
    assert 2 < tail_score(4, 0.5, 0.0) < tail_score(40, 5, 0.0)
    # at high volume the same ratio is judged by the dispersion, not by Poisson alone
    assert tail_score(1200, 1000, 0.0) > 5 > tail_score(1200, 1000, 0.02)
    assert tail_score(3, 5, 0.1) == 0.0


def test_fisher_score_combines_evidence():
    assert fisher_score([3.0]) == 3.0
    assert 3.0 < fisher_score([3.0, 3.0]) < 6.0
    assert fisher_score([]) == 0.0


def test_generated_spikes_are_found_quickly():
    # Method 2 (decision 0031) controls false alarms per series-week, not precision: a set with 2-5 spikes
    # in 8 weeks has few true ones, so the rate is the figure that says whether an analyst mutes it.
    result = evaluate(range(20, 40))
    assert result["recall"] >= 0.9 and result["false_alarms_per_series_week"] <= 0.5
    assert result["delay_mean_points"] <= 2


def test_one_big_spike_found_at_its_first_point():
    values = rhythmic(40, seed=3)
    at = 24 * 24 + 11  # a Thursday, 11:00
    values[at : at + 4] += [200, 140, 80, 30]
    (spike,) = detect(series(values))
    assert spike.start == T0 + at * HOUR
    # one bin is never an incident on its own: the second point confirms it, the start is back-dated
    assert spike.detected_at == spike.start + HOUR
    assert spike.peak_value >= 200 and spike.ratio > 3
    assert spike.end >= T0 + (at + 1) * HOUR and not spike.ongoing


def test_level_shift_is_not_flagged_repeatedly():
    values = rhythmic(50, seed=1, weeks=8, phi=0.02)
    rng = np.random.default_rng(11)
    shifted = rhythmic(100, seed=1, weeks=8, phi=0.02)  # the same rhythm, twice the volume
    values[600:] = shifted[600:] + rng.poisson(0.0, len(values) - 600)
    found = detect(series(values))
    near = [s for s in found if abs(s.start - (T0 + 600 * HOUR)) <= 26 * HOUR]
    assert len(near) <= 1  # at most once at the step
    # elsewhere (8 weeks, 4 of them after a doubling the baseline must relearn): under the target of one a
    # week (method 2 trades a few of these for recall on noisy series; decision 0031)
    assert len(found) - len(near) <= 5


def test_quiet_nights_raise_no_alarms():
    alarms = [len(detect(series(rhythmic(1.5, seed=s, weeks=8)))) for s in range(8)]
    # 64 series-weeks: at most one false alarm in four weeks (the target is one a week)
    assert sum(alarms) <= 16, alarms


def test_slow_growth_is_followed():
    rng = np.random.default_rng(5)
    lam = 30 * _rhythm(8 * 168, rng) * np.exp(np.linspace(0, 1.2, 8 * 168))  # x3.3 in eight weeks
    found = detect(series(rng.poisson(lam).astype(float)))
    assert len(found) <= 2  # growth is followed: at most a false alarm in four weeks, never a run of them


def test_result_uses_only_the_past():
    s = generate_series(1003)
    full = detect(s.points)
    for cut in (300, 555, 801, 1000, 1200):
        part = detect(s.points[:cut])
        last = s.points[cut - 1][0]
        seen = [f for f in full if f.detected_at <= last]
        assert [(p.start, p.detected_at) for p in part] == [(f.start, f.detected_at) for f in seen]
        for p, f in zip(part, seen, strict=True):
            if not p.ongoing:
                assert p == f


def test_streaming_matches_batch():
    s = generate_series(1001)
    detector = SpikeDetector(HOUR)
    started = [r.started for r in (detector.update(t, v) for t, v in s.points) if r.started]
    assert [x.start for x in started] == [x.start for x in detect(s.points)]


def test_score_series_counts_hits():
    s = generate_series(1002)
    score = score_series(s)
    assert score.hits + score.misses == len(s.spikes)


def test_daily_and_minute_series_work():
    rng = np.random.default_rng(2)
    daily = rng.poisson(100, 120).astype(float)
    daily[90] = 400
    points = [(T0 + timedelta(days=i), v) for i, v in enumerate(daily)]
    assert [s.start for s in detect(points)] == [T0 + timedelta(days=90)]
    # a minute series warms up for two days; an incident lasts half an hour: 40 minutes at 6-10x is one,
    # a burst of four minutes (or one) is not
    minutes = rng.poisson(5, 3 * 1440).astype(float)
    at = 2 * 1440 + 600
    minutes[at : at + 40] = np.linspace(50, 30, 40)
    minutes[at + 300 : at + 304] = [60, 55, 50, 40]
    minutes[at + 700] = 90
    points = [(T0 + timedelta(minutes=i), v) for i, v in enumerate(minutes)]
    assert [s.start for s in detect(points)] == [T0 + timedelta(minutes=at)]


def test_irregular_or_bad_points_are_refused():
    points = series([1, 2, 3])
    with pytest.raises(Invalid) as err:
        infer_interval([points[0][0], points[1][0], points[1][0] + 2 * HOUR])
    assert "3" in str(err.value)
    with pytest.raises(Invalid):
        detect(series([1, float("nan"), 3]))
    with pytest.raises(Invalid):
        detect(series([1, -2, 3]))
    detector = SpikeDetector(HOUR)
    detector.update(T0, 1)
    with pytest.raises(Invalid):
        detector.update(T0 + 3 * HOUR, 1)


def test_negative_share_spike():
    rng = np.random.default_rng(4)
    totals = rng.poisson(200 * _rhythm(14 * 24, rng)) + 1
    negatives = rng.binomial(totals, 0.15).astype(float)
    at = 10 * 24 + 14
    negatives[at] = totals[at] * 0.6  # the volume is usual, its negative share is not
    rows = [
        (T0 + i * HOUR, float(k), float(n)) for i, (k, n) in enumerate(zip(negatives, totals, strict=True))
    ]
    found = detect_share(rows)
    assert [s.start for s in found] == [T0 + at * HOUR]
    # a high share at night on a handful of mentions is not a spike
    rows[at + 12] = (rows[at + 12][0], 3.0, 4.0)
    assert all(s.start != rows[at + 12][0] for s in detect_share(rows))


def test_saved_state_resumes_exactly():
    s = generate_series(1004)
    whole = SpikeDetector(HOUR)
    full = [whole.update(t, v) for t, v in s.points]
    for cut in (100, 701, 1000):
        first = SpikeDetector(HOUR)
        for t, v in s.points[:cut]:
            first.update(t, v)
        resumed = SpikeDetector.from_state(json.loads(json.dumps(first.to_state())))
        rest = [resumed.update(t, v) for t, v in s.points[cut:]]
        assert rest == full[cut:]
    with pytest.raises(Invalid):
        SpikeDetector.from_state({"version": 99})


def test_negative_share_shift_is_reported_once():
    rng = np.random.default_rng(6)
    totals = rng.poisson(150, 21 * 24) + 1
    share = np.where(np.arange(len(totals)) < 8 * 24, 0.1, 0.3)  # a lasting change, not a spike
    rows = [
        (T0 + i * HOUR, float(k), float(n))
        for i, (k, n) in enumerate(zip(rng.binomial(totals, share), totals, strict=True))
    ]
    found = detect_share(rows)
    assert len(found) == 1 and found[0].level_shift


def test_too_short_series_has_no_spikes():
    assert detect([]) == [] and detect(series([5])) == [] and detect_share([]) == []


@settings(max_examples=25, deadline=None)
@given(
    values=st.lists(st.integers(min_value=0, max_value=60), min_size=60, max_size=200),
    bumps=st.lists(st.tuples(st.integers(0, 199), st.integers(50, 500)), max_size=4),
    cut=st.integers(min_value=2, max_value=200),
)
def test_any_prefix_sees_the_same_past(values, bumps, cut):
    for at, size in bumps:
        if at < len(values):
            values[at] += size
    points = series(values)
    full = detect(points)
    part = detect(points[:cut])
    last = points[min(cut, len(points)) - 1][0]
    seen = [(f.start, f.detected_at) for f in full if f.detected_at <= last]
    assert [(p.start, p.detected_at) for p in part] == seen


FIVE = timedelta(minutes=5)


def five_minute(days: int, seed: int, mean: float = 20.0) -> np.ndarray:
    """A 5-minute series with a daily rhythm and overdispersed noise."""
    rng = np.random.default_rng(seed)
    hourly = _rhythm(days * 24, rng)
    lam = mean * np.repeat(hourly, 12)
    return rng.poisson(rng.gamma(10.0, lam / 10.0)).astype(float)


def test_one_incident_gives_one_detection():
    values = five_minute(6, seed=21)
    at = 4 * 288 + 10 * 12  # day 5, 10:00; three hours with two lulls, as bursts of mentions come
    parts = [(18, 6.0), (4, 1.0), (12, 5.0), (5, 1.0), (9, 4.0)]
    burst = np.concatenate([np.full(n, x) for n, x in parts])
    values[at : at + len(burst)] *= burst
    points = [(T0 + i * FIVE, float(v)) for i, v in enumerate(values)]
    found = [s for s in detect(points) if s.start >= T0 + (at - 12) * FIVE]
    assert len(found) == 1
    assert found[0].start <= T0 + (at + 2) * FIVE


def test_a_single_bin_blip_is_not_an_incident():
    values = rhythmic(40, seed=3)
    at = 24 * 24 + 11
    values[at] += 400  # ten times the hour's usual volume, for one hour only
    assert [s for s in detect(series(values)) if abs(s.start - (T0 + at * HOUR)) <= 3 * HOUR] == []
    values[at + 1] += 200  # two hours in a row are an incident
    (spike,) = [s for s in detect(series(values)) if abs(s.start - (T0 + at * HOUR)) <= 3 * HOUR]
    assert spike.start == T0 + at * HOUR


def test_no_alarm_during_warm_up():
    values = rhythmic(40, seed=5, weeks=1)
    values[30:34] += [300, 250, 200, 150]  # a huge incident on the second day
    detector = SpikeDetector(HOUR)
    assert detector.warmup == 48
    results = [detector.update(t, v) for t, v in series(values[:48])]
    assert all(r.started is None and not r.in_spike for r in results)


def test_false_alarms_per_series_week_on_generated_hard_series():
    # seeded, never used to choose parameters (those came from seeds 0-29)
    from humas.bench.spikes import evaluate_hard

    hourly = evaluate_hard(range(3000, 3008))
    assert hourly["false_alarms_per_series_week"] <= 1.0 and hourly["recall"] >= 0.85
    fine = evaluate_hard(range(3000, 3002), interval=FIVE, weeks=3)
    assert fine["false_alarms_per_series_week"] <= 1.0 and fine["recall"] >= 0.8


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    cut=st.integers(min_value=2 * 288, max_value=4 * 288),
    bumps=st.lists(st.tuples(st.integers(0, 4 * 288 - 1), st.integers(20, 300)), max_size=5),
)
def test_appending_future_points_never_changes_past_detections(seed, cut, bumps):
    values = five_minute(4, seed=seed)
    for at, size in bumps:
        values[at : at + 3] += size
    points = [(T0 + i * FIVE, float(v)) for i, v in enumerate(values)]
    past = detect(points[:cut])
    full = detect(points)
    last = points[cut - 1][0]
    assert [(p.start, p.detected_at) for p in past] == [
        (f.start, f.detected_at) for f in full if f.detected_at is not None and f.detected_at <= last
    ]


def test_a_version_1_state_loads_and_continues():
    s = generate_series(1005)
    detector = SpikeDetector(HOUR)
    for t, v in s.points[:500]:
        detector.update(t, v)
    state = json.loads(json.dumps(detector.to_state()))
    # what version 1 wrote: no calibration, no cooldown or window noise, its own default parameters
    state["version"] = 1
    state["params"] = {"threshold": 4.5, "streak": 3, "gap": 3, "min_ratio": 1.5, "warmup": None}
    del state["calibration"], state["baseline"]["pending"]
    del state["tracker"]["cooldown"], state["tracker"]["noise"]
    for p in state["tracker"]["streak"]:
        del p["phi"], p["held"]
    resumed = SpikeDetector.from_state(state)
    assert resumed.params == SpikeParams()  # version 1's defaults become today's
    assert resumed.baseline.level == detector.baseline.level and resumed.seen == 500
    for t, v in s.points[500:]:
        resumed.update(t, v)
    kept = SpikeDetector.from_state({**state, "params": {"min_ratio": 2.0}})
    assert kept.params.min_ratio == 2.0  # a deliberate choice survives the upgrade
    with pytest.raises(Invalid):
        SpikeDetector.from_state({**state, "version": 4})


def test_a_version_2_state_keeps_running_with_the_parameters_it_ran_with():
    from humas.bench.spike_series import generate_hard_series

    s = generate_hard_series(3, interval=FIVE, weeks=2)
    old = SpikeParams(per_day_factor=2.0)  # what a version 2 detector ran with (decision 0031)
    whole = SpikeDetector(FIVE, old)
    full = [whole.update(t, v) for t, v in s.points]
    first = SpikeDetector(FIVE, old)
    for t, v in s.points[:3000]:
        first.update(t, v)
    state = json.loads(json.dumps(first.to_state()))
    # what version 2 wrote: the same state, without the parameters version 3 added
    state["version"] = 2
    del state["params"]["per_day_factor"], state["params"]["unseen_daytype_margin"]
    del state["unlearned"], state["tracker"]["unlearned"]
    resumed = SpikeDetector.from_state(state)
    assert resumed.params.per_day_factor == 2.0 and resumed.params.unseen_daytype_margin is None
    assert resumed.thresholds == first.thresholds != SpikeDetector(FIVE).thresholds
    # its noise queues start empty (version 2 learned at once), so its scores may differ a little from a
    # detector that ran through; the spikes it opens are the same here
    rest = [resumed.update(t, v).started for t, v in s.points[3000:]]
    assert [(x.start, x.detected_at) for x in rest if x] == [
        (r.started.start, r.started.detected_at) for r in full[3000:] if r.started
    ]
    assert resumed.to_state()["version"] == 3


def test_a_five_minute_state_resumes_exactly():
    from humas.bench.spike_series import generate_hard_series

    s = generate_hard_series(7, interval=FIVE, weeks=2, bursts_per_day=4.0)
    whole = SpikeDetector(FIVE)
    full = [whole.update(t, v) for t, v in s.points]
    for cut in (700, 1001, 2900):  # mid-hour, mid-day, after the warm-up
        first = SpikeDetector(FIVE)
        for t, v in s.points[:cut]:
            first.update(t, v)
        resumed = SpikeDetector.from_state(json.loads(json.dumps(first.to_state())))
        assert [resumed.update(t, v) for t, v in s.points[cut:]] == full[cut:]


def test_an_outage_teaches_nothing_and_its_end_is_no_spike():
    # at ~6 mentions an hour one 0 is plausible, eight in a row are not: a run of zeros the forecast makes
    # nearly impossible is a gap in the data (an outage), and the data coming back is no spike
    values = rhythmic(3, seed=9, weeks=3)
    at = 15 * 24 + 8
    values[at : at + 8] = 0
    detector = SpikeDetector(HOUR)
    levels = {}
    for i, (t, v) in enumerate(series(values)):
        detector.update(t, v)
        if i in (at - 1, at + 7):
            levels[i] = detector.baseline.level
    assert levels[at + 7] > 0.9 * levels[at - 1]
    after = [s for s in detect(series(values)) if T0 + at * HOUR <= s.start <= T0 + (at + 48) * HOUR]
    assert after == []


def test_an_incident_s_first_hour_does_not_widen_the_noise_that_judges_it():
    from humas.bench.spike_series import generate_hard_series

    # a generated (calibration seed) 5-minute incident of about 5x over three hours at ~5 mentions a bin:
    # method 2 learned its first hour as noise (dispersion 0.4 -> 2.1) and never reported it
    s = generate_hard_series(1, interval=FIVE, weeks=4, bursts_per_day=4.0)
    incident = s.spikes[0]
    found = [
        x for x in detect(s.points) if s.points[incident.start][0] <= x.start <= s.points[incident.end][0]
    ]
    assert len(found) == 1
    detector = SpikeDetector(FIVE)
    phis = []
    for i, (t, v) in enumerate(s.points[: incident.start + 12]):
        detector.update(t, v)
        if i >= incident.start - 1:
            phis.append(detector.baseline.phi)
    assert max(phis) < 1.5 * phis[0]
