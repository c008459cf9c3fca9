"""Campaigns and hashtag groups: a campaign (e.g. *Uang Kita*) groups posts, content kits and saved queries;
its view shows what was published (its posts and the posts made from its kits), reach and engagement per day,
and the listening side of its hashtags and queries (volume per day, sentiment, the public's top posts).
Hashtag groups are saved per unit (shared down the tree) and inserted into drafts as a new version."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from humas.core.errors import Conflict, Invalid, NotFound
from humas.core.i18n import _
from humas.ingest.models import Mention, QueryMatch, SavedQuery
from humas.ingest.service import queries as queries_service
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.service import Principal
from humas.publishing.kits import (
    Campaign,
    CampaignItem,
    CampaignItemKind,
    ContentKit,
    HashtagGroup,
    KitPost,
    KitReceipt,
)
from humas.publishing.models import Post, PostMetric, PostVariant, VariantState
from humas.publishing.service import kits as kits_service
from humas.publishing.service import media as media_service
from humas.publishing.service import posts as posts_service

TOP_PUBLIC = 5


# --- campaigns ------------------------------------------------------------------------------------------


def create_campaign(
    session: Session, *, unit_id: int, name: str, hashtags: list[str], actor: Principal
) -> Campaign:
    """A campaign of a unit; its hashtags become a saved query (the listening side of the campaign)."""
    org_service.require_role(actor, *posts_service.DRAFTERS)
    unit = org_service.access_unit(session, actor, unit_id)
    name = org_service.clean_name(name)
    if session.scalar(select(Campaign.id).where(Campaign.unit_id == unit.id, Campaign.name == name)):
        raise Conflict(_("A campaign with this name already exists in this unit."), field="name")
    campaign = Campaign(
        unit_id=unit.id, unit=unit, name=name, hashtags=kits_service.clean_hashtags(hashtags),
        created_by_id=actor.id,
    )  # fmt: skip
    session.add(campaign)
    session.flush()
    text = kits_service.hashtag_query(campaign.hashtags)
    if text:  # made by the system, as for kits (decision 0098)
        query = queries_service.create_query(
            session, unit=unit, name=f"Kampanye #{campaign.id}: {name}"[:200], query=text, actor=None
        )
        campaign.query_id = query.id
    audit_service.record(session, actor=actor, action="campaign.create", obj=campaign, unit=unit)
    return campaign


def access_campaign(session: Session, actor: Principal, campaign_id: int) -> Campaign:
    """A campaign of the actor's subtree; any other id is simply not found."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or not org_service.can_access(actor, campaign.unit):
        raise NotFound(_("Campaign not found."))
    return campaign


def list_campaigns(session: Session, actor: Principal) -> list[Campaign]:
    stmt = select(Campaign).where(Campaign.unit_id.in_(org_service.visible_unit_ids(session, actor)))
    return list(session.scalars(stmt.order_by(Campaign.id.desc())))


def add_item(
    session: Session, *, campaign: Campaign, kind: str, ref_id: int, actor: Principal
) -> CampaignItem:
    """Put a post, kit or saved query the actor sees, of the campaign's unit or below, into the campaign."""
    org_service.require_role(actor, *posts_service.DRAFTERS)
    if kind == CampaignItemKind.post.value:
        unit = posts_service.access_post(session, actor, ref_id).unit
    elif kind == CampaignItemKind.kit.value:
        unit = kits_service.access_tracked_kit(session, actor, ref_id).issuer
    elif kind == CampaignItemKind.query.value:
        unit = queries_service.access_query(session, actor, ref_id).unit
    else:
        raise Invalid(_("Choose a post, a kit or a saved query."), field="kind")
    if not unit.path.startswith(campaign.unit.path):
        raise Invalid(_("Only items of the campaign's unit and the units below it."), field="ref_id")
    if any(i.kind == kind and i.ref_id == ref_id for i in campaign.items):
        raise Conflict(_("This is already in the campaign."), field="ref_id")
    item = CampaignItem(kind=kind, ref_id=ref_id)
    campaign.items.append(item)
    session.flush()
    audit_service.record(
        session, actor=actor, action="campaign.add", obj=campaign, unit=campaign.unit,
        after={"kind": kind, "ref_id": ref_id},
    )  # fmt: skip
    return item


# --- the campaign's view --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    post: Post
    variant: PostVariant
    reach: int
    engagement: int


@dataclass(frozen=True)
class Day:
    on: date
    published: int
    reach: int
    engagement: int


@dataclass
class Listening:
    query: SavedQuery
    mentions: int
    sentiment: dict[str, int]
    per_day: list[tuple[date, int]]
    top: list[Mention]


@dataclass
class CampaignView:
    campaign: Campaign
    published: list[Published]
    days: list[Day]
    listening: list[Listening] = field(default_factory=list)

    @property
    def reach(self) -> int:
        return sum(p.reach for p in self.published)

    @property
    def engagement(self) -> int:
        return sum(p.engagement for p in self.published)


def post_ids(session: Session, campaign: Campaign) -> list[int]:
    """The campaign's posts: those added, and every post made from its kits."""
    ids = {i.ref_id for i in campaign.items if i.kind == CampaignItemKind.post.value}
    kit_ids = [i.ref_id for i in campaign.items if i.kind == CampaignItemKind.kit.value]
    if kit_ids:
        ids |= set(
            session.scalars(
                select(KitPost.post_id)
                .join(KitReceipt, KitReceipt.id == KitPost.receipt_id)
                .where(KitReceipt.kit_id.in_(kit_ids))
            )
        )
    return sorted(ids)


def _newest(session: Session, variant_ids: list[int]) -> dict[int, PostMetric]:
    if not variant_ids:
        return {}
    newest = (
        select(PostMetric.variant_id, func.max(PostMetric.at).label("at"))
        .where(PostMetric.variant_id.in_(variant_ids))
        .group_by(PostMetric.variant_id)
        .subquery()
    )
    stmt = select(PostMetric).join(
        newest, (PostMetric.variant_id == newest.c.variant_id) & (PostMetric.at == newest.c.at)
    )
    return {m.variant_id: m for m in session.scalars(stmt)}


def campaign_view(session: Session, *, campaign: Campaign, zone: ZoneInfo) -> CampaignView:
    """What the campaign published (newest first), per day in ``zone``, and the listening side."""
    stmt = (
        select(PostVariant)
        .join(Post, Post.id == PostVariant.post_id)
        .where(
            PostVariant.post_id.in_(post_ids(session, campaign)),
            PostVariant.state == VariantState.terbit.value,
        )
    )
    variants = list(session.scalars(stmt.order_by(PostVariant.published_at.desc(), PostVariant.id)))
    metrics = _newest(session, [v.id for v in variants])
    published = []
    for v in variants:
        m = metrics.get(v.id)
        reach = (m.reach or m.views or 0) if m else 0
        engagement = ((m.likes or 0) + (m.comments or 0) + (m.shares or 0)) if m else 0
        published.append(Published(v.post, v, reach, engagement))
    per_day: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for p in published:
        if p.variant.published_at is None:
            continue
        day = per_day[p.variant.published_at.astimezone(zone).date()]
        day[0], day[1], day[2] = day[0] + 1, day[1] + p.reach, day[2] + p.engagement
    days = [Day(on, *values) for on, values in sorted(per_day.items())]
    return CampaignView(campaign, published, days, _listening(session, campaign=campaign, zone=zone))


def _query_ids(session: Session, campaign: Campaign) -> list[int]:
    ids = [campaign.query_id] if campaign.query_id else []
    ids += [i.ref_id for i in campaign.items if i.kind == CampaignItemKind.query.value]
    kit_ids = [i.ref_id for i in campaign.items if i.kind == CampaignItemKind.kit.value]
    if kit_ids:
        ids += [
            q for q in session.scalars(select(ContentKit.query_id).where(ContentKit.id.in_(kit_ids))) if q
        ]
    return list(dict.fromkeys(ids))


def _listening(session: Session, *, campaign: Campaign, zone: ZoneInfo) -> list[Listening]:
    out = []
    for query_id in _query_ids(session, campaign):
        query = session.get(SavedQuery, query_id)
        if query is None:
            continue
        # NOTE: read-only over ingest's matches, as the kit tracker does (decision 0098).
        stmt = (
            select(Mention)
            .join(QueryMatch, QueryMatch.mention_id == Mention.id)
            .where(QueryMatch.query_id == query_id)
        )
        mentions = list(session.scalars(stmt.order_by(Mention.created_at)))
        sentiment: dict[str, int] = defaultdict(int)
        days: dict[date, int] = defaultdict(int)
        for m in mentions:
            sentiment[m.sentiment or "-"] += 1
            days[m.created_at.astimezone(zone).date()] += 1
        top = sorted(mentions, key=lambda m: (-_interactions(m.metrics), m.id))[:TOP_PUBLIC]
        out.append(Listening(query, len(mentions), dict(sentiment), sorted(days.items()), top))
    return out


def _interactions(metrics: dict[str, Any] | None) -> int:
    return sum(v for v in (metrics or {}).values() if isinstance(v, int) and not isinstance(v, bool))


# --- hashtag groups -------------------------------------------------------------------------------------


def create_hashtag_group(
    session: Session, *, unit_id: int, name: str, hashtags: list[str], actor: Principal
) -> HashtagGroup:
    """A named set of hashtags for a unit's drafts (and the units below it)."""
    org_service.require_role(actor, *posts_service.DRAFTERS)
    unit = org_service.access_unit(session, actor, unit_id)
    name = org_service.clean_name(name)
    tags = kits_service.clean_hashtags(hashtags)
    if not tags:
        raise Invalid(_("Give at least one hashtag."), field="hashtags")
    if session.scalar(
        select(HashtagGroup.id).where(HashtagGroup.unit_id == unit.id, HashtagGroup.name == name)
    ):
        raise Conflict(_("A hashtag group with this name already exists in this unit."), field="name")
    group = HashtagGroup(unit_id=unit.id, unit=unit, name=name, hashtags=tags, created_by_id=actor.id)
    session.add(group)
    audit_service.record(session, actor=actor, action="hashtag_group.create", obj=group, unit=unit)
    return group


def list_hashtag_groups(session: Session, actor: Principal) -> list[HashtagGroup]:
    """Groups of the actor's subtree and of its ancestors (shared down, like media)."""
    ids = media_service.visible_media_unit_ids(session, actor)
    stmt = select(HashtagGroup).where(HashtagGroup.unit_id.in_(ids))
    return list(session.scalars(stmt.order_by(HashtagGroup.name, HashtagGroup.id)))


def access_hashtag_group(session: Session, actor: Principal, group_id: int) -> HashtagGroup:
    group = session.get(HashtagGroup, group_id)
    if group is None or group.unit_id not in media_service.visible_media_unit_ids(session, actor):
        raise NotFound(_("Hashtag group not found."))
    return group


def with_hashtags(text: str, hashtags: list[str]) -> str:
    """The text with each hashtag it lacks appended on a last line."""
    have = {t.casefold() for t in text.split()}
    missing = [t for t in hashtags if t.casefold() not in have]
    return f"{text.rstrip()}\n\n{' '.join(missing)}".strip() if missing else text


def insert_hashtag_group(session: Session, *, post: Post, group: HashtagGroup, actor: Principal) -> Post:
    """Insert a group's hashtags into every variant of a draft (a new version, through the usual edit)."""
    if not post.unit.path.startswith(group.unit.path):  # the group's unit or one above the post's
        raise NotFound(_("Hashtag group not found."))
    variants = [
        posts_service.VariantInput(v.channel_id, with_hashtags(v.text, group.hashtags), list(v.media))
        for v in post.variants
    ]
    data = posts_service.PostInput(
        title=post.title, body=post.body, kind=post.kind, campaign=post.campaign, variants=variants
    )
    return posts_service.edit_post(session, post=post, data=data, actor=actor)


def drafts_for_groups(session: Session, actor: Principal) -> list[Post]:
    """The open drafts of the actor's units a group can be inserted into."""
    return posts_service.list_posts(session, actor, status="draf", limit=50)
