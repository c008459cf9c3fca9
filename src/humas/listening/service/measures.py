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
- topics (*topik pantauan*): mentions matched by each active saved query of the units (share of voice);
- spikes: recorded spikes of the units (and their saved queries) overlapping the period, with the
  keyphrases and the sample of mentions that drove them;
- hoax narratives: narratives of the units labelled ``hoaks`` or ``disinformasi`` with mentions in the
  period (first seen before its end, last seen at or after its start); the time from first sighting to the
  clarification (hours), and the spread: mentions before and after the clarification (up to the period's
  end), and in the 7 days on each side of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

TOP = 15  # keyphrases, hashtags and topics listed
SPIKES_MAX = 200
IDS_MAX = 5000
HOAX_LABELS = ("hoaks", "disinformasi")
SPREAD_WINDOW = timedelta(days=7)  # before/after a clarification, compared over equal spans


@dataclass
class Sentiments:
    """Mentions by sentiment (unlabelled counted as neutral) and the net sentiment of a day, week or total."""

    positive: int = 0
    neutral: int = 0
    negative: int = 0

    @property
    def total(self) -> int:
        raise NotImplementedError

    @property
    def net(self) -> float | None:
        """(positive - negative) / total, -1..1; None without mentions."""
        raise NotImplementedError


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
    share: float  # of the listed total (emotions, platforms) or of all mentions (phrases, tags, topics)
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
        raise NotImplementedError

    @property
    def net(self) -> float | None:
        raise NotImplementedError

    @property
    def net_trend(self) -> float | None:
        """Net sentiment of the last week minus that of the first (None with fewer than two such weeks)."""
        raise NotImplementedError

    def ids(self, figure: str) -> list[int]:
        """The ids behind a figure: ``spikes`` (spike ids), ``hoaxes`` (narrative ids), ``spike_mentions``
        (the mentions that drove the spikes)."""
        raise NotImplementedError


def listening_measures(
    session: Session, *, unit_ids: Sequence[int], start: datetime, end: datetime, zone: ZoneInfo | str
) -> ListeningMeasures:
    """The listening figures of these units' mentions in [start, end); days and weeks in ``zone``."""
    raise NotImplementedError
