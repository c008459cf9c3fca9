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
