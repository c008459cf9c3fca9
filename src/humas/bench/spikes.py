"""Evaluation of the spike detector on generated hourly series with known spikes.

A series has a daily rhythm (quiet nights, morning and evening peaks), a weekly one (a quieter weekend with
a later morning), slow growth or decline, negative-binomial noise, level shifts (a permanent step of
-40%..+50%: a new normal, not a spike) and spikes of various sizes and durations. A spike adds to the
expected count a peak excess of `size × reference` (size 1..5, reference = the larger of the hour's
expectation and the day's mean, so a spike at night is not a rounding error), at least `MIN_SD` noise
standard deviations and `MIN_EXCESS` counts, reached after a ramp of 0-2 points and decaying with a half-life
of 0.7-8 points. Every figure comes from many seeds (`bench_spikes`), never one.

A detection whose start lies inside a true spike's window is a hit (delay = its start - the spike's start,
in points); a second detection of the same spike and a detection outside every window are false alarms.
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np

from humas.listening.spike_detector import SpikeParams, detect

WIB = timezone(timedelta(hours=7))
START = datetime(2026, 9, 7, tzinfo=WIB)  # a Monday
HOUR = timedelta(hours=1)
MIN_SD = 6.0
MIN_EXCESS = 8.0


@dataclass(frozen=True)
class TrueSpike:
    start: int  # index of the first point with added volume
    peak: int
    end: int  # last index whose added volume is still >= 10% of the peak's
    peak_excess: float


@dataclass
class SyntheticSeries:
    points: list[tuple[datetime, float]]
    expected: list[float]  # without spikes (level shifts and growth included)
    spikes: list[TrueSpike] = field(default_factory=list)
    level_shifts: list[int] = field(default_factory=list)


def _daily_shape(hours: np.ndarray, shift: float) -> np.ndarray:
    h = (hours - shift) % 24
    morning = np.exp(-0.5 * ((h - 10) / 2.5) ** 2)
    evening = 0.8 * np.exp(-0.5 * ((h - 20) / 2.0) ** 2)
    return 0.06 + morning + evening + 0.25 * np.exp(-0.5 * ((h - 15) / 3.0) ** 2)


def _rhythm(n: int, rng: np.random.Generator) -> np.ndarray:
    idx = np.arange(n)
    hours, days = idx % 24, (idx // 24) % 7
    weekday = _daily_shape(hours, 0.0)
    weekend = _daily_shape(hours, rng.uniform(1.0, 2.5)) * rng.uniform(0.5, 0.9)
    shape = np.where(days >= 5, weekend, weekday)
    return shape / shape.mean()


def generate_series(seed: int, *, weeks: int = 8) -> SyntheticSeries:
    """One hourly series with known spikes and level shifts, reproducible from its seed."""
    rng = np.random.default_rng(seed)
    n = weeks * 7 * 24
    mean = math.exp(rng.uniform(math.log(3), math.log(400)))
    phi = math.exp(rng.uniform(math.log(0.005), math.log(0.06)))
    growth = np.exp(rng.uniform(-0.3, 0.7) * np.arange(n) / n)
    steps = np.ones(n)
    shifts = sorted(int(s) for s in rng.choice(np.arange(7 * 24, n - 24), size=rng.integers(0, 3)))
    for s in shifts:
        steps[s:] *= rng.uniform(1.2, 1.5) if rng.random() < 0.5 else rng.uniform(0.6, 0.85)
    day_mean = mean * growth * steps
    lam = day_mean * _rhythm(n, rng)
    extra = np.zeros(n)
    spikes = _place_spikes(rng, lam, day_mean, phi, shifts, extra)
    draw = rng.poisson(rng.gamma(1.0 / phi, phi * (lam + extra)))
    points = [(START + i * HOUR, float(v)) for i, v in enumerate(draw)]
    return SyntheticSeries(points, lam.tolist(), spikes, shifts)


def _place_spikes(
    rng: np.random.Generator,
    lam: np.ndarray,
    day_mean: np.ndarray,
    phi: float,
    shifts: list[int],
    extra: np.ndarray,
) -> list[TrueSpike]:
    n = len(lam)
    spikes: list[TrueSpike] = []
    taken: list[int] = []
    for _attempt in range(40):
        if len(spikes) >= int(rng.integers(2, 6)):
            break
        start = int(rng.integers(7 * 24, n - 48))
        if any(abs(start - t) < 48 for t in taken) or any(-6 < start - s < 24 for s in shifts):
            continue
        rise, half_life = int(rng.integers(0, 3)), math.exp(rng.uniform(math.log(0.7), math.log(8)))
        peak = start + rise
        ref = max(lam[peak], day_mean[peak])
        size = math.exp(rng.uniform(0, math.log(5)))
        peak_excess = max(size * ref, MIN_SD * math.sqrt(lam[peak] + phi * lam[peak] ** 2), MIN_EXCESS)
        end = peak
        for i in range(start, min(n, peak + 36)):
            if i < peak:
                amount = peak_excess * (i - start + 1) / (rise + 1)
            else:
                amount = peak_excess * 0.5 ** ((i - peak) / half_life)
                if amount < 0.1 * peak_excess:
                    break
            extra[i] += amount
            end = i
        spikes.append(TrueSpike(start, peak, end, peak_excess))
        taken.append(start)
    return sorted(spikes, key=lambda s: s.start)


@dataclass(frozen=True)
class SeriesScore:
    hits: int
    false_alarms: int
    misses: int
    delays: list[int]


def score_series(series: SyntheticSeries, params: SpikeParams | None = None) -> SeriesScore:
    """Run the detector on one series and match its detections with the known spikes."""
    index = {ts: i for i, (ts, _v) in enumerate(series.points)}
    found = detect(series.points, params=params)
    matched: set[int] = set()
    false_alarms, delays = 0, []
    for spike in found:
        start = index[spike.detected_at or spike.start]
        owner = next((k for k, s in enumerate(series.spikes) if s.start <= start <= s.end), None)
        if owner is None or owner in matched:
            false_alarms += 1
            continue
        matched.add(owner)
        delays.append(start - series.spikes[owner].start)
    return SeriesScore(len(matched), false_alarms, len(series.spikes) - len(matched), delays)


def evaluate(seeds: range | list[int], params: SpikeParams | None = None) -> dict[str, Any]:
    """Precision, recall, F1 and detection delay over the series generated from these seeds."""
    hits = false_alarms = misses = 0
    delays: list[int] = []
    for seed in seeds:
        s = score_series(generate_series(seed), params)
        hits, false_alarms, misses = hits + s.hits, false_alarms + s.false_alarms, misses + s.misses
        delays += s.delays
    precision = hits / (hits + false_alarms) if hits + false_alarms else 1.0
    recall = hits / (hits + misses) if hits + misses else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "delay_mean_points": round(statistics.fmean(delays), 3) if delays else None,
        "delay_median_points": float(statistics.median(delays)) if delays else None,
        "series": len(seeds),
        "spikes": hits + misses,
        "false_alarms": false_alarms,
    }


def bench_spikes(json_out: Path | None = None, seeds: int = 200, first_seed: int = 1000) -> dict[str, Any]:
    """`humas bench spikes`: evaluate on `seeds` generated series; optionally write the figures as JSON."""
    result = evaluate(range(first_seed, first_seed + seeds))
    if json_out is not None:
        json_out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result
