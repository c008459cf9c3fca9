"""End to end: a real huey worker (`humas worker`, a subprocess) on the SQLite queue and on the Redis queue
picks up a task queued after a commit (`enqueue_after_commit`) and does its work: an alert's webhook delivery
(an outbox row) reaches a local receiver and the row is recorded as sent in the database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import select

from humas.core import migrations
from humas.core.db import get_engine, session_scope
from humas.core.time import utcnow
from humas.jobs import huey
from humas.listening.models import AlertEvent
from humas.listening.service import deliveries, rules
from humas.outbox.models import OutboxMessage
from tests.conftest import FERNET_KEY
from tests.factories import make_unit, make_user

REDIS_URL = os.environ.get("HUMAS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802
        type(self).received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hook_url() -> Iterator[str]:
    Hook.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


@pytest.fixture(params=["sqlite-queue", "redis-queue"])
def real_queue(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict]:
    """The app's huey instance on a real queue (not immediate mode) and the settings a worker needs for it."""
    name = f"humas-e2e-{uuid.uuid4().hex[:8]}"
    if request.param == "sqlite-queue":
        path = str(tmp_path / "queue.db")
        storage: Any = SqliteStorage(name, filename=path)
        env = {"HUMAS_QUEUE_PATH": path}
    else:
        storage = RedisStorage(name, url=REDIS_URL)
        env = {"HUMAS_REDIS_URL": REDIS_URL}
    monkeypatch.setattr(huey, "storage", storage)
    monkeypatch.setattr(huey, "_immediate", False)
    yield {**env, "HUMAS_QUEUE_NAME": name}
    storage.flush_all()


def _worker(env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    humas = Path(sys.executable).with_name("humas")
    full = {**os.environ, **env, "HUMAS_IMMEDIATE_JOBS": "0", "HUMAS_FERNET_KEY": FERNET_KEY}
    log = open(cwd / "worker.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [str(humas), "worker", "--workers", "1", "--no-periodic"], env=full, cwd=cwd, stdout=log, stderr=log
    )


def _queue_an_alert(hook_url: str) -> int:
    with session_scope() as session:
        unit = make_unit(session)
        actor = make_user(session, unit=unit)
        data = rules.RuleInput(
            name="e2e", kind="keyword", keyword="bocor", webhook_url=hook_url, webhook_secret="s"
        )
        rule = rules.create_rule(session, unit=unit, actor=actor, data=data)
        event = AlertEvent(
            rule_id=rule.id,
            unit_id=unit.id,
            group_key="e2e",
            kind="keyword",
            occurred_at=utcnow(),
            subject="Sebutan baru: bocor",
            text="Ada sebutan baru.",
        )
        session.add(event)
        session.flush()
        (row,) = deliveries.queue_deliveries(session, event=event, rule=rule)
        assert huey.pending_count() == 0  # nothing is queued before the commit
        return row.id


def test_a_real_worker_runs_a_task_queued_after_commit(
    use_database, real_queue, hook_url, tmp_path, fernet_key
):
    migrations.upgrade(get_engine())
    row_id = _queue_an_alert(hook_url)
    assert huey.pending_count() == 1  # queued by the commit
    worker = _worker({**real_queue, "HUMAS_DATABASE_URL": use_database}, tmp_path)
    try:
        status = _wait_for_sent(row_id, timeout=90)
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert status == "sent", log[-3000:]
    assert [r["text"] for r in Hook.received] == ["Ada sebutan baru."]
    assert huey.pending_count() == 0  # the worker took it off the queue


def _wait_for_sent(row_id: int, *, timeout: float) -> str:
    deadline, status = time.monotonic() + timeout, "pending"
    while time.monotonic() < deadline:
        with session_scope() as session:
            status = session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == row_id)) or "gone"
        if status in ("sent", "failed"):
            return status
        time.sleep(0.5)
    return status
