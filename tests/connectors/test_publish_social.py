"""Telegram channel (sendMessage / sendPhoto / sendMediaGroup), Mastodon (v2 media, statuses with media_ids
and Idempotency-Key) and Bluesky (uploadBlob, createRecord with images and facets) publishing."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from humas.connectors import bluesky, mastodon, telegram
from humas.connectors.errors import PlatformError, Unsupported
from humas.connectors.http import HttpClient
from humas.connectors.media import Media
from humas.connectors.richtext import facets
from tests.connectors.conftest import load
from tests.connectors.publish_helpers import JPEG, STORE, body, form_lists, multipart, part_value

TOKEN = "123456:ABC-DEF"
BOT = f"https://api.telegram.org/bot{TOKEN}"
TG = telegram.TelegramCredentials(bot_token=TOKEN, channel="@infopublikkota")
MASTO = "https://mastodon.social"
MA = mastodon.MastodonCredentials(instance_url=MASTO, account_id="14715", access_token="m-token")
PDS = "https://bsky.social/xrpc"
BS = bluesky.BlueskyCredentials(identifier="humas.kotabandung.go.id", app_password="app-pass-1234")


def tg(sleeper) -> telegram.TelegramPublisher:
    return telegram.TelegramPublisher(
        TG, client=HttpClient(base_url=BOT, error_for=telegram.error_for, sleep=sleeper)
    )


def ma(sleeper) -> mastodon.MastodonPublisher:
    client = HttpClient(base_url=MASTO, error_for=mastodon.error_for, sleep=sleeper)
    return mastodon.MastodonPublisher(MA, client=client)


def bs(sleeper) -> bluesky.BlueskyPublisher:
    client = HttpClient(base_url="https://bsky.social", error_for=bluesky.error_for, sleep=sleeper)
    return bluesky.BlueskyPublisher(BS, client=client)


# --- Telegram ----------------------------------------------------------------------------------------


@respx.mock
def test_telegram_text_and_one_photo_to_the_channel(sleeper):
    message = respx.post(f"{BOT}/sendMessage").respond(
        200, json=load("telegram", "send_message_response.json")
    )
    photo = respx.post(f"{BOT}/sendPhoto").respond(
        200, json=load("telegram", "publish/send_photo_response.json")
    )
    pub = tg(sleeper)
    pub.post("Pengumuman: jadwal layanan berubah.", idempotency_key="k1")
    result = pub.post("Layanan KTP keliling hadir Sabtu ini.", image=f"{STORE}/a.jpg", idempotency_key="k2")
    pub.post("Foto", media=[Media("image", data=JPEG)], idempotency_key="k3")
    assert body(message.calls[0].request) == {
        "chat_id": "@infopublikkota",
        "text": "Pengumuman: jadwal layanan berubah.",
    }
    assert body(photo.calls[0].request) == {
        "chat_id": "@infopublikkota",
        "caption": "Layanan KTP keliling hadir Sabtu ini.",
        "photo": f"{STORE}/a.jpg",
    }
    parts = multipart(photo.calls[1].request)
    assert part_value(parts["photo"]) == JPEG and part_value(parts["chat_id"]) == b"@infopublikkota"
    assert result.external_id == "-1001234567890:1203"


@respx.mock
def test_telegram_several_files_go_as_one_media_group(sleeper):
    group = respx.post(f"{BOT}/sendMediaGroup").respond(
        200, json=load("telegram", "publish/send_media_group_response.json")
    )
    result = tg(sleeper).post(
        "Dokumentasi kegiatan.",
        media=[Media("image", url=f"{STORE}/a.jpg"), Media("video", url=f"{STORE}/b.mp4")],
        idempotency_key="k",
    )
    assert group.call_count == 1
    assert body(group.calls[0].request) == {
        "chat_id": "@infopublikkota",
        "media": [
            {"type": "photo", "media": f"{STORE}/a.jpg", "caption": "Dokumentasi kegiatan."},
            {"type": "video", "media": f"{STORE}/b.mp4"},
        ],
    }
    assert result.external_id == "-1001234567890:1204"  # the album's first message


@respx.mock
def test_telegram_media_group_with_uploaded_files_attaches_them(sleeper):
    group = respx.post(f"{BOT}/sendMediaGroup").respond(
        200, json=load("telegram", "publish/send_media_group_response.json")
    )
    tg(sleeper).post(
        "Album", media=[Media("image", data=JPEG), Media("image", data=JPEG + b"2")], idempotency_key="k"
    )
    parts = multipart(group.calls[0].request)
    assert json.loads(part_value(parts["media"])) == [
        {"type": "photo", "media": "attach://file0", "caption": "Album"},
        {"type": "photo", "media": "attach://file1"},
    ]
    assert part_value(parts["file0"]) == JPEG and part_value(parts["file1"]) == JPEG + b"2"


# --- Mastodon ----------------------------------------------------------------------------------------


@respx.mock
def test_mastodon_uploads_waits_for_processing_then_posts_with_media_ids(sleeper):
    upload = respx.post(f"{MASTO}/api/v2/media").respond(
        202, json=load("mastodon", "publish/media_accepted_202.json")
    )
    check = respx.get(f"{MASTO}/api/v1/media/22348641")
    check.side_effect = [
        httpx.Response(206, json=load("mastodon", "publish/media_accepted_202.json")),
        httpx.Response(200, json=load("mastodon", "publish/media_processed.json")),
    ]
    status = respx.post(f"{MASTO}/api/v1/statuses").respond(200, json=load("mastodon", "status_created.json"))
    respx.get(f"{STORE}/a.jpg").respond(200, content=JPEG)

    ma(sleeper).post(
        "Pelayanan KTP buka Sabtu.",
        media=[{"kind": "image", "url": f"{STORE}/a.jpg", "alt": "Petugas melayani warga"}],
        idempotency_key="publishing-variant-3",
    )

    parts = multipart(upload.calls[0].request)
    assert part_value(parts["file"]) == JPEG and part_value(parts["description"]) == b"Petugas melayani warga"
    assert check.call_count == 2 and status.call_count == 1
    request = status.calls[0].request
    assert request.headers["idempotency-key"] == "publishing-variant-3"
    assert form_lists(request) == {
        "status": ["Pelayanan KTP buka Sabtu."],
        "visibility": ["public"],
        "media_ids[]": ["22348641"],
    }


@respx.mock
def test_mastodon_media_that_never_finishes_is_not_posted(sleeper):
    respx.post(f"{MASTO}/api/v2/media").respond(202, json=load("mastodon", "publish/media_accepted_202.json"))
    respx.get(f"{MASTO}/api/v1/media/22348641").respond(
        206, json=load("mastodon", "publish/media_accepted_202.json")
    )
    status = respx.post(f"{MASTO}/api/v1/statuses")
    with pytest.raises(PlatformError, match="processing"):
        ma(sleeper).post("Video", media=[Media("video", data=b"v")], idempotency_key="k")
    assert not status.called


@respx.mock
def test_mastodon_metrics(sleeper):
    respx.get(f"{MASTO}/api/v1/statuses/103254962155278999").respond(
        200, json=load("mastodon", "status_created.json")
    )
    counts = ma(sleeper).metrics("103254962155278999")
    assert set(counts) == {"replies", "reposts", "likes"}


# --- Bluesky -----------------------------------------------------------------------------------------


def test_facets_use_utf8_byte_offsets():
    text = "Halo 👋 @warga.bsky.social cek https://contoh.go.id/ktp #LayananPublik #2026"
    found = facets(
        text, lambda handle: "did:plc:ewvi7nxzyoun6zhxrhs64oiz" if handle == "warga.bsky.social" else None
    )
    raw = text.encode()
    spans = {f["features"][0]["$type"].rsplit("#", 1)[1]: f for f in found}
    assert [f["features"][0]["$type"] for f in found] == [
        "app.bsky.richtext.facet#mention",
        "app.bsky.richtext.facet#link",
        "app.bsky.richtext.facet#tag",
    ]  # in text order; "#2026" (digits only) is no tag
    for name, expected in (
        ("mention", b"@warga.bsky.social"),
        ("link", b"https://contoh.go.id/ktp"),
        ("tag", b"#LayananPublik"),
    ):
        index = spans[name]["index"]
        assert raw[index["byteStart"] : index["byteEnd"]] == expected
    assert spans["mention"]["index"]["byteStart"] == len("Halo 👋 ".encode()) == 10  # the emoji is 4 bytes
    assert spans["tag"]["features"][0]["tag"] == "LayananPublik"
    assert facets("surel humas@contoh.go.id, bukan sebutan.", lambda h: "did:x") == []


@respx.mock
def test_bluesky_uploads_blobs_then_creates_the_record_once(sleeper):
    respx.post(f"{PDS}/com.atproto.server.createSession").respond(
        200, json=load("bluesky", "create_session.json")
    )
    resolve = respx.get(f"{PDS}/com.atproto.identity.resolveHandle").respond(
        200, json=load("bluesky", "publish/resolve_handle.json")
    )
    blob = respx.post(f"{PDS}/com.atproto.repo.uploadBlob").respond(
        200, json=load("bluesky", "publish/upload_blob.json")
    )
    create = respx.post(f"{PDS}/com.atproto.repo.createRecord").respond(
        200, json=load("bluesky", "create_record.json")
    )

    text = "Info @warga.bsky.social: https://contoh.go.id #KTP"
    result = bs(sleeper).post(
        text,
        media=[Media("image", data=JPEG, alt="Petugas melayani warga")],
        idempotency_key="publishing-variant-4",
    )

    assert resolve.calls[0].request.url.params["handle"] == "warga.bsky.social"
    assert (
        blob.calls[0].request.content == JPEG
        and blob.calls[0].request.headers["content-type"] == "image/jpeg"
    )
    assert create.call_count == 1
    sent = body(create.calls[0].request)
    assert sent["repo"] == "did:plc:z72i7hdynmk6r22z27h6tvur" and sent["collection"] == "app.bsky.feed.post"
    assert sent["rkey"] == bluesky.tid_for("publishing-variant-4")
    record = sent["record"]
    assert record["$type"] == "app.bsky.feed.post" and record["text"] == text
    assert record["embed"] == {
        "$type": "app.bsky.embed.images",
        "images": [
            {"alt": "Petugas melayani warga", "image": load("bluesky", "publish/upload_blob.json")["blob"]}
        ],
    }
    assert [f["features"][0] for f in record["facets"]] == [
        {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:ewvi7nxzyoun6zhxrhs64oiz"},
        {"$type": "app.bsky.richtext.facet#link", "uri": "https://contoh.go.id"},
        {"$type": "app.bsky.richtext.facet#tag", "tag": "KTP"},
    ]
    assert record["facets"][0]["index"] == {"byteStart": 5, "byteEnd": 23}
    assert result.external_id.startswith("at://")


@respx.mock
def test_bluesky_an_unknown_handle_stays_plain_text_and_video_is_refused(sleeper):
    respx.post(f"{PDS}/com.atproto.server.createSession").respond(
        200, json=load("bluesky", "create_session.json")
    )
    respx.get(f"{PDS}/com.atproto.identity.resolveHandle").respond(
        400, json={"error": "InvalidRequest", "message": "Unable to resolve handle"}
    )
    create = respx.post(f"{PDS}/com.atproto.repo.createRecord").respond(
        200, json=load("bluesky", "create_record.json")
    )
    pub = bs(sleeper)
    pub.post("Halo @tidak.ada.example", idempotency_key="k")
    assert "facets" not in body(create.calls[0].request)["record"]
    with pytest.raises(Unsupported):
        pub.post("Video", media=[Media("video", data=b"v")], idempotency_key="k2")


@respx.mock
def test_bluesky_metrics(sleeper):
    respx.post(f"{PDS}/com.atproto.server.createSession").respond(
        200, json=load("bluesky", "create_session.json")
    )
    posts = respx.get(f"{PDS}/app.bsky.feed.getPosts").respond(200, json=load("bluesky", "get_posts.json"))
    uri = load("bluesky", "get_posts.json")["posts"][0]["uri"]
    counts = bs(sleeper).metrics(uri)
    assert posts.calls[0].request.url.params["uris"] == uri
    assert counts and set(counts) <= {"likes", "reposts", "replies", "quotes"}


# --- reading media files from humas' store -----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        (f"{STORE}/a.jpg", True),
        ("http://10.0.0.5:8000/media/a.jpg", True),  # a store on the office network
        ("http://169.254.169.254/latest/meta-data/", False),  # cloud metadata
        ("http://[fe80::1]/x", False),
        ("http://metadata.google.internal/computeMetadata/v1/", False),
        ("file:///etc/passwd", False),
        ("http://0.0.0.0/", False),
    ],
)
def test_which_media_addresses_are_read(url, allowed):
    from humas.connectors.media import fetchable

    assert fetchable(url) is allowed


@respx.mock
def test_a_redirect_to_a_metadata_address_is_not_followed():
    from humas.connectors.media import fetch_bytes

    respx.get(f"{STORE}/a.jpg").respond(302, headers={"Location": "http://169.254.169.254/latest/"})
    metadata = respx.get("http://169.254.169.254/latest/")
    with pytest.raises(Unsupported, match="not allowed"):
        fetch_bytes(f"{STORE}/a.jpg")
    assert not metadata.called
    respx.get(f"{STORE}/b.jpg").respond(302, headers={"Location": f"{STORE}/c.jpg"})
    respx.get(f"{STORE}/c.jpg").respond(200, content=JPEG)
    assert fetch_bytes(f"{STORE}/b.jpg") == JPEG
