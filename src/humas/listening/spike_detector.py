"""Online spike detection for a regular count series (mention volume per hour or per 5 minutes, negatives...).

Pure: numbers in, spikes out, no database. Each point is scored against a forecast made from the past only:

    expected = level × seasonal factor (hour of day, day type, hour of week once three weeks are seen)

The level follows slow growth (an exponentially weighted mean of de-seasonalised values); the seasonal factors
are learned per phase (5-minute points share hour-of-day phases). The surprise of a count is the upper tail
probability of a negative binomial around the expectation (Poisson at low counts, `var = mu + phi·mu²` at
high volume, `phi` learned from the forecast errors). False alarms are controlled per day, not per point
(decision 0031): sums over windows of recent points (at least two points and half an hour; the top quarter
of a window's points winsorized, so one bin or one short burst does not carry it) are tested against a
threshold that grows with the tests made per day and is calibrated per window length on the series' own
recent daily maxima. A spike stays open through an hour of quiet points and none opens for three hours after
it closes, so one incident is one detection. Points in or around a spike, and outliers, do not move the
level; other points update it Huber-cleaned. The noise estimates learn a point or window only once the
longest window has passed without a spike opening on it (decision 0107: an incident's first points do not
widen the noise that judges it). A "spike" longer than `max_points` is a level shift: the level is
re-anchored on the recent values.

`docs/decisions/0030-spike-detector.md`, `0031-spike-alerts-without-alert-fatigue.md` and
`0107-spikes-on-real-series.md` explain the choices.
`ShareSpikeDetector` applies the tail test to a count with its denominator (negative mentions among all).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.listening.spike_baseline import SeasonalBaseline
from humas.listening.spike_parts import (
    EPOCH,
    Point,
    PointResult,
    Spike,
    SpikeParams,
    fisher_score,
    resolve,
    tail_score,
    zero_probability,
)
from humas.listening.spike_state import (
    STATE_VERSION,
    baseline_state,
    calibration_state,
    check_version,
    load_baseline,
    load_calibration,
    load_tracker,
    params_from_state,
    params_state,
    tracker_state,
)
from humas.listening.spike_tracker import DailyMaxima, RunTracker

__all__ = [
    "PointResult",
    "ShareSpikeDetector",
    "Spike",
    "SpikeDetector",
    "SpikeParams",
    "detect",
    "detect_share",
    "fisher_score",
    "infer_interval",
    "tail_score",
]


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
        self.seasonal = seasonal
        self.config = c = resolve(p, interval)
        if not seasonal:
            self.config = c = replace(c, phases_day=None, phases_week=None, bucket=1)
        self.baseline = SeasonalBaseline(p, c)
        self.max_points = c.max_points
        self.warmup = c.warmup
        self.tracker = RunTracker(p, c)
        self.calibration = {k: DailyMaxima(p, c.block, c.mads) for k in self.tracker.scales}
        self.seen = 0
        self.last: datetime | None = None
        self.recent: deque[tuple[int, float]] = deque(maxlen=self.max_points)
        self.zero_run = 0.0  # log10 of the probability of the current run of zeros
        # (cleaned value, expectation) of recent points not yet taught to the dispersion: they teach it only
        # once `delay` points passed without a spike opening on them (decision 0107)
        self.unlearned: deque[tuple[float, float]] = deque()

    def _index(self, ts: datetime) -> int:
        # NOTE: phases follow the timestamps' own wall clock (WIB data: Saturday is a WIB Saturday).
        return int((ts.replace(tzinfo=UTC) - EPOCH) // self.interval)

    @property
    def thresholds(self) -> dict[int, float]:
        """The opening threshold of each window scale now: the per-day base, raised by what recent days
        reached at that scale (short bursts that come every day raise the short windows' bar only)."""
        return {k: cal.threshold(self.config.threshold) for k, cal in self.calibration.items()}

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
        phase = index // self.config.bucket
        base = self.baseline
        mu, extra = base.forecast(phase)
        phi = base.phi + extra
        score = tail_score(value, mu, phi)
        # A weekend hour never seen on a weekend (or a workday hour never seen on a workday) is judged by the
        # other day type's rhythm only with a higher bar (or, with `unseen_daytype_margin` None, not at all).
        thresholds = self.thresholds
        armed = self.seen >= self.warmup
        margin = self.params.unseen_daytype_margin
        if armed and not base.knows_daytype(phase):
            armed = margin is not None
            thresholds = {k: t + (margin or 0.0) for k, t in thresholds.items()}
        point = Point(timestamp, value, mu, score, phi)
        step = self.tracker.step(point, armed=armed, thresholds=thresholds)
        if step.started is not None:  # its first points are the incident's, not noise
            self.unlearned.clear()
        # The score a spike opened with counts too: bursts that open spikes every day raise the bar.
        if self.seen >= (self.config.per_day or 24) and (not step.hold or step.started is not None):
            for k, cal in self.calibration.items():
                cal.observe(index, step.candidates.get(k, 0.0))
        self.recent.append((phase, value))
        self._learn(phase, point, step.level_shift, step.hold)
        self.seen += 1
        in_spike = self.tracker.open is not None
        return PointResult(timestamp, value, mu, score, in_spike, step.started, step.ended)

    def _learn(self, phase: int, point: Point, shift: bool, hold: bool) -> None:
        base, value, mu, phi = self.baseline, point.value, point.mu, point.phi
        if shift:
            base.reanchor([i for i, _v in self.recent], [v for _i, v in self.recent])
        # A run of zeros that the forecast makes nearly impossible (P < 10^-4 together) is a gap in the data
        # (an outage), not counts: nothing is learned from it, so the return of the data is no spike.
        self.zero_run = (
            self.zero_run + math.log10(max(zero_probability(mu, phi), 1e-300)) if value == 0 else 0.0
        )
        if self.zero_run < -4:
            return
        judged = self.seen >= self.warmup
        clean = base.clean(value, mu, phi) if judged else value
        # NOTE: an outlier (p <= 1%) that opened no spike may be an incident's first points: it does not
        # move the level or the hour-of-week memory (bursts would otherwise lift the baseline under them).
        outlier = judged and point.score >= self.params.outlier_score
        if not shift and not hold:
            self.unlearned.append((clean, mu))
            while len(self.unlearned) > self.tracker.delay:
                base.learn_noise(*self.unlearned.popleft())
            if not outlier:
                base.learn_level(clean, mu)
        base.learn_season(phase, clean, None if hold or outlier else clean)

    def to_state(self) -> dict[str, Any]:
        """Everything the detector knows, as JSON-able data (store it; `from_state` resumes exactly)."""
        return {
            "version": STATE_VERSION,
            "interval_s": self.interval.total_seconds(),
            "seasonal": self.seasonal,
            "params": params_state(self.params),
            "baseline": baseline_state(self.baseline),
            "tracker": tracker_state(self.tracker),
            "calibration": calibration_state(self.calibration),
            "seen": self.seen,
            "last": self.last.isoformat() if self.last else None,
            "recent": [list(item) for item in self.recent],
            "zero_run": self.zero_run,
            "unlearned": [list(item) for item in self.unlearned],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> SpikeDetector:
        """A detector that continues where the one that wrote `state` stopped (version 1 states upgrade)."""
        check_version(state)
        params = params_from_state(state)
        detector = cls(timedelta(seconds=state["interval_s"]), params, seasonal=state["seasonal"])
        load_baseline(detector.baseline, state["baseline"])
        load_tracker(detector.tracker, state["tracker"])
        load_calibration(detector.calibration, state.get("calibration"))
        detector.seen = state["seen"]
        detector.last = datetime.fromisoformat(state["last"]) if state["last"] else None
        detector.recent.extend((int(i), float(v)) for i, v in state["recent"])
        detector.zero_run = float(state.get("zero_run", 0.0))
        detector.unlearned.extend((float(c), float(m)) for c, m in state.get("unlearned", []))
        return detector

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
        # One point may open a share spike (a share is not bursty the way volume is); no refractory time.
        p = params or SpikeParams(
            threshold=4.5, min_excess=3.0, min_ratio=1.3, min_points=1, streak=3, gap=3, refractory=0
        )
        self.interval, self.params = interval, p
        self.config = replace(resolve(p, interval), max_points=p.max_points or 24)
        self.tracker = RunTracker(p, self.config)
        self.num = self.den = 0.0
        self.phi = p.phi_prior
        self.seen = 0
        self.warmup = p.warmup if p.warmup is not None else 24
        self.last: datetime | None = None
        self.recent: deque[tuple[float, float]] = deque(maxlen=self.tracker.max_points)

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
        point = Point(timestamp, k, mu, score, self.phi)
        thresholds = dict.fromkeys(self.tracker.scales, self.config.threshold)
        step = self.tracker.step(point, armed=armed, thresholds=thresholds)
        self.recent.append((k, n))
        if step.level_shift:  # a share that stayed high for a day is the new usual share
            total = sum(d for _k, d in self.recent)
            if total > 0 and self.den > 0:
                self.num = self.den * sum(x for x, _d in self.recent) / total
        elif self.tracker.open is None and n > 0:
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
        return PointResult(timestamp, k, mu, score, self.tracker.open is not None, step.started, step.ended)


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
    if len(points) < 2 and interval is None:
        return []
    interval = interval or infer_interval([t for t, _v in points])
    detector = SpikeDetector(interval, params, seasonal=seasonal)
    spikes: list[Spike] = []
    for ts, value in points:
        ended = detector.update(ts, value).ended
        if ended is not None and (include_level_shifts or not ended.level_shift):
            spikes.append(ended)
    return _finish(spikes, detector)


def detect_share(
    points: Iterable[tuple[datetime, float, float]],
    *,
    interval: timedelta | None = None,
    params: SpikeParams | None = None,
) -> list[Spike]:
    """Spikes of numerator/denominator (e.g. negative share); peak_value and expected are counts."""
    rows = list(points)
    if len(rows) < 2 and interval is None:
        return []
    interval = interval or infer_interval([r[0] for r in rows])
    detector = ShareSpikeDetector(interval, params)
    spikes: list[Spike] = []
    for ts, k, n in rows:
        ended = detector.update(ts, k, n).ended
        if ended is not None:
            spikes.append(ended)
    return _finish(spikes, detector)
