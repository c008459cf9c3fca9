"""The publishing section: ``publishing.service.measures.publishing_measures`` for the report's units in both
periods (per channel, per kind, best and worst posts, on-time share, follower counts where known).

Children are folded from the per-channel figures (each channel belongs to one unit), so a report with
descendants reads each period's posts once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from humas.channels import service as channels_service
from humas.core.i18n import gettext
from humas.publishing.service import measures as publishing_measures
from humas.publishing.service.measures import Figures, PublishingMeasures, RankedPost
from humas.reports.document import Chart, Column, Drill, Figure, Section, Table
from humas.reports.service import figures as F
from humas.reports.service.charts import bar_spec
from humas.reports.service.scope import Scope

KEYS = (
    "publishing.posts",
    "publishing.reach",
    "publishing.impressions",
    "publishing.views",
    "publishing.engagements",
    "publishing.engagement_rate",
    "publishing.virality_rate",
    "publishing.on_time_rate",
)
SUMS = (
    "posts",
    "contents",
    "with_metrics",
    "reach",
    "impressions",
    "views",
    "likes",
    "comments",
    "shares",
    "rate_engagements",
    "rate_denominator",
    "reach_posts",
    "follower_posts",
    "virality_shares",
    "virality_impressions",
)


@dataclass
class PublishingData:
    now: PublishingMeasures
    previous: PublishingMeasures
    followers_end: dict[int, int]  # channel id -> followers at the period's end, where a reading tells
    growth: dict[int, int]  # channel id -> followers at the end - at the start, where both are known
    # the same two for the previous period (its end is this period's start)
    followers_end_before: dict[int, int] = field(default_factory=dict)
    growth_before: dict[int, int] = field(default_factory=dict)


def load(session: Session, scope: Scope, now: datetime) -> PublishingData:
    ids = list(scope.unit_ids)
    current = publishing_measures.publishing_measures(
        session, unit_ids=ids, start=scope.start, end=scope.end, now=now
    )
    before = publishing_measures.publishing_measures(
        session, unit_ids=ids, start=scope.prev_start, end=scope.prev_end, now=now
    )
    # Every channel of the units that counts followers, whether or not it published in the period; the
    # start of a channel first read during the period is its first reading (docs/metrics.md, 0096).
    readings = channels_service.follower_growth(session, unit_ids=ids, start=scope.start, end=scope.end)
    end_counts = {g.channel_id: g.followers_end for g in readings if g.followers_end is not None}
    growth = {g.channel_id: g.growth for g in readings if g.growth is not None}
    earlier = channels_service.follower_growth(
        session, unit_ids=ids, start=scope.prev_start, end=scope.prev_end
    )
    end_before = {g.channel_id: g.followers_end for g in earlier if g.followers_end is not None}
    growth_before = {g.channel_id: g.growth for g in earlier if g.growth is not None}
    return PublishingData(current, before, end_counts, growth, end_before, growth_before)


def fold(parts: Iterable[Figures], *, key: str = "all", label: str = "") -> Figures:
    """One group's figures from several channels (a child unit's subtree): sums add, rates follow."""
    out = Figures(key=key, label=label)
    for f in parts:
        for name in SUMS:
            setattr(out, name, getattr(out, name) + getattr(f, name))
    return out


def values(m: PublishingMeasures | None, overall: Figures | None = None) -> dict[str, float | int | None]:
    f = overall if overall is not None else (m.overall if m is not None else None)
    if f is None:
        return dict.fromkeys(KEYS)
    return {
        "publishing.posts": f.posts,
        "publishing.reach": f.reach,
        "publishing.impressions": f.impressions,
        "publishing.views": f.views,
        "publishing.engagements": f.engagements,
        "publishing.engagement_rate": f.engagement_rate,
        "publishing.virality_rate": f.virality_rate,
        "publishing.on_time_rate": m.on_time.rate if m is not None and overall is None else None,
    }


def _basis_note(basis: str) -> str:
    return {
        "reach": gettext("over reach"),
        "followers": gettext("over followers: the platforms give no reach"),
        "mixed": gettext("over reach, or over followers where the platform gives no reach"),
    }.get(basis, "")


def figures(data: PublishingData) -> dict[str, Figure]:
    now, before = values(data.now), values(data.previous)
    out = {}
    for key in KEYS:
        note = _basis_note(data.now.overall.basis) if key == "publishing.engagement_rate" else ""
        out[key] = F.figure(key, now[key], before[key], note=note)
    # The previous period's figures are the same measures over it; a period without readings is unknown
    # (no value, no arrow), never 0.
    if data.followers_end:
        total_end = sum(data.followers_end.values())
        before_end = sum(data.followers_end_before.values()) if data.followers_end_before else None
        out["publishing.followers"] = F.figure("publishing.followers", total_end, before_end)
    if data.growth:
        growth = sum(data.growth.values())
        before_growth = sum(data.growth_before.values()) if data.growth_before else None
        out["publishing.follower_growth"] = F.figure("publishing.follower_growth", growth, before_growth)
    return out


def _channel_table(data: PublishingData) -> Table:
    rows = []
    for c in data.now.channels:
        followers = data.followers_end.get(c.channel_id) if c.channel_id is not None else None
        rows.append(
            (
                c.label,
                F.platform_label(c.platform),
                c.posts,
                c.reach,
                c.impressions,
                c.views,
                c.engagements,
                F.clean(c.engagement_rate),
                _basis_note(c.basis),
                F.clean(c.virality_rate),
                followers,
            )
        )
    return Table(
        key="publishing.channels",
        title=gettext("Per channel"),
        columns=(
            Column("channel", gettext("Channel"), "text"),
            Column("platform", gettext("Platform"), "text"),
            Column("posts", F.label("publishing.posts"), "count"),
            Column("reach", F.label("publishing.reach"), "count"),
            Column("impressions", F.label("publishing.impressions"), "count"),
            Column("views", F.label("publishing.views"), "count"),
            Column("engagements", F.label("publishing.engagements"), "count"),
            Column("engagement_rate", F.label("publishing.engagement_rate"), "percent"),
            Column("basis", gettext("Rate basis"), "text"),
            Column("virality_rate", F.label("publishing.virality_rate"), "percent"),
            Column("followers", F.label("publishing.followers"), "count"),
        ),
        rows=tuple(rows),
        definition=gettext(
            "Engagements = likes + comments + shares; engagement rate = engagements ÷ reach (÷ followers "
            "where the platform gives no reach); virality rate = shares ÷ impressions."
        ),
    )


def _ranked_table(key: str, title: str, posts: list[RankedPost]) -> Table:
    return Table(
        key=key,
        title=title,
        columns=(
            Column("title", gettext("Post"), "text"),
            Column("channel", gettext("Channel"), "text"),
            Column("published_at", gettext("Published"), "datetime"),
            Column("reach", F.label("publishing.reach"), "count"),
            Column("engagements", F.label("publishing.engagements"), "count"),
            Column("engagement_rate", F.label("publishing.engagement_rate"), "percent"),
            Column("url", gettext("Link"), "url"),
        ),
        rows=tuple(
            (
                p.title,
                p.channel_name,
                p.published_at.isoformat(),
                p.reach,
                p.engagements,
                F.clean(p.engagement_rate),
                p.url,
            )
            for p in posts
        ),
        drills=tuple(Drill("posts", {"figure": "publishing.posts", "post": str(p.post_id)}) for p in posts),
    )


def _kinds_table(data: PublishingData) -> Table:
    return Table(
        key="publishing.kinds",
        title=gettext("Posts per platform and kind"),
        columns=(
            Column("platform", gettext("Platform"), "text"),
            Column("kind", gettext("Kind"), "text"),
            Column("posts", F.label("publishing.posts"), "count"),
        ),
        rows=tuple((F.platform_label(k.platform), k.kind, k.posts) for k in data.now.kinds),
    )


def _charts(data: PublishingData) -> tuple[Chart, ...]:
    if not data.now.channels:
        return ()
    rows: list[dict[str, Any]] = [{"label": c.label, "value": c.posts} for c in data.now.channels]
    spec = bar_spec(rows, label_title=gettext("Channel"), value_title=F.label("publishing.posts"))
    out = [Chart("publishing.posts_by_channel", gettext("Posts per channel"), spec)]
    rated = [
        {"label": c.label, "value": F.clean(c.engagement_rate)}
        for c in data.now.channels
        if c.engagement_rate is not None
    ]
    if rated:
        spec = bar_spec(
            rated,
            label_title=gettext("Channel"),
            value_title=F.label("publishing.engagement_rate"),
            percent=True,
        )
        out.append(Chart("publishing.rate_by_channel", gettext("Engagement rate per channel"), spec))
    return tuple(out)


def section(data: PublishingData, draft: tuple[str, ...]) -> Section:
    tables = [
        _channel_table(data),
        _kinds_table(data),
        _ranked_table("publishing.best_posts", gettext("Best posts"), data.now.best),
        _ranked_table("publishing.worst_posts", gettext("Weakest posts"), data.now.worst),
    ]
    return Section(
        key="publishing",
        title=gettext("Publishing"),
        figures=tuple(figures(data).values()),
        tables=tuple(t for t in tables if t.rows),
        charts=_charts(data),
        draft=draft,
    )
