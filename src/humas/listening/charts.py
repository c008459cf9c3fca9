"""Vega-Lite specs for the dashboard, built with Altair from the rows the dashboard service returns.

Pure: rows in, a JSON-able spec out. The same spec draws in the browser (vega-embed) and, through
vl-convert, as SVG/PNG in reports.
"""

from __future__ import annotations

from typing import Any

import altair as alt

from humas.core.i18n import get_locale, gettext

BLUE, RED, GREEN, GREY = "#0b5cab", "#b42318", "#067647", "#98a2b3"
WIDTH = "container"
TOP_N = 12  # a bar chart shows at most this many bars; the rest add up to one "others" bar

# d3-format and d3-time-format locales (as published in d3-format/locale and d3-time-format/locale), carried
# in each spec's config so the page, the PDF and an offline intranet all draw "10.000" and "25 Nov 2026".
NUMBER_LOCALES: dict[str, dict[str, Any]] = {
    "id": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["Rp", ""]},
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["$", ""]},
}
TIME_LOCALES: dict[str, dict[str, Any]] = {
    "id": {
        "dateTime": "%A, %e %B %Y pukul %H.%M.%S",
        "date": "%d/%m/%Y",
        "time": "%H.%M.%S",
        "periods": ["AM", "PM"],
        "days": ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"],
        "shortDays": ["Min", "Sen", "Sel", "Rab", "Kam", "Jum", "Sab"],
        "months": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
                   "Oktober", "November", "Desember"],
        "shortMonths": ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"],
    },
    "en": {
        "dateTime": "%x, %X",
        "date": "%-m/%-d/%Y",
        "time": "%-I:%M:%S %p",
        "periods": ["AM", "PM"],
        "days": ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
        "shortDays": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
        "months": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                   "October", "November", "December"],
        "shortMonths": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    },
}  # fmt: skip
SENTIMENTS = ("positive", "neutral", "negative")


def N_(message: str) -> str:  # noqa: N802 - the gettext marker: extracted, translated when shown
    return message


# Titles of the columns the charts draw, translated when the spec is built (the route sets the locale).
TITLES = {
    "count": N_("mentions"),
    "score": N_("score"),
    "reach": N_("reach"),
    "share": N_("share"),
    "query": N_("saved query"),
    "author": N_("author"),
    "key": N_("key phrase"),
    "emotion": N_("emotion"),
    "platform": N_("platform"),
}


def _t(column: str) -> str:
    """A column's title in the language of the page being built."""
    return gettext(TITLES[column]) if column in TITLES else column


def chart_locale(locale: str | None = None) -> dict[str, Any]:
    """Vega-Lite's `config.locale` for a humas language (Indonesian unless English is asked for)."""
    key = "en" if (locale or get_locale()) == "en" else "id"
    return {"number": NUMBER_LOCALES[key], "time": TIME_LOCALES[key]}


def top_n(rows: list[dict[str, Any]], *, label: str, value: str, n: int = TOP_N) -> list[dict[str, Any]]:
    """The `n` largest rows by `value`, and one row "others" (lainnya) holding the sum of the rest."""
    ranked = sorted(rows, key=lambda r: -(r.get(value) or 0))
    if len(ranked) <= n:
        return ranked
    rest = sum(r.get(value) or 0 for r in ranked[n - 1 :])
    return [*ranked[: n - 1], {label: gettext("others (%(n)s)", n=len(ranked) - n + 1), value: rest}]


def _base(rows: list[dict[str, Any]]) -> alt.Chart:
    return alt.Chart(alt.Data(values=rows)).properties(width=WIDTH, height=220)


# Checking a spec against the Vega-Lite JSON schema was about 40% of building a chart (20 -> 12 ms for
# a volume and a sentiment chart): the builders are fixed code, so the tests check every builder's spec
# against the schema (tests/listening/test_chart_specs.py sets this) and pages skip it.
VALIDATE_SPECS = False


def _spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    styled = chart.configure_view(stroke=None).configure_axis(labelFontSize=11, titleFontSize=11)
    spec = styled.to_dict(validate=VALIDATE_SPECS)
    spec.pop("$schema", None)
    spec.setdefault("config", {})["locale"] = chart_locale()
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
            y=alt.Y("count:Q", title=gettext("mentions")),
            tooltip=[
                alt.Tooltip("t:T", timeUnit=unit, title=gettext("time")),
                alt.Tooltip("count:Q", title=gettext("mentions"), format=",d"),
            ],
        )
    )
    return _spec(chart)


def sentiment_chart(rows: list[dict[str, Any]], *, bucket: str) -> dict[str, Any]:
    unit: Any = "yearmonthdatehours" if bucket == "hour" else "yearmonthdate"
    names: list[Any] = [gettext("positive"), gettext("neutral"), gettext("negative")]
    # The folded column holds the translated name, so the legend and the tooltip read in the page's language.
    renamed = [
        {**r, **{name: r.get(key, 0) for key, name in zip(SENTIMENTS, names, strict=True)}} for r in rows
    ]
    base = _base(_wall_clock(renamed))
    bars = (
        base.transform_fold(names, as_=["sentiment", "n"])
        .mark_bar()
        .encode(
            x=alt.X("t:T", timeUnit=unit, title=None),
            y=alt.Y("n:Q", stack="normalize", title=gettext("share"), axis=alt.Axis(format="%")),
            color=alt.Color(
                "sentiment:N",
                scale=alt.Scale(domain=names, range=[GREEN, GREY, RED]),
                legend=alt.Legend(orient="bottom", title=None),
            ),
            tooltip=[
                alt.Tooltip("t:T", timeUnit=unit, title=gettext("time")),
                alt.Tooltip("sentiment:N", title=gettext("sentiment")),
                alt.Tooltip("n:Q", title=gettext("mentions"), format=",d"),
            ],
        )
    )
    net = base.mark_line(color="#1b2430", point=False).encode(
        x=alt.X("t:T", timeUnit=unit),
        y=alt.Y("net:Q", title=gettext("net sentiment"), scale=alt.Scale(domain=[-1, 1])),
    )
    return _spec(alt.layer(bars, net).resolve_scale(y="independent"))


def bar_chart(rows: list[dict[str, Any]], *, label: str, value: str, color: str = BLUE) -> dict[str, Any]:
    """Bars of the `TOP_N` largest rows (the rest as one "others" bar), titled in the page's language."""
    chart = (
        _base(top_n(rows, label=label, value=value))
        .mark_bar(color=color)
        .encode(
            y=alt.Y(f"{label}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
            x=alt.X(f"{value}:Q", title=_t(value)),
            tooltip=[
                alt.Tooltip(f"{label}:N", title=_t(label)),
                alt.Tooltip(f"{value}:Q", title=_t(value), format=",.4~g"),
            ],
        )
    )
    return _spec(chart)


def donut_chart(rows: list[dict[str, Any]], *, label: str, value: str) -> dict[str, Any]:
    chart = (
        _base(top_n(rows, label=label, value=value))
        .mark_arc(innerRadius=55)
        .encode(
            theta=alt.Theta(f"{value}:Q"),
            color=alt.Color(f"{label}:N", legend=alt.Legend(orient="right", title=None)),
            tooltip=[
                alt.Tooltip(f"{label}:N", title=_t(label)),
                alt.Tooltip(f"{value}:Q", title=_t(value), format=",d"),
            ],
        )
    )
    return _spec(chart)


def spread_chart(rows: list[dict[str, Any]], *, marker: str | None = None) -> dict[str, Any]:
    """A narrative's mentions per day, with a rule at the clarification."""
    bars = (
        _base(rows)
        .mark_bar(color=BLUE)
        .encode(
            x=alt.X("t:T", timeUnit="yearmonthdate", title=None),
            y=alt.Y("count:Q", title=gettext("mentions")),
        )
    )
    if not marker:
        return _spec(bars)
    rule = alt.Chart(alt.Data(values=[{"t": marker}])).mark_rule(color=RED, strokeDash=[4, 3]).encode(x="t:T")
    return _spec(alt.layer(bars, rule))
