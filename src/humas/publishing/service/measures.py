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
  engagements ÷ the channel's followers (its newest daily reading before the period's end, decision 0096),
  where one is known; the basis is named per post, per channel and overall (``reach``, ``followers``,
  ``mixed``, ``none``): a group's rate is the sum of its posts' engagements over the sum of their
  denominators, posts without a basis left out;
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
from typing import Any, Literal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from humas.channels import service as channels_service
from humas.channels.models import Channel
from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.core.time import as_utc, utcnow
from humas.publishing.models import Post, PostMetric, PostStatus, PostVariant, VariantState

IDS_MAX = 5000  # the drill-down list behind one figure is capped (the page pages through it)
RANK_SIZE = 5  # best and worst posts listed
ON_TIME_TOLERANCE = timedelta(minutes=15)
TEXT_MAX = 280  # a ranked post's text, cut for tables

Basis = Literal["reach", "followers", "mixed", "none"]
COUNTS = ("reach", "impressions", "views", "likes", "comments", "shares")


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
    seen_posts: set[int] = field(default_factory=set, repr=False, compare=False)  # all post ids (uncapped)

    @property
    def engagements(self) -> int:
        """Likes + comments + shares."""
        return self.likes + self.comments + self.shares

    @property
    def engagement_rate(self) -> float | None:
        """Engagements ÷ reach (or ÷ followers where the platform gives no reach); None without a basis."""
        return self.rate_engagements / self.rate_denominator if self.rate_denominator else None

    @property
    def basis(self) -> Basis:
        """What the engagement rate is over: reach, followers, mixed (some posts each) or none."""
        if self.reach_posts and self.follower_posts:
            return "mixed"
        if self.reach_posts:
            return "reach"
        return "followers" if self.follower_posts else "none"

    @property
    def virality_rate(self) -> float | None:
        """Shares ÷ impressions over the posts whose platform gives impressions; None without any."""
        return self.virality_shares / self.virality_impressions if self.virality_impressions else None

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "label": self.label,
            "platform": self.platform,
            "channel_id": self.channel_id,
            "followers": self.followers,
            "posts": self.posts,
            "contents": self.contents,
            "with_metrics": self.with_metrics,
            "reach": self.reach,
            "impressions": self.impressions,
            "views": self.views,
            "likes": self.likes,
            "comments": self.comments,
            "shares": self.shares,
            "engagements": self.engagements,
            "engagement_rate": self.engagement_rate,
            "engagement_rate_basis": self.basis,
            "virality_rate": self.virality_rate,
        }


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
        return self.on_time / self.planned if self.planned else None


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
    followers_known: bool  # whether any channel's follower count was known (else rates are over reach only)

    def ids(self, figure: str) -> list[int]:
        """The ids behind one figure: ``posts`` (variant ids), ``contents`` (post ids), ``no_metrics``,
        ``planned`` (variant ids), ``late`` (variant ids), ``late_posts`` (post ids)."""
        lists = {
            "posts": self.overall.variant_ids,
            "contents": self.overall.post_ids,
            "no_metrics": self.overall.no_metrics_ids,
            "planned": self.on_time.planned_ids,
            "late": self.on_time.late_ids,
            "late_posts": self.on_time.late_post_ids,
        }
        if figure not in lists:
            raise Invalid(_("Unknown figure."), field="figure")
        return list(lists[figure])


FollowerCounts = Mapping[int, int]
"""Channel id -> follower count (the count nearest the period's end), from the channel follower readings."""


@dataclass
class _Row:
    """One published variant with the newest read-back of its counts (None: not given or never read)."""

    variant_id: int
    post_id: int
    channel_id: int
    published_at: datetime
    url: str | None
    title: str
    kind: str
    channel_name: str
    platform: str
    unit_id: int
    read: bool
    counts: dict[str, int | None]
    rate: float | None = None
    basis: Basis = "none"
    denominator: int = 0

    @property
    def engagements(self) -> int:
        return sum(self.counts[k] or 0 for k in ("likes", "comments", "shares"))


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

    ``followers`` (channel id -> count) overrides the follower readings; where it is None, each channel's
    count as of ``end`` is read with ``follower_counts``. ``now`` bounds the on-time measure (plans whose
    tolerance has not run out are pending).
    """
    if end <= start:
        raise Invalid(_("The end of the period must come after its start."), field="end")
    ids = tuple(dict.fromkeys(int(u) for u in unit_ids))
    rows = _published(session, ids, start, end)
    if followers is None:
        followers = follower_counts(session, channel_ids=sorted({r.channel_id for r in rows}), at=end)
    overall = Figures(key="all", label=_("All channels"))
    channels: dict[int, Figures] = {}
    kinds: dict[tuple[str, str], KindCount] = {}
    for row in rows:
        _rate(row, followers.get(row.channel_id))
        channel = channels.get(row.channel_id)
        if channel is None:
            channel = channels[row.channel_id] = Figures(
                key=str(row.channel_id), label=row.channel_name, platform=row.platform,
                channel_id=row.channel_id, unit_id=row.unit_id, followers=followers.get(row.channel_id),
            )  # fmt: skip
        _add(overall, row)
        _add(channel, row)
        kind = kinds.get((row.platform, row.kind)) or kinds.setdefault(
            (row.platform, row.kind), KindCount(platform=row.platform, kind=row.kind)
        )
        kind.posts += 1
        _keep(kind.variant_ids, row.variant_id)
    best, worst = _ranked(session, rows)
    return PublishingMeasures(
        start=start,
        end=end,
        unit_ids=ids,
        overall=overall,
        channels=sorted(channels.values(), key=lambda f: (-f.posts, f.label, f.key)),
        kinds=sorted(kinds.values(), key=lambda k: (-k.posts, k.platform, k.kind)),
        best=best,
        worst=worst,
        on_time=on_time(session, unit_ids=ids, start=start, end=end, now=now),
        followers_known=bool(followers),
    )


def _published(session: Session, unit_ids: tuple[int, ...], start: datetime, end: datetime) -> list[_Row]:
    """Published variants of the period on the units' channels, with their newest read-back (one query)."""
    v, m = PostVariant, PostMetric
    newer = aliased(PostMetric)
    # NOTE: a correlated max per variant (an index probe on (variant_id, at) each), not a grouped subquery:
    # without fresh statistics PostgreSQL re-ran the grouped one for every variant (minutes for a year).
    newest = select(func.max(newer.at)).where(newer.variant_id == v.id).correlate(v).scalar_subquery()
    stmt = (
        select(
            v.id,
            v.post_id,
            v.channel_id,
            v.published_at,
            v.url,
            Post.title,
            Post.kind,
            Channel.name,
            Channel.platform,
            Channel.unit_id,
            m.at,
            *(getattr(m, k) for k in COUNTS),
        )  # fmt: skip
        .join(Post, Post.id == v.post_id)
        .join(Channel, Channel.id == v.channel_id)
        .outerjoin(m, and_(m.variant_id == v.id, m.at == newest))
        .where(
            Channel.unit_id.in_(unit_ids),
            v.state == VariantState.terbit.value,
            v.published_at >= start,
            v.published_at < end,
        )
        .order_by(v.published_at, v.id)
    )
    out = []
    for r in session.execute(stmt):
        out.append(
            _Row(
                variant_id=r[0],
                post_id=r[1],
                channel_id=r[2],
                published_at=r[3],
                url=r[4],
                title=r[5],
                kind=r[6],
                channel_name=r[7],
                platform=r[8],
                unit_id=r[9],
                read=r[10] is not None,
                counts=dict(zip(COUNTS, r[11:], strict=True)),
            )  # fmt: skip
        )
    return out


def _rate(row: _Row, followers: int | None) -> None:
    """The post's engagement rate and its basis: over reach where given, else over the channel's followers."""
    if not row.read:
        return
    reach = row.counts["reach"]
    if reach:
        row.basis, row.denominator = "reach", reach
    elif followers:
        row.basis, row.denominator = "followers", followers
    else:
        return
    row.rate = row.engagements / row.denominator


def _add(group: Figures, row: _Row) -> None:
    group.posts += 1
    _keep(group.variant_ids, row.variant_id)
    if row.post_id not in group.seen_posts:
        group.seen_posts.add(row.post_id)
        group.contents += 1
        _keep(group.post_ids, row.post_id)
    if not row.read:
        _keep(group.no_metrics_ids, row.variant_id)
        return
    group.with_metrics += 1
    for name in COUNTS:
        setattr(group, name, getattr(group, name) + (row.counts[name] or 0))
    if row.rate is not None:
        group.rate_engagements += row.engagements
        group.rate_denominator += row.denominator
        if row.basis == "reach":
            group.reach_posts += 1
        else:
            group.follower_posts += 1
    impressions = row.counts["impressions"]
    if impressions:
        group.virality_shares += row.counts["shares"] or 0
        group.virality_impressions += impressions


def _keep(ids: list[int], value: int) -> None:
    if len(ids) < IDS_MAX:
        ids.append(value)


def _ranked(session: Session, rows: list[_Row]) -> tuple[list[RankedPost], list[RankedPost]]:
    """The best and worst posts by engagement rate (a post is in one list at most)."""
    rated = [r for r in rows if r.rate is not None]
    best = sorted(rated, key=lambda r: (-(r.rate or 0), -r.engagements, r.published_at, r.variant_id))
    best = best[:RANK_SIZE]
    taken = {r.variant_id for r in best}
    worst = sorted(rated, key=lambda r: (r.rate or 0, r.engagements, r.published_at, r.variant_id))
    worst = [r for r in worst if r.variant_id not in taken][:RANK_SIZE]
    wanted = [r.variant_id for r in best + worst]
    texts: dict[int, str] = {}
    if wanted:
        stmt = select(PostVariant.id, PostVariant.text).where(PostVariant.id.in_(wanted))
        texts = {i: (t or "")[:TEXT_MAX] for i, t in session.execute(stmt)}
    return [_ranked_post(r, texts) for r in best], [_ranked_post(r, texts) for r in worst]


def _ranked_post(row: _Row, texts: dict[int, str]) -> RankedPost:
    return RankedPost(
        variant_id=row.variant_id,
        post_id=row.post_id,
        title=row.title,
        text=texts.get(row.variant_id, ""),
        channel_id=row.channel_id,
        channel_name=row.channel_name,
        platform=row.platform,
        published_at=row.published_at,
        url=row.url,
        reach=row.counts["reach"],
        impressions=row.counts["impressions"],
        engagements=row.engagements,
        engagement_rate=row.rate or 0.0,
        basis=row.basis,
    )


def on_time(
    session: Session, *, unit_ids: Sequence[int], start: datetime, end: datetime, now: datetime | None = None
) -> OnTime:
    """Planned posts of the period (variants of posts scheduled in it, on the units' channels, not cancelled)
    and how many were published within ``ON_TIME_TOLERANCE`` of their time."""
    now = now or utcnow()
    out = OnTime(tolerance_minutes=int(ON_TIME_TOLERANCE / timedelta(minutes=1)))
    v = PostVariant
    stmt = (
        select(v.id, v.post_id, v.state, v.published_at, Post.scheduled_at)
        .join(Post, Post.id == v.post_id)
        .join(Channel, Channel.id == v.channel_id)
        .where(
            Channel.unit_id.in_(list(unit_ids)),
            Post.scheduled_at >= start,
            Post.scheduled_at < end,
            Post.status != PostStatus.dibatalkan.value,
        )
        .order_by(Post.scheduled_at, Post.id, v.id)
    )
    for variant_id, post_id, state, published_at, scheduled_at in session.execute(stmt):
        _plan(out, variant_id, post_id, state, published_at, as_utc(scheduled_at), now)
    return out


def _plan(
    out: OnTime, variant_id: int, post_id: int, state: str, published_at: Any, scheduled_at: datetime,
    now: datetime,
) -> None:  # fmt: skip
    deadline = scheduled_at + ON_TIME_TOLERANCE
    published = published_at is not None and state == VariantState.terbit.value
    if published and as_utc(published_at) <= deadline:
        out.planned += 1
        out.on_time += 1
        _keep(out.planned_ids, variant_id)
        return
    if not published and deadline > now:
        out.pending += 1  # it may still go out on time
        return
    out.planned += 1
    _keep(out.planned_ids, variant_id)
    if published:
        out.late += 1
    else:
        out.missed += 1
    _keep(out.late_ids, variant_id)
    if not out.late_post_ids or out.late_post_ids[-1] != post_id:  # a post's variants come together
        _keep(out.late_post_ids, post_id)


def follower_counts(session: Session, *, channel_ids: Sequence[int], at: datetime) -> dict[int, int]:
    """Each channel's follower count as of ``at`` (its newest daily reading before it, decision 0096);
    channels never read are left out (their posts without reach get no rate)."""
    return channels_service.follower_counts(session, channel_ids=channel_ids, at=at)
