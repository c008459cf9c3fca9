"""Pages and API: connect a channel, watch its health, re-enter credentials; credentials never shown."""

from __future__ import annotations

import httpx
import respx

from humas.core.db import session_scope
from tests.channels.conftest import BOT, BOT_TOKEN, load
from tests.factories import make_unit, make_user


def _admin(engine, roles=("admin",)):
    with session_scope(engine) as session:
        unit = make_unit(session, name="Diskominfo Kota")
        user = make_user(session, unit=unit, roles=roles)
        return user.id, unit.id


@respx.mock
def test_connect_poll_and_reauthorise_through_the_pages(app_client):
    user_id, unit_id = _admin(app_client.engine)
    app_client.login(user_id)
    respx.get(f"{BOT}/getMe").respond(200, json=load("telegram", "get_me.json"))

    page = app_client.get("/channels/new?platform=telegram")
    assert page.status_code == 200 and 'name="bot_token"' in page.text and 'type="password"' in page.text

    added = app_client.post(
        "/channels",
        {"platform": "telegram", "unit_id": str(unit_id), "name": "Bot <Humas>", "bot_token": BOT_TOKEN},
    )
    assert added.status_code == 200 and "Belum pernah berjalan" in added.text
    assert "Bot &lt;Humas&gt;" in added.text and BOT_TOKEN not in added.text
    channel_url = str(added.url)

    updates = respx.get(f"{BOT}/getUpdates")
    updates.side_effect = [
        httpx.Response(200, json=load("telegram", "get_updates_page1.json")),
        httpx.Response(401, json=load("telegram", "error_401.json")),
    ]
    polled = app_client.post(f"{channel_url}/poll")
    assert 'data-status="ok"' in polled.text and "Sehat" in polled.text

    expired = app_client.post(f"{channel_url}/poll")
    assert 'data-status="needs_reauth"' in expired.text and "Perlu otorisasi ulang" in expired.text
    listing = app_client.get("/channels")
    assert 'data-testid="reauth-alert"' in listing.text

    new_token = "7012345678:AAH-token-baru-QWE"
    respx.get(f"https://api.telegram.org/bot{new_token}/getMe").respond(
        200, json=load("telegram", "get_me.json")
    )
    rotated = app_client.post(f"{channel_url}/credentials", {"bot_token": new_token})
    assert 'data-status="never_run"' in rotated.text and new_token not in rotated.text

    api = app_client.get("/api/v1/channels")
    assert api.status_code == 200 and api.json()[0]["status"] == "never_run"
    assert not {"credentials_encrypted", "bot_token"} & set(api.json()[0])


@respx.mock
def test_a_refused_token_shows_the_form_again_without_the_secret(app_client):
    user_id, unit_id = _admin(app_client.engine)
    app_client.login(user_id)
    respx.get(f"{BOT}/getMe").respond(401, json=load("telegram", "error_401.json"))
    page = app_client.post(
        "/channels",
        {"platform": "telegram", "unit_id": str(unit_id), "name": "Bot", "bot_token": BOT_TOKEN},
    )
    assert page.status_code == 422 and "Platform menolak kredensial ini." in page.text
    assert BOT_TOKEN not in page.text and 'value="Bot"' in page.text


def test_a_drafter_sees_no_connect_form_and_cannot_add(app_client):
    user_id, unit_id = _admin(app_client.engine, roles=("drafter",))
    app_client.login(user_id)
    assert "platform-choices" not in app_client.get("/channels").text
    refused = app_client.post(
        "/channels",
        {"platform": "telegram", "unit_id": str(unit_id), "name": "Bot", "bot_token": BOT_TOKEN},
    )
    assert refused.status_code == 403


@respx.mock
def test_api_reply_with_the_same_key_is_sent_once(app_client):
    from humas.org import auth as auth_service
    from humas.org.models import User
    from tests.channels.factories import make_channel

    with session_scope(app_client.engine) as session:
        unit = make_unit(session)
        user = make_user(session, unit=unit, roles=("responder",))
        channel_id = make_channel(session, unit=unit).id
        _t, token = auth_service.create_api_token(
            session, user=session.get(User, user.id), unit=unit, role="responder", name="t", actor=user
        )
    send = respx.post(f"{BOT}/sendMessage").respond(200, json=load("telegram", "send_message_response.json"))
    headers = {"Authorization": f"Bearer {token}"}
    body = {"parent_external_id": "77462709:223", "text": "Sudah kami teruskan.", "idempotency_key": "conv-9"}
    first = app_client.client.post(f"/api/v1/channels/{channel_id}/replies", json=body, headers=headers)
    second = app_client.client.post(f"/api/v1/channels/{channel_id}/replies", json=body, headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"] and second.json()["status"] == "sent"
    assert send.call_count == 1
    changed = app_client.client.post(
        f"/api/v1/channels/{channel_id}/replies", json={**body, "text": "Lain"}, headers=headers
    )
    assert changed.status_code == 409 and changed.json()["field"] == "idempotency_key"
