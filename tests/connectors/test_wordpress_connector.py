"""WordPress: media upload with Content-Disposition, the article (publish / future, terms, featured image),
reconcile by the content marker, reading posts and comments, answering and moderating comments."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from humas.connectors import wordpress
from humas.connectors.errors import AuthExpired
from humas.connectors.http import HttpClient
from humas.connectors.media import Media, PostOptions
from humas.connectors.registry import Capability, Reconcile, get_platform
from tests.connectors.conftest import fixture_path, load
from tests.connectors.publish_helpers import JPEG, MP4, STORE, body

SITE = "https://diskominfo.contoh.go.id"
API = f"{SITE}/wp-json/wp/v2"
CREDS = wordpress.WordPressCredentials(
    site_url=SITE, username="humas", application_password="abcd EFGH 1234 ijkl"
)
BASIC = "Basic " + base64.b64encode(b"humas:abcd EFGH 1234 ijkl").decode()


def client(sleeper) -> HttpClient:
    return HttpClient(base_url=API, error_for=wordpress.error_for, sleep=sleeper)


def publisher(sleeper) -> wordpress.WordPressPublisher:
    return wordpress.WordPressPublisher(CREDS, client=client(sleeper))


@respx.mock
def test_article_with_images_uploads_media_then_creates_the_post_once(sleeper):
    respx.get(f"{STORE}/ktp.jpg").respond(200, content=JPEG)
    media = respx.post(f"{API}/media").respond(201, json=load("wordpress", "publish/media_created.json"))
    alt = respx.post(f"{API}/media/501").respond(
        200, json=load("wordpress", "publish/media_alt_updated.json")
    )
    create = respx.post(f"{API}/posts").respond(201, json=load("wordpress", "publish/post_created.json"))

    result = publisher(sleeper).post(
        "Layanan KTP keliling\n\nHadir Sabtu ini <08.00> & Minggu.",
        media=[
            {"kind": "image", "url": f"{STORE}/ktp.jpg", "alt": "Petugas melayani warga"},
            {"kind": "video", "data": MP4, "mime": "video/mp4", "filename": "kegiatan.mp4"},
        ],
        options=PostOptions(categories=(3,), tags=(7, 9)),
        idempotency_key="publishing-variant-5",
    )

    upload = media.calls[0].request
    assert upload.headers["authorization"] == BASIC
    assert upload.headers["content-disposition"] == 'attachment; filename="ktp.jpg"'
    assert upload.headers["content-type"] == "image/jpeg" and upload.content == JPEG
    assert media.calls[1].request.headers["content-disposition"] == 'attachment; filename="kegiatan.mp4"'
    assert media.calls[1].request.content == MP4
    assert body(alt.calls[0].request) == {"alt_text": "Petugas melayani warga"}
    assert create.call_count == 1
    source = load("wordpress", "publish/media_created.json")["source_url"]
    assert body(create.calls[0].request) == {
        "title": "Layanan KTP keliling",
        "content": (
            "<p>Layanan KTP keliling</p>\n<p>Hadir Sabtu ini &lt;08.00&gt; &amp; Minggu.</p>\n"
            f'<figure class="wp-block-video"><video controls src="{source}"></video></figure>\n'
            f"<!-- {wordpress.marker('publishing-variant-5')} -->"
        ),
        "status": "publish",
        "categories": [3],
        "tags": [7, 9],
        "featured_media": 501,
    }
    assert result.external_id == "130" and result.url == f"{SITE}/layanan-ktp-keliling-2/"


@respx.mock
def test_a_later_time_is_a_future_post_with_date_gmt(sleeper):
    create = respx.post(f"{API}/posts").respond(201, json=load("wordpress", "publish/post_future.json"))
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    publisher(sleeper).post(
        "Jadwal posyandu",
        options=PostOptions(title="Jadwal posyandu Desember", publish_at=when),
        idempotency_key="k",
    )
    sent = body(create.calls[0].request)
    assert sent["status"] == "future" and sent["title"] == "Jadwal posyandu Desember"
    assert sent["date_gmt"] == when.strftime("%Y-%m-%dT%H:%M:%S")
    assert "featured_media" not in sent and "categories" not in sent


@respx.mock
def test_reconcile_finds_the_article_by_its_marker_and_creates_nothing(sleeper):
    found_row = load("wordpress", "publish/post_created.json")
    found_row["content"]["raw"] = found_row["content"]["raw"].replace(
        "humas:KEY", wordpress.marker("publishing-variant-5")
    )
    search = respx.get(f"{API}/posts").respond(200, json=[found_row])
    create = respx.post(f"{API}/posts")
    found = publisher(sleeper).reconcile("publishing-variant-5", text="Layanan KTP keliling")
    params = search.calls[0].request.url.params
    assert params["search"] == wordpress.marker("publishing-variant-5")
    assert params["status"] == "any" and params["context"] == "edit"
    assert found is not None and found.reconciled and found.external_id == "130"
    assert publisher(sleeper).reconcile("another-key", text="Layanan KTP keliling") is None
    assert not create.called


@respx.mock
def test_a_timed_out_create_is_looked_for_and_resent_only_when_absent(sleeper):
    create = respx.post(f"{API}/posts")
    create.side_effect = [
        httpx.ReadTimeout("slow"),
        httpx.Response(201, json=load("wordpress", "publish/post_created.json")),
    ]
    search = respx.get(f"{API}/posts").respond(200, json=load("wordpress", "publish/posts_search_empty.json"))
    result = publisher(sleeper).post("Layanan KTP keliling", idempotency_key="k")
    assert search.call_count == 1 and create.call_count == 2 and result.external_id == "130"


@respx.mock
def test_expired_application_password(sleeper):
    respx.post(f"{API}/posts").respond(401, json=load("wordpress", "error_401.json"))
    with pytest.raises(AuthExpired, match="invalid application password"):
        publisher(sleeper).post("Teks", idempotency_key="k")


@respx.mock
def test_poll_reads_posts_and_comments_with_their_threads(sleeper):
    posts = respx.get(f"{API}/posts").respond(
        200, json=load("wordpress", "posts.json"), headers={"X-WP-TotalPages": "1"}
    )
    respx.get(f"{API}/comments").respond(
        200, json=load("wordpress", "comments.json"), headers={"X-WP-TotalPages": "1"}
    )
    result = wordpress.WordPressSource(CREDS, client=client(sleeper)).fetch(
        {"posts": "2026-11-01T00:00:00+00:00"}
    )
    assert posts.calls[0].request.url.params["after"] == "2026-11-01T00:00:00+00:00"
    by_id = {item.external_id: item for item in result.items}
    assert by_id["101"].kind == "article" and "hadir Sabtu ini & Minggu" in by_id["101"].text
    assert by_id["101:55"].kind == "comment" and by_id["101:55"].in_reply_to_id == "101"
    assert by_id["101:56"].kind == "reply" and by_id["101:56"].in_reply_to_id == "101:55"
    assert by_id["101:56"].thread_root_id == "101"
    # the site's local dates (WIB), as WordPress compares ``after``; created_at stays UTC from date_gmt
    assert result.cursor == {"posts": "2026-11-29T10:30:00", "comments": "2026-11-28T13:00:00"}
    assert by_id["101"].created_at == datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


@respx.mock
def test_reply_hide_unhide_delete_and_metrics(sleeper):
    reply = respx.post(f"{API}/comments").respond(201, json=load("wordpress", "publish/comment_created.json"))
    moderate = respx.post(f"{API}/comments/55").respond(200, json=load("wordpress", "comments.json")[0])
    trash = respx.delete(f"{API}/posts/130").respond(200, json=load("wordpress", "publish/post_created.json"))
    count = respx.get(f"{API}/comments").respond(200, json=[], headers={"X-WP-Total": "6"})
    pub = publisher(sleeper)
    result = pub.reply("101:55", "Terima kasih, sampai jumpa.", idempotency_key="k")
    assert body(reply.calls[0].request) == {
        "post": 101,
        "content": "Terima kasih, sampai jumpa.",
        "parent": 55,
    }
    assert result.external_id == "101:57"
    pub.hide("101:55")
    pub.unhide("101:55")
    assert [body(c.request) for c in moderate.calls] == [{"status": "hold"}, {"status": "approved"}]
    pub.delete("130")
    assert trash.called
    assert pub.metrics("130") == {"comments": 6}
    assert count.calls[0].request.url.params["post"] == "130"


def test_spec_declares_wordpress_fully():
    spec = get_platform("wordpress")
    assert [f.name for f in spec.form_fields] == ["site_url", "username", "application_password"]
    assert spec.secret_names() == {"application_password"} and spec.account_field == "site_url"
    assert spec.reconcile is Reconcile.LOOKUP and spec.webhook is None
    assert {
        Capability.POST_TEXT,
        Capability.POST_IMAGE,
        Capability.POST_VIDEO,
        Capability.METRICS,
    } <= spec.capabilities
    assert "abcd" not in repr(CREDS)
    assert (
        wordpress.title_from("x" * 300).endswith("…")
        and len(wordpress.title_from("x" * 300)) == wordpress.TITLE_MAX
    )


def test_parser_reads_saved_answers():
    items = wordpress.parse_body(fixture_path("wordpress", "comments.json").read_bytes())
    assert [i.external_id for i in items] == ["101:55", "101:56"]
    assert wordpress.parse_body(load("wordpress", "publish/media_created.json")) == []
    assert [i.kind for i in wordpress.parse_body(load("wordpress", "posts.json"))] == ["article", "article"]


@respx.mock
def test_probe_checks_the_application_password(sleeper):
    me = respx.get(f"{API}/users/me").respond(200, json={"id": 2, "name": "Humas"})
    assert wordpress.probe(CREDS, 3.0) is None
    assert me.calls[0].request.headers["authorization"] == BASIC
    assert Media("image", url=f"{STORE}/a").name == "a.jpg"
