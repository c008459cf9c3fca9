"""Harder generated series, and real ones, for the spike benchmark (`humas bench spikes`).

Generated-hard series look like real mention counts more than the classic set does: overdispersed (negative-
binomial phi 0.02-0.3), bursty (a log-normal AR(1) multiplier, so noise comes in runs), heavy tailed
(Student-t shocks), trending (-30%..+100%), with level shifts, outages (hours of zeros) and isolated single-
bin blips of 3-10× (about one a day) that are NOT incidents (a detection on one is a false alarm). Incidents
last at least two bins: at hourly resolution 2-12 hours, at 5-minute resolution half an hour to several hours,
with a ramp and a decay. Every figure comes from many seeds.

The real series are stored under `humas/bench/data/spikes_real/` with their source and licence (README).
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from humas.bench.spikes import START, SyntheticSeries, TrueSpike, _rhythm

REAL_DIR = Path(__file__).parent / "data" / "spikes_real"
FIVE_MINUTES = timedelta(minutes=5)


def _bursty_multiplier(n: int, per_hour: float, rng: np.random.Generator) -> np.ndarray:
    """exp(AR(1) with heavy-tailed shocks): noise that comes in runs, as real mention volume does."""
    rho = rng.uniform(0.5, 0.9) ** (1.0 / max(1.0, per_hour / 4))
    sigma = rng.uniform(0.03, 0.15) * math.sqrt(1 - rho * rho)
    shocks = rng.standard_t(3, n) * sigma
    out = np.empty(n)
    e = 0.0
    for i in range(n):
        e = rho * e + shocks[i]
        out[i] = e
    return np.exp(out - out.mean())


def _incidents(
    rng: np.random.Generator,
    lam: np.ndarray,
    day_mean: np.ndarray,
    phi: float,
    per_hour: float,
    avoid: list[int],
) -> tuple[np.ndarray, list[TrueSpike]]:
    n, per_day = len(lam), int(24 * per_hour)
    extra, taken = np.zeros(n), list(avoid)
    spikes: list[TrueSpike] = []
    for _attempt in range(40):
        if len(spikes) >= int(rng.integers(2, 6)):
            break
        start = int(rng.integers(7 * per_day, n - 2 * per_day))
        if any(abs(start - t) < 2 * per_day for t in taken):
            continue
        rise = int(rng.integers(0, max(1, round(per_hour / 2)) + 2))
        half_life = max(1.5, math.exp(rng.uniform(math.log(1), math.log(8))) * per_hour**0.8)
        peak = start + rise
        ref = max(lam[peak], day_mean[peak])
        size = math.exp(rng.uniform(math.log(2), math.log(8)))
        sd = math.sqrt(lam[peak] + (phi + 0.1) * lam[peak] ** 2)
        peak_excess = max(size * ref, 6.0 * sd, 8.0)
        end = peak
        for i in range(start, min(n, peak + int(36 * per_hour))):
            amount = peak_excess * (
                (i - start + 1) / (rise + 1) if i < peak else 0.5 ** ((i - peak) / half_life)
            )
            if i > peak and amount < 0.1 * peak_excess:
                break
            extra[i] += amount
            end = i
        spikes.append(TrueSpike(start, peak, max(end, start + 1), peak_excess))
        taken.append(start)
    return extra, sorted(spikes, key=lambda s: s.start)


def generate_hard_series(
    seed: int, *, interval: timedelta = timedelta(hours=1), weeks: int = 8, bursts_per_day: float = 0.0
) -> SyntheticSeries:
    """One hard series (hourly or finer): known incidents, blips that are not incidents, gaps, shifts.

    With `bursts_per_day`, short bursts (2-4 bins at 2-5×, about 10-20 minutes at 5-minute resolution)
    that are not incidents either: the retweet storms of real mention volume.
    """
    rng = np.random.default_rng(seed)
    per_hour = timedelta(hours=1) / interval
    n = int(weeks * 7 * 24 * per_hour)
    hours = np.arange(n) / per_hour
    mean = math.exp(rng.uniform(math.log(3), math.log(400))) / per_hour
    phi = math.exp(rng.uniform(math.log(0.02), math.log(0.3)))
    hourly = _rhythm(weeks * 7 * 24, rng)
    rhythm = np.interp(hours, np.arange(len(hourly)), hourly)
    growth = np.exp(rng.uniform(-0.3, 0.7) * np.arange(n) / n)
    steps, shifts = np.ones(n), []
    for s in sorted(
        int(x)
        for x in rng.choice(
            np.arange(int(7 * 24 * per_hour), n - int(24 * per_hour)), size=rng.integers(0, 3)
        )
    ):
        steps[s:] *= rng.uniform(1.2, 1.5) if rng.random() < 0.5 else rng.uniform(0.6, 0.85)
        shifts.append(s)
    day_mean = mean * growth * steps
    lam = day_mean * rhythm * _bursty_multiplier(n, per_hour, rng)
    extra, spikes = _incidents(rng, lam, day_mean, phi, per_hour, shifts)
    draw = rng.poisson(rng.gamma(1.0 / phi, phi * (lam + extra))).astype(float)
    _blips_and_gaps(rng, draw, lam, spikes, per_hour)
    if bursts_per_day > 0:
        _bursts(np.random.default_rng(seed + 7), draw, spikes, per_hour, bursts_per_day)
    points = [(START + i * interval, float(v)) for i, v in enumerate(draw)]
    return SyntheticSeries(points, lam.tolist(), spikes, shifts)


def _blips_and_gaps(
    rng: np.random.Generator, draw: np.ndarray, lam: np.ndarray, spikes: list[TrueSpike], per_hour: float
) -> None:
    """About one single-bin blip a day (3-10× plus a few counts) and 0-2 outages of 1-6 hours (zeros)."""
    n, per_day = len(draw), int(24 * per_hour)
    busy = np.zeros(n, dtype=bool)
    for s in spikes:
        busy[max(0, s.start - per_day // 4) : s.end + per_day // 4] = True
    spacing = max(6, int(3 * per_hour))  # blips are isolated bins (two in a row would be a burst)
    for i in sorted(rng.choice(n, size=int(rng.poisson(n / per_day)), replace=False)):
        if not busy[i]:
            draw[i] = draw[i] * rng.uniform(3, 10) + rng.integers(5, 15)
            busy[max(0, i - spacing) : i + spacing] = True
    for _ in range(int(rng.integers(0, 3))):
        start, length = int(rng.integers(per_day, n - per_day)), int(rng.integers(1, 7) * per_hour)
        if not busy[start : start + length].any():
            draw[start : start + length] = 0.0


def _bursts(
    rng: np.random.Generator, draw: np.ndarray, spikes: list[TrueSpike], per_hour: float, per_day: float
) -> None:
    n, day = len(draw), int(24 * per_hour)
    busy = np.zeros(n, dtype=bool)
    for s in spikes:
        busy[max(0, s.start - day // 8) : s.end + day // 8] = True
    for i in rng.choice(n, size=int(rng.poisson(per_day * n / day)), replace=False):
        length = int(rng.integers(2, 5))
        if not busy[i : i + length].any():
            draw[i : i + length] = draw[i : i + length] * rng.uniform(2, 5) + rng.integers(2, 8)


@dataclass(frozen=True)
class RealSeries:
    name: str
    points: list[tuple[datetime, float]]
    incidents: list[tuple[datetime, datetime]]  # labelled windows (first, last point)
    # points from here on are the held-out part (never used to choose anything); None: all calibration
    held_out_from: datetime | None


def load_real() -> list[RealSeries]:
    """The stored real series with their labelled incidents (`data/spikes_real/labels.json`)."""
    labels = json.loads((REAL_DIR / "labels.json").read_text(encoding="utf-8"))
    out = []
    for name, meta in sorted(labels.items()):
        with (REAL_DIR / name).open(encoding="utf-8", newline="") as f:
            rows = [(datetime.fromisoformat(r["timestamp"]), float(r["value"])) for r in csv.DictReader(f)]
        spans = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in meta["incidents"]]
        held = meta.get("held_out_from")
        out.append(RealSeries(name, rows, spans, datetime.fromisoformat(held) if held else None))
    return out
