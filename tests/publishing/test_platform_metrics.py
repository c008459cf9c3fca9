"""Metrics after publishing are read from the platform first (the connector's ``metrics``), polling's last
sighting only when the platform cannot be read; and a variant's payload carries its files and title."""

from __future__ import annotations

from datetime import timedelta

import respx

from humas.core.time import utcnow
from humas.publishing.models import VariantState
from humas.publishing.service import metrics as publishing_metrics
from humas.publishing.service.publish import _payload
from tests.connectors.conftest import load
from tests.publishing.factories import make_desk, make_post

X_API = "https://api.x.com/2"


def _published(session):
    desk = make_desk(session, platform="x")
    post = make_post(session, desk, title="Layanan Sabtu")
    variant = post.variants[0]
    variant.state, variant.external_id = VariantState.terbit.value, "1445880548472328192"
    variant.published_at = utcnow() - timedelta(hours=2)
    session.flush()
    return variant


@respx.mock
def test_counts_come_from_the_platform(session):
    variant = _published(session)
    route = respx.get(f"{X_API}/tweets/1445880548472328192").respond(
        200, json=load("x", "publish/tweet_public_metrics.json")
    )
    row = publishing_metrics.read_metrics(session, variant=variant)
    assert route.call_count == 1
    assert row is not None
    assert (row.likes, row.comments, row.shares, row.views) == (12, 3, 4, 900)


@respx.mock
def test_an_unreadable_platform_gives_no_row_and_the_schedule_moves_on(session):
    variant = _published(session)
    respx.get(f"{X_API}/tweets/1445880548472328192").respond(401, json=load("x", "error_401.json"))
    before = variant.metrics_next_at
    assert publishing_metrics.read_metrics(session, variant=variant) is None  # nothing polled either
    assert variant.metrics_next_at is not None and variant.metrics_next_at != before


def test_the_payload_carries_every_file_and_the_title(session):
    variant = _published(session)
    variant.media = [
        {"kind": "image", "url": "https://humas.contoh.go.id/media/a.jpg"},
        {"kind": "video", "url": "https://humas.contoh.go.id/media/b.mp4", "seconds": 30},
    ]
    payload = _payload(variant)
    assert payload["image_url"] == "https://humas.contoh.go.id/media/a.jpg"
    assert payload["media"] == variant.media
    assert payload["options"] == {"title": "Layanan Sabtu"}
