"""`humas spikes detect` on committed real count series (calibration parts only; see the data README)."""

from __future__ import annotations

import json
from datetime import datetime

from typer.testing import CliRunner

from humas.bench.spike_series import RealSeries, load_real
from humas.cli.spikes import app
from humas.listening.spike_detector import SpikeParams, detect

runner = CliRunner()


def _series(name: str) -> RealSeries:
    return next(s for s in load_real() if s.name == name)


def _detect_calibration_part(series: RealSeries) -> list[dict[str, str]]:
    """The CLI on the points before the held-out part, as an outside evaluator would run it."""
    assert series.held_out_from is not None
    rows = ["timestamp,value"]
    rows += [f"{ts.isoformat()},{value:g}" for ts, value in series.points if ts < series.held_out_from]
    result = runner.invoke(app, ["detect"], input="\n".join(rows) + "\n")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(set(line) == {"start", "peak", "end", "score"} for line in lines)
    starts = [line["start"] for line in lines]
    assert starts == sorted(starts)
    return lines


def _inside(line: dict[str, str], window: tuple[datetime, datetime]) -> bool:
    return window[0] <= datetime.fromisoformat(line["start"]) <= window[1]


def test_the_thanksgiving_night_of_nyc_taxi_is_one_detection_with_at_most_one_false_alarm():
    series = _series("nyc_taxi.csv")
    lines = _detect_calibration_part(series)
    thanksgiving = series.incidents[0]
    assert sum(_inside(line, thanksgiving) for line in lines) == 1
    # 20 days of a strongly seasonal real series (daily, weekend nights, a holiday): one alarm outside the
    # labelled window at most (a Thursday night three times busier than the Thursdays before it)
    assert sum(not any(_inside(line, w) for w in series.incidents) for line in lines) <= 1


def test_an_hour_at_three_times_the_usual_in_noisy_five_minute_requests_is_found():
    series = _series("elb_request_count_8c0756.csv")
    assert series.held_out_from is not None
    points = [p for p in series.points if p[0] < series.held_out_from]
    # The incident (04-12 17:14-18:04, 2-5x) falls on the series' first weekend, which the default leaves
    # unjudged; judged like any day, it must be found, and nothing else in 8 days of bins whose noise is
    # about 75% of their mean. The 2 x log10 per-day threshold of decision 0031 missed it (score 3.2 < 4.2).
    found = detect(points, params=SpikeParams(unseen_daytype_margin=0.0))
    incident = series.incidents[0]
    assert [incident[0] <= s.start <= incident[1] for s in found] == [True]
    assert not detect(points, params=SpikeParams(unseen_daytype_margin=0.0, per_day_factor=2.0))
