"""The LINE receiver: a delivery signed with the channel secret is stored once and ingested as a DM."""

from __future__ import annotations

from sqlalchemy import func, select

from humas.channels.models import WebhookDelivery
from humas.connectors.line import sign
from humas.core.db import session_scope
from humas.ingest.models import Mention
from tests.channels.factories import make_channel
from tests.connectors.conftest import fixture_path
from tests.factories import make_unit

SECRET = "line-rahasia-secret-5678"
VALUES = {"channel_access_token": "line-rahasia-token-1234", "channel_secret": SECRET}


def _channel(engine) -> int:
    with session_scope(engine) as session:
        return make_channel(session, unit=make_unit(session), platform="line", values=VALUES).id


def _post(client, channel_id, body, signature):
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["x-line-signature"] = signature
    return client.client.post(f"/webhooks/line/{channel_id}", content=body, headers=headers)


def _counts(engine):
    with session_scope(engine) as session:
        deliveries = session.scalar(select(func.count()).select_from(WebhookDelivery))
        return deliveries, session.scalar(select(func.count()).select_from(Mention))


def test_a_signed_message_is_stored_once_and_ingested(app_client):
    channel_id = _channel(app_client.engine)
    body = fixture_path("line", "webhook_text_message.json").read_bytes()
    assert _post(app_client, channel_id, body, sign(body, SECRET)).status_code == 200
    assert _post(app_client, channel_id, body, sign(body, SECRET)).status_code == 200  # a redelivery
    assert _counts(app_client.engine) == (1, 1)
    with session_scope(app_client.engine) as session:
        mention = session.scalars(select(Mention)).one()
        assert mention.platform == "line" and mention.external_id == "468789577898262530"


def test_forged_unsigned_and_foreign_deliveries_are_refused(app_client):
    channel_id = _channel(app_client.engine)
    body = fixture_path("line", "webhook_text_message.json").read_bytes()
    assert _post(app_client, channel_id, body, sign(body, "not-the-channel-secret")).status_code == 401
    assert _post(app_client, channel_id, body, "forged").status_code == 401
    assert _post(app_client, channel_id, body, None).status_code == 401
    tampered = body.replace(b"KTP", b"SIM")
    assert _post(app_client, channel_id, tampered, sign(body, SECRET)).status_code == 401
    assert (
        _post(app_client, channel_id, b"{}", sign(b"{}", SECRET)).status_code == 400
    )  # signed, not a delivery
    assert _post(app_client, channel_id + 999, body, sign(body, SECRET)).status_code == 404
    assert _counts(app_client.engine) == (0, 0)


def test_follow_and_the_verify_ping_are_accepted_and_store_nothing_public(app_client):
    channel_id = _channel(app_client.engine)
    for name in ("webhook_verify_empty.json", "webhook_follow_unfollow.json"):
        body = fixture_path("line", name).read_bytes()
        assert _post(app_client, channel_id, body, sign(body, SECRET)).status_code == 200
    assert _counts(app_client.engine)[1] == 0
