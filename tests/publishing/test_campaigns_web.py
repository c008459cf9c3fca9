"""Campaign pages through the app (both engines): a campaign made with the form, a kit added to it, its page
with what was published and the public's side of its hashtags; a hashtag group saved, inserted into a draft;
hostile text escaped, a sibling's campaign not found."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from humas.publishing.kits import Campaign
from humas.publishing.service.posts import PostInput, VariantInput, create_post
from tests.publishing.kit_factories import T0, adapt, issue, make_network, mark_published


def test_campaign_pages(web, session) -> None:
    net = make_network(session, offices=2, per_office=0)
    kit = issue(session, net)
    a, b = net.units
    mark_published(session, adapt(session, kit, net, a), T0 + timedelta(hours=3))
    web.login(net.drafter)
    made = web.post(
        "/publishing/campaigns",
        {"unit_id": net.ministry.id, "name": "Uang <b>Kita</b>", "hashtags": "#UangKita"},
    )
    assert made.status_code == 303, made.text[:300]
    campaign = session.scalars(select(Campaign).order_by(Campaign.id.desc())).first()
    assert campaign is not None and campaign.hashtags == ["#UangKita"]
    added = web.post(f"/publishing/campaigns/{campaign.id}/items", {"kind": "kit", "ref_id": kit.id})
    assert added.status_code == 303
    page = web.get(f"/publishing/campaigns/{campaign.id}").text
    assert "Uang &lt;b&gt;Kita&lt;/b&gt;" in page and "<b>Kita</b>" not in page
    assert (
        page.count('data-testid="campaign-item"') == 1 and page.count('data-testid="campaign-listening"') == 2
    )
    bad = web.post(f"/publishing/campaigns/{campaign.id}/items", {"kind": "kit", "ref_id": kit.id})
    assert bad.status_code == 409

    group = web.post(
        "/publishing/hashtag-groups",
        {"unit_id": net.ministry.id, "name": "APBN", "hashtags": "#APBNKita #UangKita"},
    )
    assert group.status_code == 303
    drafter = net.drafters[b.id]
    post = create_post(
        session, unit_id=b.id, actor=drafter,
        data=PostInput(title="Info", variants=[VariantInput(net.channels[b.id].id, "Layanan buka")]),
    )  # fmt: skip
    web.login(drafter)
    listing = web.get("/publishing/campaigns").text
    assert 'data-testid="hashtag-group"' in listing and 'data-testid="hashtag-insert"' in listing
    group_id = int(listing.split('name="group_id"><option value="')[1].split('"')[0])
    inserted = web.post("/publishing/hashtag-groups/insert", {"group_id": group_id, "post_id": post.id})
    assert inserted.status_code == 303 and inserted.headers["location"] == f"/publishing/posts/{post.id}"
    session.refresh(post.variants[0])
    assert post.variants[0].text.endswith("#APBNKita #UangKita")
    assert web.get(f"/publishing/campaigns/{campaign.id}").status_code == 404  # the ministry's, not b's
