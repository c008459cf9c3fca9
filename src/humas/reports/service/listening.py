"""The listening section: ``listening.service.measures.listening_measures`` for the report's units, and the
previous period's (and each child's) totals from the same rollup cells the dashboard and the measures read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from humas.core.i18n import gettext
from humas.listening import charts as listening_charts
from humas.listening.service import dashboard
from humas.listening.service import measures as listening_measures
from humas.listening.service.measures import ListeningMeasures
from humas.listening.service.scope import Scope as ListeningScope
from humas.listening.service.scope import bucket_of
from humas.reports.document import Chart, Column, Figure, Section, Table
from humas.reports.service import figures as F
from humas.reports.service.scope import Scope

KEYS = (
    "listening.mentions",
    "listening.net_sentiment",
    "listening.negative",
    "listening.positive",
    "listening.negative_share",
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


def totals(
    session: Session,
    scope: Scope,
    unit_ids: Sequence[int],
    start: datetime,
    end: datetime,
    query_ids: Sequence[int] = (),
) -> Totals:
    """Mentions by sentiment of these units in [start, end) (query 0: every mention), and per saved query."""
    offset = scope.zone.utcoffset(start) or timedelta(hours=7)
    lscope = ListeningScope(scope.unit, tuple(unit_ids), None, start, end, offset)
    out = Totals()
    for q, _t, _p, label, n in dashboard.cells(session, lscope, query_ids=[0, *query_ids]):
        key = dashboard._sentiment_key(label)  # noqa: SLF001 - the dashboard's own rule, as the measures use it
        if q == 0:
            out.add(key, n)
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
    before = totals(session, scope, ids, scope.prev_start, scope.prev_end, topic_ids)
    topic_negative = [
        (names[q], now.by_query.get(q, Counter())["negative"], before.by_query.get(q, Counter())["negative"])
        for q in topic_ids
    ]
    return ListeningData(m, before, topic_negative)


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
    now |= {"listening.spikes": len(m.spikes), "listening.hoaxes": len(m.hoaxes)}
    prev = values(before.total, before.positive, before.negative, before.net)
    prev |= {"listening.spikes": None, "listening.hoaxes": None}
    return {key: F.figure(key, now[key], prev[key]) for key in KEYS}


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


def _charts(m: ListeningMeasures) -> tuple[Chart, ...]:
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
    return Section(
        key="listening",
        title=gettext("Listening"),
        figures=tuple(figures(data).values()),
        tables=tuple(t for t in tables if t.rows),
        charts=_charts(m),
        draft=draft,
    )
