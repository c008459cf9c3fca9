"""The parts of the spike detector: parameters and their resolution, the tail test and the spike tracker.

`humas.listening.spike_detector` puts them together (and documents the method); the seasonal baseline is in
`spike_baseline`, the saved state in `spike_state`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from scipy.special import betainc, gammainc

from humas.core.errors import Invalid
from humas.core.i18n import _

# A Monday: the phase of a point inside a week starts on Monday 00:00 of the timestamps' own clock.
EPOCH = datetime(1970, 1, 5, tzinfo=UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MAX_SCORE = 99.0
# Seasonal phases per day beyond this (finer than 15 minutes) learn too slowly: such series are grouped
# into hour-of-day phases when a day holds a whole number of points per hour, else level only.
MAX_PHASES_PER_DAY = 96


@dataclass(frozen=True)
class SpikeParams:
    """Tuning of the detector; the defaults were chosen on generated and real series (bench.spikes).

    Counts of points left as None follow the interval (see `resolve`), so one set of defaults serves
    hourly rollups and 5-minute series alike.
    """

    threshold: float = 2.0  # -log10 p (window sum) that opens, at 24 tests a day; more a day raise it
    per_day_factor: float = 1.0  # ... by this × log10(tests per day / 24) (state version 2 ran with 2.0)
    continue_threshold: float = 1.0  # ... that keeps it open (per point)
    min_ratio: float = 1.5  # value / expected needed to open
    min_excess: float = 3.0  # value - expected needed to open (in counts)
    streak: int | None = None  # longest window of points summed (default: 3, or an hour of points)
    streak_score: float = 1.3  # a point is elevated from this -log10 p (p <= 0.05)
    min_points: int | None = None  # elevated points to open (default: 2, or half an hour; 1 for daily)
    gap: int | None = None  # quiet points tolerated inside one spike (default: an hour of points, >= 3)
    refractory: int | None = None  # points after a spike in which none opens (default: 3 hours, >= gap)
    max_points: int | None = None  # longer runs are level shifts (default: one day, or 24 points)
    alpha: float = 0.05  # level gain per hour (per point for hourly and coarser series)
    gamma_day: float = 0.05  # hour-of-day factor gain per day
    gamma_week: float = 0.25  # hour-of-week factor gain (it sees one value a week)
    min_weeks: int = 3  # hour-of-week factors are used once a phase was seen this often
    week_memory: int = 5  # hour-of-week factor: trimmed mean of the last this many weeks
    prior_counts: float = 2.0  # strength of the shrinkage of a finer seasonal estimate toward a coarser one
    beta: float = 0.01  # dispersion gain
    phi_prior: float = 0.05
    phi_min: float = 0.002
    huber_k: float = 2.5
    outlier_score: float = 2.0  # -log10 p from which a point moves neither the level nor the week memory
    week_band: float = 2.0  # the hour-of-week factor stays within this factor of the day-type one
    warmup: int | None = None  # points before any spike is reported (default: two days, or 24 points)
    # an hour of a day type not seen yet (the first weekend) is judged with its threshold raised by this much
    # (None: not judged at all, as in state versions 1 and 2)
    unseen_daytype_margin: float | None = None
    min_expected: float = 0.1
    calibrate_days: int = 14  # daily maxima of the opening score kept to calibrate the threshold
    calibrate_rank: int = 2  # the threshold rises above the rank-th highest of them ...
    calibrate_margin: float = 0.5  # ... by this much (-log10 units)
    # ... and to the median daily maximum + this many robust deviations (MAD); default: 3 for series finer
    # than hourly (many tests a day: bursty days show in the spread of the maxima), none for coarser ones
    calibrate_mads: float | None = None


@dataclass(frozen=True)
class Resolved:
    """SpikeParams made concrete for one interval (counts of points, per-point gains, the base threshold)."""

    per_day: int | None  # points per day when a day holds a whole number of them
    bucket: int  # points per seasonal phase (12 for 5-minute points in hour-of-day phases)
    phases_day: int | None
    phases_week: int | None
    block: int  # points per calibration block (a day; a week for daily series)
    streak: int
    min_points: int
    gap: int
    refractory: int
    max_points: int
    warmup: int
    threshold: float
    mads: float
    alpha: float
    gamma_day: float


def _layout(interval: timedelta) -> tuple[int | None, int, int | None, int | None]:
    """(points per day, points per phase, phases per day, phases per week) for this interval."""
    seconds = interval.total_seconds()
    if seconds <= 0:
        raise Invalid(_("The interval must be positive."), field="interval")
    if interval == DAY:
        return None, 1, None, 7
    per_day = DAY.total_seconds() / seconds
    if per_day < 2 or per_day != int(per_day):
        return None, 1, None, None
    n = int(per_day)
    if n <= MAX_PHASES_PER_DAY:
        return n, 1, n, 7 * n
    if n % 24 == 0:  # e.g. 5-minute points: hour-of-day phases (an hour-of-week one would learn too slowly)
        return n, n // 24, 24, None
    return n, 1, None, None


def resolve(params: SpikeParams, interval: timedelta) -> Resolved:
    """Counts of points and gains for this interval; the threshold grows with the tests made per day."""
    per_day, bucket, phases_day, phases_week = _layout(interval)
    per_hour = HOUR / interval
    # An incident lasts: at least two points, and half an hour (a burst of a few 5-minute bins is not one).
    min_points = params.min_points
    if min_points is None:
        min_points = 1 if interval >= DAY else max(2, round(per_hour / 2))
    tests_per_day = DAY / interval
    gap = params.gap if params.gap is not None else max(3, round(per_hour))
    refractory = params.refractory if params.refractory is not None else max(gap, round(3 * per_hour))
    return Resolved(
        per_day=per_day,
        bucket=bucket,
        phases_day=phases_day,
        phases_week=phases_week,
        block=per_day or max(1, round(7 * tests_per_day)),
        streak=params.streak if params.streak is not None else max(3, round(per_hour), min_points),
        min_points=min_points,
        gap=gap,
        refractory=refractory,
        max_points=params.max_points or per_day or 24,
        warmup=params.warmup if params.warmup is not None else (2 * per_day if per_day else 24),
        # NOTE: 288 five-minute tests a day cross a fixed per-point threshold 12 times as often as 24
        # hourly ones: the threshold is per day, not per point. One log10 of the ratio (a Bonferroni
        # correction for 12× the tests; overlapping windows make the true count smaller) is the floor; the
        # series' own daily maxima raise it where the model's tail is wrong (`DailyMaxima`). Decision 0107:
        # the 2 × log10 of 0031 kept hour-long 3× incidents on noisy 5-minute series below the bar.
        threshold=params.threshold + params.per_day_factor * math.log10(max(1.0, tests_per_day / 24)),
        mads=params.calibrate_mads if params.calibrate_mads is not None else (3.0 if per_hour > 1 else 0.0),
        alpha=_per_point(params.alpha, per_hour),
        gamma_day=params.gamma_day,  # per phase and day (a phase of several points learns once a day)
    )


def _per_point(gain: float, points: float) -> float:
    """The gain per point that moves as far as `gain` does in one step of `points` points (when > 1)."""
    return gain if points <= 1 else 1.0 - (1.0 - gain) ** (1.0 / points)


@dataclass(frozen=True)
class Spike:
    """One detected spike; `score` is the highest -log10 tail probability inside it."""

    start: datetime
    peak: datetime
    end: datetime
    score: float
    peak_value: float
    expected: float  # the expectation at the peak
    excess: float  # sum over the spike of value - expected
    points: int
    detected_at: datetime | None = None  # the point at which the spike could be known (live alert time)
    ongoing: bool = False  # still open when the series ended
    level_shift: bool = False  # lasted longer than max_points: the baseline was re-anchored

    @property
    def ratio(self) -> float:
        """Peak value over its expectation (the spike's size)."""
        return self.peak_value / max(self.expected, 1e-9)

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "peak": self.peak.isoformat(),
            "end": self.end.isoformat(),
            "score": round(self.score, 3),
        }


@dataclass(frozen=True)
class PointResult:
    """What one new point did: its expectation and score, and a spike that opened or closed with it."""

    timestamp: datetime
    value: float
    expected: float
    score: float
    in_spike: bool
    started: Spike | None = None
    ended: Spike | None = None


def tail_score(value: float, mu: float, phi: float) -> float:
    """-log10 P(Y >= value) for Y negative binomial with mean mu and variance mu + phi·mu² (Poisson at 0)."""
    if value <= mu or value <= 0:
        return 0.0
    if phi < 1e-9:
        p = float(gammainc(value, mu))
    else:
        n = 1.0 / phi
        p = float(betainc(value, n, mu / (n + mu)))
    return MAX_SCORE if p <= 0 else min(MAX_SCORE, -math.log10(p))


def zero_probability(mu: float, phi: float) -> float:
    """P(Y = 0) for the same negative binomial: a 0 where this is tiny is a gap in the data, not a count."""
    if phi < 1e-9:
        return math.exp(-mu)
    return math.exp(-math.log1p(phi * mu) / phi)


def fisher_score(scores: Sequence[float]) -> float:
    """Fisher's combination of k independent -log10 p-values, as a -log10 p-value (chi² with 2k d.o.f.)."""
    k = len(scores)
    if k == 0:
        return 0.0
    half_x = sum(scores) * math.log(10)  # X/2 where X = -2·Σ ln p
    if k == 1:
        return scores[0]
    terms = sum(half_x**j / math.factorial(j) for j in range(k))
    return min(MAX_SCORE, (half_x - math.log(terms)) / math.log(10))


@dataclass
class Point:
    ts: datetime
    value: float
    mu: float
    score: float
    phi: float = 0.0  # the dispersion its score was judged with
    held: bool = False  # inside a spike or its aftermath (not part of the noise)


@dataclass
class OpenSpike:
    start: datetime
    detected_at: datetime
    peak: Point
    last_warm: datetime
    score: float
    excess: float
    points: int
    misses: int = 0

    def spike(self, *, ongoing: bool = False, level_shift: bool = False) -> Spike:
        return Spike(
            start=self.start,
            peak=self.peak.ts,
            end=self.last_warm,
            score=self.score,
            peak_value=self.peak.value,
            expected=self.peak.mu,
            excess=self.excess,
            points=self.points,
            detected_at=self.detected_at,
            ongoing=ongoing,
            level_shift=level_shift,
        )
