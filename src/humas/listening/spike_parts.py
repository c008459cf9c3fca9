"""The parts of the spike detector: the seasonal baseline, the tail test and the spike tracker.

`humas.listening.spike_detector` puts them together (and documents the method); this module holds their
state, which `to_state` / `from_state` turn into plain JSON-able dicts so a live detector can be saved
between runs.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from scipy.special import betainc, gammainc  # type: ignore[import-untyped]

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
class Point:
    ts: datetime
    value: float
    mu: float
    score: float


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


class RunTracker:
    """Opens, extends and closes spikes from per-point scores (hysteresis with a small gap).

    A spike opens when the last `streak` consecutive elevated points (each p <= 0.1), combined by Fisher's
    method, reach `threshold`, and are also practically large (ratio and absolute excess over expected).
    Its start is the first of those points; `detected_at` is the point at which it could be known.
    """

    def __init__(self, params: SpikeParams, max_points: int) -> None:
        self.p = params
        self.max_points = max_points
        self.open: OpenSpike | None = None
        self.streak: deque[Point] = deque(maxlen=params.streak)

    def _try_open(self, ts: datetime) -> Spike | None:
        p, pts = self.p, list(self.streak)
        for first in range(len(pts)):  # the longest streak that passes, so the start is the earliest
            tail = pts[first:]
            value, mu = sum(x.value for x in tail), sum(x.mu for x in tail)
            combined = fisher_score([x.score for x in tail])
            if combined >= p.threshold and value >= mu * p.min_ratio and value - mu >= p.min_excess:
                peak = max(tail, key=lambda x: x.score)
                self.open = OpenSpike(tail[0].ts, ts, peak, ts, combined, value - mu, len(tail))
                self.streak.clear()
                return self.open.spike(ongoing=True)
        return None

    def step(self, point: Point, *, armed: bool) -> tuple[Spike | None, Spike | None, bool]:
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


class SeasonalBaseline:
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


# --- state as plain data (JSON-able), so a live detector survives between runs -----------------------

STATE_VERSION = 1


def _ts(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def point_state(point: Point) -> dict[str, Any]:
    return {"ts": point.ts.isoformat(), "value": point.value, "mu": point.mu, "score": point.score}


def point_from_state(state: dict[str, Any]) -> Point:
    return Point(datetime.fromisoformat(state["ts"]), state["value"], state["mu"], state["score"])


def tracker_state(tracker: RunTracker) -> dict[str, Any]:
    run = tracker.open
    open_state = None
    if run is not None:
        open_state = {
            "start": _ts(run.start),
            "detected_at": _ts(run.detected_at),
            "peak": point_state(run.peak),
            "last_warm": _ts(run.last_warm),
            "score": run.score,
            "excess": run.excess,
            "points": run.points,
            "misses": run.misses,
        }
    return {"open": open_state, "streak": [point_state(p) for p in tracker.streak]}


def load_tracker(tracker: RunTracker, state: dict[str, Any]) -> None:
    run = state["open"]
    tracker.open = None
    if run is not None:
        tracker.open = OpenSpike(
            start=datetime.fromisoformat(run["start"]),
            detected_at=datetime.fromisoformat(run["detected_at"]),
            peak=point_from_state(run["peak"]),
            last_warm=datetime.fromisoformat(run["last_warm"]),
            score=run["score"],
            excess=run["excess"],
            points=run["points"],
            misses=run["misses"],
        )
    tracker.streak.clear()
    tracker.streak.extend(point_from_state(p) for p in state["streak"])


_BASELINE_FIELDS = ("level", "n", "day", "day_seen", "daytype", "daytype_seen", "phi_num", "phi_den", "phi_n")


def baseline_state(baseline: SeasonalBaseline) -> dict[str, Any]:
    state = {name: getattr(baseline, name) for name in _BASELINE_FIELDS}
    state["week"] = [list(ratios) for ratios in baseline.week]
    return state


def load_baseline(baseline: SeasonalBaseline, state: dict[str, Any]) -> None:
    if len(state["day"]) != len(baseline.day) or len(state["week"]) != len(baseline.week):
        raise Invalid(_("The saved detector state does not fit this interval."), field="state")
    for name in _BASELINE_FIELDS:
        value = state[name]
        setattr(baseline, name, list(value) if isinstance(value, list) else value)
    for ratios, saved in zip(baseline.week, state["week"], strict=True):
        ratios.clear()
        ratios.extend(saved)


def params_state(params: SpikeParams) -> dict[str, Any]:
    return asdict(params)
