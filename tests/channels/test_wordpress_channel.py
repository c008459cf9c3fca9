"""A WordPress site as a channel: connected after one real probe with its application password, polled
through the pipeline (articles and comments stored once), and a refused password asks for re-authorisation."""

from __future__ import annotations

import respx
from sqlalchemy import select

from humas.channels import service as channels_service
from humas.channels.models import Health
from humas.ingest.models import Mention
from tests.channels.factories import make_channel
from tests.connectors.conftest import load
from tests.factories import make_unit, make_user

SITE = "https://diskominfo.contoh.go.id"
API = f"{SITE}/wp-json/wp/v2"
VALUES = {"site_url": SITE, "username": "humas", "application_password": "abcd EFGH 1234 ijkl"}


@respx.mock
def test_add_a_wordpress_channel_checks_the_application_password(session):
    me = respx.get(f"{API}/users/me").respond(200, json={"id": 2, "name": "Humas"})
    admin = make_user(session)
    channel = channels_service.add_channel(
        session, unit=admin.unit, platform="wordpress", name="Situs Diskominfo", values=VALUES, actor=admin
    )
    assert me.call_count == 1 and me.calls[0].request.headers["authorization"].startswith("Basic ")
    assert channel.account_external_id == SITE
    assert "abcd EFGH" not in channel.credentials_encrypted


@respx.mock
def test_a_poll_stores_articles_and_comments_once(session):
    channel = make_channel(session, unit=make_unit(session), platform="wordpress", values=VALUES)
    respx.get(f"{API}/posts").respond(
        200, json=load("wordpress", "posts.json"), headers={"X-WP-TotalPages": "1"}
    )
    respx.get(f"{API}/comments").respond(
        200, json=load("wordpress", "comments.json"), headers={"X-WP-TotalPages": "1"}
    )
    channels_service.poll_channel(session, channel=channel)
    channels_service.poll_channel(session, channel=channel)
    stored = session.scalars(select(Mention).where(Mention.platform == "wordpress")).all()
    assert sorted(m.external_id for m in stored) == ["101", "101:55", "101:56", "102"]
    assert channel.status == Health.ok.value


@respx.mock
def test_a_refused_application_password_asks_for_reauthorisation(session):
    channel = make_channel(session, unit=make_unit(session), platform="wordpress", values=VALUES)
    respx.get(f"{API}/posts").respond(401, json=load("wordpress", "error_401.json"))
    channels_service.poll_channel(session, channel=channel)
    assert channel.status == Health.needs_reauth.value
