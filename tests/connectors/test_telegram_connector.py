from __future__ import annotations

import json

import httpx
import pytest
import respx

from humas.connectors import telegram
from humas.connectors.errors import AuthExpired, DeliveryUnknown, Unsupported
from humas.connectors.http import HttpClient
from tests.connectors.conftest import load

TOKEN = "123456:ABC-secret"
BOT = f"https://api.telegram.org/bot{TOKEN}"
CREDS = telegram.TelegramCredentials(bot_token=TOKEN, channel="@infopublikkota", webhook_secret="s3cret")


def client(sleeper):
    return HttpClient(base_url=BOT, error_for=telegram.error_for, sleep=sleeper)


@respx.mock
def test_full_poll_with_pagination(sleeper):
    route = respx.get(f"{BOT}/getUpdates")
    route.side_effect = [
        httpx.Response(200, json=load("telegram", "get_updates_page1.json")),
        httpx.Response(200, json=load("telegram", "get_updates_page2.json")),
    ]
    result = telegram.TelegramSource(CREDS, client=client(sleeper), page_size=2).fetch({"offset": 815196407})
    assert route.calls[0].request.url.params["offset"] == "815196407"
    assert route.calls[1].request.url.params["offset"] == "815196409"
    assert result.cursor == {"offset": 815196410}
    kinds = [(i.external_id, i.kind, i.url) for i in result.items]
    assert kinds[0] == ("77462709:223", "message", None)
    assert kinds[2] == ("-1001234567890:1201", "post", "https://t.me/infopublikkota/1201")


@respx.mock
def test_flood_control_retry_after(sleeper):
    route = respx.get(f"{BOT}/getUpdates")
    route.side_effect = [
        httpx.Response(429, json=load("telegram", "error_429.json")),
        httpx.Response(200, json=load("telegram", "get_updates_empty.json")),
    ]
    result = telegram.TelegramSource(CREDS, client=client(sleeper)).fetch({"offset": 5})
    assert sleeper.calls == [15.0] and route.call_count == 2
    assert result.items == [] and result.cursor == {"offset": 5}


@respx.mock
def test_revoked_token(sleeper):
    respx.get(f"{BOT}/getUpdates").respond(401, json=load("telegram", "error_401.json"))
    with pytest.raises(AuthExpired):
        telegram.TelegramSource(CREDS, client=client(sleeper)).fetch(None)


@respx.mock
def test_post_reply_delete(sleeper):
    send = respx.post(f"{BOT}/sendMessage").respond(200, json=load("telegram", "send_message_response.json"))
    delete = respx.post(f"{BOT}/deleteMessage").respond(
        200, json=load("telegram", "delete_message_response.json")
    )
    pub = telegram.TelegramPublisher(CREDS, client=client(sleeper))
    result = pub.post("Pengumuman: jadwal layanan berubah.", idempotency_key="k")
    assert result.external_id == "-1001234567890:1202"
    assert json.loads(send.calls[0].request.content) == {
        "chat_id": "@infopublikkota",
        "text": "Pengumuman: jadwal layanan berubah.",
    }
    pub.reply("-1009876543210:88", "Tidak perlu, ada nomor antrean daring.", idempotency_key="k2")
    assert json.loads(send.calls[1].request.content)["reply_parameters"] == {"message_id": 88}
    pub.delete("-1001234567890:1202")
    assert json.loads(delete.calls[0].request.content) == {"chat_id": "-1001234567890", "message_id": 1202}
    with pytest.raises(Unsupported):
        pub.hide("-1001234567890:1202")


@respx.mock
def test_timeout_is_never_resent(sleeper):
    send = respx.post(f"{BOT}/sendMessage").mock(side_effect=httpx.ReadTimeout("x"))
    with pytest.raises(DeliveryUnknown) as info:
        telegram.TelegramPublisher(CREDS, client=client(sleeper)).post("Halo", idempotency_key="k")
    assert send.call_count == 1
    assert TOKEN not in str(info.value)


def test_secret_token_check():
    assert telegram.check_secret_token("s3cret", CREDS.webhook_secret)
    assert not telegram.check_secret_token("wrong", CREDS.webhook_secret)
    assert not telegram.check_secret_token(None, CREDS.webhook_secret)
    assert not telegram.check_secret_token("anything", "")
