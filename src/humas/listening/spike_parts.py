"""The parts of the spike detector: parameters and their resolution, the tail test and the spike tracker.

`humas.listening.spike_detector` puts them together (and documents the method); the seasonal baseline is in
`spike_baseline`, the saved state in `spike_state`.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from scipy.special import betainc, gammainc  # type: ignore[import-untyped]

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
        # hourly ones, and each tests more windows: the threshold is per day, not per point (chosen on
        # generated-hard 5-minute series: 2 × log10 of the ratio keeps about one false alarm a fortnight).
        threshold=params.threshold + 2 * math.log10(max(1.0, tests_per_day / 24)),
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


@dataclass
class Step:
    """What the tracker made of one point."""

    started: Spike | None = None
    ended: Spike | None = None
    level_shift: bool = False
    hold: bool = False  # the point belongs to a spike (or its aftermath): the baseline must not learn it
    # the opening score each window scale offered at the point (calibrates that scale's threshold)
    candidates: dict[int, float] = field(default_factory=dict)


def window_scales(min_points: int, longest: int) -> list[int]:
    """Window lengths tested: min_points, doubling, and the longest."""
    scales, k = [], max(1, min_points)
    while k < longest:
        scales.append(k)
        k *= 2
    return [*scales, max(longest, min_points)]


class WindowNoise:
    """The dispersion of sums of k consecutive points (phi_k in var = M + phi_k·M²), learned per scale.

    Independent noise averages out over a window (phi_k ≈ phi / k); bursty noise does not. Each scale learns
    its own from windows wholly outside spikes (Huber-clipped), starting from the per-point dispersion.
    """

    def __init__(self, params: SpikeParams, scales: Sequence[int]) -> None:
        self.p = params
        self.num = {k: 0.0 for k in scales}
        self.den = {k: 0.0 for k in scales}
        self.n = {k: 0 for k in scales}

    def phi(self, k: int, point_phi: float) -> float:
        if k == 1 or self.n[k] < 24 or self.den[k] <= 0:
            return point_phi
        return max(self.p.phi_min / k, self.num[k] / self.den[k])

    def learn(self, window: Sequence[Point]) -> None:
        for k in self.num:
            if k == 1 or len(window) < k:
                continue
            pts = window[-k:]
            if any(x.held for x in pts):
                continue
            s, m = sum(x.value for x in pts), sum(x.mu for x in pts)
            phi = self.phi(k, pts[-1].phi)
            sd = math.sqrt(m + phi * m * m)
            s = min(max(s, m - self.p.huber_k * sd), m + self.p.huber_k * sd)
            gain = max(self.p.beta, 1.0 / (self.n[k] + 1))
            self.num[k] += gain * ((s - m) ** 2 - m - self.num[k])
            self.den[k] += gain * (m * m - self.den[k])
            self.n[k] += 1


@dataclass(frozen=True)
class Opening:
    score: float
    first: int  # index in the window of the spike's first point
    ok: bool  # large enough (ratio, excess, elevated points) to open


class RunTracker:
    """Opens, extends and closes spikes from windows of recent points (hysteresis, a gap, a refractory time).

    At each elevated point (p <= 0.05) the sums of the last k points (k = min_points, doubling, up to
    `streak`) are tested against their expectation with the dispersion of k-sums (`WindowNoise`). With
    min_points >= 2 the window is winsorized (its highest point counts only as high as the runner-up): one
    bin, however high, never opens a spike on its own. A window opens a spike when its score reaches its
    scale's calibrated threshold, it holds min_points elevated points and it is practically large (ratio and
    absolute excess over expected); the spike starts at its first elevated point and `detected_at` is the
    point at which it could be known. It closes after `gap` quiet points; for `refractory` points after that
    no spike opens, so one incident with lulls is one detection.
    """

    def __init__(self, params: SpikeParams, config: Resolved) -> None:
        self.p = params
        self.c = config
        self.max_points = config.max_points
        self.open: OpenSpike | None = None
        self.scales = window_scales(config.min_points, config.streak)
        self.streak: deque[Point] = deque(maxlen=self.scales[-1])
        self.noise = WindowNoise(params, self.scales)
        self.cooldown = 0

    def _window(self, k: int) -> Opening:
        p, pts = self.p, list(self.streak)[-k:]
        value, mu = sum(x.value for x in pts), sum(x.mu for x in pts)
        elevated = [i for i, x in enumerate(pts) if x.score >= p.streak_score]
        ok = len(elevated) >= self.c.min_points and value >= mu * p.min_ratio and value - mu >= p.min_excess
        phi = self.noise.phi(k, pts[-1].phi)
        if self.c.min_points >= 2 and k >= 2:  # winsorized: the top point counts as the runner-up does
            ratios = sorted(((x.value / max(x.mu, 1e-9), x) for x in pts), key=lambda r: r[0])
            (second, _x), (_top, top) = ratios[-2], ratios[-1]
            value -= top.value - min(top.value, second * top.mu)
        first = len(self.streak) - k + (elevated[0] if elevated else 0)
        return Opening(tail_score(value, max(mu, self.p.min_expected), phi), first, ok)

    def _openings(self) -> dict[int, Opening]:
        """Each scale's window (that fits in what was seen), large enough to open or not."""
        return {k: self._window(k) for k in self.scales if k <= len(self.streak)}

    def _open(self, opening: Opening, ts: datetime) -> Spike:
        tail = list(self.streak)[opening.first :]
        value, mu = sum(x.value for x in tail), sum(x.mu for x in tail)
        peak = max(tail, key=lambda x: x.score)
        self.open = OpenSpike(tail[0].ts, ts, peak, ts, opening.score, value - mu, len(tail))
        self.streak.clear()
        return self.open.spike(ongoing=True)

    def step(self, point: Point, *, armed: bool, thresholds: Mapping[int, float]) -> Step:
        """One point: open, extend or close a spike (each window scale has its own threshold)."""
        if self.open is not None:
            point.held = True
            return self._extend(self.open, point)
        cooling = self.cooldown > 0
        self.cooldown = max(0, self.cooldown - 1)
        self.streak.append(point)
        if point.score < self.p.streak_score:
            self.noise.learn(list(self.streak))
            return Step()
        openings = self._openings()
        candidates = {k: o.score for k, o in openings.items() if o.ok}
        if cooling:  # an elevated point just after a spike belongs to its aftermath
            point.held = True
            return Step(hold=True)
        passing = [
            (o.score - thresholds[k], k) for k, o in openings.items() if o.ok and o.score >= thresholds[k]
        ]
        if passing and armed:
            point.held = True
            chosen = openings[max(passing)[1]]
            # NOTE: a spike's own score counts no higher than just above the bar it passed: a real incident
            # then lifts its scale's threshold a little for a while, not to its own (huge) score.
            margin = self.p.calibrate_margin
            capped = {k: min(score, thresholds[k] + margin) for k, score in candidates.items()}
            return Step(started=self._open(chosen, point.ts), hold=True, candidates=capped)
        self.noise.learn(list(self.streak))
        return Step(candidates=candidates)

    def _extend(self, run: OpenSpike, point: Point) -> Step:
        if point.score >= self.p.continue_threshold:
            run.last_warm, run.misses = point.ts, 0
            run.points += 1
            run.excess += point.value - point.mu
            if point.score > run.peak.score:
                run.peak = point
            run.score = max(run.score, point.score)
            if run.points > self.max_points:
                self.open = None
                return Step(ended=run.spike(level_shift=True), level_shift=True)
            return Step(hold=True)
        run.misses += 1
        if run.misses > self.c.gap:
            self.open = None
            self.cooldown = self.c.refractory
            return Step(ended=run.spike())
        return Step(hold=True)


class DailyMaxima:
    """The threshold calibrated per day: above the rank-th highest daily maximum of the opening score.

    Each block (a day of points) keeps the highest score that could have opened a spike at a point that
    was not inside one. Under a steady series a new day beats the 2nd highest of the last 14 days with
    probability 2/15; the margin on top makes that rarer still. A series whose noise is heavier than the
    model thinks (bursty, heavy-tailed, misfit) thereby raises its own bar; a well-modelled one keeps the
    base threshold.
    """

    def __init__(self, params: SpikeParams, block: int, mads: float = 0.0) -> None:
        self.p = params
        self.mads = mads
        self.block_size = block
        self.maxima: deque[float] = deque(maxlen=params.calibrate_days)
        self.block: int | None = None
        self.current = 0.0

    def threshold(self, base: float) -> float:
        if len(self.maxima) < self.p.calibrate_rank:
            return base
        ranked = sorted(self.maxima, reverse=True)
        bar = ranked[self.p.calibrate_rank - 1] + self.p.calibrate_margin
        if self.mads > 0 and len(ranked) >= 5:  # well above what a usual day reaches: median + k MADs
            median = statistics.median(ranked)
            mad = 1.4826 * statistics.median(abs(x - median) for x in ranked)
            bar = max(bar, median + self.mads * mad)
        return max(base, bar)

    def observe(self, index: int, score: float) -> None:
        """Record a point's opening score; a new block files the last one's maximum."""
        block = index // self.block_size
        if self.block is not None and block != self.block:
            self.maxima.append(self.current)
            self.current = 0.0
        self.block = block
        self.current = max(self.current, score)
