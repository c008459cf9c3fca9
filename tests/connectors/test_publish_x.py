"""X publishing: media upload (v2) with alt text, ``POST /2/tweets`` with ``media.media_ids``, threads for
long texts, metrics by id, and a reconcile that finds an uncertain post instead of posting it again."""

from __future__ import annotations

import httpx
import pytest
import respx

from humas.connectors import x
from humas.connectors.errors import Unsupported
from humas.connectors.http import HttpClient
from humas.connectors.media import Media, PostOptions, split_text
from humas.connectors.textcount import count_x
from tests.connectors.conftest import load
from tests.connectors.publish_helpers import JPEG, MP4, STORE, body, multipart, part_value

API = "https://api.x.com/2"
CREDS = x.XCredentials(user_id="783214", username="kemenkeuRI", user_access_token="user-token")


def publisher(sleeper) -> x.XPublisher:
    client = HttpClient(
        base_url=API, error_for=x.error_for, rate_limit_parser=x.rate_limit_info, sleep=sleeper
    )
    return x.XPublisher(CREDS, client=client)


@respx.mock
def test_image_post_uploads_then_creates_once(sleeper):
    store = respx.get(f"{STORE}/ktp.jpg").respond(200, content=JPEG)
    upload = respx.post(f"{API}/media/upload").respond(200, json=load("x", "publish/media_upload.json"))
    alt = respx.post(f"{API}/media/metadata").respond(200, json=load("x", "publish/media_metadata.json"))
    create = respx.post(f"{API}/tweets").respond(201, json=load("x", "create_tweet.json"))

    result = publisher(sleeper).post(
        "Layanan KTP keliling hadir Sabtu ini.",
        media=[{"kind": "image", "url": f"{STORE}/ktp.jpg", "alt": "Petugas melayani warga"}],
        idempotency_key="publishing-variant-1",
    )

    assert store.call_count == 1 and "authorization" not in store.calls[0].request.headers  # no token leaks
    parts = multipart(upload.calls[0].request)
    assert part_value(parts["media"]) == JPEG and parts["media"].get_content_type() == "image/jpeg"
    assert part_value(parts["media_category"]) == b"tweet_image"
    assert upload.calls[0].request.headers["authorization"] == "Bearer user-token"
    assert body(alt.calls[0].request) == {
        "id": "1146654567674912769",
        "metadata": {"alt_text": {"text": "Petugas melayani warga"}},
    }
    assert create.call_count == 1
    assert body(create.calls[0].request) == {
        "text": "Layanan KTP keliling hadir Sabtu ini.",
        "media": {"media_ids": ["1146654567674912769"]},
    }
    assert result.external_id == "1456012973835788293"
    assert result.url == "https://x.com/kemenkeuRI/status/1456012973835788293"


@respx.mock
def test_bytes_are_uploaded_as_given_and_text_only_has_no_media(sleeper):
    upload = respx.post(f"{API}/media/upload").respond(200, json=load("x", "publish/media_upload.json"))
    create = respx.post(f"{API}/tweets").respond(201, json=load("x", "create_tweet.json"))
    pub = publisher(sleeper)
    pub.post("Foto", image=JPEG, idempotency_key="k1")
    pub.post("Tanpa foto", idempotency_key="k2")
    assert upload.call_count == 1 and part_value(multipart(upload.calls[0].request)["media"]) == JPEG
    assert body(create.calls[1].request) == {"text": "Tanpa foto"}
    with pytest.raises(Unsupported, match="alone"):
        pub.post(
            "Video",
            media=[Media("video", url=f"{STORE}/a.mp4"), Media("image", data=JPEG)],
            idempotency_key="k3",
        )


@respx.mock
def test_a_video_is_uploaded_in_chunks_and_waited_for(sleeper, monkeypatch):
    monkeypatch.setattr(x, "VIDEO_CHUNK", 400)
    init = respx.post(f"{API}/media/upload/initialize").respond(
        200, json=load("x", "publish/video_initialize.json")
    )
    append = respx.post(f"{API}/media/upload/1880028106020515840/append").respond(204)
    finalize = respx.post(f"{API}/media/upload/1880028106020515840/finalize").respond(
        200, json=load("x", "publish/video_finalize_pending.json")
    )
    status = respx.get(f"{API}/media/upload").respond(
        200, json=load("x", "publish/video_status_succeeded.json")
    )
    create = respx.post(f"{API}/tweets").respond(201, json=load("x", "create_tweet.json"))

    publisher(sleeper).post(
        "Video layanan", media=[Media("video", data=MP4, mime="video/mp4")], idempotency_key="k"
    )

    assert body(init.calls[0].request) == {
        "media_type": "video/mp4",
        "total_bytes": len(MP4),
        "media_category": "tweet_video",
    }
    chunks = [multipart(call.request) for call in append.calls]
    assert [part_value(c["segment_index"]) for c in chunks] == [b"0", b"1"]
    assert b"".join(part_value(c["media"]) for c in chunks) == MP4
    assert finalize.call_count == 1
    assert dict(status.calls[0].request.url.params) == {
        "media_id": "1880028106020515840",
        "command": "STATUS",
    }
    assert sleeper.calls and sleeper.calls[0] >= 1  # waited check_after_secs
    assert create.call_count == 1
    assert body(create.calls[0].request)["media"] == {"media_ids": ["1880028106020515840"]}


@respx.mock
def test_a_long_text_asked_as_a_thread_becomes_a_reply_chain(sleeper):
    sentence = "Pelayanan administrasi kependudukan dibuka di kantor kecamatan setiap hari kerja. "
    text = (sentence * 8).strip()
    parts = split_text(text, 280, count_x)
    assert len(parts) == 3 and all(count_x(p) <= 280 for p in parts)
    assert " ".join(parts) == text  # nothing lost, cut at sentence ends
    create = respx.post(f"{API}/tweets")
    create.side_effect = [
        httpx.Response(201, json={"data": {"id": "100", "text": parts[0]}}),
        httpx.Response(201, json={"data": {"id": "101", "text": parts[1]}}),
        httpx.Response(201, json={"data": {"id": "102", "text": parts[2]}}),
    ]
    upload = respx.post(f"{API}/media/upload").respond(200, json=load("x", "publish/media_upload.json"))

    result = publisher(sleeper).post(
        text, image=JPEG, options=PostOptions(thread=True), idempotency_key="publishing-variant-2"
    )

    sent = [body(call.request) for call in create.calls]
    assert sent == [
        {"text": parts[0], "media": {"media_ids": ["1146654567674912769"]}},
        {"text": parts[1], "reply": {"in_reply_to_tweet_id": "100"}},
        {"text": parts[2], "reply": {"in_reply_to_tweet_id": "101"}},
    ]
    assert upload.call_count == 1 and result.external_id == "100"


@respx.mock
def test_a_long_text_is_not_split_unless_asked(sleeper):
    create = respx.post(f"{API}/tweets").respond(201, json=load("x", "create_tweet.json"))
    publisher(sleeper).post("a " * 200, idempotency_key="k")
    assert create.call_count == 1  # X refuses it; validation in publishing stops it before


@respx.mock
def test_reconcile_finds_the_uncertain_post_and_creates_nothing(sleeper):
    timeline = {
        "data": [
            {
                "id": "1445880548472328192",
                "text": "Layanan KTP keliling hadir Sabtu ini. https://t.co/abc",
                "created_at": "2026-12-02T02:00:00.000Z",
            }
        ]
    }
    tweets = respx.get(f"{API}/users/783214/tweets").respond(200, json=timeline)
    create = respx.post(f"{API}/tweets").respond(201, json=load("x", "create_tweet.json"))
    found = publisher(sleeper).reconcile("publishing-variant-1", text="Layanan KTP keliling hadir Sabtu ini.")
    assert found is not None and found.reconciled and found.external_id == "1445880548472328192"
    assert tweets.call_count == 1 and create.call_count == 0


@respx.mock
def test_a_timed_out_create_is_looked_for_before_sending_again(sleeper):
    create = respx.post(f"{API}/tweets").mock(side_effect=httpx.ReadTimeout("slow"))
    timeline = {"data": [{"id": "77", "text": "Jadwal posyandu", "created_at": "2026-12-02T02:00:00.000Z"}]}
    respx.get(f"{API}/users/783214/tweets").respond(200, json=timeline)
    result = publisher(sleeper).post("Jadwal posyandu", idempotency_key="k")
    assert create.call_count == 1 and result.reconciled and result.external_id == "77"


@respx.mock
def test_metrics_by_id(sleeper):
    route = respx.get(f"{API}/tweets/1445880548472328192").respond(
        200, json=load("x", "publish/tweet_public_metrics.json")
    )
    counts = publisher(sleeper).metrics("1445880548472328192")
    assert route.calls[0].request.url.params["tweet.fields"] == "public_metrics"
    assert counts == {
        "likes": 12,
        "replies": 3,
        "reposts": 4,
        "quotes": 1,
        "views": 900,
        "bookmarks": 2,
    }
