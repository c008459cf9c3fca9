"""A library image on a post, through the outbox to X, on a database whose transactions commit: the sender
uploads the derived JPEG (upright, no EXIF, no GPS) with the file's alt text, then the post carries its id.

X is played by respx with its recorded answers (tests/connectors/fixtures/x/publish/SOURCES.md:
``POST /2/media/upload``, ``POST /2/media/metadata``; tests/connectors/fixtures/x/SOURCES.md:
``POST /2/tweets``).
"""

from __future__ import annotations

import json
from datetime import timedelta
from io import BytesIO

import pytest
import respx
from PIL import Image

from humas.core.db import session_scope
from humas.core.time import utcnow
from humas.outbox import runner
from humas.publishing import service as publishing_service
from humas.publishing import tasks
from humas.publishing.models import Post, PostStatus
from humas.publishing.service import PostInput, VariantInput
from humas.publishing.service import media as media_service
from tests.channels.conftest import load
from tests.publishing.factories import approve_all, make_chain, make_desk
from tests.publishing.media_files import jpeg_with_exif, media_dir_fixture  # noqa: F401

X_API = "https://api.x.com/2"


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    ids: list[int] = []
    monkeypatch.setattr("humas.outbox.tasks.send_message_task", lambda message_id: ids.append(message_id))
    return ids


@respx.mock
def test_a_library_image_reaches_x_as_its_clean_derived_file(app_db, media_dir, queued):
    upload = respx.post(f"{X_API}/media/upload").respond(200, json=load("x", "publish/media_upload.json"))
    metadata = respx.post(f"{X_API}/media/metadata").respond(
        200, json=load("x", "publish/media_metadata.json")
    )
    tweet = respx.post(f"{X_API}/tweets").respond(201, json=load("x", "create_tweet.json"))
    with session_scope(app_db) as session:
        desk = make_desk(session, platform="x")
        media, _ = media_service.upload_media(
            session, actor=desk.drafter, unit=desk.unit, data=jpeg_with_exif(), alt_text="Peta posko"
        )
        make_chain(session, desk)
        variant = VariantInput(
            desk.channel.id, "Posko banjir dibuka.", [{"kind": "image", "media_id": media.id}]
        )
        data = PostInput(title="Posko", body="Posko banjir dibuka.", variants=[variant])
        post = publishing_service.create_post(session, unit_id=desk.unit.id, data=data, actor=desk.drafter)
        publishing_service.submit_post(session, post=post, actor=desk.drafter)
        approve_all(session, post, desk.reviewer)
        publishing_service.schedule_post(
            session, post=post, at=utcnow() + timedelta(minutes=1), actor=desk.drafter
        )
        post_id = post.id

    assert tasks.run_tick(now=utcnow() + timedelta(minutes=2))["published"] == [post_id]
    with session_scope(app_db) as session:
        row_id = session.get(Post, post_id).variants[0].outbox_message_id
    assert row_id in queued and runner.send_message(app_db, row_id) == "sent"

    assert upload.call_count == 1 and metadata.call_count == 1 and tweet.call_count == 1
    body = upload.calls[0].request.content
    start = body.index(b"\xff\xd8")  # the JPEG inside the multipart body
    sent = Image.open(BytesIO(body[start : body.index(b"\xff\xd9", start) + 2]))
    assert sent.size == (20, 40) and len(sent.getexif()) == 0  # upright, no EXIF
    assert b"KameraHumas" not in body and b"media_category" in body
    alt = json.loads(metadata.calls[0].request.content)["metadata"]["alt_text"]["text"]
    assert alt == "Peta posko"
    assert json.loads(tweet.calls[0].request.content)["media"] == {"media_ids": ["1146654567674912769"]}
    with session_scope(app_db) as session:
        assert session.get(Post, post_id).status == PostStatus.terbit
