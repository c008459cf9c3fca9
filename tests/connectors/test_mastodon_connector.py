from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from humas.connectors import mastodon
from humas.connectors.errors import AuthExpired, Unsupported
from humas.connectors.http import HttpClient
from tests.connectors.conftest import load

BASE = "https://mastodon.social"
CREDS = mastodon.MastodonCredentials(instance_url=BASE, account_id="14715", access_token="m-token")


def client(sleeper):
    return HttpClient(
        base_url=BASE, error_for=mastodon.error_for, rate_limit_parser=mastodon.rate_limit_info, sleep=sleeper
    )


@respx.mock
def test_full_poll_follows_link_header(sleeper):
    statuses = respx.get(f"{BASE}/api/v1/accounts/14715/statuses")
    link = f'<{BASE}/api/v1/accounts/14715/statuses?max_id=103254962155278889>; rel="next"'
    statuses.side_effect = [
        httpx.Response(200, json=load("mastodon", "statuses_page1.json"), headers={"Link": link}),
        httpx.Response(200, json=load("mastodon", "statuses_page2.json")),
    ]
    respx.get(f"{BASE}/api/v1/notifications").respond(200, json=load("mastodon", "notifications.json"))
    context = respx.get(f"{BASE}/api/v1/statuses/103270115826048975/context").respond(
        200, json=load("mastodon", "context.json")
    )
    result = mastodon.MastodonSource(CREDS, client=client(sleeper)).fetch(None)
    assert statuses.call_count == 2
    assert statuses.calls[1].request.url.params["max_id"] == "103254962155278889"
    assert context.called
    kinds = {i.external_id: i.kind for i in result.items}
    assert kinds == {
        "103270115826048975": "post",
        "103254962155278888": "post",
        "103186126728896492": "mention",
        "103270200000000001": "reply",
    }
    first = result.items[0]
    lines = [
        "Jadwal vaksinasi gratis di puskesmas kecamatan:",
        "Senin–Jumat 08.00–14.00 WIB",
        "Bawa KTP & kartu vaksin.",
    ]
    assert first.text == "\n".join(lines)
    assert first.metrics == {"replies": 1, "reposts": 6, "likes": 11}
    assert result.cursor["statuses"] == "103270115826048975"
    assert result.cursor["notifications"] == "34975861"


@respx.mock
def test_rate_limited_then_backoff(sleeper):
    reset = (datetime.now(UTC) + timedelta(seconds=20)).isoformat()
    route = respx.get(f"{BASE}/api/v1/accounts/14715/statuses")
    route.side_effect = [
        httpx.Response(
            429,
            json=load("mastodon", "error_429.json"),
            headers={"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
        ),
        httpx.Response(200, json=[], headers={"X-RateLimit-Remaining": "299"}),
    ]
    respx.get(f"{BASE}/api/v1/notifications").respond(200, json=[])
    http = client(sleeper)
    mastodon.MastodonSource(CREDS, client=http).fetch({"statuses": "1", "notifications": "1"})
    assert route.call_count == 2 and len(sleeper.calls) == 1 and 15 <= sleeper.calls[0] <= 21
    assert route.calls[1].request.url.params["min_id"] == "1"
    assert http.rate_limit.remaining == 299


@respx.mock
def test_invalid_token(sleeper):
    respx.get(f"{BASE}/api/v1/accounts/14715/statuses").respond(401, json=load("mastodon", "error_401.json"))
    with pytest.raises(AuthExpired):
        mastodon.MastodonSource(CREDS, client=client(sleeper)).fetch(None)


@respx.mock
def test_post_reply_delete(sleeper):
    route = respx.post(f"{BASE}/api/v1/statuses").respond(200, json=load("mastodon", "status_created.json"))
    delete = respx.delete(f"{BASE}/api/v1/statuses/103254962155278999").respond(200, json={})
    pub = mastodon.MastodonPublisher(CREDS, client=client(sleeper))
    assert pub.post("Pelayanan KTP buka Sabtu.", idempotency_key="key-1").external_id == "103254962155278999"
    request = route.calls[0].request
    assert request.headers["idempotency-key"] == "key-1"
    assert dict(httpx.QueryParams(request.content.decode()))["status"] == "Pelayanan KTP buka Sabtu."
    pub.reply("103186126728896492", "@zsc Terima kasih, sudah kami teruskan.", idempotency_key="key-2")
    assert "in_reply_to_id=103186126728896492" in route.calls[1].request.content.decode()
    pub.delete("103254962155278999")
    assert delete.called
    with pytest.raises(Unsupported):
        pub.hide("103186126728896492")


@respx.mock
def test_timeout_retry_reuses_idempotency_key(sleeper):
    route = respx.post(f"{BASE}/api/v1/statuses")
    route.side_effect = [
        httpx.ReadTimeout("x"),
        httpx.Response(200, json=load("mastodon", "status_created.json")),
    ]
    result = mastodon.MastodonPublisher(CREDS, client=client(sleeper)).post(
        "Pelayanan KTP buka Sabtu.", idempotency_key="key-1"
    )
    keys = [call.request.headers["idempotency-key"] for call in route.calls]
    assert keys == ["key-1", "key-1"]  # the server deduplicates: one status
    assert result.external_id == "103254962155278999"
