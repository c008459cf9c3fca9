"""The listening section: ``listening.service.measures.listening_measures`` for the report's units, and the
previous period's (and each child's) totals from the same rollup cells the dashboard and the measures read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from babel.dates import format_date
from sqlalchemy.orm import Session

from humas.core.i18n import get_locale, gettext
from humas.core.time import as_utc
from humas.listening import charts as listening_charts
from humas.listening.service import dashboard
from humas.listening.service import measures as listening_measures
from humas.listening.service.measures import DayVolume, ListeningMeasures, WeekSentiment
from humas.listening.service.scope import Scope as ListeningScope
from humas.listening.service.scope import bucket_of
from humas.reports.document import Chart, Column, Figure, Section, Table
from humas.reports.service import figures as F
from humas.reports.service.charts import chart_frame
from humas.reports.service.scope import Scope

KEYS = (
    "listening.mentions",
    "listening.net_sentiment",
    "listening.negative",
    "listening.positive",
    "listening.negative_share",
    "listening.net_trend",
    "listening.spikes",
    "listening.hoaxes",
)


@dataclass
class Totals(listening_measures.Sentiments):
    """Mentions by sentiment (unlabelled as neutral, as on the dashboard), and per saved query."""

    by_query: dict[int, Counter[str]] = field(default_factory=dict)


@dataclass
class ListeningData:
    measures: ListeningMeasures
    previous: Totals
    topic_negative: list[tuple[str, int, int]]  # topic name, negative now, negative before
    previous_weeks: list[WeekSentiment] = field(default_factory=list)  # the previous period's weeks
    previous_spikes: int | None = None  # spikes overlapping the previous period
    previous_hoaxes: int | None = None  # hoax narratives with mentions in the previous period


def totals(
    session: Session,
    scope: Scope,
    unit_ids: Sequence[int],
    start: datetime,
    end: datetime,
    query_ids: Sequence[int] = (),
    days: Sequence[DayVolume] = (),
) -> Totals:
    """Mentions by sentiment of these units in [start, end) (query 0: every mention), and per saved query;
    ``days`` (the period's local days) are filled too, folded as ``listening_measures`` folds them."""
    offset = scope.zone.utcoffset(start) or timedelta(hours=7)
    lscope = ListeningScope(scope.unit, tuple(unit_ids), None, start, end, offset)
    by_day = {d.day: d for d in days}
    out = Totals()
    for q, t, _p, label, n in dashboard.cells(session, lscope, query_ids=[0, *query_ids]):
        key = dashboard._sentiment_key(label)  # noqa: SLF001 - the dashboard's own rule, as the measures use it
        if q == 0:
            out.add(key, n)
            if by_day:
                day = bucket_of(as_utc(t), "day", offset).astimezone(scope.zone).date()
                if day in by_day:
                    by_day[day].add(key, n)
        else:
            out.by_query.setdefault(q, Counter())[key] += n
    return out


def totals_both(session: Session, scope: Scope, unit_ids: Sequence[int]) -> tuple[Totals, Totals]:
    """This period's and the previous period's mentions by sentiment of these units, from one read of the
    rollup cells over both periods (each cell folded into its local day, or hour, as the dashboard does)."""
    offset = scope.zone.utcoffset(scope.start) or timedelta(hours=7)
    lscope = ListeningScope(scope.unit, tuple(unit_ids), None, scope.prev_start, scope.end, offset)
    now, before = Totals(), Totals()
    for _q, t, _p, label, n in dashboard.cells(session, lscope):
        into = now if bucket_of(t, lscope.bucket, offset) >= scope.start else before
        into.add(dashboard._sentiment_key(label), n)  # noqa: SLF001 - as the measures count it
    return now, before


def load(session: Session, scope: Scope) -> ListeningData:
    ids = list(scope.unit_ids)
    m = listening_measures.listening_measures(
        session, unit_ids=ids, start=scope.start, end=scope.end, zone=scope.zone
    )
    topic_ids = [t.query_id for t in m.topics if t.query_id]
    names = {t.query_id: t.key for t in m.topics if t.query_id}
    now = totals(session, scope, ids, scope.start, scope.end, topic_ids) if topic_ids else Totals()
    # The previous period's weeks come from the same read as its totals (one pass over its rollup cells).
    days = listening_measures.period_days(scope.prev_start, scope.prev_end, scope.zone)
    before = totals(session, scope, ids, scope.prev_start, scope.prev_end, topic_ids, days)
    topic_negative = [
        (names[q], now.by_query.get(q, Counter())["negative"], before.by_query.get(q, Counter())["negative"])
        for q in topic_ids
    ]
    spikes = listening_measures.spike_items(
        session, unit_ids=ids, start=scope.prev_start, end=scope.prev_end, zone=scope.zone
    )
    hoaxes = listening_measures.hoax_narratives(
        session, unit_ids=ids, start=scope.prev_start, end=scope.prev_end
    )
    weeks = listening_measures.week_sentiments(days)
    return ListeningData(m, before, topic_negative, weeks, len(spikes), len(hoaxes))


def values(total: int, positive: int, negative: int, net: float | None) -> dict[str, float | int | None]:
    return {
        "listening.mentions": total,
        "listening.net_sentiment": net,
        "listening.negative": negative,
        "listening.positive": positive,
        "listening.negative_share": negative / total if total else None,
    }


def figures(data: ListeningData) -> dict[str, Figure]:
    m, before = data.measures, data.previous
    now = values(m.totals.total, m.totals.positive, m.totals.negative, m.totals.net)
    now |= {
        "listening.net_trend": m.net_trend,
        "listening.spikes": len(m.spikes),
        "listening.hoaxes": len(m.hoaxes),
    }
    prev = values(before.total, before.positive, before.negative, before.net)
    prev |= {
        "listening.net_trend": listening_measures.net_trend(data.previous_weeks),
        "listening.spikes": data.previous_spikes,
        "listening.hoaxes": data.previous_hoaxes,
    }
    notes = {
        "listening.net_trend": gettext(
            "net sentiment of the last week with mentions minus that of the first (weeks of 7 days from the "
            "period's first day)"
        )
    }
    return {key: F.figure(key, now[key], prev[key], note=notes.get(key, "")) for key in KEYS}


def _counts_table(key: str, title: str, first: str, rows: Sequence[listening_measures.Count]) -> Table:
    return Table(
        key=key,
        title=title,
        columns=(
            Column("key", first, "text"),
            Column("count", F.label("listening.mentions"), "count"),
            Column("share", gettext("Share"), "percent"),
        ),
        rows=tuple((r.key, r.count, F.clean(r.share)) for r in rows),
    )


def _spikes_table(m: ListeningMeasures) -> Table:
    return Table(
        key="listening.spikes",
        title=gettext("Spikes and what drove them"),
        columns=(
            Column("peak_at", gettext("Peak"), "datetime"),
            Column("topic", gettext("Saved query"), "text"),
            Column("metric", gettext("Measure"), "text"),
            Column("peak_value", gettext("Peak value"), "number"),
            Column("expected", gettext("Expected"), "number"),
            Column("keyphrases", gettext("Key phrases"), "text"),
        ),
        rows=tuple(
            (
                s.peak_at.isoformat(),
                s.query_name or gettext("All mentions"),
                gettext("volume") if s.metric == "volume" else gettext("share of negative mentions"),
                F.clean(s.peak_value),
                F.clean(s.expected),
                ", ".join(s.keyphrases[:5]),
            )
            for s in m.spikes
        ),
    )


def _hoax_table(m: ListeningMeasures) -> Table:
    return Table(
        key="listening.hoaxes",
        title=gettext("Narratives labelled hoax"),
        columns=(
            Column("text", gettext("Narrative"), "text"),
            Column("first_seen_at", gettext("First seen"), "datetime"),
            Column("clarified_at", gettext("Clarified"), "datetime"),
            Column("hours_to_clarify", gettext("Hours to clarification"), "number"),
            Column("in_period", F.label("listening.mentions"), "count"),
            Column("before_window", gettext("Mentions in the 7 days before the clarification"), "count"),
            Column("after_window", gettext("Mentions in the 7 days after the clarification"), "count"),
            Column("clarification_url", gettext("Clarification"), "url"),
        ),
        rows=tuple(
            (
                h.text[:280],
                h.first_seen_at.isoformat(),
                h.clarified_at.isoformat() if h.clarified_at else None,
                F.clean(h.hours_to_clarify),
                h.in_period,
                h.before_window,
                h.after_window,
                h.clarification_url,
            )
            for h in m.hoaxes
        ),
        definition=gettext(
            "Narratives of the units labelled hoax or disinformation with mentions in the period; spread "
            "compared over the 7 days on each side of the clarification."
        ),
    )


def _week_label(w: WeekSentiment) -> str:
    """``1–7 Nov`` (the report's locale): a week of the trend as the chart and the table name it."""
    loc = get_locale()
    first = (
        format_date(w.first, "d", locale=loc)
        if w.first.month == w.last.month
        else format_date(w.first, "d MMM", locale=loc)
    )
    return f"{first}–{format_date(w.last, 'd MMM', locale=loc)}"


def net_trend_chart(data: ListeningData) -> dict[str, Any]:
    """Net sentiment per week of this period and of the previous one, week by week (week 1 of each is its
    first 7 days), on a fixed -1..1 axis with a rule at 0: the same spec on the page and in the PDF."""
    now, before = gettext("this period"), gettext("previous period")
    rows: list[dict[str, Any]] = []
    for series, weeks in ((now, data.measures.weeks), (before, data.previous_weeks)):
        for i, w in enumerate(weeks, start=1):
            if w.net is None:
                continue
            rows.append({
                "week": gettext("Week %(num)s", num=i), "n": i, "series": series, "days": _week_label(w),
                "net": F.clean(w.net), "mentions": w.total,
            })  # fmt: skip
    week_title, net_title = gettext("Week"), F.label("listening.net_sentiment")
    return {
        "data": {"values": rows},
        "layer": [
            {
                "mark": {"type": "rule", "color": "#98a2b3", "strokeDash": [4, 3]},
                "encoding": {"y": {"datum": 0, "type": "quantitative"}},
            },
            {
                "mark": {"type": "line", "point": True},
                "encoding": dict(
                    x={"field": "week", "type": "ordinal", "sort": {"field": "n"}, "title": week_title,
                       "axis": {"labelAngle": 0}},
                    y={"field": "net", "type": "quantitative", "title": net_title,
                       "scale": {"domain": [-1, 1]}, "axis": {"format": ",.1f"}},
                    color={"field": "series", "type": "nominal", "title": None,
                           "scale": {"domain": [now, before],
                                     "range": [listening_charts.BLUE, listening_charts.GREY]},
                           "legend": {"orient": "bottom"}},
                    tooltip=[
                        {"field": "series", "type": "nominal", "title": gettext("Period")},
                        {"field": "days", "type": "nominal", "title": week_title},
                        {"field": "net", "type": "quantitative", "title": net_title, "format": ",.2f"},
                        {"field": "mentions", "type": "quantitative", "title": F.label("listening.mentions"),
                         "format": ",d"},
                    ],
                ),
            },
        ],
        **chart_frame(),
    }  # fmt: skip


def trend_weeks(data: ListeningData) -> list[tuple[str, float]]:
    """Each week of the period with mentions: its days (``1–7 Nov``) and its net sentiment."""
    return [(_week_label(w), w.net) for w in data.measures.weeks if w.net is not None]


def _weeks_table(data: ListeningData) -> Table:
    return Table(
        key="listening.weeks",
        title=gettext("Net sentiment per week"),
        columns=(
            Column("first", gettext("From"), "date"),
            Column("last", gettext("To"), "date"),
            Column("mentions", F.label("listening.mentions"), "count"),
            Column("positive", F.label("listening.positive"), "count"),
            Column("negative", F.label("listening.negative"), "count"),
            Column("net", F.label("listening.net_sentiment"), "number"),
        ),
        rows=tuple(
            (w.first.isoformat(), w.last.isoformat(), w.total, w.positive, w.negative, F.clean(w.net))
            for w in data.measures.weeks
        ),
        definition=gettext(
            "Net sentiment = (positive − negative) ÷ all mentions, from −1 to 1. Weeks are 7-day blocks "
            "from the period's first day (the last may be shorter); the trend is the last week with mentions "
            "minus the first."
        ),
    )


def _charts(data: ListeningData) -> tuple[Chart, ...]:
    m = data.measures
    days: list[dict[str, Any]] = [
        {
            "t": f"{d.day.isoformat()}T00:00:00",
            "count": d.total,
            "positive": d.positive,
            "neutral": d.neutral,
            "negative": d.negative,
            "net": F.clean(d.net or 0.0),
        }
        for d in m.days
    ]
    charts = [
        Chart(
            "listening.volume", gettext("Mentions per day"), listening_charts.volume_chart(days, bucket="day")
        ),
        Chart(
            "listening.sentiment",
            gettext("Sentiment per day"),
            listening_charts.sentiment_chart(days, bucket="day"),
        ),
    ]
    if any(w.net is not None for w in m.weeks):
        charts.append(Chart("listening.net_trend", gettext("Net sentiment per week"), net_trend_chart(data)))
    if m.topics:
        rows = [{"query": t.key, "count": t.count} for t in m.topics]
        spec = listening_charts.bar_chart(rows, label="query", value="count")
        charts.append(Chart("listening.topics", gettext("Mentions per saved query"), spec))
    if m.emotions:
        rows = [{"emotion": gettext(e.key), "count": e.count} for e in m.emotions]
        spec = listening_charts.donut_chart(rows, label="emotion", value="count")
        charts.append(Chart("listening.emotions", gettext("Emotions"), spec))
    return tuple(charts)


def section(data: ListeningData, draft: tuple[str, ...]) -> Section:
    m = data.measures
    tables = [
        _counts_table(
            "listening.topics", gettext("Saved queries (topics)"), gettext("Saved query"), m.topics
        ),
        _counts_table(
            "listening.keyphrases", gettext("Top key phrases"), gettext("Key phrase"), m.keyphrases
        ),
        _counts_table(
            "listening.trending", gettext("Trending key phrases"), gettext("Key phrase"), m.trending
        ),
        _counts_table("listening.hashtags", gettext("Top hashtags"), gettext("Hashtag"), m.hashtags),
        _counts_table("listening.emotions", gettext("Emotions"), gettext("Emotion"), m.emotions),
        _counts_table(
            "listening.platforms", gettext("Mentions per platform"), gettext("Platform"), m.platforms
        ),
        _spikes_table(m),
        _hoax_table(m),
    ]
    if any(w.total for w in m.weeks):
        tables.insert(0, _weeks_table(data))
    return Section(
        key="listening",
        title=gettext("Listening"),
        figures=tuple(figures(data).values()),
        tables=tuple(t for t in tables if t.rows),
        charts=_charts(data),
        draft=draft,
    )
