"""Instagram (containers, carousels, Reels, media_publish) and Facebook Page (/feed, /photos, /videos)
publishing, their metrics, and reconcile: the exact bodies sent and exactly one create request."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from humas.connectors import facebook, instagram, meta
from humas.connectors.errors import PlatformError, Unsupported
from humas.connectors.media import Media
from tests.connectors.conftest import load
from tests.connectors.publish_helpers import JPEG, STORE, form, form_lists, multipart, part_value

GRAPH = "https://graph.facebook.com/v24.0"
FB = facebook.FacebookCredentials(page_id="104010002003", page_access_token="page-token")
IG = instagram.InstagramCredentials(
    ig_user_id="17841474524784050", access_token="ig-token", username="kemenpanrb"
)
ME = f"{GRAPH}/17841474524784050"


def ig(sleeper) -> instagram.InstagramPublisher:
    return instagram.InstagramPublisher(IG, client=meta.graph_client(sleep=sleeper))


def fb(sleeper) -> facebook.FacebookPublisher:
    return facebook.FacebookPublisher(FB, client=meta.graph_client(sleep=sleeper))


# --- Instagram ---------------------------------------------------------------------------------------


@respx.mock
def test_instagram_single_image_container_then_publish(sleeper):
    container = respx.post(f"{ME}/media").respond(200, json=load("meta", "ig_container_created.json"))
    status = respx.get(f"{GRAPH}/17889455560051444").respond(
        200, json=load("meta", "ig_container_finished.json")
    )
    publish = respx.post(f"{ME}/media_publish").respond(200, json=load("meta", "ig_media_published.json"))

    result = ig(sleeper).post(
        "Layanan KTP keliling #pelayananpublik",
        media=[{"kind": "image", "url": f"{STORE}/ktp.jpg", "alt": "Petugas melayani warga"}],
        idempotency_key="k",
    )

    assert form(container.calls[0].request) == {
        "access_token": "ig-token",
        "image_url": f"{STORE}/ktp.jpg",
        "alt_text": "Petugas melayani warga",
        "caption": "Layanan KTP keliling #pelayananpublik",
    }
    assert status.calls[0].request.url.params["fields"] == "status_code"
    assert publish.call_count == 1
    assert form(publish.calls[0].request) == {"access_token": "ig-token", "creation_id": "17889455560051444"}
    assert result.external_id == "17920238422030506"


@respx.mock
def test_instagram_carousel_items_then_the_carousel_container(sleeper):
    container = respx.post(f"{ME}/media")
    container.side_effect = [
        httpx.Response(200, json=load("meta", "publish/ig_carousel_item_1.json")),
        httpx.Response(200, json=load("meta", "publish/ig_carousel_item_2.json")),
        httpx.Response(200, json=load("meta", "publish/ig_carousel_container.json")),
    ]
    respx.get(f"{GRAPH}/18000748627392977").respond(
        200, json={"status_code": "FINISHED", "id": "18000748627392977"}
    )
    publish = respx.post(f"{ME}/media_publish").respond(200, json=load("meta", "ig_media_published.json"))

    ig(sleeper).post(
        "Dokumentasi kegiatan",
        media=[{"kind": "image", "url": f"{STORE}/a.jpg"}, {"kind": "image", "url": f"{STORE}/b.jpg"}],
        idempotency_key="k",
    )

    sent = [form(call.request) for call in container.calls]
    assert sent[0] == {"access_token": "ig-token", "image_url": f"{STORE}/a.jpg", "is_carousel_item": "true"}
    assert sent[1] == {"access_token": "ig-token", "image_url": f"{STORE}/b.jpg", "is_carousel_item": "true"}
    assert sent[2] == {
        "access_token": "ig-token",
        "media_type": "CAROUSEL",
        "children": "17899506308402767,17899506308402768",
        "caption": "Dokumentasi kegiatan",
    }
    assert publish.call_count == 1
    assert form(publish.calls[0].request)["creation_id"] == "18000748627392977"


@respx.mock
def test_instagram_reels_waits_for_processing(sleeper):
    container = respx.post(f"{ME}/media").respond(200, json=load("meta", "publish/ig_reels_container.json"))
    status = respx.get(f"{GRAPH}/17965813207640345")
    status.side_effect = [
        httpx.Response(200, json=load("meta", "publish/ig_container_in_progress.json")),
        httpx.Response(200, json={"status_code": "FINISHED", "id": "17965813207640345"}),
    ]
    publish = respx.post(f"{ME}/media_publish").respond(200, json=load("meta", "ig_media_published.json"))
    ig(sleeper).post("Video layanan", media=[Media("video", url=f"{STORE}/v.mp4")], idempotency_key="k")
    assert form(container.calls[0].request) == {
        "access_token": "ig-token",
        "media_type": "REELS",
        "video_url": f"{STORE}/v.mp4",
        "caption": "Video layanan",
    }
    assert status.call_count == 2 and sleeper.calls and publish.call_count == 1


@respx.mock
def test_instagram_refuses_text_only_and_bytes_and_an_errored_container(sleeper):
    pub = ig(sleeper)
    with pytest.raises(Unsupported):
        pub.post("Teks saja", idempotency_key="k")
    with pytest.raises(Unsupported, match="public URLs"):
        pub.post("Foto", image=JPEG, idempotency_key="k")
    respx.post(f"{ME}/media").respond(200, json=load("meta", "ig_container_created.json"))
    respx.get(f"{GRAPH}/17889455560051444").respond(
        200, json={"status_code": "ERROR", "id": "17889455560051444"}
    )
    publish = respx.post(f"{ME}/media_publish")
    with pytest.raises(PlatformError, match="ERROR"):
        pub.post("Foto", image=f"{STORE}/a.jpg", idempotency_key="k")
    assert not publish.called


@respx.mock
def test_instagram_reconcile_finds_the_media_and_publishes_nothing(sleeper):
    respx.get(f"{ME}/media").respond(200, json=load("meta", "ig_media.json"))
    publish = respx.post(f"{ME}/media_publish")
    caption = load("meta", "ig_media.json")["data"][0]["caption"]
    found = ig(sleeper).reconcile("k", text=caption)
    assert found is not None and found.reconciled and not publish.called


@respx.mock
def test_instagram_metrics_with_insights(sleeper):
    counts = respx.get(f"{GRAPH}/17920238422030506").respond(
        200, json=load("meta", "publish/ig_media_counts.json")
    )
    insights = respx.get(f"{GRAPH}/17920238422030506/insights").respond(
        200, json=load("meta", "publish/ig_media_insights.json")
    )
    assert ig(sleeper).metrics("17920238422030506") == {
        "likes": 42,
        "comments": 5,
        "reach": 1210,
        "views": 1875,
        "shares": 7,
        "saves": 9,
    }
    assert counts.calls[0].request.url.params["fields"] == "like_count,comments_count"
    assert insights.calls[0].request.url.params["metric"] == "reach,views,shares,saved"


@respx.mock
def test_instagram_metrics_without_insights_permission(sleeper):
    respx.get(f"{GRAPH}/17920238422030506").respond(200, json=load("meta", "publish/ig_media_counts.json"))
    respx.get(f"{GRAPH}/17920238422030506/insights").respond(
        400, json={"error": {"message": "x", "code": 10}}
    )
    assert ig(sleeper).metrics("17920238422030506") == {"likes": 42, "comments": 5}


# --- Facebook Page -----------------------------------------------------------------------------------


@respx.mock
def test_facebook_text_goes_to_feed_with_its_link(sleeper):
    feed = respx.post(f"{GRAPH}/104010002003/feed").respond(200, json=load("meta", "fb_post_created.json"))
    fb(sleeper).post("Info lengkap: https://contoh.go.id/ktp. Terima kasih.", idempotency_key="k")
    assert feed.call_count == 1
    assert form(feed.calls[0].request) == {
        "access_token": "page-token",
        "message": "Info lengkap: https://contoh.go.id/ktp. Terima kasih.",
        "link": "https://contoh.go.id/ktp",
    }


@respx.mock
def test_facebook_one_photo_by_url_or_as_source(sleeper):
    photos = respx.post(f"{GRAPH}/104010002003/photos").respond(
        200, json=load("meta", "publish/fb_photo_created.json")
    )
    pub = fb(sleeper)
    by_url = pub.post("Foto", media=[Media("image", url=f"{STORE}/a.jpg")], idempotency_key="k1")
    pub.post("Foto", image=JPEG, idempotency_key="k2")
    assert form(photos.calls[0].request) == {
        "access_token": "page-token",
        "caption": "Foto",
        "url": f"{STORE}/a.jpg",
    }
    parts = multipart(photos.calls[1].request)
    assert part_value(parts["source"]) == JPEG and part_value(parts["caption"]) == b"Foto"
    assert by_url.external_id == "104010002003_10158042931562857"


@respx.mock
def test_facebook_several_photos_unpublished_then_one_feed_post(sleeper):
    photos = respx.post(f"{GRAPH}/104010002003/photos")
    photos.side_effect = [
        httpx.Response(200, json=load("meta", "publish/fb_photo_unpublished_1.json")),
        httpx.Response(200, json=load("meta", "publish/fb_photo_unpublished_2.json")),
    ]
    feed = respx.post(f"{GRAPH}/104010002003/feed").respond(200, json=load("meta", "fb_post_created.json"))
    fb(sleeper).post(
        "Album kegiatan",
        media=[Media("image", url=f"{STORE}/a.jpg"), Media("image", url=f"{STORE}/b.jpg")],
        idempotency_key="k",
    )
    assert [form(c.request)["published"] for c in photos.calls] == ["false", "false"]
    sent = form_lists(feed.calls[0].request)
    assert feed.call_count == 1 and sent["message"] == ["Album kegiatan"]
    assert json.loads(sent["attached_media[0]"][0]) == {"media_fbid": "10158042931562901"}
    assert json.loads(sent["attached_media[1]"][0]) == {"media_fbid": "10158042931562902"}


@respx.mock
def test_facebook_video_by_file_url(sleeper):
    videos = respx.post(f"{GRAPH}/104010002003/videos").respond(
        200, json=load("meta", "publish/fb_video_created.json")
    )
    result = fb(sleeper).post("Video", media=[Media("video", url=f"{STORE}/v.mp4")], idempotency_key="k")
    assert form(videos.calls[0].request) == {
        "access_token": "page-token",
        "file_url": f"{STORE}/v.mp4",
        "description": "Video",
    }
    assert result.external_id == "1097634537742516"


@respx.mock
def test_facebook_reconcile_finds_the_post_and_creates_nothing(sleeper):
    respx.get(f"{GRAPH}/104010002003/feed").respond(200, json=load("meta", "fb_feed_page1.json"))
    feed_post = respx.post(f"{GRAPH}/104010002003/feed")
    message = load("meta", "fb_feed_page1.json")["data"][0]["message"]
    found = fb(sleeper).reconcile("k", text=message)
    assert found is not None and found.reconciled and not feed_post.called


@respx.mock
def test_facebook_metrics(sleeper):
    route = respx.get(f"{GRAPH}/104010002003_5002").respond(
        200, json=load("meta", "publish/fb_post_metrics.json")
    )
    assert fb(sleeper).metrics("104010002003_5002") == {"likes": 31, "comments": 6, "shares": 4}
    assert route.calls[0].request.url.params["fields"] == facebook.POST_METRIC_FIELDS
