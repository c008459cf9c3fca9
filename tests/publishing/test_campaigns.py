"""Campaigns and hashtag groups on both engines: a campaign groups a kit (and every post made from it), a
post and a saved query; its view shows what was published, reach and engagement per day in the viewer's
zone, and the public's side of its hashtags. Hashtag groups are shared down the tree, inserted in drafts."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from humas.core.errors import Conflict, Invalid, NotFound
from humas.core.i18n import use_locale
from humas.publishing.service import campaigns
from humas.publishing.service.posts import PostInput, VariantInput, create_post
from tests.publishing.kit_factories import T0, adapt, issue, make_network, mark_published, quick_user

WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture(autouse=True)
def english():
    with use_locale("en"):
        yield


def test_a_campaign_shows_its_posts_days_and_listening(session) -> None:
    from humas.ingest.service import pipeline
    from tests.ingest.helpers import fake_analyze, item

    net = make_network(session, offices=1, per_office=2)
    kit = issue(session, net)
    kanwil, kppn = net.units[0], net.units[1]
    mark_published(session, adapt(session, kit, net, kppn), T0 + timedelta(hours=2), reach=50, likes=4)
    variants = [VariantInput(net.channels[kanwil.id].id, "x")]
    own = create_post(
        session, unit_id=kanwil.id, actor=net.drafters[kanwil.id],
        data=PostInput(title="Sosialisasi", body="x", variants=variants),
    )  # fmt: skip
    mark_published(session, own, T0 + timedelta(days=1, hours=20), reach=10, likes=2)  # the next WIB day
    campaign = campaigns.create_campaign(
        session, unit_id=net.ministry.id, name="Uang Kita", hashtags=["#UangKita"], actor=net.drafter
    )
    assert campaign.query_id is not None and campaign.query_id != kit.query_id
    campaigns.add_item(session, campaign=campaign, kind="kit", ref_id=kit.id, actor=net.drafter)
    campaigns.add_item(session, campaign=campaign, kind="post", ref_id=own.id, actor=net.drafter)
    with pytest.raises(Conflict):
        campaigns.add_item(session, campaign=campaign, kind="post", ref_id=own.id, actor=net.drafter)
    with pytest.raises(Invalid):
        campaigns.add_item(session, campaign=campaign, kind="reel", ref_id=own.id, actor=net.drafter)
    texts = ["Bagus #UangKita", "#uangkita lambat cair", "lain"]
    items = [item(t, metrics={"likes": n}) for n, t in enumerate(texts)]
    pipeline.ingest_items(session, items, unit=net.ministry, analyzer=fake_analyze)

    view = campaigns.campaign_view(session, campaign=campaign, zone=WIB)
    assert [p.post.id for p in view.published] == [own.id, view.published[1].post.id]
    assert view.reach == 100 + 20 and view.engagement == (4 + 2 + 3) + (2 + 2 + 3)
    assert [(d.on.isoformat(), d.published) for d in view.days] == [("2026-11-02", 1), ("2026-11-04", 1)]
    (mine, from_kit) = view.listening
    assert mine.query.id == campaign.query_id and from_kit.query.id == kit.query_id
    assert mine.mentions == 2 and mine.sentiment == {"positive": 1, "negative": 1}
    assert [m.text for m in mine.top] == [
        "#uangkita lambat cair",
        "Bagus #UangKita",
    ]  # most interactions first


def test_campaign_isolation_and_scope(session) -> None:
    net = make_network(session, offices=2, per_office=0)
    a, b = net.units
    campaign = campaigns.create_campaign(
        session, unit_id=a.id, name="Lokal", hashtags=[], actor=net.drafters[a.id]
    )
    assert campaign.query_id is None
    with pytest.raises(NotFound):
        campaigns.access_campaign(session, net.drafters[b.id], campaign.id)
    post_b = create_post(
        session, unit_id=b.id, actor=net.drafters[b.id],
        data=PostInput(title="B", variants=[VariantInput(net.channels[b.id].id, "teks")]),
    )  # fmt: skip
    with pytest.raises(Invalid):  # the ministry sees both, but b is not below the campaign's unit
        campaigns.add_item(session, campaign=campaign, kind="post", ref_id=post_b.id, actor=net.drafter)
    with pytest.raises(NotFound):
        campaigns.add_item(
            session, campaign=campaign, kind="post", ref_id=post_b.id, actor=net.drafters[a.id]
        )
    with pytest.raises(Conflict):
        campaigns.create_campaign(session, unit_id=a.id, name="Lokal", hashtags=[], actor=net.drafters[a.id])
    assert campaigns.list_campaigns(session, net.drafters[b.id]) == []


def test_hashtag_groups_are_shared_down_and_inserted_in_drafts(session) -> None:
    net = make_network(session, offices=2, per_office=1)
    kanwil, other, kppn = net.units[0], net.units[1], net.units[2]
    group = campaigns.create_hashtag_group(
        session, unit_id=net.ministry.id, name="APBN", hashtags=["#UangKita", "APBNKita"], actor=net.drafter
    )
    assert group.hashtags == ["#UangKita", "#APBNKita"]
    drafter = net.drafters[kppn.id]
    assert campaigns.list_hashtag_groups(session, drafter) == [group]
    variants = [VariantInput(net.channels[kppn.id].id, "Layanan buka #uangkita")]
    post = create_post(
        session, unit_id=kppn.id, actor=drafter, data=PostInput(title="Info", variants=variants)
    )
    found = campaigns.access_hashtag_group(session, drafter, group.id)
    campaigns.insert_hashtag_group(session, post=post, group=found, actor=drafter)
    assert post.version == 2 and post.variants[0].text == "Layanan buka #uangkita\n\n#APBNKita"
    own = campaigns.create_hashtag_group(
        session, unit_id=kppn.id, name="Lokal", hashtags=["#KPPN"], actor=drafter
    )
    assert campaigns.access_hashtag_group(session, net.drafters[kanwil.id], own.id) is own  # its subtree
    with pytest.raises(NotFound):  # never a sibling's
        campaigns.access_hashtag_group(session, net.drafters[other.id], own.id)
    with pytest.raises(Invalid):
        campaigns.create_hashtag_group(session, unit_id=kppn.id, name="Kosong", hashtags=[], actor=drafter)
    outsider = quick_user(session, other)
    assert [g.id for g in campaigns.list_hashtag_groups(session, outsider)] == [group.id]
