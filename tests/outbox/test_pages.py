"""The outbox shows itself where people look: the alert history (status, last error, Retry) and the
channel page's recent writes (status, last error)."""

from __future__ import annotations

import html
from collections.abc import Iterator

import httpx
import pytest
import respx
from sqlalchemy import select

from humas.channels import service as channels_service
from humas.core.db import session_scope
from humas.core.time import utcnow
from humas.listening.models import AlertEvent
from humas.listening.service import deliveries, rules
from humas.org.models import AuditLog
from humas.outbox.models import OutboxMessage
from tests.channels.conftest import AppClient
from tests.channels.factories import make_channel
from tests.factories import make_unit, make_user

HOOK = "https://penerima.example/hook"


@pytest.fixture
def client(app_db) -> Iterator[AppClient]:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from humas.web.app import create_app

    with TestClient(create_app(), base_url="http://testserver") as test_client:
        yield AppClient(test_client, app_db)


@respx.mock
def test_a_failed_alert_delivery_shows_its_error_and_is_retried_by_hand(client):
    hook = respx.post(HOOK).mock(return_value=httpx.Response(410, text="<b>gone</b>"))
    with session_scope(client.engine) as session:
        unit = make_unit(session)
        user = make_user(session, unit=unit, roles=("admin",))
        data = rules.RuleInput(
            name="Hook", kind="keyword", keyword="x", webhook_url=HOOK, webhook_secret="s3"
        )
        rule = rules.create_rule(session, unit=unit, actor=user, data=data)
        event = AlertEvent(
            rule_id=rule.id, unit_id=unit.id, group_key="g", kind="keyword", occurred_at=utcnow(),
            subject="Sebutan baru", text="Ada sebutan baru.",
        )  # fmt: skip
        session.add(event)
        session.flush()
        (row,) = deliveries.queue_deliveries(session, event=event, rule=rule)
        row_id, user_id = row.id, user.id
    client.login(user_id)
    page = client.get("/listening/alerts")
    assert 'data-status="failed"' in page.text and "webhook HTTP 410" in page.text
    assert "<b>gone</b>" not in page.text and "&lt;b&gt;gone&lt;/b&gt;" in page.text  # escaped
    assert f"/listening/alerts/deliveries/{row_id}/retry" in page.text

    hook.mock(return_value=httpx.Response(204))
    after = client.post(f"/listening/alerts/deliveries/{row_id}/retry")
    assert after.status_code == 200 and 'data-status="sent"' in after.text
    assert hook.call_count == 2
    with session_scope(client.engine) as session:
        assert session.get(OutboxMessage, row_id).status == "sent"


@respx.mock
def test_the_channel_page_lists_writes_with_their_last_error_and_retries_one(client):
    tweets = respx.post("https://api.x.com/2/tweets")
    tweets.respond(
        403, json={"title": "Forbidden", "detail": "You are not permitted to perform this action."}
    )
    with session_scope(client.engine) as session:
        user = make_user(session, roles=("admin",))
        channel = make_channel(session, unit=user.unit, platform="x")
        other = make_channel(session, unit=user.unit, platform="telegram")
        channels_service.queue_post(session, channel=channel, text="Info layanan.", actor=user)
        channel_id, other_id, user_id = channel.id, other.id, user.id
    client.login(user_id)
    page = client.get(f"/channels/{channel_id}")
    assert 'data-testid="outbox-row" data-status="failed"' in page.text
    with session_scope(client.engine) as session:
        (row,) = session.scalars(select(OutboxMessage)).all()
        error = row.last_error
    assert "permitted" in error and html.escape(error[:60]) in page.text
    retry = f"/channels/{channel_id}/writes/{row.id}/retry"
    assert retry in page.text
    # A write is reached only through its own channel.
    assert client.post(f"/channels/{other_id}/writes/{row.id}/retry").status_code == 404

    tweets.respond(201, json={"data": {"id": "1456012973835788293", "text": "Info layanan."}})
    after = client.post(retry)
    assert after.status_code == 200 and 'data-testid="outbox-row" data-status="sent"' in after.text
    assert tweets.call_count == 2
    with session_scope(client.engine) as session:
        assert session.get(OutboxMessage, row.id).external_id == "1456012973835788293"
        assert session.scalar(select(AuditLog.id).where(AuditLog.action == "outbox.retry")) is not None
