"""The channels' write path hands a variant's files and options to the connector, and reads a published
item's counts back from its platform (``channels.service.metrics``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import respx

from humas.channels.service import metrics as channel_metrics
from humas.channels.service.outbox import ChannelJob, _post_extras
from humas.channels.service.writes import send_job
from humas.connectors.line import LinePublisher
from humas.connectors.x import XPublisher
from tests.channels.factories import DEFAULT_VALUES, make_channel
from tests.connectors.conftest import load
from tests.factories import make_unit

X_API = "https://api.x.com/2"
STORE = "https://humas.contoh.go.id/media"


def _job(payload: dict) -> ChannelJob:
    return ChannelJob(
        platform="x",
        values=DEFAULT_VALUES["x"],
        action="post",
        payload=payload,
        key="publishing-variant-7",
        since=datetime.now(UTC),
        receipt=None,
    )


@respx.mock
def test_a_variant_with_files_is_posted_with_all_of_them():
    respx.get(f"{STORE}/a.jpg").respond(200, content=b"a-jpeg")
    respx.get(f"{STORE}/b.jpg").respond(200, content=b"b-jpeg")
    upload = respx.post(f"{X_API}/media/upload").respond(200, json=load("x", "publish/media_upload.json"))
    create = respx.post(f"{X_API}/tweets").respond(201, json=load("x", "create_tweet.json"))
    media = [{"kind": "image", "url": f"{STORE}/a.jpg"}, {"kind": "image", "url": f"{STORE}/b.jpg"}]
    sent = send_job(_job({"text": "Dua foto", "image_url": f"{STORE}/a.jpg", "media": media, "options": {}}))
    assert upload.call_count == 2 and create.call_count == 1
    assert json.loads(create.calls[0].request.content)["media"]["media_ids"] == ["1146654567674912769"] * 2
    assert sent.external_id == "1456012973835788293"


def test_only_publishers_that_take_files_are_given_them():
    payload = {"text": "t", "media": [{"kind": "image", "url": "u"}], "options": {"title": "Judul"}}
    assert _post_extras(XPublisher.__new__(XPublisher), payload) == {
        "media": payload["media"],
        "options": {"title": "Judul"},
    }
    assert _post_extras(LinePublisher.__new__(LinePublisher), payload) == {}
    assert _post_extras(XPublisher.__new__(XPublisher), {"text": "t", "media": []}) == {}


@respx.mock
def test_metrics_are_read_from_the_platform(session):
    channel = make_channel(session, unit=make_unit(session), platform="x")
    respx.get(f"{X_API}/tweets/1445880548472328192").respond(
        200, json=load("x", "publish/tweet_public_metrics.json")
    )
    counts = channel_metrics.read_post_metrics(channel, "1445880548472328192")
    assert counts == {"likes": 12, "replies": 3, "reposts": 4, "quotes": 1, "views": 900, "bookmarks": 2}


@respx.mock
def test_a_failed_or_impossible_read_gives_none(session, caplog):
    unit = make_unit(session)
    x_channel = make_channel(session, unit=unit, platform="x")
    respx.get(f"{X_API}/tweets/1").respond(401, json=load("x", "error_401.json"))
    assert channel_metrics.read_post_metrics(x_channel, "1") is None
    assert "x-user-token-3344" not in caplog.text  # the token never reaches the log
    telegram = make_channel(session, unit=unit, platform="telegram")  # the Bot API counts nothing
    assert channel_metrics.read_post_metrics(telegram, "-100:1") is None
