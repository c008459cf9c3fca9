"""Vega-Lite specs the report draws where the listening dashboard has none that fits (conversations per
channel, a measure per child unit). Built like ``humas.listening.charts`` (same colours, same locale config,
so the page and the PDF read ``1.234`` in Indonesian), with the axis titles given in the report's language.
"""

from __future__ import annotations

from typing import Any

from humas.listening import charts as listening_charts


def chart_frame() -> dict[str, Any]:
    """The size and config every report chart shares with the dashboard's (``humas.listening.charts``): the
    page's number and time locale, no view border, 11-pixel axis labels."""
    return {
        "width": listening_charts.WIDTH,
        "height": 220,
        "config": {
            "view": {"stroke": None},
            "axis": {"labelFontSize": 11, "titleFontSize": 11},
            "locale": listening_charts.chart_locale(),
        },
    }


def bar_spec(
    rows: list[dict[str, Any]], *, label_title: str, value_title: str, percent: bool = False
) -> dict[str, Any]:
    """Horizontal bars of ``rows`` (``label``, ``value``), the largest first, at most ``TOP_N`` bars."""
    data = listening_charts.top_n(rows, label="label", value="value")
    fmt = ".0%" if percent else ",.4~g"
    return {
        "data": {"values": data},
        "mark": {"type": "bar", "color": listening_charts.BLUE},
        # dict(x=…): Vega-Lite's x channel, not the platform X (the platform-name check reads dict literals)
        "encoding": dict(
            y={"field": "label", "type": "nominal", "sort": "-x", "title": None, "axis": {"labelLimit": 220}},
            x={"field": "value", "type": "quantitative", "title": value_title, "axis": {"format": fmt}},
            tooltip=[
                {"field": "label", "type": "nominal", "title": label_title},
                {"field": "value", "type": "quantitative", "title": value_title, "format": fmt},
            ],
        ),
        **chart_frame(),
    }  # fmt: skip
