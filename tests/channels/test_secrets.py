"""Credentials never appear in logs, pages, API answers or the audit log, after a full run of everything."""

from __future__ import annotations

import json
import logging

import httpx
import respx
from sqlalchemy import select

from humas.channels.models import Channel
from humas.connectors.meta import sign
from humas.core.db import session_scope
from humas.org import audit as audit_service
from humas.org import auth as auth_service
from humas.org.models import AuditLog, User
from tests.channels.conftest import (
    APP_SECRET,
    BOT,
    BOT_TOKEN,
    GRAPH,
    PAGE_TOKEN,
    TG_WEBHOOK_SECRET,
    VERIFY_TOKEN,
    load,
    raw,
)
from tests.factories import make_unit, make_user

NEW_BOT_TOKEN = "7012345678:AAH-rotated-token-LKJ"
NEW_PAGE_TOKEN = "EAAG-rotated-page-token-000"
SECRETS = [BOT_TOKEN, NEW_BOT_TOKEN, PAGE_TOKEN, NEW_PAGE_TOKEN, APP_SECRET, VERIFY_TOKEN, TG_WEBHOOK_SECRET]


def _routes():
    respx.get(f"{BOT}/getMe").respond(200, json=load("telegram", "get_me.json"))
    respx.get(f"https://api.telegram.org/bot{NEW_BOT_TOKEN}/getMe").respond(
        200, json=load("telegram", "get_me.json")
    )
    respx.get(f"{BOT}/getUpdates").mock(
        side_effect=[
            httpx.Response(200, json=load("telegram", "get_updates_page1.json")),
            httpx.Response(429, json=load("telegram", "error_429.json")),
            httpx.Response(401, json=load("telegram", "error_401.json")),
        ]
    )
    respx.post(f"https://api.telegram.org/bot{NEW_BOT_TOKEN}/sendMessage").mock(
        side_effect=[
            httpx.ReadTimeout("slow"),
            httpx.Response(200, json=load("telegram", "send_message_response.json")),
        ]
    )
    respx.get(f"{GRAPH}/104010002003/feed").mock(
        side_effect=[
            httpx.Response(200, json=load("meta", "fb_feed_page1.json")),
            httpx.Response(200, json=load("meta", "fb_feed_page2.json")),
            httpx.Response(200, json=load("meta", "fb_feed_page1.json")),
            httpx.Response(200, json=load("meta", "fb_feed_page2.json")),
            httpx.Response(400, json=load("meta", "error_190.json")),
            httpx.Response(200, json=load("meta", "fb_feed_page1.json")),  # the rotated token works
            httpx.Response(200, json=load("meta", "fb_feed_page2.json")),
        ]
    )
    respx.get(url__regex=rf"{GRAPH}/.+/comments.*").respond(200, json=load("meta", "fb_comments.json"))


@respx.mock
def test_no_credential_leaks_anywhere(app_client, caplog):
    caplog.set_level(logging.DEBUG)
    _routes()
    engine = app_client.engine
    with session_scope(engine) as session:
        unit = make_unit(session, name="Biro Humas")
        user = make_user(session, unit=unit)
        _token, api_token = auth_service.create_api_token(
            session, user=user, unit=unit, role="admin", name="t", actor=user
        )
        user_id, unit_id = user.id, unit.id
    app_client.login(user_id)
    seen: list[str] = []

    def keep(response):
        seen.append(response.text)
        return response

    tg_form = {
        "platform": "telegram",
        "unit_id": str(unit_id),
        "name": "Bot",
        "bot_token": BOT_TOKEN,
    }
    tg_url = str(keep(app_client.post("/channels", tg_form)).url)
    fb_form = {
        "platform": "facebook",
        "unit_id": str(unit_id),
        "name": "Halaman",
        "page_id": "104010002003",
        "page_access_token": PAGE_TOKEN,
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
    }
    fb_url = str(keep(app_client.post("/channels", fb_form)).url)
    keep(app_client.post("/channels", tg_form))  # a duplicate: refused, the form shown again
    for _ in range(3):
        keep(app_client.post(f"{tg_url}/poll"))
    for _ in range(2):
        keep(app_client.post(f"{fb_url}/poll"))
    # The webhook secret arrives with the new token (a bot with a webhook is not polled any more).
    keep(
        app_client.post(
            f"{tg_url}/credentials", {"bot_token": NEW_BOT_TOKEN, "webhook_secret": TG_WEBHOOK_SECRET}
        )
    )
    keep(app_client.post(f"{fb_url}/credentials", {"page_access_token": NEW_PAGE_TOKEN}))

    with session_scope(engine) as session:
        fb_id = session.scalar(select(Channel.id).where(Channel.platform == "facebook"))
        tg_id = session.scalar(select(Channel.id).where(Channel.platform == "telegram"))
    body = raw("meta", "fb_webhook_feed_comment.json")
    keep(
        app_client.client.post(
            f"/webhooks/meta/{fb_id}", content=body, headers={"x-hub-signature-256": sign(body, APP_SECRET)}
        )
    )
    keep(
        app_client.client.post(
            f"/webhooks/meta/{fb_id}", content=body, headers={"x-hub-signature-256": "sha256=00"}
        )
    )
    keep(
        app_client.client.get(
            f"/webhooks/meta/{fb_id}",
            params={"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": VERIFY_TOKEN},
        )
    )
    bearer = {"Authorization": f"Bearer {api_token}"}
    reply = {"parent_external_id": "77462709:223", "text": "Baik, kami cek.", "idempotency_key": "k-1"}
    keep(app_client.client.post(f"/api/v1/channels/{tg_id}/replies", json=reply, headers=bearer))
    for url in (
        "/api/v1/channels",
        f"/api/v1/channels/{tg_id}",
        f"/api/v1/channels/{fb_id}",
        "/channels",
        tg_url,
        fb_url,
        "/audit",
        "/channels/new?platform=facebook",
    ):
        keep(app_client.get(url, headers=bearer if url.startswith("/api") else {}))

    with session_scope(engine) as session:
        audit = [
            json.dumps([r.action, r.object_label, r.before, r.after], default=str)
            for r in session.scalars(select(AuditLog))
        ]
        csv_text = "".join(audit_service.export_csv(session, filters=audit_service.AuditFilter()))
        statuses = [c.status for c in session.scalars(select(Channel).order_by(Channel.id))]
        assert session.get(User, user_id) is not None

    assert statuses == ["never_run", "never_run"]  # both re-authorised after needing it
    assert any("channel.needs_reauth" in a for a in audit) and any("outbox.reply" in a for a in audit)
    assert "access_token=***" in caplog.text or "/bot***" in caplog.text  # the requests were logged, masked
    # The test client's own request log ("httpx2") is not humas' logging; everything else counts.
    logs = "\n".join(r.getMessage() for r in caplog.records if r.name != "httpx2")
    places = {"logs": logs, "pages and API": "\n".join(seen), "audit": "\n".join(audit) + csv_text}
    for place, text in places.items():
        for secret in SECRETS:
            assert secret not in text, f"a credential leaked into the {place}"
