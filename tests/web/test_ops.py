"""/healthz, /readyz and /metrics: liveness without the database, readiness that fails while the database
(or Redis) cannot be reached, and every named Prometheus series in the exposition."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from humas.core.settings import get_settings
from humas.core.time import utcnow
from humas.ingest.service.pipeline import ingest_items
from humas.outbox import service as outbox_service
from humas.web.metrics import series_names
from tests.channels.factories import make_channel
from tests.factories import make_unit
from tests.ingest.helpers import fake_analyze, item

LOOPBACK = ("127.0.0.1", 40000)
NAMED_SERIES = {
    "humas_http_request_duration_seconds",  # request latencies per route template
    "humas_queue_tasks",  # queue depth
    "humas_outbox_messages",  # outbox backlog by status
    "humas_ingest_mentions_last_minute",  # ingest rate
    "humas_channel_last_success_timestamp_seconds",  # last successful poll per channel
}
CLOSED_PORT_PG = "postgresql://postgres@127.0.0.1:1/test?connect_timeout=2"


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _app_on(url: str, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """The real app (its own `get_db`, no test override) on the database at `url`."""
    from humas.core.db import get_engine
    from humas.web.app import create_app

    monkeypatch.setenv("HUMAS_DATABASE_URL", url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    return TestClient(create_app(), client=LOOPBACK, raise_server_exceptions=False)


def test_readiness_fails_while_the_database_is_unreachable(settings_env) -> None:
    from humas.core.db import get_engine

    try:
        client = _app_on(CLOSED_PORT_PG, settings_env)
        live = client.get("/healthz")
        assert live.status_code == 200 and live.json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["status"] == "unavailable"
        assert ready.json()["checks"]["database"].startswith("unreachable: OperationalError")
        # The scrape still answers (the latencies), and says the state could not be read.
        scrape = client.get("/metrics")
        assert scrape.status_code == 200 and "humas_state_up 0.0" in scrape.text
    finally:
        get_engine().dispose()
        get_engine.cache_clear()


def test_readiness_checks_redis_when_it_is_the_queue(settings_env, use_database: str) -> None:
    from humas.core import migrations
    from humas.core.db import get_engine

    migrations.upgrade(get_engine())
    settings_env.setenv("HUMAS_REDIS_URL", "redis://127.0.0.1:6379/15")
    assert _app_on(use_database, settings_env).get("/readyz").json() == {
        "status": "ready",
        "checks": {"database": "ok", "queue": "ok"},
    }
    settings_env.setenv("HUMAS_REDIS_URL", "redis://127.0.0.1:1/0")
    down = _app_on(use_database, settings_env).get("/readyz")
    assert down.status_code == 503
    assert down.json()["checks"] == {"database": "ok", "queue": "unreachable: ConnectionError"}


def test_metrics_expose_every_named_series(web_app, session, fernet_key) -> None:
    unit = make_unit(session)
    polled = make_channel(session, unit=unit, platform="telegram")
    polled.last_success_at = utcnow() - timedelta(minutes=3)
    never = make_channel(session, unit=unit, platform="x")
    outbox_service.enqueue(
        session,
        kind="channel.reply",
        key="ops-test-1",
        owner_type="channel",
        owner_id=polled.id,
        send_now=False,
    )
    items = [item(f"layanan bagus nomor {n}") for n in range(3)]
    assert ingest_items(session, items, unit=unit, analyzer=fake_analyze).added == 3
    session.flush()

    client = TestClient(web_app, client=LOOPBACK)
    assert client.get("/healthz").status_code == 200
    assert client.get(f"/channels/{polled.id}", follow_redirects=False).status_code in (302, 303, 401)
    assert client.post(f"/webhooks/meta/{never.id}", content=b"{}").status_code == 404  # x takes no webhooks
    text = client.get("/metrics").text

    assert NAMED_SERIES <= series_names(text), NAMED_SERIES - series_names(text)
    assert 'route="/channels/{channel_id}"' in text and 'route="/healthz"' in text
    assert 'route="/webhooks/meta/{channel_id:int}",status="4xx"' in text
    assert 'humas_outbox_messages{status="pending"} 1.0' in text
    assert "humas_ingest_mentions_last_minute 3.0" in text
    last = "humas_channel_last_success_timestamp_seconds"
    assert _sample(text, f'{last}{{channel_id="{polled.id}",platform="telegram"}}') == pytest.approx(
        polled.last_success_at.timestamp()
    )
    assert _sample(text, f'{last}{{channel_id="{never.id}",platform="x"}}') == 0.0
    assert 'humas_queue_tasks{queue="' in text and "humas_state_up 1.0" in text


def _sample(text: str, series: str) -> float:
    values = [line.rpartition(" ")[2] for line in text.splitlines() if line.startswith(series + " ")]
    assert len(values) == 1, f"{series} not exactly once"
    return float(values[0])


def test_metrics_need_loopback_or_the_token(web_app, settings_env) -> None:
    remote = TestClient(web_app, client=("203.0.113.9", 40000))
    assert remote.get("/metrics").status_code == 403
    settings_env.setenv("HUMAS_METRICS_TOKEN", "scrape-secret-123")
    get_settings.cache_clear()
    assert remote.get("/metrics", headers={"authorization": "Bearer wrong"}).status_code == 403
    ok = remote.get("/metrics", headers={"authorization": "Bearer scrape-secret-123"})
    assert ok.status_code == 200 and "humas_outbox_messages" in ok.text
    # Probes are open to the load balancer.
    assert remote.get("/healthz").status_code == 200 and remote.get("/readyz").status_code == 200
