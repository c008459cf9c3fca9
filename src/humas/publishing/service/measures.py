"""Publishing measures for reports and pages: what the units published and how it was received, counted once.

For a set of units (the caller passes a unit and its descendants for a roll-up) and a period ``[start, end)``
in UTC: the variants published in it on the units' channels, with the newest read-back of their counts
(``PostMetric``), per channel, per (platform, post kind) and overall; the best and the worst posts; and the
share of planned posts published on time. Every figure comes with the ids behind it (capped at ``IDS_MAX``)
so a page or a report can drill down to them. Definitions (also in docs/metrics.md and decision 0091):

- post (*unggahan*): one published variant: a post's text on one channel (``PostVariant`` in state
  ``terbit``, ``published_at`` in the period, its channel one of the units'); ``contents`` counts the
  distinct posts (*konten*) behind them;
- reach, impressions, views, likes, comments, shares: the sum over posts of the newest read-back of each
  count; a count the platform does not give (``None``) is left out of its sum, never read as 0;
- engagements: likes + comments + shares (a missing count adds 0);
- engagement rate: engagements ÷ reach for posts whose platform gives reach (reach > 0); for the others,
  engagements ÷ the channel's followers, where a follower count is known; the basis is named per post, per
  channel and overall (``reach``, ``followers``, ``mixed``, ``none``): a group's rate is the sum of its
  posts' engagements over the sum of their denominators, posts without a basis left out;
- virality rate: shares ÷ impressions, over posts whose platform gives impressions (> 0);
- best and worst posts: the ``RANK_SIZE`` posts with the highest and lowest engagement rate (ties: more
  engagements first for the best, fewer for the worst, then the older post); a post is never in both;
- on time: a planned post is a variant of a post scheduled in the period (``Post.scheduled_at`` in
  ``[start, end)``, not cancelled); it is on time when published no later than ``ON_TIME_TOLERANCE`` after
  its scheduled time; a plan whose tolerance has not run out yet (``now``) is pending and not counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session

IDS_MAX = 5000  # the drill-down list behind one figure is capped (the page pages through it)
RANK_SIZE = 5  # best and worst posts listed
ON_TIME_TOLERANCE = timedelta(minutes=15)
TEXT_MAX = 280  # a ranked post's text, cut for tables

Basis = Literal["reach", "followers", "mixed", "none"]


@dataclass
class Figures:
    """The counts of one group of published posts (a channel, or all of them: ``key`` "all").

    ``*_ids`` are the published variants (``variant_ids``) and their posts (``post_ids``) behind the figures.
    """

    key: str
    label: str
    platform: str = ""  # a channel's platform ("" for all)
    channel_id: int | None = None
    unit_id: int | None = None  # the channel's unit
    followers: int | None = None  # the channel's follower count used for the rate (None: not known)
    posts: int = 0  # published variants
    contents: int = 0  # distinct posts behind them
    with_metrics: int = 0  # posts with at least one read-back of their counts
    reach: int = 0
    impressions: int = 0
    views: int = 0
    likes: int = 0
    comments: int = 0
    shares: int = 0
    # What the rates are computed from (posts without a basis are left out).
    rate_engagements: int = 0
    rate_denominator: int = 0
    reach_posts: int = 0  # posts whose rate is over reach
    follower_posts: int = 0  # posts whose rate is over followers
    virality_shares: int = 0
    virality_impressions: int = 0
    variant_ids: list[int] = field(default_factory=list, repr=False)
    post_ids: list[int] = field(default_factory=list, repr=False)
    no_metrics_ids: list[int] = field(default_factory=list, repr=False)  # variants never read back

    @property
    def engagements(self) -> int:
        """Likes + comments + shares."""
        raise NotImplementedError

    @property
    def engagement_rate(self) -> float | None:
        """Engagements ÷ reach (or ÷ followers where the platform gives no reach); None without a basis."""
        raise NotImplementedError

    @property
    def basis(self) -> Basis:
        """What the engagement rate is over: reach, followers, mixed (some posts each) or none."""
        raise NotImplementedError

    @property
    def virality_rate(self) -> float | None:
        """Shares ÷ impressions over the posts whose platform gives impressions; None without any."""
        raise NotImplementedError

    def as_dict(self) -> dict[str, object]:
        raise NotImplementedError


@dataclass
class KindCount:
    """Posts published per platform and post kind (``Post.kind``: umum, siaran pers, ...)."""

    platform: str
    kind: str
    posts: int = 0
    variant_ids: list[int] = field(default_factory=list, repr=False)


@dataclass
class RankedPost:
    """One published post (variant) in the best or worst list."""

    variant_id: int
    post_id: int
    title: str
    text: str  # the variant's text, cut at TEXT_MAX characters (hostile: escape it when shown)
    channel_id: int
    channel_name: str
    platform: str
    published_at: datetime
    url: str | None
    reach: int | None
    impressions: int | None
    engagements: int
    engagement_rate: float
    basis: Basis  # "reach" or "followers"


@dataclass
class OnTime:
    """Planned posts (variants of posts scheduled in the period) and how many went out on time."""

    tolerance_minutes: int
    planned: int = 0  # counted plans (pending ones left out)
    on_time: int = 0
    late: int = 0  # published after the tolerance
    missed: int = 0  # never published (expired, failed, held, still queued after the tolerance)
    pending: int = 0  # not counted: the tolerance has not run out yet
    planned_ids: list[int] = field(default_factory=list, repr=False)  # variant ids
    late_ids: list[int] = field(default_factory=list, repr=False)  # variants late or missed
    late_post_ids: list[int] = field(default_factory=list, repr=False)

    @property
    def rate(self) -> float | None:
        """On time ÷ planned; None when nothing was planned."""
        raise NotImplementedError


@dataclass
class PublishingMeasures:
    """Everything ``publishing_measures`` computes for one set of units and one period."""

    start: datetime
    end: datetime
    unit_ids: tuple[int, ...]
    overall: Figures
    channels: list[Figures]  # one per channel that published, most posts first
    kinds: list[KindCount]  # per (platform, kind), most posts first
    best: list[RankedPost]
    worst: list[RankedPost]
    on_time: OnTime
    followers_known: bool  # whether follower counts were given (else rates are over reach only)

    def ids(self, figure: str) -> list[int]:
        """The ids behind one figure: ``posts`` (variant ids), ``contents`` (post ids), ``no_metrics``,
        ``planned`` (variant ids), ``late`` (variant ids), ``late_posts`` (post ids)."""
        raise NotImplementedError


FollowerCounts = Mapping[int, int]
"""Channel id -> follower count (the count nearest the period's end), from the channel follower readings."""


def publishing_measures(
    session: Session,
    *,
    unit_ids: Sequence[int],
    start: datetime,
    end: datetime,
    followers: FollowerCounts | None = None,
    now: datetime | None = None,
) -> PublishingMeasures:
    """The publishing figures of posts published in [start, end) on these units' channels.

    ``followers`` (channel id -> count) is the hook for the follower readings: where it is None, the
    follower counts are read with ``follower_counts`` (empty until the readings exist), and the rate is over
    reach only. ``now`` bounds the on-time measure (plans whose tolerance has not run out are pending).
    """
    raise NotImplementedError


def follower_counts(session: Session, *, channel_ids: Sequence[int], at: datetime) -> dict[int, int]:
    """Each channel's follower count nearest before ``at`` (empty while no follower readings are stored)."""
    raise NotImplementedError
