"""Every chart builder's spec is valid Vega-Lite (checked against the schema Altair ships), with and without
the schema check that pages skip for speed (`charts.VALIDATE_SPECS`): the same spec either way."""

from __future__ import annotations

import altair as alt
import pytest
from jsonschema.exceptions import ValidationError

from humas.listening import charts

ROWS = [
    {"t": f"2026-11-{d:02d}T00:00:00+07:00", "count": 100 + d, "positive": 3, "neutral": 1, "negative": 2,
     "net": 0.1 * (d % 3 - 1)}
    for d in range(1, 31)
]  # fmt: skip
BARS = [{"name": f"<b>akun {i}</b>", "n": i} for i in range(20)]
BUILDERS = {
    "volume by day": lambda: charts.volume_chart(ROWS, bucket="day"),
    "volume by hour": lambda: charts.volume_chart(ROWS, bucket="hour"),
    "sentiment": lambda: charts.sentiment_chart(ROWS, bucket="day"),
    "bar": lambda: charts.bar_chart(BARS, label="name", value="n"),
    "donut": lambda: charts.donut_chart(BARS, label="name", value="n"),
    "spread": lambda: charts.spread_chart(ROWS),
    "spread with clarification": lambda: charts.spread_chart(ROWS, marker="2026-11-15"),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_builder_gives_a_valid_spec_and_the_same_one_unchecked(name, monkeypatch):
    unchecked = BUILDERS[name]()
    monkeypatch.setattr(charts, "VALIDATE_SPECS", True)
    assert BUILDERS[name]() == unchecked  # to_dict(validate=True) raised nothing


def test_the_check_would_catch_a_bad_spec(monkeypatch):
    monkeypatch.setattr(charts, "VALIDATE_SPECS", True)
    bad = alt.Chart(alt.Data(values=ROWS)).mark_bar().encode(x=alt.X("t:T", timeUnit="fortnight"))
    with pytest.raises((ValidationError, alt.utils.schemapi.SchemaValidationError)):
        charts._spec(bad)
