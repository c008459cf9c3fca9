"""Post pages: the live counter as the platform counts, media addresses per variant, each variant's state
(published with its link, failed with the platform's reason and a retry button), the metrics table, and two
versions compared."""

from __future__ import annotations

from datetime import UTC, datetime

from humas.publishing import service as publishing_service
from humas.publishing.models import PostMetric, VariantState
from humas.publishing.service import PostInput, VariantInput
from humas.publishing.service import media as media_service
from tests.channels.factories import make_channel
from tests.factories import make_unit, make_user
from tests.publishing.factories import make_desk, make_post
from tests.publishing.media_files import image
from tests.publishing.media_files import media_dir_fixture as media_dir_fixture  # noqa: F401


def test_the_live_counter_counts_as_the_platform_does(web, session):
    desk = make_desk(session)
    web.login(desk.drafter)
    url = f"/publishing/channels/{desk.channel.id}/count"
    short = web.post(url, {"text": "Halo https://example.go.id/" + "a" * 80})
    assert short.status_code == 200 and "28 / 280" in short.text  # a link counts 23 on X
    long = web.post(url, {"text": "x" * 300})
    assert 'data-over="true"' in long.text and "300 / 280" in long.text
    assert 'data-testid="variant-problem"' in long.text
    bad = web.post(url, {"text": "ok", "media": "javascript:alert(1)"})
    assert bad.status_code == 400 or bad.status_code == 422


def test_inside_the_post_form_the_counter_counts_its_own_variant(web, session):
    """htmx sends the whole form (every variant's ``channel_id``, ``text``, ``media``): the counter of the
    second variant counts the second text, not the first."""
    desk = make_desk(session)
    other = make_channel(session, unit=desk.unit, platform="mastodon")
    web.login(desk.drafter)
    form = {"channel_id": [other.id, desk.channel.id], "text": ["pendek", "x" * 300], "media": ["", ""]}
    mine = web.post(f"/publishing/channels/{desk.channel.id}/count", form)
    assert mine.status_code == 200 and "300 / 280" in mine.text and 'data-over="true"' in mine.text
    theirs = web.post(f"/publishing/channels/{other.id}/count", form)
    assert "6 / 500" in theirs.text and 'data-over="false"' in theirs.text


def test_a_draft_with_media_and_the_variant_states(web, session):
    desk = make_desk(session)
    web.login(desk.drafter)
    response = web.post(
        "/publishing/posts",
        {"unit_id": desk.unit.id, "title": "Bergambar", "body": "Info", "channel_id": [desk.channel.id],
         "text": ["Info layanan"], "media": ["https://example.go.id/foto.jpg"]},
    )  # fmt: skip
    assert response.status_code == 303, response.text[:400]
    post = publishing_service.list_posts(session, desk.drafter)[0]
    variant = post.variants[0]
    assert variant.media == [{"kind": "image", "url": "https://example.go.id/foto.jpg"}]
    variant.state, variant.error = VariantState.gagal.value, "Duplicate content (code 187)"
    session.flush()
    page = web.get(f"/publishing/posts/{post.id}").text
    assert "Duplicate content (code 187)" in page and 'data-testid="variant-retry"' in page
    assert "https://example.go.id/foto.jpg" in page  # the media list and the preview
    variant.state, variant.error = VariantState.terbit.value, None
    variant.url, variant.published_at = "https://x.com/kppn/status/1", datetime(2030, 1, 1, tzinfo=UTC)
    session.add(
        PostMetric(variant_id=variant.id, at=datetime(2030, 1, 1, 1, tzinfo=UTC), likes=1200, views=None)
    )
    session.flush()
    page = web.get(f"/publishing/posts/{post.id}").text
    assert 'href="https://x.com/kppn/status/1"' in page and 'data-testid="variant-metrics"' in page
    assert "1.200" in page  # Indonesian digit grouping


def test_two_versions_compared(web, session):
    desk = make_desk(session)
    post = make_post(session, desk, text="Buka jam 08.00")
    data = PostInput(
        title=post.title, body="Buka jam 09.00", variants=[VariantInput(desk.channel.id, "Buka jam 09.00")]
    )
    publishing_service.edit_post(session, post=post, data=data, actor=desk.drafter)
    session.flush()
    web.login(desk.drafter)
    page = web.get(f"/publishing/posts/{post.id}/compare?a=1&b=2")
    assert page.status_code == 200
    assert "-Buka jam 08.00" in page.text and "+Buka jam 09.00" in page.text
    assert f"/publishing/posts/{post.id}/compare?a=1&b=2" in web.get(f"/publishing/posts/{post.id}").text


def test_a_library_file_goes_into_a_variant_by_its_media_line(web, session, media_dir):
    """``media:<number>`` in a variant's media box attaches a file of the media library (its kind and
    measures come from the file); a sibling unit's file is refused."""
    desk = make_desk(session)
    media, _new = media_service.upload_media(
        session, actor=desk.drafter, unit=desk.unit, data=image(1200, 1200), filename="poster.jpg"
    )
    stranger = make_user(session, unit=make_unit(session), roles=("drafter",))
    other, _new2 = media_service.upload_media(
        session, actor=stranger, unit=stranger.unit, data=image(800, 800), filename="lain.jpg"
    )
    web.login(desk.drafter)
    assert f"media:{media.id}" in web.get(f"/publishing/media/{media.id}").text
    form = {"unit_id": desk.unit.id, "title": "Poster", "body": "Info", "channel_id": [desk.channel.id],
            "text": ["Info layanan"], "media": [f"media:{media.id}"]}  # fmt: skip
    response = web.post("/publishing/posts", form)
    assert response.status_code == 303, response.text[:400]
    post = publishing_service.list_posts(session, desk.drafter)[0]
    (ref,) = post.variants[0].media
    assert ref["media_id"] == media.id and ref["kind"] == "image" and ref["width"] == 1200
    assert f"media:{media.id}" in web.get(f"/publishing/posts/{post.id}").text
    refused = web.post("/publishing/posts", {**form, "title": "Asing", "media": [f"media:{other.id}"]})
    assert refused.status_code in (400, 403, 404, 422)
    assert len(publishing_service.list_posts(session, desk.drafter)) == 1
