"""The one value formatter of every report output (and the web page)."""

from datetime import UTC, date, datetime

import pytest

from humas.reports.document import Figure
from humas.reports.render.fmt import change_arrow, change_tone, format_change, format_value

MAKASSAR = "Asia/Makassar"


@pytest.mark.parametrize(
    ("value", "kind", "indonesian", "english"),
    [
        (1234, "count", "1.234", "1,234"),
        (1234.5, "number", "1.234,5", "1,234.5"),
        (0.875, "percent", "87,5%", "87.5%"),
        (1, "percent", "100%", "100%"),
        (2.5, "hours", "2,5 jam", "2.5 h"),
        (3, "hours", "3,0 jam", "3.0 h"),
        (0.0123, "ratio", "0,0123", "0.0123"),
        ("2026-12-01", "date", "1 Desember 2026", "December 1, 2026"),
        (date(2026, 12, 1), "date", "1 Desember 2026", "December 1, 2026"),
        # 01:00 UTC is 09:00 in Makassar (WITA, UTC+8)
        (
            "2026-12-01T01:00:00+00:00",
            "datetime",
            "1 Desember 2026 09.00 WITA",
            "December 1, 2026 9:00\u202fAM WITA",
        ),
        (datetime(2026, 12, 1, 1, 0, tzinfo=UTC), "datetime", "1 Desember 2026 09.00 WITA", None),
        ("<b>teks</b> & lain", "text", "<b>teks</b> & lain", "<b>teks</b> & lain"),
        (None, "count", "—", "—"),
        ("n/a", "count", "n/a", "n/a"),  # a value that is not its kind is shown, not refused
        (float("nan"), "number", "nan", "nan"),
    ],
)
def test_format_value(value, kind, indonesian, english):
    assert format_value(value, kind, locale="id", zone=MAKASSAR) == indonesian
    if english is not None:
        assert format_value(value, kind, locale="en", zone=MAKASSAR) == english


def test_datetime_in_each_indonesian_zone():
    moment = "2026-12-01T01:00:00+00:00"
    assert format_value(moment, "datetime", locale="id", zone="Asia/Jakarta").endswith("08.00 WIB")
    assert format_value(moment, "datetime", locale="id", zone="Asia/Jayapura").endswith("10.00 WIT")
    # a naive time is read as UTC
    assert format_value("2026-12-01T01:00:00", "datetime", locale="id", zone="Asia/Jakarta").endswith(
        "08.00 WIB"
    )


def test_change_relative_with_arrow_and_tone():
    received = Figure("inbox.received", "Masuk", 1234, "count", previous=1100)
    assert format_change(received, locale="id") == "▲ 12,2%"
    assert format_change(received, locale="en") == "▲ 12.2%"
    assert format_change(received, locale="id", arrow=False) == "+12,2%"
    assert change_tone(received) == "good"
    slower = Figure("inbox.first_response_p50", "Median", 3.0, "hours", previous=2.5, better="down")
    assert format_change(slower, locale="id") == "▲ 20%"
    assert change_tone(slower) == "bad"
    fewer = Figure("inbox.received", "Masuk", 900, "count", previous=1000)
    assert format_change(fewer, locale="id", arrow=False) == "-10%"
    assert change_arrow(fewer) == "▼"


def test_change_of_a_percent_figure_is_in_points():
    rate = Figure("inbox.response_rate", "Tingkat respons", 0.875, "percent", previous=0.8)
    assert format_change(rate, locale="id", arrow=False) == "+7,5 poin"
    assert format_change(rate, locale="id") == "▲ 7,5 poin"
    assert format_change(rate, locale="en") == "▲ 7.5 pts"


def test_change_of_net_sentiment_is_its_difference():
    # an index of -1..1 that crosses zero has no meaningful relative change (0.1 -> -0.25 is not "-350 %")
    net = Figure("listening.net_sentiment", "Sentimen bersih", -0.25, "number", previous=0.1)
    assert net.change is None and net.delta == pytest.approx(-0.35)
    assert format_change(net, locale="id") == "▼ 0,35"
    assert format_change(net, locale="en", arrow=False) == "-0.35"
    rate = Figure("inbox.response_rate", "Tingkat respons", 0.875, "percent", previous=0.8)
    assert rate.change is None  # the API and the XLSX give its difference (delta), in points on the page


def test_change_edge_cases():
    neutral = Figure("listening.mentions", "Sebutan", 45678, "count", previous=50000, better="none")
    assert change_tone(neutral) == "neutral"
    assert format_change(neutral, locale="id") == "▼ 8,6%"
    assert format_change(Figure("k", "l", 5, "count", previous=None), locale="id") == ""
    assert change_arrow(Figure("k", "l", 5, "count", previous=None)) == ""
    # from zero there is no relative change: the difference in the figure's unit
    assert format_change(Figure("k", "l", 5, "count", previous=0), locale="id") == "▲ 5"
    assert format_change(Figure("k", "l", 1.5, "hours", previous=0), locale="id") == "▲ 1,5 jam"
    flat = Figure("k", "l", 7, "count", previous=7)
    assert format_change(flat, locale="id") == "▬ 0%"
    assert change_tone(flat) == "neutral"
