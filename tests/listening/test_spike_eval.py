"""The generator and the benchmark behind `humas bench spikes`."""

from __future__ import annotations

import json

import numpy as np

from humas.bench.spikes import bench_spikes, generate_series


def test_generator_is_reproducible_and_has_known_events():
    a, b = generate_series(7), generate_series(7)
    assert a.points == b.points and a.spikes == b.spikes
    assert a.points != generate_series(8).points
    assert 2 <= len(a.spikes) <= 5
    for spike in a.spikes:
        assert spike.start <= spike.peak <= spike.end
    values = np.array([v for _t, v in a.points])
    assert len(values) == 8 * 7 * 24 and (values >= 0).all()


def test_bench_writes_json(tmp_path):
    out = tmp_path / "spikes.json"
    result = bench_spikes(out, seeds=5)
    written = json.loads(out.read_text())
    assert written == result
    expected_keys = {
        "precision",
        "recall",
        "f1",
        "delay_mean_points",
        "delay_median_points",
        "series",
        "spikes",
    }
    assert expected_keys <= set(written)
    assert written["series"] == 5 and written["spikes"] > 0
    # method 2 adds the false-alarm rate, and the generated-hard and real sets beside the classic one
    sets = ("generated_hard_hourly", "generated_hard_5min", "generated_bursty_5min", "real")
    sets += ("real_calibration", "real_held_out")
    for part in (written, *(written[k] for k in sets)):
        assert expected_keys | {"false_alarms_per_series_day", "series_days"} <= set(part)
        assert part["series_days"] > 0 and part["false_alarms_per_series_day"] >= 0
    assert written["real"]["series"] >= 1 and written["real"]["spikes"] >= 2


def test_hard_series_have_blips_gaps_and_incidents_of_two_bins_or_more():
    from datetime import timedelta

    from humas.bench.spike_series import generate_hard_series

    a = generate_hard_series(11)
    assert a.points == generate_hard_series(11).points
    values = np.array([v for _t, v in a.points])
    lam = np.array(a.expected)
    assert all(s.end > s.start for s in a.spikes) and 2 <= len(a.spikes) <= 5
    assert ((values > 3 * lam + 5) & (lam > 1)).sum() >= 10  # blips (and incidents)
    fine = generate_hard_series(11, interval=timedelta(minutes=5), weeks=2)
    assert fine.points[1][0] - fine.points[0][0] == timedelta(minutes=5)
    assert len(fine.points) == 2 * 7 * 288
