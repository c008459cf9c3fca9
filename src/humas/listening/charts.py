"""Vega-Lite specs for the dashboard, built with Altair from the rows the dashboard service returns.

Pure: rows in, a JSON-able spec out. The same spec draws in the browser (vega-embed) and, through
vl-convert, as SVG/PNG in reports.
"""

from __future__ import annotations

from typing import Any

import altair as alt

BLUE, RED, GREEN, GREY = "#0b5cab", "#b42318", "#067647", "#98a2b3"
WIDTH = "container"


def _base(rows: list[dict[str, Any]]) -> alt.Chart:
    return alt.Chart(alt.Data(values=rows)).properties(width=WIDTH, height=220)


def _spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    spec = chart.configure_view(stroke=None).configure_axis(labelFontSize=11, titleFontSize=11).to_dict()
    spec.pop("$schema", None)
    return spec


def _wall_clock(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows whose `t` ("2026-12-02T00:00:00+08:00", the scope's zone) loses its offset: a browser reads such
    a time as its own local time, so the axis shows the unit's days whatever zone the browser is in."""
    return [{**row, "t": str(row["t"])[:19]} for row in rows]


def volume_chart(rows: list[dict[str, Any]], *, bucket: str) -> dict[str, Any]:
    unit: Any = "yearmonthdatehours" if bucket == "hour" else "yearmonthdate"
    chart = (
        _base(_wall_clock(rows))
        .mark_area(line={"color": BLUE}, color="#cfe1f5")
        .encode(
            x=alt.X("t:T", timeUnit=unit, title=None),
            y=alt.Y("count:Q", title="mentions"),
            tooltip=[
                alt.Tooltip("t:T", timeUnit=unit, title="time"),
                alt.Tooltip("count:Q", title="mentions"),
            ],
        )
    )
    return _spec(chart)


def sentiment_chart(rows: list[dict[str, Any]], *, bucket: str) -> dict[str, Any]:
    unit: Any = "yearmonthdatehours" if bucket == "hour" else "yearmonthdate"
    base = _base(_wall_clock(rows))
    bars = (
        base.transform_fold(["positive", "neutral", "negative"], as_=["sentiment", "n"])
        .mark_bar()
        .encode(
            x=alt.X("t:T", timeUnit=unit, title=None),
            y=alt.Y("n:Q", stack="normalize", title="share"),
            color=alt.Color(
                "sentiment:N",
                scale=alt.Scale(domain=["positive", "neutral", "negative"], range=[GREEN, GREY, RED]),
                legend=alt.Legend(orient="bottom", title=None),
            ),
            tooltip=[alt.Tooltip("t:T", timeUnit=unit, title="time"), "sentiment:N", "n:Q"],
        )
    )
    net = base.mark_line(color="#1b2430", point=False).encode(
        x=alt.X("t:T", timeUnit=unit), y=alt.Y("net:Q", title="net", scale=alt.Scale(domain=[-1, 1]))
    )
    return _spec(alt.layer(bars, net).resolve_scale(y="independent"))


def bar_chart(rows: list[dict[str, Any]], *, label: str, value: str, color: str = BLUE) -> dict[str, Any]:
    chart = (
        _base(rows)
        .mark_bar(color=color)
        .encode(
            y=alt.Y(f"{label}:N", sort="-x", title=None),
            x=alt.X(f"{value}:Q", title=value),
            tooltip=[f"{label}:N", f"{value}:Q"],
        )
    )
    return _spec(chart)


def donut_chart(rows: list[dict[str, Any]], *, label: str, value: str) -> dict[str, Any]:
    chart = (
        _base(rows)
        .mark_arc(innerRadius=55)
        .encode(
            theta=alt.Theta(f"{value}:Q"),
            color=alt.Color(f"{label}:N", legend=alt.Legend(orient="right", title=None)),
            tooltip=[f"{label}:N", f"{value}:Q"],
        )
    )
    return _spec(chart)


def spread_chart(rows: list[dict[str, Any]], *, marker: str | None = None) -> dict[str, Any]:
    """A narrative's mentions per day, with a rule at the clarification."""
    bars = (
        _base(rows)
        .mark_bar(color=BLUE)
        .encode(x=alt.X("t:T", timeUnit="yearmonthdate", title=None), y=alt.Y("count:Q", title="mentions"))
    )
    if not marker:
        return _spec(bars)
    rule = alt.Chart(alt.Data(values=[{"t": marker}])).mark_rule(color=RED, strokeDash=[4, 3]).encode(x="t:T")
    return _spec(alt.layer(bars, rule))
