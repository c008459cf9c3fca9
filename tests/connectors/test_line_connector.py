"""LINE Official Account: signed webhooks, direct messages, reply-token answers and retry-keyed pushes."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
import respx

from humas.connectors import line
from humas.connectors.errors import (
    AuthExpired,
    DeliveryUnknown,
    ErrorPayload,
    PlatformError,
    RateLimited,
    UnrecognisedPayload,
    Unsupported,
    WebhookRejected,
)
from humas.connectors.http import HttpClient
from humas.connectors.registry import get_platform
from tests.connectors.conftest import fixture_path, load

API = "https://api.line.me"
CREDS = line.LineCredentials(channel_access_token="line-token", channel_secret="line-secret")
USER = "U206d25c2ea6bd87c17655609a1c37cb8"


def raw(name: str) -> bytes:
    return fixture_path("line", name).read_bytes()


def publisher(sleeper) -> line.LinePublisher:
    client = HttpClient(base_url=API, error_for=line.error_for, sleep=sleeper)
    return line.LinePublisher(CREDS, client=client)


# --- webhook ---------------------------------------------------------------------------------------


def test_signature_matches_the_sdk_test_vector():
    assert line.sign(b"bodybodybodybody", "channel_secret") == "/gg9a+LvFevTH1sd7XCQycD7tsWclCsInj7MhBHxN7k="
    assert line.verify_signature(
        b"bodybodybodybody", "/gg9a+LvFevTH1sd7XCQycD7tsWclCsInj7MhBHxN7k=", "channel_secret"
    )


def test_signed_delivery_is_verified_then_parsed():
    hook = get_platform("line").webhook
    assert hook is not None and hook.route == "line"
    body = raw("webhook_text_message.json")
    hook.verify(body, {"x-line-signature": line.sign(body, "line-secret")}, {"channel_secret": "line-secret"})
    (item,) = hook.parse(body)
    assert item.platform == "line" and item.kind == "message" and item.external_id == "468789577898262530"
    assert item.text == "Selamat pagi, bagaimana cara mengurus KTP yang hilang?"
    assert item.author_id == USER and item.thread_external_id == USER  # a DM exchange groups by person
    assert item.channel_external_id == "Uf3c0a1b2c3d4e5f60718293a4b5c6d7e"
    assert item.thread_root_id == item.external_id and item.in_reply_to_id is None
    assert item.created_at.isoformat() == "2025-12-02T03:50:00+00:00"  # milliseconds since the epoch
    assert item.raw["replyToken"] == "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA"


@pytest.mark.parametrize(
    "header",
    [
        "forged",
        line.sign(raw("webhook_text_message.json"), "another-channel-secret"),
        line.sign(raw("webhook_text_message.json") + b" ", "line-secret"),
        "",
        None,
    ],
)
def test_forged_signature_is_refused(header):
    hook = get_platform("line").webhook
    assert hook is not None
    headers = {} if header is None else {"x-line-signature": header}
    with pytest.raises(WebhookRejected) as info:
        hook.verify(raw("webhook_text_message.json"), headers, {"channel_secret": "line-secret"})
    assert info.value.status == 401


def test_a_channel_without_its_secret_accepts_nothing():
    body = raw("webhook_text_message.json")
    with pytest.raises(WebhookRejected):
        line.verify_delivery(body, {"x-line-signature": line.sign(body, "")}, {})


def test_tampered_body_fails_the_signature():
    body = raw("webhook_text_message.json")
    tampered = body.replace(b"KTP", b"SIM")
    assert not line.verify_signature(tampered, line.sign(body, "line-secret"), "line-secret")


def test_media_quotes_and_other_events():
    items = line.parse_webhook(raw("webhook_events.json"))
    by_id = {i.external_id: i for i in items}
    assert [(i.media_kind, i.media_ref) for i in items[:6]] == [
        ("image", "354718705033693861"),
        ("video", "https://example.com/rekaman-antrean.mp4"),  # the sender's own URL, not LINE's
        ("audio", "468789577898262532"),
        ("document", "468789577898262533"),
        ("location", "geo:-6.917464,107.619125"),
        ("sticker", "446/1988"),
    ]
    assert all(i.text == "" for i in items[:6])  # media-only messages keep no text
    quoting = by_id["468789577898262536"]
    assert quoting.in_reply_to_id == "468789577898262530" and quoting.thread_root_id is None
    assert "468789577898262537" not in by_id  # a group chat is not a direct message
    assert len(items) == 7  # follow and unfollow yield nothing


def test_follow_unfollow_and_the_verify_ping_yield_nothing():
    assert line.parse_webhook(raw("webhook_follow_unfollow.json")) == []
    assert line.parse_webhook(raw("webhook_verify_empty.json")) == []


def test_malformed_bodies_are_refused():
    hook = get_platform("line").webhook
    assert hook is not None
    body = raw("webhook_text_message.json")
    for broken in (body[: len(body) // 2], b"{}", b'{"events": "no"}', b'{"events": [1]}'):
        with pytest.raises(UnrecognisedPayload):
            hook.parse(broken)


def test_parse_body_knows_send_answers_and_errors():
    for name in ("push_response.json", "push_retry_accepted_409.json", "bot_info.json"):
        assert line.parse_body(load("line", name)) == []
    with pytest.raises(ErrorPayload):
        line.parse_body(load("line", "error_invalid_reply_token.json"))
    with pytest.raises(UnrecognisedPayload):
        line.parse_body({"something": "else"})


# --- answers ---------------------------------------------------------------------------------------


@respx.mock
def test_reply_token_answers_with_one_free_reply(sleeper):
    reply = respx.post(f"{API}/v2/bot/message/reply").respond(200, json=load("line", "reply_response.json"))
    push = respx.post(f"{API}/v2/bot/message/push")
    result = publisher(sleeper).reply(
        "468789577898262530",
        "Silakan datang ke kelurahan dengan surat kehilangan dari kepolisian.",
        idempotency_key="reply-42",
        to=USER,
        reply_token="nHuyWiB7yP5Zw52FIkcQobQuGDXCTA",
    )
    assert reply.call_count == 1 and push.call_count == 0
    request = reply.calls[0].request
    assert json.loads(request.content) == {
        "replyToken": "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA",
        "messages": [
            {"type": "text", "text": "Silakan datang ke kelurahan dengan surat kehilangan dari kepolisian."}
        ],
    }
    assert request.headers["authorization"] == "Bearer line-token"
    assert "x-line-retry-key" not in request.headers  # LINE refuses a retry key on the reply endpoint (400)
    assert result.external_id == "461230966842064898" and not result.reconciled


@respx.mock
def test_push_to_the_user_carries_a_stable_retry_key(sleeper):
    push = respx.post(f"{API}/v2/bot/message/push").respond(200, json=load("line", "push_response.json"))
    result = publisher(sleeper).reply(
        "468789577898262530", "Sudah kami teruskan.", idempotency_key="reply-42", to=USER
    )
    assert push.call_count == 1
    request = push.calls[0].request
    assert json.loads(request.content) == {
        "to": USER,
        "messages": [{"type": "text", "text": "Sudah kami teruskan."}],
    }
    key = request.headers["x-line-retry-key"]
    assert uuid.UUID(key) and key == line.retry_key("reply-42") != line.retry_key("reply-43")
    assert result.external_id == "461230966842064897"


@respx.mock
def test_expired_reply_token_falls_back_to_a_push(sleeper):
    reply = respx.post(f"{API}/v2/bot/message/reply").respond(
        400, json=load("line", "error_invalid_reply_token.json")
    )
    push = respx.post(f"{API}/v2/bot/message/push").respond(200, json=load("line", "push_response.json"))
    result = publisher(sleeper).reply(
        "468789577898262530", "Mohon maaf menunggu.", idempotency_key="k", to=USER, reply_token="stale"
    )
    assert reply.call_count == 1 and push.call_count == 1
    assert result.external_id == "461230966842064897"


@respx.mock
def test_expired_reply_token_without_a_user_is_an_error(sleeper):
    respx.post(f"{API}/v2/bot/message/reply").respond(
        400, json=load("line", "error_invalid_reply_token.json")
    )
    with pytest.raises(PlatformError, match="Invalid reply token"):
        publisher(sleeper).reply("468789577898262530", "x", idempotency_key="k", reply_token="stale")
    with pytest.raises(ValueError, match="user id"):
        publisher(sleeper).reply("468789577898262530", "x", idempotency_key="k")


@respx.mock
def test_a_timed_out_push_is_resent_with_the_same_key_and_409_means_sent(sleeper):
    push = respx.post(f"{API}/v2/bot/message/push")
    push.side_effect = [
        httpx.ReadTimeout("slow"),
        httpx.Response(
            409,
            json=load("line", "push_retry_accepted_409.json"),
            headers={"x-line-accepted-request-id": "123e4567-e89b-12d3-a456-426655440001"},
        ),
    ]
    result = publisher(sleeper).reply("468789577898262530", "Terima kasih.", idempotency_key="k-9", to=USER)
    keys = {c.request.headers["x-line-retry-key"] for c in push.calls}
    assert push.call_count == 2 and keys == {line.retry_key("k-9")}
    assert result.external_id == "461230966842064897" and result.reconciled


@respx.mock
def test_a_timed_out_reply_is_never_followed_by_a_push(sleeper):
    respx.post(f"{API}/v2/bot/message/reply").mock(side_effect=httpx.ReadTimeout("slow"))
    push = respx.post(f"{API}/v2/bot/message/push")
    with pytest.raises(DeliveryUnknown):
        publisher(sleeper).reply("468789577898262530", "x", idempotency_key="k", to=USER, reply_token="t")
    assert push.call_count == 0


@respx.mock
def test_errors(sleeper):
    push = respx.post(f"{API}/v2/bot/message/push")
    push.side_effect = [
        httpx.Response(401, json=load("line", "error_401.json")),
        httpx.Response(429, json=load("line", "error_monthly_limit.json")),
    ]
    pub = publisher(sleeper)
    with pytest.raises(AuthExpired):
        pub.reply("m", "x", idempotency_key="k", to=USER)
    with pytest.raises(PlatformError) as info:
        pub.reply("m", "x", idempotency_key="k2", to=USER)
    assert info.value.code == "monthly_limit"  # not a rate limit: retrying this month will not help
    request = httpx.Request("POST", f"{API}/v2/bot/message/push")
    limited = line.error_for(httpx.Response(429, json=load("line", "error_429.json"), request=request))
    assert isinstance(limited, RateLimited)


def test_what_line_cannot_do():
    pub = line.LinePublisher(CREDS)
    for call in (pub.hide, pub.unhide, pub.delete):
        with pytest.raises(Unsupported):
            call("468789577898262530")
    with pytest.raises(Unsupported):
        pub.post("Pengumuman", idempotency_key="k")
    assert pub.reconcile("k", text="x") is None


@respx.mock
def test_probe_reads_the_bot_user_id():
    info = respx.get(f"{API}/v2/bot/info").respond(200, json=load("line", "bot_info.json"))
    spec = get_platform("line")
    values = {"channel_access_token": "line-token", "channel_secret": "line-secret"}
    assert spec.check(values, max_wait_s=1.0) == "Uf3c0a1b2c3d4e5f60718293a4b5c6d7e"
    assert info.calls[0].request.headers["authorization"] == "Bearer line-token"
    assert spec.build_source(values) is None and spec.webhook_on(values)  # LINE only pushes


def test_limits_count_utf16():
    limits = get_platform("line").limits
    assert limits.text_over("a" * 5000) == 0 and limits.text_over("🍎" * 2500) == 0
    assert limits.text_over("🍎" * 2501) == 2  # an emoji is two UTF-16 code units, as LINE counts
