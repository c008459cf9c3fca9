"""The spike tracker: windows of recent points tested per scale, spikes opened, extended and closed, and
the per-scale threshold calibrated on recent days' maxima (see `spike_detector` for the method)."""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from humas.listening.spike_parts import OpenSpike, Point, Resolved, Spike, SpikeParams, tail_score


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
    min_points >= 2 the window is winsorized (its top quarter of points, at least one, count only as high as
    the next one): one bin, however high, never opens a spike on its own. A window opens a spike when its
    score reaches its scale's calibrated threshold, it holds min_points elevated points and it is practically
    large (ratio and absolute excess over expected); the spike starts at its first elevated point and
    `detected_at` is the point at which it could be known. It closes after `gap` quiet points; for
    `refractory` points after that no spike opens, so one incident with lulls is one detection. Windows
    teach `WindowNoise` only `delay` points late, and not at all when a spike opened on them.
    """

    def __init__(self, params: SpikeParams, config: Resolved) -> None:
        self.p = params
        self.c = config
        self.max_points = config.max_points
        self.open: OpenSpike | None = None
        self.scales = window_scales(config.min_points, config.streak)
        self.streak: deque[Point] = deque(maxlen=self.scales[-1])
        self.noise = WindowNoise(params, self.scales)
        # Windows teach the noise only once `delay` points have passed without a spike opening on them: the
        # first points of an incident, before it is sure, would otherwise widen the noise and hide it.
        self.delay = self.scales[-1]
        self.unlearned: deque[Point] = deque(maxlen=self.scales[-1] + self.delay)
        self.cooldown = 0

    def _window(self, k: int) -> Opening:
        p, pts = self.p, list(self.streak)[-k:]
        value, mu = sum(x.value for x in pts), sum(x.mu for x in pts)
        elevated = [i for i, x in enumerate(pts) if x.score >= p.streak_score]
        phi = self.noise.phi(k, pts[-1].phi)
        if self.c.min_points >= 2 and k >= 2:
            # Winsorized: the top quarter of the points (at least one) count as high as the next one does, so
            # one bin never opens a spike, nor does a short burst carry an hour's window (decision 0107).
            ratios = sorted(((x.value / max(x.mu, 1e-9), x) for x in pts), key=lambda r: r[0])
            top = max(1, k // 4)
            bar = ratios[-top - 1][0]
            for _ratio, x in ratios[-top:]:
                value -= x.value - min(x.value, bar * x.mu)
        # the size rules too are judged on the winsorized sum: a blip does not make its neighbours large
        ok = len(elevated) >= self.c.min_points and value >= mu * p.min_ratio and value - mu >= p.min_excess
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
        self.unlearned.clear()
        return self.open.spike(ongoing=True)

    def _learn(self, point: Point) -> None:
        """Queue the point; the windows that ended `delay` points ago teach the window noise."""
        self.unlearned.append(point)
        if len(self.unlearned) > self.delay:
            self.noise.learn(list(self.unlearned)[: -self.delay])

    def step(self, point: Point, *, armed: bool, thresholds: Mapping[int, float]) -> Step:
        """One point: open, extend or close a spike (each window scale has its own threshold)."""
        if self.open is not None:
            point.held = True
            return self._extend(self.open, point)
        cooling = self.cooldown > 0
        self.cooldown = max(0, self.cooldown - 1)
        self.streak.append(point)
        if point.score < self.p.streak_score:
            self._learn(point)
            return Step()
        openings = self._openings()
        candidates = {k: o.score for k, o in openings.items() if o.ok}
        if cooling:  # an elevated point just after a spike belongs to its aftermath
            point.held = True
            self._learn(point)
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
        self._learn(point)
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
        self._cache: tuple[float, float] | None = None

    def threshold(self, base: float) -> float:
        # NOTE: it changes only when a day is filed: computed once then, not at every point.
        if self._cache is None or self._cache[0] != base:
            self._cache = (base, self._threshold(base))
        return self._cache[1]

    def _threshold(self, base: float) -> float:
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
            self._cache = None
        self.block = block
        self.current = max(self.current, score)
