"""Publishing's acceptance run (issue #13) in real Chromium: a drafter writes one post for Instagram, X and
the website (WordPress) with an image (a media address line in each variant), the live counter marks an
over-long X variant and the submit is refused, the shortened post goes through a two-step chain (a reviewer,
then the leader) on the pages, is scheduled and appears on the content calendar. At its time the publishing
clock sends it and each platform's recorded API receives exactly one create request (respx): Instagram's
container ``POST /{ig-user-id}/media`` and ``POST /{ig-user-id}/media_publish``, X's ``POST /2/media/upload``
and ``POST /2/tweets``, WordPress's ``POST /wp-json/wp/v2/media`` and ``POST /wp-json/wp/v2/posts``; X and
WordPress read the image from its address themselves (that GET is played too). The links show on the post,
the metrics job reads each platform's counts back (the recorded answers of tests/connectors/fixtures/
{meta,x,wordpress}/publish/, sources in SOURCES.md there) into the post page's series, and a comment on the
published Instagram post, ingested through the pipeline, reaches the unit's inbox.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import respx

from humas.core.time import as_utc, utcnow
from humas.org.models import Unit, User
from humas.publishing.service import StepInput
from tests.channels.factories import DEFAULT_VALUES, make_channel
from tests.live import LiveServer, login, unique

pytestmark = pytest.mark.browser
FIXTURES = Path(__file__).parents[1] / "connectors/fixtures"
GRAPH = "https://graph.facebook.com/v24.0"
IG_USER = DEFAULT_VALUES["instagram"]["ig_user_id"]
X_API = "https://api.x.com/2"
SITE = "https://diskominfo.contoh.go.id"
WP_API = f"{SITE}/wp-json/wp/v2"
IMAGE = "https://humas.contoh.go.id/media/layanan-sabtu.jpg"
JPEG = b"\xff\xd8\xff\xe0" + b"JFIF-sample-image" * 8
WORDPRESS = {"site_url": SITE, "username": "humas", "application_password": "abcd EFGH 1234 ijkl"}


def _load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


CREATED = _load("x/create_tweet.json")
IG_PUBLISHED = _load("meta/ig_media_published.json")
WP_POST = _load("wordpress/publish/post_created.json")


def _desk(live: LiveServer) -> dict[str, int]:
    from humas.org import service as org_service
    from humas.publishing import service as publishing_service

    admin = live.users["admin"]

    def seed(session) -> dict[str, int]:
        actor = session.get(User, admin.id)
        unit = org_service.create_unit(
            session, name=unique("KPPN Terbit"), parent=session.get(Unit, live.units["kanwil_a"]), actor=actor
        )
        ig = make_channel(
            session, unit=unit, platform="instagram", values=DEFAULT_VALUES["instagram"],
            account_external_id=unique("ig").replace(" ", "-"),
        )  # fmt: skip
        x = make_channel(session, unit=unit, platform="x", values=DEFAULT_VALUES["x"])
        wp = make_channel(session, unit=unit, platform="wordpress", values=WORDPRESS)
        return {"unit": unit.id, "instagram": ig.id, "x": x.id, "wordpress": wp.id}

    ids = live.run(seed)
    people = {
        r: live.add_user(ids["unit"], r, key=unique(r).replace(" ", "-"))
        for r in ("drafter", "reviewer", "pimpinan", "responder")
    }

    def chain(session) -> None:
        publishing_service.create_chain(
            session, unit_id=ids["unit"], name="Dua tahap", actor=session.get(User, admin.id),
            steps=[StepInput(name="Kasubbag Humas", role="reviewer"),
                   StepInput(name="Kabag", role="pimpinan")],
        )  # fmt: skip

    live.run(chain)
    return {**ids, **{k: v.id for k, v in people.items()}, "keys": people}  # type: ignore[dict-item]


def _platforms(mock: respx.MockRouter) -> dict[str, respx.Route]:
    """Each platform's recorded answers, for the publish and the metrics read-back."""
    me = f"{GRAPH}/{IG_USER}"
    routes = {
        "image": mock.get(IMAGE).respond(200, content=JPEG, headers={"content-type": "image/jpeg"}),
        "ig_container": mock.post(f"{me}/media").respond(200, json=_load("meta/ig_container_created.json")),
        "ig_publish": mock.post(f"{me}/media_publish").respond(200, json=IG_PUBLISHED),
        "x_upload": mock.post(f"{X_API}/media/upload").respond(
            200, json=_load("x/publish/media_upload.json")
        ),
        "x_create": mock.post(f"{X_API}/tweets").respond(201, json=CREATED),
        "wp_media": mock.post(f"{WP_API}/media").respond(
            201, json=_load("wordpress/publish/media_created.json")
        ),
        "wp_create": mock.post(f"{WP_API}/posts").respond(201, json=WP_POST),
    }
    container = _load("meta/ig_container_created.json")["id"]
    mock.get(f"{GRAPH}/{container}").respond(200, json=_load("meta/ig_container_finished.json"))
    media = IG_PUBLISHED["id"]
    routes["ig_metrics"] = mock.get(f"{GRAPH}/{media}").respond(
        200, json=_load("meta/publish/ig_media_counts.json")
    )
    mock.get(f"{GRAPH}/{media}/insights").respond(200, json=_load("meta/publish/ig_media_insights.json"))
    tweet = _load("x/publish/tweet_public_metrics.json")
    tweet["data"]["id"] = CREATED["data"]["id"]
    routes["x_metrics"] = mock.get(f"{X_API}/tweets/{CREATED['data']['id']}").respond(200, json=tweet)
    routes["wp_metrics"] = mock.get(f"{WP_API}/comments").respond(200, json=[], headers={"X-WP-Total": "6"})
    return routes


def test_one_post_goes_from_draft_to_instagram_x_and_the_website_once(live_server: LiveServer, page) -> None:
    live = live_server
    desk = _desk(live)
    keys = desk.pop("keys")
    login(page, live, keys["drafter"].key)
    page.goto(f"{live.url}/publishing/posts/new?unit_id={desk['unit']}")
    page.fill("[data-testid=post-title]", "Layanan Sabtu")
    texts = {
        "instagram": "KPPN buka Sabtu 09.00-12.00 WIB untuk layanan pencairan. #PelayananPrima",
        "wordpress": "Layanan Sabtu\n\nKPPN buka Sabtu 09.00-12.00 WIB untuk layanan pencairan dana.",
    }
    for platform, text in texts.items():
        page.locator(f"#f-text-{desk[platform]}").fill(text)
    for platform in ("instagram", "x", "wordpress"):
        page.locator(f"#f-media-{desk[platform]}").fill(IMAGE)
    x_text = page.locator(f"#f-text-{desk['x']}")
    x_text.fill("Info layanan KPPN. " * 20)  # 380 characters: X takes 280
    counter = f"#counter-{desk['x']} [data-testid=variant-counter]"
    page.locator(f"{counter}[data-over=true]").wait_for()  # recounted live by the server
    assert "380 / 280" in page.locator(counter).inner_text()
    page.click("[data-testid=post-save]")
    page.wait_for_url(re.compile(r"/publishing/posts/\d+$"))
    post_url = page.url
    page.click("[data-testid=post-submit] button")
    refused = page.locator("[data-testid=variant] [data-testid=field-error], [data-testid=form-error]")
    refused.first.wait_for()
    page.goto(post_url)
    for platform in ("instagram", "x", "wordpress"):  # the image line was kept with each variant
        assert page.locator(f"#f-media-{desk[platform]}").input_value() == IMAGE
    page.locator(f"#f-text-{desk['x']}").fill("KPPN buka Sabtu 09.00-12.00 WIB. #PelayananPrima")
    page.locator(f"{counter}[data-over=false]").wait_for()
    page.click("[data-testid=post-save]")
    page.wait_for_url(post_url)
    when = (utcnow() + timedelta(days=2)).astimezone().replace(hour=9, minute=0, second=0, microsecond=0)
    page.fill("#f-when", when.strftime("%Y-%m-%dT%H:%M"))
    page.click("[data-testid=post-schedule] button")
    page.wait_for_url(post_url)
    page.click("[data-testid=post-submit] button")
    page.wait_for_url(post_url)
    for key in ("reviewer", "pimpinan"):
        page.context.clear_cookies()
        login(page, live, keys[key].key)
        page.goto(f"{live.url}/publishing")
        page.click("[data-testid=queue-link]")
        page.click("[data-testid=post-approve]")
        page.wait_for_url(post_url)
    assert "Dijadwalkan" in page.locator("h1 + p").inner_text() or "dijadwalkan" in page.content()

    page.goto(
        f"{live.url}/publishing/calendar?view=week&date={when.date().isoformat()}&unit_id={desk['unit']}"
    )
    page.locator("[data-testid=calendar-post]", has_text="Layanan Sabtu").first.wait_for()
    assert page.locator("[data-testid=calendar-post]", has_text="Layanan Sabtu").count() == 1

    post_id = int(post_url.rsplit("/", 1)[1])
    from humas.outbox import runner
    from humas.publishing.models import Post, PostMetric, PostVariant
    from humas.publishing.tasks import run_metrics, run_tick

    scheduled = live.run(lambda s: as_utc(s.get(Post, post_id).scheduled_at))
    with respx.mock(assert_all_called=False) as mock:
        routes = _platforms(mock)
        run_tick(now=scheduled + timedelta(minutes=1))
        runner.send_due(live.engine, now=scheduled + timedelta(minutes=2))
        for name in ("ig_container", "ig_publish", "x_upload", "x_create", "wp_media", "wp_create"):
            assert routes[name].call_count == 1, name
        assert routes["image"].call_count == 2  # X and WordPress read it; Instagram fetches it itself
        container = dict(httpx.QueryParams(routes["ig_container"].calls[0].request.content.decode()))
        assert container["image_url"] == IMAGE and container["caption"] == texts["instagram"]
        tweet = json.loads(routes["x_create"].calls[0].request.content)
        assert tweet["text"].startswith("KPPN buka Sabtu") and tweet["media"]["media_ids"]
        article = json.loads(routes["wp_create"].calls[0].request.content)
        assert article["title"] == "Layanan Sabtu" and article["featured_media"] == 501

        published = live.run(
            lambda s: max(as_utc(v.published_at) for v in s.get(Post, post_id).variants if v.published_at)
        )
        assert run_metrics(now=published + timedelta(hours=1, minutes=1)) >= 3
        for name in ("ig_metrics", "x_metrics", "wp_metrics"):
            assert routes[name].call_count >= 1, name

    def read_back(session) -> dict[int, tuple]:
        from sqlalchemy import select

        rows = session.execute(
            select(PostVariant.channel_id, PostMetric.likes, PostMetric.comments)
            .join(PostMetric, PostMetric.variant_id == PostVariant.id)
            .where(PostVariant.post_id == post_id)
        ).all()
        return {channel_id: (likes, comments) for channel_id, likes, comments in rows}

    counts = live.run(read_back)
    assert counts == {desk["instagram"]: (42, 5), desk["x"]: (12, 3), desk["wordpress"]: (None, 6)}

    page.goto(post_url)
    states = page.locator("[data-testid=variant-state]")
    states.first.wait_for()
    assert states.count() == 3 and all(
        s == "terbit" for s in [states.nth(i).get_attribute("data-state") for i in range(3)]
    )
    links = [
        a.get_attribute("href")
        for a in page.locator("[data-testid=variant-state] [data-testid=variant-link]").all()
    ]
    assert any(CREATED["data"]["id"] in h for h in links), links
    assert WP_POST["link"] in links, links
    assert page.locator("[data-testid=variant-metrics]").count() == 3

    # A comment on the published Instagram post reaches the unit's inbox.
    from humas.connectors.base import SourceItem
    from humas.ingest.service.pipeline import ingest_items
    from tests.ingest.helpers import fake_analyze

    message = f"Apakah Sabtu juga melayani pencairan? {unique('tanya')}"

    def comment(session) -> None:
        from humas.channels.models import Channel

        channel = session.get(Channel, desk["instagram"])
        external_id = next(
            v.external_id for v in session.get(Post, post_id).variants if v.channel_id == channel.id
        )
        item = SourceItem(
            platform="instagram", external_id=unique("ig-comment").replace(" ", "-"), kind="comment",
            text=message, created_at=utcnow(), author_id="17841400000000001", author_handle="warga.kppn",
            thread_root_id=external_id, in_reply_to_id=external_id,
            channel_external_id=channel.account_external_id,
        )  # fmt: skip
        ingest_items(
            session, [item], unit=session.get(Unit, desk["unit"]), channel=channel.account_external_id,
            analyzer=fake_analyze,
        )  # fmt: skip

    live.run(comment)
    page.context.clear_cookies()
    login(page, live, keys["responder"].key)
    page.goto(f"{live.url}/inbox")
    page.locator("[data-testid=inbox-row]", has_text=message).wait_for()
