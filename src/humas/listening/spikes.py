"""Online spike detection for a regular count series (hourly mention volume, negative mentions...).

Pure: numbers in, spikes out, no database. Each point is scored against a forecast made from the past only:

    expected = level × seasonal factor (hour of week once two weeks are seen, hour of day before that)

The level follows slow growth (an exponentially weighted mean of de-seasonalised values); the seasonal factors
are exponentially weighted means of value / level per phase. The surprise of a value is the upper tail
probability of a negative binomial around the expectation (a Poisson when counts are low, whose variance
grows with the square of the mean at high volume: `var = mu + phi * mu²`, `phi` estimated from the
forecast errors). A spike opens at a point whose tail probability is below 10^-threshold and which is also
practically large (ratio and absolute excess); it stays open while points stay above a lower threshold.
Points inside a spike do not update the baseline; other points update it Huber-cleaned (clipped at a few
standard deviations), so a spike never teaches the baseline that it is normal. A "spike" that lasts longer
than `max_points` is a level shift: it is closed and the level re-anchored on the recent values.

`docs/decisions/0030-spike-detector.md` explains the choice. `ShareSpikeDetector` applies the same test to a
count with its denominator (negative mentions among all mentions).
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from scipy.special import betainc, gammainc

from humas.core.errors import Invalid
from humas.core.i18n import _

# A Monday: the phase of a point inside a week starts on Monday 00:00 of the timestamps' own clock.
EPOCH = datetime(1970, 1, 5, tzinfo=UTC)
DAY = timedelta(days=1)
MAX_SCORE = 99.0
# Seasonal phases per day beyond this (finer than 15 minutes) learn too slowly: level-only baseline.
MAX_PHASES_PER_DAY = 96


@dataclass(frozen=True)
class SpikeParams:
    """Tuning of the detector; the defaults were chosen on generated series (spike_eval), not on one seed."""

    threshold: float = 4.5  # -log10 tail probability (Fisher-combined over the streak) that opens a spike
    continue_threshold: float = 1.0  # ... that keeps it open (per point)
    min_ratio: float = 1.5  # value / expected needed to open
    min_excess: float = 3.0  # value - expected needed to open (in counts)
    streak: int = 3  # consecutive elevated points combined (Fisher) to open a spike
    streak_score: float = 1.0  # a point is elevated from this -log10 p
    gap: int = 3  # points below continue_threshold tolerated inside one spike
    max_points: int | None = None  # longer runs are level shifts (default: one day, or 24 points)
    alpha: float = 0.05  # level gain per point
    gamma_day: float = 0.05  # hour-of-day factor gain
    gamma_week: float = 0.25  # hour-of-week factor gain (it sees one value a week)
    min_weeks: int = 3  # hour-of-week factors are used once a phase was seen this often
    week_memory: int = 5  # hour-of-week factor: trimmed mean of the last this many weeks
    prior_counts: float = 2.0  # strength of the shrinkage of a finer seasonal estimate toward a coarser one
    beta: float = 0.01  # dispersion gain
    phi_prior: float = 0.05
    phi_min: float = 0.002
    huber_k: float = 2.5
    warmup: int | None = None  # points before any spike is reported (default: two days, or 24 points)
    min_expected: float = 0.1


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


def seasonal_periods(interval: timedelta) -> tuple[int | None, int | None]:
    """(points per day, points per week) for a seasonal baseline, or None where the interval has none."""
    seconds = interval.total_seconds()
    if seconds <= 0:
        raise Invalid(_("The interval must be positive."), field="interval")
    if interval == DAY:
        return None, 7
    per_day = DAY.total_seconds() / seconds
    if per_day < 2 or per_day != int(per_day) or per_day > MAX_PHASES_PER_DAY:
        return None, None
    return int(per_day), 7 * int(per_day)


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
class _Point:
    ts: datetime
    value: float
    mu: float
    score: float


@dataclass
class _Open:
    start: datetime
    detected_at: datetime
    peak: _Point
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


class _RunTracker:
    """Opens, extends and closes spikes from per-point scores (hysteresis with a small gap).

    A spike opens when the last `streak` consecutive elevated points (each p <= 0.1), combined by Fisher's
    method, reach `threshold`, and are also practically large (ratio and absolute excess over expected).
    Its start is the first of those points; `detected_at` is the point at which it could be known.
    """

    def __init__(self, params: SpikeParams, max_points: int) -> None:
        self.p = params
        self.max_points = max_points
        self.open: _Open | None = None
        self.streak: deque[_Point] = deque(maxlen=params.streak)

    def _try_open(self, ts: datetime) -> Spike | None:
        p, pts = self.p, list(self.streak)
        for first in range(len(pts)):  # the longest streak that passes, so the start is the earliest
            tail = pts[first:]
            value, mu = sum(x.value for x in tail), sum(x.mu for x in tail)
            combined = fisher_score([x.score for x in tail])
            if combined >= p.threshold and value >= mu * p.min_ratio and value - mu >= p.min_excess:
                peak = max(tail, key=lambda x: x.score)
                self.open = _Open(tail[0].ts, ts, peak, ts, combined, value - mu, len(tail))
                self.streak.clear()
                return self.open.spike(ongoing=True)
        return None

    def step(self, point: _Point, *, armed: bool) -> tuple[Spike | None, Spike | None, bool]:
        """Returns (started, ended, level_shift)."""
        run = self.open
        if run is None:
            if point.score >= self.p.streak_score and armed:
                self.streak.append(point)
                return self._try_open(point.ts), None, False
            self.streak.clear()
            return None, None, False
        if point.score >= self.p.continue_threshold:
            run.last_warm, run.misses = point.ts, 0
            run.points += 1
            run.excess += point.value - point.mu
            if point.score > run.peak.score:
                run.peak = point
            run.score = max(run.score, point.score)
            if run.points > self.max_points:
                self.open = None
                return None, run.spike(level_shift=True), True
            return None, None, False
        run.misses += 1
        if run.misses > self.p.gap:
            self.open = None
            return None, run.spike(), False
        return None, None, False


class _SeasonalBaseline:
    """level × seasonal factor, learned online; finer seasonal factors shrink toward coarser ones.

    Factors, from coarse to fine: hour of day, hour of day on workdays / on weekends, hour of week. The first
    two are exponentially weighted means of Huber-cleaned value / level; the hour-of-week factor is a trimmed
    mean of its last `week_memory` raw ratios, so one spike does not move it and a rhythm that comes back
    every week is learned in three weeks. Each finer estimate is shrunk toward the coarser one as a
    Gamma-Poisson posterior with `prior_counts` pseudo-counts: at quiet hours a few zeros do not make an
    expectation of zero, and the uncertainty left (1 / counts behind the estimate) widens the tail.
    """

    def __init__(self, params: SpikeParams, per_day: int | None, per_week: int | None) -> None:
        self.p = params
        self.per_day, self.per_week = per_day, per_week
        self.level = 0.0
        self.n = 0
        self.day = [1.0] * (per_day or 0)
        self.day_seen = [0] * (per_day or 0)
        self.daytype = [1.0] * (2 * (per_day or 0))
        self.daytype_seen = [0] * (2 * (per_day or 0))
        self.week: list[deque[float]] = [deque(maxlen=params.week_memory) for _ in range(per_week or 0)]
        self.phi_num = 0.0
        self.phi_den = 0.0
        self.phi_n = 0

    def _daytype(self, index: int) -> int:
        assert self.per_day
        weekend = (index // self.per_day) % 7 >= 5
        return index % self.per_day + (self.per_day if weekend else 0)

    def knows_daytype(self, index: int) -> bool:
        """Whether this hour was seen on this kind of day (workday / weekend) yet."""
        return not self.per_day or self.daytype_seen[self._daytype(index)] > 0

    def forecast(self, index: int) -> tuple[float, float]:
        """(expected value, extra dispersion from the estimate's own uncertainty)."""
        c = self.p.prior_counts
        mu, backing = max(self.level, self.p.min_expected), math.inf
        stages: list[tuple[float, int]] = []
        if self.per_day:
            h, t = index % self.per_day, self._daytype(index)
            stages.append((self.day[h], _ewma_n(self.day_seen[h], self.p.gamma_day)))
            stages.append((self.daytype[t], _ewma_n(self.daytype_seen[t], self.p.gamma_day)))
        if self.per_week:
            ratios = self.week[index % self.per_week]
            if len(ratios) >= self.p.min_weeks:
                stages.append((_trimmed_mean(ratios), len(ratios)))
        for factor, m in stages:
            if m <= 0:
                continue
            estimate = self.level * factor
            mu = (m * estimate + c) / (m + c / mu)
            backing = m * estimate + c
        return max(self.p.min_expected, mu), 1.0 / backing

    @property
    def phi(self) -> float:
        if self.phi_n == 0 or self.phi_den <= 0:
            return self.p.phi_prior
        return max(self.p.phi_min, self.phi_num / self.phi_den)

    def clean(self, value: float, mu: float, phi: float) -> float:
        sd = math.sqrt(mu + phi * mu * mu)
        k = self.p.huber_k
        return min(max(value, mu - k * sd), mu + k * sd)

    def learn_noise(self, value: float, mu: float) -> None:
        """Forecast errors (cleaned) estimate phi in var = mu + phi·mu²; the first day's are guesses."""
        if self.n < (self.per_day or 24):
            return
        gain = max(self.p.beta, 1.0 / (self.phi_n + 1))
        self.phi_num += gain * ((value - mu) ** 2 - mu - self.phi_num)
        self.phi_den += gain * (mu * mu - self.phi_den)
        self.phi_n += 1

    def learn_level(self, index: int, value: float, mu: float) -> None:
        """Move the level toward the de-seasonalised (cleaned) value."""
        factor = mu / self.level if self.level > 1e-9 else 1.0
        deseasonal = value / factor if factor > 1e-6 else self.level
        self.level += max(self.p.alpha, 1.0 / (self.n + 1)) * (deseasonal - self.level)
        self.n += 1

    def learn_season(self, index: int, clean: float, raw: float) -> None:
        """Update the seasonal factors: hour of day / day type from the cleaned value, week from the raw."""
        if self.level <= 1e-9:
            return
        g = self.p.gamma_day
        if self.per_day:
            h, t = index % self.per_day, self._daytype(index)
            self.day[h] += max(g, 1.0 / (self.day_seen[h] + 1)) * (clean / self.level - self.day[h])
            self.day_seen[h] += 1
            gain = max(g, 1.0 / (self.daytype_seen[t] + 1))
            self.daytype[t] += gain * (clean / self.level - self.daytype[t])
            self.daytype_seen[t] += 1
        if self.per_week:
            self.week[index % self.per_week].append(raw / self.level)

    def reanchor(self, indexes: Sequence[int], values: Sequence[float]) -> None:
        """After a level shift: the level becomes the median de-seasonalised value of the recent points."""
        ratios = []
        for i, v in zip(indexes, values, strict=True):
            mu, _extra = self.forecast(i)
            ratios.append(v * self.level / mu if self.level > 1e-9 else v)
        if ratios:
            self.level = statistics.median(ratios)


def _ewma_n(seen: int, gain: float) -> int:
    """Effective number of observations behind an exponentially weighted mean."""
    return min(seen, int((2 - gain) / gain))


def _trimmed_mean(values: Iterable[float]) -> float:
    ordered = sorted(values)
    if len(ordered) >= 4:
        ordered = ordered[1:-1]
    elif len(ordered) == 3:
        ordered = ordered[1:2]
    return statistics.fmean(ordered)


class SpikeDetector:
    """Streaming detector: feed points in time order with `update`; it never looks ahead."""

    def __init__(
        self,
        interval: timedelta,
        params: SpikeParams | None = None,
        *,
        seasonal: bool = True,
    ) -> None:
        self.interval = interval
        self.params = p = params or SpikeParams()
        per_day, per_week = seasonal_periods(interval) if seasonal else (None, None)
        self.baseline = _SeasonalBaseline(p, per_day, per_week)
        default_span = per_day or 24
        self.max_points = p.max_points or default_span
        self.warmup = p.warmup if p.warmup is not None else (2 * per_day if per_day else 24)
        self.tracker = _RunTracker(p, self.max_points)
        self.seen = 0
        self.last: datetime | None = None
        self.recent: deque[tuple[int, float]] = deque(maxlen=self.max_points)

    def _index(self, ts: datetime) -> int:
        # NOTE: phases follow the timestamps' own wall clock (WIB data: Saturday is a WIB Saturday).
        return int((ts.replace(tzinfo=UTC) - EPOCH) // self.interval)

    def update(self, timestamp: datetime, value: float) -> PointResult:
        """Score one point against the past, update the baseline, report a spike that opened or closed."""
        value = _check_value(value)
        if self.last is not None and _aware(timestamp) - _aware(self.last) != self.interval:
            raise Invalid(
                _("Points must be regular: expected %(ts)s.", ts=(self.last + self.interval).isoformat()),
                field="timestamp",
            )
        self.last = timestamp
        index = self._index(timestamp)
        base = self.baseline
        mu, extra = base.forecast(index)
        phi = base.phi + extra
        score = tail_score(value, mu, phi)
        # A weekend hour never seen on a weekend is not judged by workdays' rhythm.
        armed = self.seen >= self.warmup and base.knows_daytype(index)
        started, ended, shift = self.tracker.step(_Point(timestamp, value, mu, score), armed=armed)
        self.recent.append((index, value))
        clean = base.clean(value, mu, phi) if self.seen >= self.warmup else value
        if shift:
            base.reanchor([i for i, _v in self.recent], [v for _i, v in self.recent])
        elif self.tracker.open is None:
            base.learn_noise(clean, mu)
            base.learn_level(index, clean, mu)
        base.learn_season(index, clean, value)
        self.seen += 1
        return PointResult(timestamp, value, mu, score, self.tracker.open is not None, started, ended)

    @property
    def current(self) -> Spike | None:
        """The spike open now, if any (its end is the last point seen inside it)."""
        run = self.tracker.open
        return run.spike(ongoing=True) if run else None


class ShareSpikeDetector:
    """Spikes of a share (negative mentions / all mentions): the count is scored against denominator × rate.

    The baseline rate is the ratio of exponentially weighted sums of Huber-cleaned numerators and of
    denominators, so an hour with few mentions weighs little; the same negative binomial test applies to
    the numerator, which makes a share of 3/4 at night far less surprising than 300/400 at noon.
    """

    def __init__(self, interval: timedelta, params: SpikeParams | None = None) -> None:
        p = params or SpikeParams(min_excess=3.0, min_ratio=1.3)
        self.interval, self.params = interval, p
        self.tracker = _RunTracker(p, p.max_points or 24)
        self.num = self.den = 0.0
        self.phi = p.phi_prior
        self.seen = 0
        self.warmup = p.warmup if p.warmup is not None else 24
        self.last: datetime | None = None

    def update(self, timestamp: datetime, numerator: float, denominator: float) -> PointResult:
        """Score numerator/denominator for one interval against the past share."""
        k, n = _check_value(numerator), _check_value(denominator)
        if k > n:
            raise Invalid(_("The numerator is larger than the denominator."), field="value")
        if self.last is not None and _aware(timestamp) - _aware(self.last) != self.interval:
            raise Invalid(_("Points must be regular."), field="timestamp")
        self.last = timestamp
        rate = self.num / self.den if self.den > 0 else 0.0
        mu = max(self.params.min_expected, n * rate)
        score = tail_score(k, mu, self.phi) if n > 0 else 0.0
        armed = self.seen >= self.warmup
        started, ended, _shift = self.tracker.step(_Point(timestamp, k, mu, score), armed=armed)
        if self.tracker.open is None and n > 0:
            sd = math.sqrt(mu + self.phi * mu * mu)
            clean = min(k, mu + self.params.huber_k * sd) if armed else k
            gain = max(self.params.alpha, 1.0 / (self.seen + 1))
            self.num += gain * (clean - self.num)
            self.den += gain * (n - self.den)
            if armed:
                resid = ((clean - mu) ** 2 - mu) / (mu * mu)
                self.phi = max(self.params.phi_min, self.phi + self.params.beta * (resid - self.phi))
        self.seen += 1
        # NOTE: value and expected are counts (numerators), not shares, as in the spikes it reports.
        return PointResult(timestamp, k, mu, score, self.tracker.open is not None, started, ended)


def _aware(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts


def _check_value(value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise Invalid(_("A value must be a finite number >= 0."), field="value")
    return value


def infer_interval(timestamps: Sequence[datetime]) -> timedelta:
    """The series' interval; raises Invalid naming the first point that breaks it."""
    if len(timestamps) < 2:
        raise Invalid(_("At least two points are needed."), field="timestamp")
    interval = _aware(timestamps[1]) - _aware(timestamps[0])
    if interval <= timedelta(0):
        raise Invalid(_("Point %(row)s is not after the one before it.", row=2), field="timestamp")
    for i in range(2, len(timestamps)):
        if _aware(timestamps[i]) - _aware(timestamps[i - 1]) != interval:
            raise Invalid(_("Point %(row)s breaks the regular interval.", row=i + 1), field="timestamp")
    return interval


def _finish(spikes: list[Spike], detector: SpikeDetector | ShareSpikeDetector) -> list[Spike]:
    run = detector.tracker.open
    if run is not None:
        spikes.append(run.spike(ongoing=True))
    return spikes


def detect(
    points: Sequence[tuple[datetime, float]],
    *,
    interval: timedelta | None = None,
    params: SpikeParams | None = None,
    seasonal: bool = True,
    include_level_shifts: bool = True,
) -> list[Spike]:
    """Spikes of a regular series in time order; each uses only the points before it (as run live)."""
    if not points:
        return []
    interval = interval or infer_interval([t for t, _v in points])
    detector = SpikeDetector(interval, params, seasonal=seasonal)
    spikes: list[Spike] = []
    for ts, value in points:
        ended = detector.update(ts, value).ended
        if ended is not None and (include_level_shifts or not ended.level_shift):
            spikes.append(replace(ended))
    return _finish(spikes, detector)


def detect_share(
    points: Iterable[tuple[datetime, float, float]],
    *,
    interval: timedelta | None = None,
    params: SpikeParams | None = None,
) -> list[Spike]:
    """Spikes of numerator/denominator (e.g. negative share); peak_value and expected are counts."""
    rows = list(points)
    if not rows:
        return []
    interval = interval or infer_interval([r[0] for r in rows])
    detector = ShareSpikeDetector(interval, params)
    spikes: list[Spike] = []
    for ts, k, n in rows:
        ended = detector.update(ts, k, n).ended
        if ended is not None:
            spikes.append(ended)
    return _finish(spikes, detector)
