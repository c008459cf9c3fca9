"""Listening measures for reports: what the public said about the units in a period, counted once.

For a set of units (a unit and, for a roll-up, its descendants: the caller passes the ids) and a period
``[start, end)`` whose bounds are midnights of ``zone`` (a report period's bounds): the figures come from the
same rollups and functions as the listening dashboard (``dashboard.cells``, ``_facet_sums``, ``emotions``,
``trending``, ``share_of_voice``, ``spikes.list_spikes``), through a ``Scope`` of exactly those unit ids, so
the report and the dashboard show the same numbers for the same range, and a unit never sees a sibling's
mentions. Definitions (also in docs/metrics.md and decision 0091):

- mention volume: mentions created in the period in the units (all mentions, query 0), total and per day of
  the zone;
- sentiment: positive, neutral, negative counts (a mention without a label counts as neutral, as on the
  dashboard); net sentiment = (positive - negative) / total, from -1 to 1;
- net sentiment trend: net sentiment per week, weeks being 7-day blocks from the period's first day (the
  last one may be shorter);
- emotions, keyphrases, hashtags: counts from the daily facet rollups (largest first); trending keyphrases
  as the dashboard ranks them (growth against the equally long period before);
- topics (*topik pantauan*): mentions matched by each active saved query of the units, and each one's share
  of all matched mentions (the dashboard's share of voice);
- spikes: recorded spikes of the units (and their saved queries) overlapping the period, with the
  keyphrases and the sample of mentions that drove them;
- hoax narratives: narratives of the units labelled ``hoaks`` or ``disinformasi`` with mentions in the
  period (first seen before its end, last seen at or after its start); the time from first sighting to the
  clarification (hours; 0 when the clarification came first), and the spread: mentions before and after
  the clarification (counted up to the period's end), and in the 7 days on each side of it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.core.time import as_utc
from humas.ingest.models import Mention, SavedQuery
from humas.listening.models import Narrative, NarrativeMention
from humas.listening.service import dashboard
from humas.listening.service import spikes as spikes_service
from humas.listening.service.scope import Scope, bucket_of
from humas.org.models import Unit

TOP = 15  # keyphrases, hashtags and topics listed
SPIKES_MAX = 200
IDS_MAX = 5000
HOAX_LABELS = ("hoaks", "disinformasi")
SPREAD_WINDOW = timedelta(days=7)  # before/after a clarification, compared over equal spans
# The daily rollups hold WIB days; the dashboard turns them into WITA and WIT days (scope._zone_shift).
ZONE_OFFSETS = (timedelta(hours=7), timedelta(hours=8), timedelta(hours=9))
# A report's longest period (reports.period: a custom range of two years); the dashboard stops at 400 days.
MAX_RANGE = timedelta(days=366 * 2)


@dataclass
class Sentiments:
    """Mentions by sentiment (unlabelled counted as neutral) and the net sentiment of a day, week or total."""

    positive: int = 0
    neutral: int = 0
    negative: int = 0

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative

    @property
    def net(self) -> float | None:
        """(positive - negative) / total, -1..1; None without mentions."""
        return (self.positive - self.negative) / self.total if self.total else None

    def add(self, label: str, n: int) -> None:
        setattr(self, label, getattr(self, label) + n)


@dataclass
class DayVolume(Sentiments):
    """Mentions of one local day of the zone."""

    day: date = date.min


@dataclass
class WeekSentiment(Sentiments):
    """Net sentiment of one 7-day block of the period (``first`` .. ``last``, local dates)."""

    first: date = date.min
    last: date = date.min


@dataclass
class Count:
    """A label and its mentions (an emotion, a keyphrase, a hashtag, a platform, a topic)."""

    key: str
    count: int
    share: float  # of the listed total (emotions, platforms, topics) or of all mentions (phrases, tags)
    query_id: int | None = None  # topics: the saved query
    score: float | None = None  # trending: growth score against the period before
    baseline: int | None = None  # trending: the count in the period before


@dataclass
class SpikeItem:
    """A recorded spike overlapping the period, and what drove it."""

    id: int
    unit_id: int
    query_id: int  # 0: all mentions of the unit's subtree
    query_name: str  # "" for all mentions
    metric: str  # volume | negative_share
    start_at: datetime
    peak_at: datetime
    end_at: datetime
    ongoing: bool
    score: float
    peak_value: float
    expected: float
    excess: float
    keyphrases: list[str] = field(default_factory=list)
    mention_ids: list[int] = field(default_factory=list)


@dataclass
class HoaxNarrative:
    """A narrative labelled hoax with its clarification and spread."""

    id: int
    unit_id: int
    label: str
    text: str  # the representative text (hostile: escape it when shown)
    size: int
    first_seen_at: datetime
    last_seen_at: datetime
    clarified_at: datetime | None
    clarification_url: str | None
    hours_to_clarify: float | None  # from first sighting to the clarification
    in_period: int  # its mentions in the period
    before: int  # its mentions before the clarification (up to the period's end; all if not clarified)
    after: int  # its mentions from the clarification to the period's end
    before_window: int  # in the SPREAD_WINDOW before the clarification
    after_window: int  # in the SPREAD_WINDOW after it (only up to the period's end)


@dataclass
class ListeningMeasures:
    """Everything ``listening_measures`` computes for one set of units and one period."""

    start: datetime
    end: datetime
    zone: str
    unit_ids: tuple[int, ...]
    totals: Sentiments
    days: list[DayVolume]  # every local day of the period, zero-filled
    weeks: list[WeekSentiment]
    platforms: list[Count]
    emotions: list[Count]
    keyphrases: list[Count]  # largest first
    trending: list[Count]  # keyphrases growing against the period before
    hashtags: list[Count]
    topics: list[Count]  # saved queries (topik pantauan), largest first
    spikes: list[SpikeItem]
    hoaxes: list[HoaxNarrative]

    @property
    def total(self) -> int:
        return self.totals.total

    @property
    def net(self) -> float | None:
        return self.totals.net

    @property
    def net_trend(self) -> float | None:
        """Net sentiment of the last week minus that of the first (None with fewer than two such weeks)."""
        return net_trend(self.weeks)

    def ids(self, figure: str) -> list[int]:
        """The ids behind a figure: ``spikes`` (spike ids), ``hoaxes`` (narrative ids), ``spike_mentions``
        (the mentions that drove the spikes)."""
        if figure == "spikes":
            return [s.id for s in self.spikes]
        if figure == "hoaxes":
            return [h.id for h in self.hoaxes]
        if figure == "spike_mentions":
            return list(dict.fromkeys(i for s in self.spikes for i in s.mention_ids))[:IDS_MAX]
        raise Invalid(_("Unknown figure."), field="figure")


def listening_measures(
    session: Session, *, unit_ids: Sequence[int], start: datetime, end: datetime, zone: ZoneInfo | str
) -> ListeningMeasures:
    """The listening figures of these units' mentions in [start, end); days and weeks in ``zone``."""
    tz = _zone(zone)
    offset = _check(start, end, tz)
    ids = tuple(dict.fromkeys(int(u) for u in unit_ids))
    first = select(Unit).where(Unit.id.in_(ids)).order_by(Unit.depth, Unit.id).limit(1)
    root = session.scalars(first).first()  # the scope's unit: the highest of them (only its ids are read)
    days = _local_days(start, end, tz)
    if root is None:
        return ListeningMeasures(start, end, tz.key, ids, Sentiments(), days, _weeks(days), [], [], [], [],
                                 [], [], [], [])  # fmt: skip
    scope = Scope(root, ids, None, start, end, offset)
    totals, platforms = _volume(session, scope, tz, days)
    return ListeningMeasures(
        start=start,
        end=end,
        zone=tz.key,
        unit_ids=ids,
        totals=totals,
        days=days,
        weeks=_weeks(days),
        platforms=platforms,
        emotions=[Count(r["emotion"], r["count"], r["share"]) for r in dashboard.emotions(session, scope)],
        keyphrases=_facet(session, scope, "kp", totals.total),
        trending=[
            Count(
                r["key"],
                r["count"],
                _share(r["count"], totals.total),
                score=r["score"],
                baseline=r["baseline"],
            )
            for r in dashboard.trending(session, scope, facet="kp")
        ],
        hashtags=_facet(session, scope, "tag", totals.total),
        topics=_topics(session, scope),
        spikes=_spikes(session, scope),
        hoaxes=hoax_narratives(session, unit_ids=ids, start=start, end=end),
    )


def net_trend(weeks: Sequence[WeekSentiment]) -> float | None:
    """Net sentiment of the last week with mentions minus that of the first (None with fewer than two)."""
    nets = [w.net for w in weeks if w.net is not None]
    return nets[-1] - nets[0] if len(nets) >= 2 else None


def period_days(start: datetime, end: datetime, zone: ZoneInfo | str) -> list[DayVolume]:
    """Every local day of ``[start, end)`` in ``zone``, empty (to be filled by a caller's own read)."""
    return _local_days(start, end, _zone(zone))


def week_sentiments(days: Sequence[DayVolume]) -> list[WeekSentiment]:
    """The days folded into 7-day blocks from the first (the net sentiment trend's weeks)."""
    return _weeks(list(days))


def spike_items(
    session: Session, *, unit_ids: Sequence[int], start: datetime, end: datetime, zone: ZoneInfo | str
) -> list[SpikeItem]:
    """The recorded spikes of these units overlapping ``[start, end)``: ``ListeningMeasures.spikes`` alone
    (a report's previous period counts them without reading the rest)."""
    offset = _check(start, end, _zone(zone))
    ids = tuple(dict.fromkeys(int(u) for u in unit_ids))
    first = select(Unit).where(Unit.id.in_(ids)).order_by(Unit.depth, Unit.id).limit(1)
    root = session.scalars(first).first()
    return [] if root is None else _spikes(session, Scope(root, ids, None, start, end, offset))


def _zone(zone: ZoneInfo | str) -> ZoneInfo:
    if isinstance(zone, ZoneInfo):
        return zone
    try:
        return ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(_("Unknown time zone."), field="zone") from None


def _check(start: datetime, end: datetime, tz: ZoneInfo) -> timedelta:
    """The zone's offset; the period must run between two local midnights of an Indonesian zone."""
    if start.tzinfo is None or end.tzinfo is None:
        raise Invalid(_("The period's bounds need a time zone."), field="start")
    if end <= start:
        raise Invalid(_("The end of the period must come after its start."), field="end")
    if end - start > MAX_RANGE:
        raise Invalid(_("A custom period is at most two years long."), field="start")
    offset = start.astimezone(tz).utcoffset()
    if offset not in ZONE_OFFSETS or end.astimezone(tz).utcoffset() != offset:
        raise Invalid(_("Listening counts days in WIB, WITA or WIT."), field="zone")
    for name, bound in (("start", start), ("end", end)):
        local = bound.astimezone(tz)
        if (local.hour, local.minute, local.second, local.microsecond) != (0, 0, 0, 0):
            raise Invalid(_("A period starts and ends at midnight in the unit's zone."), field=name)
    return offset


def _local_days(start: datetime, end: datetime, tz: ZoneInfo) -> list[DayVolume]:
    first, last = start.astimezone(tz).date(), (end.astimezone(tz) - timedelta(days=1)).date()
    return [DayVolume(day=first + timedelta(days=i)) for i in range((last - first).days + 1)]


def _volume(
    session: Session, scope: Scope, tz: ZoneInfo, days: list[DayVolume]
) -> tuple[Sentiments, list[Count]]:
    """Fill each local day's sentiment counts from the dashboard's cells; the totals and the platforms."""
    by_day = {d.day: d for d in days}
    platforms: dict[str, int] = defaultdict(int)
    totals = Sentiments()
    for _q, t, platform, label, n in dashboard.cells(session, scope):
        # Hour cells, WIB-day cells and the zone corrections all fold into the local day holding them.
        day = bucket_of(as_utc(t), "day", scope.offset).astimezone(tz).date()
        key = dashboard._sentiment_key(label)  # noqa: SLF001 - the dashboard's own rule, used once
        if day in by_day:
            by_day[day].add(key, n)
        totals.add(key, n)
        platforms[platform] += n
    total = sum(platforms.values())
    rows = sorted(((p, n) for p, n in platforms.items() if n), key=lambda r: (-r[1], r[0]))
    return totals, [Count(p, n, _share(n, total)) for p, n in rows]


def _weeks(days: list[DayVolume]) -> list[WeekSentiment]:
    out = []
    for i in range(0, len(days), 7):
        block = days[i : i + 7]
        week = WeekSentiment(first=block[0].day, last=block[-1].day)
        for d in block:
            week.positive, week.neutral, week.negative = (
                week.positive + d.positive, week.neutral + d.neutral, week.negative + d.negative,
            )  # fmt: skip
        out.append(week)
    return out


def _share(n: int, total: int) -> float:
    return round(n / total, 3) if total else 0.0


def _facet(session: Session, scope: Scope, facet: str, total: int) -> list[Count]:
    """The facet's largest keys in the scope (the dashboard's facet sums), with their share of mentions."""
    rows = dashboard._facet_sums(session, scope, facet)  # noqa: SLF001 - the dashboard's own query
    ranked = sorted(((str(k), int(n)) for k, n, _r in rows), key=lambda r: (-r[1], r[0]))[:TOP]
    return [Count(k, n, _share(n, total)) for k, n in ranked]


def _topics(session: Session, scope: Scope) -> list[Count]:
    """Mentions per active saved query of the units (*topik pantauan*): the dashboard's share of voice."""
    queries = list(
        session.scalars(
            select(SavedQuery)
            .where(SavedQuery.unit_id.in_(scope.unit_ids), SavedQuery.archived_at.is_(None))
            .order_by(SavedQuery.name)
        )
    )
    rows = dashboard.share_of_voice(session, scope, queries) if queries else []
    rows = [r for r in rows if r["count"]]
    rows.sort(key=lambda r: (-r["count"], r["query"]))
    return [Count(r["query"], r["count"], r["share"], query_id=r["query_id"]) for r in rows[:TOP]]


def _spikes(session: Session, scope: Scope) -> list[SpikeItem]:
    records = spikes_service.list_spikes(session, scope=scope, limit=SPIKES_MAX)
    qids = {r.query_id for r in records if r.query_id}
    names: dict[int, str] = {}
    if qids:
        stmt = select(SavedQuery.id, SavedQuery.name).where(SavedQuery.id.in_(qids))
        names = {int(i): str(name) for i, name in session.execute(stmt)}
    out = [
        SpikeItem(
            id=r.id,
            unit_id=r.unit_id,
            query_id=r.query_id,
            query_name=names.get(r.query_id, ""),
            metric=r.metric,
            start_at=r.start_at,
            peak_at=r.peak_at,
            end_at=r.end_at,
            ongoing=r.ongoing,
            score=r.score,
            peak_value=r.peak_value,
            expected=r.expected,
            excess=r.excess,
            keyphrases=[str(k) for k in r.keyphrases or []],
            mention_ids=[int(i) for i in r.mention_ids or []],
        )  # fmt: skip
        for r in records
    ]
    return sorted(out, key=lambda s: (s.start_at, s.id))


def hoax_narratives(
    session: Session, *, unit_ids: Sequence[int], start: datetime, end: datetime
) -> list[HoaxNarrative]:
    """Narratives of these units labelled hoax (or disinformation) with mentions in [start, end), with their
    clarification and spread before and after it (mentions up to ``end``)."""
    narratives = list(
        session.scalars(
            select(Narrative)
            .where(
                Narrative.unit_id.in_(list(unit_ids)),
                Narrative.label.in_(HOAX_LABELS),
                Narrative.first_seen_at < end,
                Narrative.last_seen_at >= start,
            )
            .order_by(Narrative.first_seen_at, Narrative.id)
        )
    )
    times: dict[int, list[datetime]] = defaultdict(list)
    ids = [n.id for n in narratives]
    for chunk in range(0, len(ids), 900):
        stmt = (
            select(NarrativeMention.narrative_id, Mention.created_at)
            .join(Mention, Mention.id == NarrativeMention.mention_id)
            .where(NarrativeMention.narrative_id.in_(ids[chunk : chunk + 900]), Mention.created_at < end)
        )
        for narrative_id, at in session.execute(stmt):
            times[narrative_id].append(as_utc(at))
    return [_hoax(n, times.get(n.id, []), start, end) for n in narratives]


def _hoax(n: Narrative, times: list[datetime], start: datetime, end: datetime) -> HoaxNarrative:
    cut = as_utc(n.clarified_at) if n.clarified_at is not None else None
    first = as_utc(n.first_seen_at)
    hours = None if cut is None else max(0.0, (cut - first) / timedelta(hours=1))
    before = [t for t in times if cut is None or t < cut]
    after = [t for t in times if cut is not None and t >= cut]
    return HoaxNarrative(
        id=n.id, unit_id=n.unit_id, label=n.label or "", text=n.representative_text, size=n.size,
        first_seen_at=first, last_seen_at=as_utc(n.last_seen_at), clarified_at=cut,
        clarification_url=n.clarification_url, hours_to_clarify=hours,
        in_period=sum(1 for t in times if start <= t < end), before=len(before), after=len(after),
        before_window=0 if cut is None else sum(1 for t in before if t >= cut - SPREAD_WINDOW),
        after_window=0 if cut is None else sum(1 for t in after if t < cut + SPREAD_WINDOW),
    )  # fmt: skip
