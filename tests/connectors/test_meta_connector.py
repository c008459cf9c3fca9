from __future__ import annotations

import json

import httpx
import pytest
import respx

from humas.connectors import facebook, instagram, meta, whatsapp
from humas.connectors.errors import AuthExpired, DeliveryUnknown, PlatformError, Unsupported
from tests.connectors.conftest import load

GRAPH = "https://graph.facebook.com/v24.0"
FB = facebook.FacebookCredentials(page_id="104010002003", page_access_token="page-token")
IG = instagram.InstagramCredentials(
    ig_user_id="17841474524784050", access_token="ig-token", username="kemenpanrb"
)
WA = whatsapp.WhatsAppCredentials(phone_number_id="106540352242922", access_token="wa-token")


def graph(sleeper):
    return meta.graph_client(sleep=sleeper)


def form(request: httpx.Request) -> dict[str, str]:
    return dict(httpx.QueryParams(request.content.decode()))


# --- Facebook --------------------------------------------------------------------------------------


@respx.mock
def test_facebook_full_poll_with_pagination(sleeper):
    feed = respx.get(f"{GRAPH}/104010002003/feed")
    feed.side_effect = [
        httpx.Response(200, json=load("meta", "fb_feed_page1.json")),
        httpx.Response(200, json=load("meta", "fb_feed_page2.json")),
    ]
    respx.get(f"{GRAPH}/104010002003_5001/comments").respond(200, json=load("meta", "fb_comments.json"))
    respx.get(f"{GRAPH}/104010002003_4999/comments").respond(200, json={"data": []})

    result = facebook.FacebookSource(FB, client=graph(sleeper)).fetch(None)

    assert feed.call_count == 2
    assert feed.calls[1].request.url.params["after"] == "MTAxNTExOTQ1MjAwNzI5NDE="
    by_id = {i.external_id: i for i in result.items}
    assert by_id["104010002003_5001"].kind == "post"
    assert by_id["104010002003_5001"].metrics == {"reactions": 230, "comments": 2, "shares": 12}
    assert by_id["5001_7001"].kind == "comment"
    assert by_id["5001_7001"].parent_external_id == "104010002003_5001"
    assert by_id["5001_7002"].kind == "reply" and by_id["5001_7002"].parent_external_id == "5001_7001"
    assert result.cursor["since"] == int(by_id["104010002003_5001"].created_at.timestamp())
    assert result.cursor["watch"] == ["104010002003_5001", "104010002003_4999"]


@respx.mock
def test_facebook_throttled_then_backoff(sleeper):
    buc = json.dumps(
        {
            "104010002003": [
                {
                    "type": "pages",
                    "call_count": 100,
                    "total_cputime": 25,
                    "total_time": 25,
                    "estimated_time_to_regain_access": 2,
                }
            ]
        }
    )
    feed = respx.get(f"{GRAPH}/104010002003/feed")
    feed.side_effect = [
        httpx.Response(
            400, json=load("meta", "error_throttle_4.json"), headers={"x-business-use-case-usage": buc}
        ),
        httpx.Response(
            200,
            json=load("meta", "fb_feed_page2.json"),
            headers={"x-app-usage": json.dumps({"call_count": 40, "total_cputime": 10, "total_time": 12})},
        ),
    ]
    respx.get(f"{GRAPH}/104010002003_4999/comments").respond(200, json={"data": []})
    http = graph(sleeper)
    result = facebook.FacebookSource(FB, client=http).fetch(None)
    assert sleeper.calls == [120.0]
    assert feed.call_count == 2 and len(result.items) == 1
    assert http.rate_limit.usage_percent == 40


@respx.mock
def test_facebook_expired_token(sleeper):
    respx.get(f"{GRAPH}/104010002003/feed").respond(400, json=load("meta", "error_190.json"))
    with pytest.raises(AuthExpired):
        facebook.FacebookSource(FB, client=graph(sleeper)).fetch(None)


@respx.mock
def test_facebook_post_reply_hide_delete(sleeper):
    post = respx.post(f"{GRAPH}/104010002003/feed").respond(200, json=load("meta", "fb_post_created.json"))
    reply = respx.post(f"{GRAPH}/5001_7001/comments").respond(
        200, json=load("meta", "fb_comment_created.json")
    )
    hide = respx.post(f"{GRAPH}/5001_7002").respond(200, json=load("meta", "success.json"))
    delete = respx.delete(f"{GRAPH}/5001_7002").respond(200, json=load("meta", "success.json"))
    pub = facebook.FacebookPublisher(FB, client=graph(sleeper))
    assert pub.post("Info layanan", idempotency_key="k").external_id == "104010002003_5002"
    assert form(post.calls[0].request) == {"access_token": "page-token", "message": "Info layanan"}
    assert pub.reply("5001_7001", "Silakan coba lagi.", idempotency_key="k2").external_id == "5001_7003"
    assert form(reply.calls[0].request)["message"] == "Silakan coba lagi."
    pub.hide("5001_7002")
    assert form(hide.calls[0].request)["is_hidden"] == "true"
    pub.unhide("5001_7002")
    assert form(hide.calls[1].request) == {"access_token": "page-token", "is_hidden": "false"}
    assert hide.call_count == 2
    pub.delete("5001_7002")
    assert delete.called


@respx.mock
def test_facebook_post_with_image_url(sleeper):
    photos = respx.post(f"{GRAPH}/104010002003/photos").respond(
        200, json={"id": "9001", "post_id": "104010002003_5003"}
    )
    result = facebook.FacebookPublisher(FB, client=graph(sleeper)).post(
        "Foto kegiatan", image="https://humas.example.go.id/a.jpg", idempotency_key="k"
    )
    assert result.external_id == "104010002003_5003"
    assert form(photos.calls[0].request)["url"] == "https://humas.example.go.id/a.jpg"


@respx.mock
def test_facebook_reply_timeout_reconciles(sleeper):
    reply = respx.post(f"{GRAPH}/5001_7001/comments").mock(side_effect=httpx.ReadTimeout("slow"))
    mine = {
        "data": [
            {
                "id": "5001_7003",
                "message": "Silakan coba lagi.",
                "created_time": "2025-03-31T05:00:00+0000",
                "from": {"id": "104010002003", "name": "Kanwil"},
            }
        ]
    }
    respx.get(f"{GRAPH}/5001_7001/comments").respond(200, json=mine)
    result = facebook.FacebookPublisher(FB, client=graph(sleeper)).reply(
        "5001_7001", "Silakan coba lagi.", idempotency_key="k"
    )
    assert reply.call_count == 1 and result.reconciled and result.external_id == "5001_7003"


# --- Instagram -------------------------------------------------------------------------------------


@respx.mock
def test_instagram_full_poll_with_pagination(sleeper):
    respx.get(f"{GRAPH}/17841474524784050/media").respond(200, json=load("meta", "ig_media.json"))
    respx.get(f"{GRAPH}/17841474524784050/tags").respond(200, json=load("meta", "ig_tags_empty.json"))
    comments = respx.get(f"{GRAPH}/17895695668004550/comments")
    comments.side_effect = [
        httpx.Response(200, json=load("meta", "ig_comments_page1.json")),
        httpx.Response(200, json=load("meta", "ig_comments_page2.json")),
    ]
    result = instagram.InstagramSource(IG, client=graph(sleeper)).fetch(None)
    assert comments.call_count == 2
    kinds = [(i.external_id, i.kind, i.parent_external_id) for i in result.items]
    assert kinds == [
        ("17895695668004550", "post", None),
        ("17873440459141021", "comment", "17895695668004550"),
        ("17873440459141099", "reply", "17873440459141021"),
        ("17870913679156914", "comment", "17895695668004550"),
    ]
    assert result.cursor["comments_since"] == "2017-08-31T19:16:02+00:00"


@respx.mock
def test_instagram_expired_token(sleeper):
    respx.get(f"{GRAPH}/17841474524784050/media").respond(400, json=load("meta", "error_190.json"))
    with pytest.raises(AuthExpired):
        instagram.InstagramSource(IG, client=graph(sleeper)).fetch(None)


@respx.mock
def test_instagram_two_step_publish(sleeper):
    create = respx.post(f"{GRAPH}/17841474524784050/media").respond(
        200, json=load("meta", "ig_container_created.json")
    )
    status = respx.get(f"{GRAPH}/17889455560051444")
    status.side_effect = [
        httpx.Response(200, json={"status_code": "IN_PROGRESS", "id": "17889455560051444"}),
        httpx.Response(200, json=load("meta", "ig_container_finished.json")),
    ]
    publish = respx.post(f"{GRAPH}/17841474524784050/media_publish").respond(
        200, json=load("meta", "ig_media_published.json")
    )
    result = instagram.InstagramPublisher(IG, client=graph(sleeper)).post(
        "Pengumuman", image="https://humas.example.go.id/a.jpg", idempotency_key="k"
    )
    assert result.external_id == "17920238422030506"
    assert form(create.calls[0].request)["image_url"] == "https://humas.example.go.id/a.jpg"
    assert form(publish.calls[0].request)["creation_id"] == "17889455560051444"
    assert len(sleeper.calls) == 1  # waited once for IN_PROGRESS


def test_instagram_needs_an_image_url(sleeper):
    pub = instagram.InstagramPublisher(IG, client=graph(sleeper))
    with pytest.raises(Unsupported):
        pub.post("text only", idempotency_key="k")


@respx.mock
def test_instagram_publish_timeout_does_not_publish_twice(sleeper):
    respx.post(f"{GRAPH}/17841474524784050/media").respond(
        200, json=load("meta", "ig_container_created.json")
    )
    status = respx.get(f"{GRAPH}/17889455560051444")
    status.side_effect = [
        httpx.Response(200, json=load("meta", "ig_container_finished.json")),
        httpx.Response(200, json=load("meta", "ig_container_published.json")),
    ]
    publish = respx.post(f"{GRAPH}/17841474524784050/media_publish").mock(side_effect=httpx.ReadTimeout("x"))
    media = load("meta", "ig_media.json")
    respx.get(f"{GRAPH}/17841474524784050/media").respond(200, json=media)
    result = instagram.InstagramPublisher(IG, client=graph(sleeper)).post(
        media["data"][0]["caption"], image="https://humas.example.go.id/a.jpg", idempotency_key="k"
    )
    assert publish.call_count == 1
    assert result.reconciled and result.external_id == "17895695668004550"


@respx.mock
def test_instagram_reply_hide(sleeper):
    reply = respx.post(f"{GRAPH}/17870913679156914/replies").respond(
        200, json=load("meta", "ig_reply_created.json")
    )
    hide = respx.post(f"{GRAPH}/17870913679156914").respond(200, json=load("meta", "success.json"))
    pub = instagram.InstagramPublisher(IG, client=graph(sleeper))
    assert (
        pub.reply("17870913679156914", "Itu hoaks.", idempotency_key="k").external_id == "17873440459141021"
    )
    assert form(reply.calls[0].request)["message"] == "Itu hoaks."
    pub.hide("17870913679156914")
    assert form(hide.calls[0].request)["hide"] == "true"
    pub.unhide("17870913679156914")
    assert form(hide.calls[1].request) == {"access_token": "ig-token", "hide": "false"}
    assert hide.call_count == 2


# --- WhatsApp --------------------------------------------------------------------------------------


@respx.mock
def test_whatsapp_reply_in_context(sleeper):
    send = respx.post(f"{GRAPH}/106540352242922/messages").respond(
        200, json=load("whatsapp", "send_message_response.json")
    )
    pub = whatsapp.WhatsAppPublisher(WA, client=graph(sleeper))
    result = pub.reply(
        "wamid.ABC", "Silakan kunjungi KPP terdekat.", idempotency_key="reply-42", to="16505551234"
    )
    body = json.loads(send.calls[0].request.content)
    assert body["context"] == {"message_id": "wamid.ABC"} and body["to"] == "16505551234"
    assert body["biz_opaque_callback_data"] == "reply-42"
    assert send.calls[0].request.headers["authorization"] == "Bearer wa-token"
    assert result.external_id.startswith("wamid.")


@respx.mock
def test_whatsapp_timeout_reconciled_from_status_webhook(sleeper):
    send = respx.post(f"{GRAPH}/106540352242922/messages").mock(side_effect=httpx.ReadTimeout("x"))
    statuses = whatsapp.parse_statuses(load("whatsapp", "webhook_status_delivered.json"))
    seen = {s["idempotency_key"]: s["message_id"] for s in statuses}
    pub = whatsapp.WhatsAppPublisher(WA, client=graph(sleeper), delivered_lookup=seen.get)
    result = pub.reply("wamid.ABC", "Baik.", idempotency_key="reply-42", to="16505551234")
    assert send.call_count == 1 and result.reconciled
    with pytest.raises(DeliveryUnknown):
        pub.reply("wamid.ABC", "Baik.", idempotency_key="reply-43", to="16505551234")
    assert send.call_count == 2  # one per key, never a blind resend


@respx.mock
def test_whatsapp_outside_window_and_expired(sleeper):
    route = respx.post(f"{GRAPH}/106540352242922/messages")
    route.side_effect = [
        httpx.Response(400, json=load("whatsapp", "error_131047.json")),
        httpx.Response(401, json=load("meta", "error_190.json")),
    ]
    pub = whatsapp.WhatsAppPublisher(WA, client=graph(sleeper))
    with pytest.raises(PlatformError) as info:
        pub.reply("wamid.ABC", "Halo", idempotency_key="k", to="16505551234")
    assert info.value.code == "outside_window"
    with pytest.raises(AuthExpired):
        pub.reply("wamid.ABC", "Halo", idempotency_key="k2", to="16505551234")
    with pytest.raises(Unsupported):
        pub.post("broadcast", idempotency_key="k3")
