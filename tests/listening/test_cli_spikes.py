"""`humas spikes detect`: the public contract (CSV in, JSON lines out, exit 2 naming the bad row)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from typer.testing import CliRunner

from humas.bench.spikes import generate_series
from humas.cli.spikes import app
from humas.listening.spike_detector import detect

runner = CliRunner()


def csv_of(points, *, naive: bool = False) -> str:
    rows = ["timestamp,value"]
    for ts, value in points:
        stamp = ts.replace(tzinfo=None).isoformat() if naive else ts.isoformat()
        rows.append(f"{stamp},{value:g}")
    return "\n".join(rows) + "\n"


def test_detect_writes_one_json_line_per_spike_in_time_order(tmp_path):
    s = generate_series(1000)
    path = tmp_path / "series.csv"
    path.write_text(csv_of(s.points))
    result = runner.invoke(app, ["detect", "--input", str(path)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines, "the generated series has spikes"
    assert all(set(line) == {"start", "peak", "end", "score"} for line in lines)
    starts = [datetime.fromisoformat(line["start"]) for line in lines]
    assert starts == sorted(starts)
    assert lines == [spike.to_json() for spike in detect(s.points)]
    for line in lines:
        assert line["start"] <= line["peak"] <= line["end"] and line["score"] > 0


def test_stdin_and_naive_timestamps():
    s = generate_series(1001)
    by_default = runner.invoke(app, ["detect"], input=csv_of(s.points, naive=True))
    dash = runner.invoke(app, ["detect", "--input", "-"], input=csv_of(s.points, naive=True))
    assert by_default.exit_code == dash.exit_code == 0
    assert by_default.stdout == dash.stdout and by_default.stdout.count("\n") >= 1


def test_quiet_series_prints_nothing():
    text = "timestamp,value\n" + "".join(f"2026-01-01T{h:02d}:00:00+07:00,5\n" for h in range(24))
    result = runner.invoke(app, ["detect"], input=text)
    assert result.exit_code == 0 and result.stdout == ""


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("time,value\n2026-01-01T00:00:00,1\n", "row 1"),
        ("", "row 1"),
        ("timestamp,value\n2026-01-01T00:00:00,1\nyesterday,2\n", "row 3"),
        ("timestamp,value\n2026-01-01T00:00:00,1\n2026-01-01T01:00:00,lots\n", "row 3"),
        ("timestamp,value\n2026-01-01T00:00:00,1\n2026-01-01T01:00:00,-4\n", "row 3"),
        ("timestamp,value\n2026-01-01T00:00:00,1\n2026-01-01T01:00:00,nan\n", "row 3"),
        ("timestamp,value\n2026-01-01T00:00:00,1\n2026-01-01T01:00:00,2,3\n", "row 3"),
        (
            "timestamp,value\n2026-01-01T00:00:00,1\n2026-01-01T01:00:00,1\n2026-01-01T03:00:00,1\n",
            "row 4",
        ),
        ("timestamp,value\n2026-01-01T01:00:00,1\n2026-01-01T00:00:00,1\n", "row 3"),
    ],
)
def test_bad_input_exits_2_naming_the_row(text, needle):
    result = runner.invoke(app, ["detect"], input=text)
    assert result.exit_code == 2
    assert needle in result.stderr
    assert result.stdout == ""


def test_missing_file_exits_2(tmp_path):
    result = runner.invoke(app, ["detect", "--input", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2 and "cannot read" in result.stderr
