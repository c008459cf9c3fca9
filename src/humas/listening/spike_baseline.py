"""The spike detector's forecast: level × seasonal factor, learned online from the past only."""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Iterable, Sequence

from humas.listening.spike_parts import Resolved, SpikeParams


class SeasonalBaseline:
    """level × seasonal factor, learned online; finer seasonal factors shrink toward coarser ones.

    Factors, from coarse to fine: hour of day, hour of day on workdays / on weekends, hour of week. The first
    two are exponentially weighted means of Huber-cleaned value / level; the hour-of-week factor is a trimmed
    mean of its last `week_memory` raw ratios, so one spike does not move it and a rhythm that comes back
    every week is learned in three weeks. Each finer estimate is shrunk toward the coarser one as a
    Gamma-Poisson posterior with `prior_counts` pseudo-counts: at quiet hours a few zeros do not make an
    expectation of zero, and the uncertainty left (1 / counts behind the estimate) widens the tail.
    Methods take a phase index: the point's index for hourly series, index // bucket for finer ones.
    """

    def __init__(self, params: SpikeParams, config: Resolved) -> None:
        self.p = params
        self.alpha, self.gamma = config.alpha, config.gamma_day
        self.per_day, self.per_week = config.phases_day, config.phases_week
        self.level = 0.0
        self.n = 0
        self.day = [1.0] * (self.per_day or 0)
        self.day_seen = [0] * (self.per_day or 0)
        self.daytype = [1.0] * (2 * (self.per_day or 0))
        self.daytype_seen = [0] * (2 * (self.per_day or 0))
        self.week: list[deque[float]] = [deque(maxlen=params.week_memory) for _ in range(self.per_week or 0)]
        self.phi_num = 0.0
        self.phi_den = 0.0
        self.phi_n = 0
        self.noise_after = config.per_day or 24  # the first day's forecast errors are guesses
        # Phases of several points (5-minute points in hour-of-day phases) learn once per phase and day,
        # from the mean of its points, so an incident does not teach its own hour within the hour.
        self.bucket = config.bucket
        self.pending: list[float] = []  # [phase, sum of cleaned ratios, sum of raw ratios, points]

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
            stages.append((self.day[h], _ewma_n(self.day_seen[h], self.gamma)))
            stages.append((self.daytype[t], _ewma_n(self.daytype_seen[t], self.gamma)))
        if self.per_week:
            ratios = self.week[index % self.per_week]
            if len(ratios) >= self.p.min_weeks:
                band, coarse = self.p.week_band, stages[-1][0] if stages else 1.0
                factor = min(max(_trimmed_mean(ratios), coarse / band), coarse * band)
                stages.append((factor, len(ratios)))
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
        if self.n < self.noise_after:
            return
        gain = max(self.p.beta, 1.0 / (self.phi_n + 1))
        self.phi_num += gain * ((value - mu) ** 2 - mu - self.phi_num)
        self.phi_den += gain * (mu * mu - self.phi_den)
        self.phi_n += 1

    def learn_level(self, value: float, mu: float) -> None:
        """Move the level toward the de-seasonalised (cleaned) value."""
        factor = mu / self.level if self.level > 1e-9 else 1.0
        deseasonal = value / factor if factor > 1e-6 else self.level
        self.level += max(self.alpha, 1.0 / (self.n + 1)) * (deseasonal - self.level)
        self.n += 1

    def learn_season(self, index: int, clean: float, week: float | None) -> None:
        """Update the seasonal factors from the cleaned value; the week memory only from unsuspect points."""
        if self.level <= 1e-9:
            return
        if self.bucket == 1:
            self._learn_phase(index, clean / self.level, None if week is None else week / self.level)
            return
        if self.pending and int(self.pending[0]) != index:
            phase, c, r, n = self.pending
            self._learn_phase(int(phase), c / n, r / n)
            self.pending = []
        if not self.pending:
            self.pending = [float(index), 0.0, 0.0, 0.0]
        self.pending[1] += clean / self.level
        self.pending[2] += (clean if week is None else week) / self.level
        self.pending[3] += 1

    def _learn_phase(self, index: int, clean: float, raw: float | None) -> None:
        g = self.gamma
        if self.per_day:
            h, t = index % self.per_day, self._daytype(index)
            self.day[h] += max(g, 1.0 / (self.day_seen[h] + 1)) * (clean - self.day[h])
            self.day_seen[h] += 1
            gain = max(g, 1.0 / (self.daytype_seen[t] + 1))
            self.daytype[t] += gain * (clean - self.daytype[t])
            self.daytype_seen[t] += 1
        if self.per_week and raw is not None:
            self.week[index % self.per_week].append(raw)

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
