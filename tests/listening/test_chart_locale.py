"""Charts speak the page's language: id-ID number and time formats, translated titles, a readable top N."""

from __future__ import annotations

import json

from humas.core.i18n import use_locale
from humas.listening import charts


def _titles(spec: dict) -> set[str]:
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("title"), str):
                found.add(node["title"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return found


def test_indonesian_by_default_english_on_request():
    rows = [{"t": "2026-11-25T00:00:00+07:00", "count": 120000, "positive": 3, "neutral": 1, "negative": 2,
             "net": 0.1}]  # fmt: skip
    spec = charts.volume_chart(rows, bucket="day")
    assert spec["config"]["locale"]["number"]["thousands"] == "."
    assert spec["config"]["locale"]["time"]["shortMonths"][7:] == ["Agu", "Sep", "Okt", "Nov", "Des"]
    assert {"sebutan", "waktu"} <= _titles(spec)
    sentiment = charts.sentiment_chart(rows, bucket="day")
    assert {"porsi", "sentimen bersih"} <= _titles(sentiment)
    assert "positif" in json.dumps(sentiment) and '"positive"' not in json.dumps(sentiment["layer"])
    with use_locale("en"):
        english = charts.volume_chart(rows, bucket="day")
    assert english["config"]["locale"]["number"]["thousands"] == ","
    assert {"mentions", "time"} <= _titles(english)


def test_a_bar_chart_of_505_queries_shows_the_top_and_one_others_bar():
    rows = [{"query": f"Topik {i}", "count": 1000 - i} for i in range(505)]
    spec = charts.bar_chart(rows, label="query", value="count")
    values = spec["data"]["values"]
    assert len(values) == charts.TOP_N
    assert values[-1]["query"] == "lainnya (494)"
    assert sum(v["count"] for v in values) == sum(r["count"] for r in rows)
    small = charts.bar_chart(rows[:3], label="query", value="count")
    assert [v["query"] for v in small["data"]["values"]] == ["Topik 0", "Topik 1", "Topik 2"]
