"""Evaluation of the spike detector on generated hourly series with known spikes.

A series has a daily rhythm (quiet nights, morning and evening peaks), a weekly one (a quieter weekend with
a later morning), slow growth or decline, negative-binomial noise, level shifts (a permanent step of
-40%..+50%: a new normal, not a spike) and spikes of various sizes and durations. A spike adds to the
expected count a peak excess of `size × reference` (size 1..5, reference = the larger of the hour's
expectation and the day's mean, so a spike at night is not a rounding error), at least `MIN_SD` noise
standard deviations and `MIN_EXCESS` counts, reached after a ramp of 0-2 points and decaying with a half-life
of 0.7-8 points. Every figure comes from many seeds (`bench_spikes`), never one.

A detection whose `detected_at` lies inside a true spike's window is a hit (delay = detected_at - the
spike's start, in points); a second detection of the same spike and a detection outside every window are
false alarms, also reported per series-day and per series-week after the warm-up. `bench_spikes` adds the
generated-hard, bursty and real series of `spike_series` beside this classic set.
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
from humas.listening.spike_parts import resolve

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
    days: float = 0.0  # series-days judged (after the detector's warm-up)


def _match(found: list[tuple[int, int]], windows: list[tuple[int, int]], days: float) -> SeriesScore:
    """Detections (start, known-at) against incident windows (first, last index): hits, false alarms."""
    matched: set[int] = set()
    false_alarms, delays = 0, []
    for _start, known in found:
        owner = next((k for k, (a, b) in enumerate(windows) if a <= known <= b), None)
        if owner is None or owner in matched:
            false_alarms += 1
            continue
        matched.add(owner)
        delays.append(known - windows[owner][0])
    return SeriesScore(len(matched), false_alarms, len(windows) - len(matched), delays, days)


def score_series(series: SyntheticSeries, params: SpikeParams | None = None) -> SeriesScore:
    """Run the detector on one series and match its detections with the known spikes."""
    index = {ts: i for i, (ts, _v) in enumerate(series.points)}
    found = detect(series.points, params=params)
    interval = series.points[1][0] - series.points[0][0]
    warmup = resolve(params or SpikeParams(), interval).warmup
    days = max(0, len(series.points) - warmup) * interval / timedelta(days=1)
    detections = [(index[s.start], index[s.detected_at or s.start]) for s in found]
    return _match(detections, [(s.start, s.end) for s in series.spikes], days)


def summarize(scores: list[SeriesScore]) -> dict[str, Any]:
    """Precision, recall, F1, delay and false alarms per series-day (and per week) over scored series."""
    hits = sum(s.hits for s in scores)
    false_alarms = sum(s.false_alarms for s in scores)
    misses = sum(s.misses for s in scores)
    delays = [d for s in scores for d in s.delays]
    days = sum(s.days for s in scores)
    precision = hits / (hits + false_alarms) if hits + false_alarms else 1.0
    recall = hits / (hits + misses) if hits + misses else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    per_day = false_alarms / days if days else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "delay_mean_points": round(statistics.fmean(delays), 3) if delays else None,
        "delay_median_points": float(statistics.median(delays)) if delays else None,
        "series": len(scores),
        "spikes": hits + misses,
        "false_alarms": false_alarms,
        "series_days": round(days, 1),
        "false_alarms_per_series_day": round(per_day, 4),
        "false_alarms_per_series_week": round(7 * per_day, 3),
    }


def evaluate(seeds: range | list[int], params: SpikeParams | None = None) -> dict[str, Any]:
    """Precision, recall, F1 and detection delay over the (classic) series generated from these seeds."""
    return summarize([score_series(generate_series(seed), params) for seed in seeds])


def evaluate_hard(
    seeds: range | list[int],
    params: SpikeParams | None = None,
    *,
    interval: timedelta = HOUR,
    weeks: int = 8,
    bursts_per_day: float = 0.0,
) -> dict[str, Any]:
    """The same figures over generated-hard series (`spike_series`) at this resolution."""
    from humas.bench.spike_series import generate_hard_series

    def one(seed: int) -> SyntheticSeries:
        return generate_hard_series(seed, interval=interval, weeks=weeks, bursts_per_day=bursts_per_day)

    return summarize([score_series(one(seed), params) for seed in seeds])


def evaluate_real(
    params: SpikeParams | None = None, tolerance: timedelta = timedelta(0), *, part: str = "all"
) -> dict[str, Any]:
    """Figures on the stored real series: a detection known in a labelled window (+ tolerance) is a hit.

    `part`: "all", "calibration" (the points before each series' `held_out_from`: what parameters may be
    chosen on) or "held_out" (the points from it on, never used to choose anything). The detector always
    runs on the whole series from its start, as it would live; only detections known in the part count.
    """
    from humas.bench.spike_series import load_real

    scores = []
    for series in load_real():
        points = series.points
        index = {ts: i for i, (ts, _v) in enumerate(points)}
        interval = points[1][0] - points[0][0]
        warmup = resolve(params or SpikeParams(), interval).warmup
        split = len(points) if series.held_out_from is None else index[series.held_out_from]
        parts = {"all": (0, len(points)), "calibration": (0, split), "held_out": (split, len(points))}
        first, last = parts[part]
        first = max(first, warmup)
        if first >= last:
            continue
        windows = [(index[a], index[b] + int(tolerance / interval)) for a, b in series.incidents]
        windows = [w for w in windows if first <= w[0] < last]
        found = detect(points, params=params)
        detections = [(index[s.start], index[s.detected_at or s.start]) for s in found]
        days = (last - first) * interval / timedelta(days=1)
        scores.append(_match([d for d in detections if first <= d[1] < last], windows, days))
    return summarize(scores)


def bench_spikes(json_out: Path | None = None, seeds: int = 200, first_seed: int = 1000) -> dict[str, Any]:
    """`humas bench spikes`: classic, generated-hard (hourly and 5-minute) and real series, as JSON."""
    result = evaluate(range(first_seed, first_seed + seeds))
    hard = range(first_seed, first_seed + max(1, seeds // 2))
    result["generated_hard_hourly"] = evaluate_hard(hard)
    fine = range(first_seed, first_seed + max(1, seeds // 8))
    result["generated_hard_5min"] = evaluate_hard(fine, interval=timedelta(minutes=5), weeks=4)
    result["generated_bursty_5min"] = evaluate_hard(
        fine, interval=timedelta(minutes=5), weeks=4, bursts_per_day=4.0
    )
    result["real"] = evaluate_real()
    result["real_calibration"] = evaluate_real(part="calibration")
    result["real_held_out"] = evaluate_real(part="held_out")
    if json_out is not None:
        json_out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result
