"""Polling through the ingest pipeline on replayed answers: cursor, dedupe, backoff, re-authorisation."""

from __future__ import annotations

from datetime import timedelta

import httpx
import respx
from sqlalchemy import func, select

from humas.channels import runner
from humas.channels import service as channels_service
from humas.channels.models import Channel, Health
from humas.core.db import session_scope
from humas.core.time import utcnow
from humas.ingest.models import Mention
from humas.org.models import AuditLog
from tests.channels.conftest import BOT, GRAPH, load
from tests.channels.factories import make_channel
from tests.factories import make_unit


def _mentions(session, unit_id):
    return session.scalar(select(func.count()).select_from(Mention).where(Mention.unit_id == unit_id))


def _facebook_routes():
    feed = respx.get(f"{GRAPH}/104010002003/feed")
    feed.side_effect = [
        httpx.Response(200, json=load("meta", "fb_feed_page1.json")),
        httpx.Response(200, json=load("meta", "fb_feed_page2.json")),
    ]
    respx.get(f"{GRAPH}/104010002003_5001/comments").respond(200, json=load("meta", "fb_comments.json"))
    respx.get(f"{GRAPH}/104010002003_4999/comments").respond(200, json={"data": []})
    return feed


@respx.mock
def test_full_poll_with_pagination_goes_through_the_pipeline(session):
    unit = make_unit(session)
    channel = make_channel(session, unit=unit, platform="facebook", account_external_id="104010002003")
    feed = _facebook_routes()

    outcome = channels_service.poll_channel(session, channel=channel)

    assert outcome.startswith("ok") and feed.call_count == 2
    assert channel.status == Health.ok and channel.last_success_at is not None
    assert channel.cursor and channel.next_poll_at > utcnow()
    stored = session.scalars(select(Mention).where(Mention.unit_id == unit.id)).all()
    by_id = {m.external_id: m for m in stored}
    assert by_id["5001_7002"].parent_external_id == "5001_7001"
    assert by_id["5001_7001"].sentiment is not None  # analysed by the pipeline
    assert {m.channel_external_id for m in stored} == {"104010002003"}

    # The same answers again (the platform repeats itself): nothing is stored twice.
    count = len(stored)
    _facebook_routes()
    channels_service.poll_channel(session, channel=channel)
    assert _mentions(session, unit.id) == count


@respx.mock
def test_telegram_cursor_is_saved_and_sent_back(session):
    unit = make_unit(session)
    channel = make_channel(session, unit=unit)
    route = respx.get(f"{BOT}/getUpdates")
    route.side_effect = [
        httpx.Response(200, json=load("telegram", "get_updates_page1.json")),
        httpx.Response(200, json=load("telegram", "get_updates_empty.json")),
    ]
    channels_service.poll_channel(session, channel=channel)
    assert channel.cursor == {"offset": 815196409} and _mentions(session, unit.id) == 2
    channels_service.poll_channel(session, channel=channel)
    assert route.calls[1].request.url.params["offset"] == "815196409"
    assert channel.cursor == {"offset": 815196409}


@respx.mock
def test_rate_limit_is_recorded_as_backoff(session):
    unit = make_unit(session)
    channel = make_channel(session, unit=unit)
    respx.get(f"{BOT}/getUpdates").respond(429, json=load("telegram", "error_429.json"))

    outcome = channels_service.poll_channel(session, channel=channel)

    assert outcome == "rate limited for 15s"
    assert channel.status == Health.rate_limited
    wait = channel.rate_limited_until - utcnow()
    assert timedelta(seconds=10) < wait <= timedelta(seconds=15)
    assert channel.next_poll_at == channel.rate_limited_until
    assert channel.id not in channels_service.due_channel_ids(session)
    assert channel.cursor == {} and _mentions(session, unit.id) == 0


@respx.mock
def test_expired_token_needs_reauthorisation_and_raises_an_alert(session):
    unit = make_unit(session)
    channel = make_channel(session, unit=unit, platform="facebook")
    respx.get(f"{GRAPH}/104010002003/feed").respond(400, json=load("meta", "error_190.json"))

    assert channels_service.poll_channel(session, channel=channel) == "needs re-authorisation"
    channels_service.poll_channel(session, channel=channel)  # a second refusal raises no second alert

    assert channel.status == Health.needs_reauth and channel.next_poll_at is None
    assert channel.id not in channels_service.due_channel_ids(session, all_channels=True)
    alerts = session.scalars(
        select(AuditLog).where(
            AuditLog.action == "channel.needs_reauth", AuditLog.object_id == str(channel.id)
        )
    ).all()
    assert len(alerts) == 1 and alerts[0].unit_id == unit.id and alerts[0].actor_id is None


@respx.mock
def test_other_failures_back_off_exponentially(session):
    unit = make_unit(session)
    channel = make_channel(session, unit=unit, interval_s=300)
    respx.get(f"{BOT}/getUpdates").respond(400, json={"ok": False, "error_code": 400, "description": "Bad"})
    for expected in (1, 2):
        channels_service.poll_channel(session, channel=channel)
        assert channel.consecutive_failures == expected
    assert channel.status == Health.error and "Bad" in channel.last_error
    assert channel.next_poll_at - utcnow() > timedelta(seconds=300 * 4 - 5)


@respx.mock
def test_one_failing_channel_never_stops_the_others(committing_engine):
    with session_scope(committing_engine) as session:
        unit = make_unit(session)
        broken = make_channel(session, unit=unit, platform="x").id
        good = make_channel(session, unit=unit).id
        unit_id = unit.id
    respx.get(url__startswith="https://api.x.com/").mock(side_effect=RuntimeError("boom"))
    respx.get(f"{BOT}/getUpdates").respond(200, json=load("telegram", "get_updates_page1.json"))

    outcomes = runner.poll_due(committing_engine)

    assert outcomes[broken].startswith("failed") and outcomes[good].startswith("ok")
    with session_scope(committing_engine) as session:
        assert session.get(Channel, broken).status == Health.error
        assert session.get(Channel, good).status == Health.ok
        assert _mentions(session, unit_id) == 2


@respx.mock
def test_exhausted_rate_limit_headers_push_the_next_poll_to_the_reset(session):
    base = "https://mastodon.example"
    unit = make_unit(session)
    values = {"instance_url": base, "account_id": "14715", "access_token": "masto-token-5566"}
    channel = make_channel(session, unit=unit, platform="mastodon", values=values)
    reset = (utcnow() + timedelta(minutes=20)).replace(microsecond=0)
    headers = {
        "x-ratelimit-limit": "300",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": reset.isoformat(),
    }
    respx.get(f"{base}/api/v1/accounts/14715/statuses").respond(
        200, json=load("mastodon", "statuses_page2.json"), headers=headers
    )
    respx.get(f"{base}/api/v1/notifications").respond(200, json=[], headers=headers)

    assert channels_service.poll_channel(session, channel=channel).startswith("ok")
    assert channel.status == Health.ok and channel.rate_limit["remaining"] == 0
    assert channel.next_poll_at == reset
