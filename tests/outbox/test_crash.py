"""A worker killed between the other side's answer and the row's update: the retry reconciles, never sends
twice. Channel reply: X (respx plays the platform, which keeps what it was sent): one POST, the reply found
by reconcile. Alert: a real local webhook receiver that drops a repeated delivery id, and a real SMTP server
(aiosmtpd) that receives the resend with the same Message-ID; and a real worker process killed with SIGKILL
right after the receiver answered."""

from __future__ import annotations

import email
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from aiosmtpd.controller import Controller
from sqlalchemy import select

from humas.channels import service as channels_service
from humas.core.db import session_scope
from humas.core.time import utcnow
from humas.listening.models import AlertEvent, AlertRule
from humas.listening.service import deliveries, rules
from humas.org.models import User
from humas.outbox import runner, transport
from humas.outbox.models import OutboxMessage
from humas.outbox.settings import DeliverySettings
from tests.channels.factories import make_channel
from tests.factories import make_unit, make_user
from tests.outbox.conftest import WorkerKilled, kill_worker
from tests.smtp import Inbox, free_port

X_API = "https://api.x.com/2"
PARENT = "1301573587187331999"
REPLY_TEXT = "Terima kasih, laporan Anda sudah kami teruskan ke KPP Pratama terkait."


class FakeX:
    """The X API as far as a reply goes: POST /2/tweets keeps the tweet; the user timeline shows it."""

    def __init__(self) -> None:
        self.timeline: list[dict[str, Any]] = []

    def create(self, request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        tweet = {
            "id": str(1456012973835788293 + len(self.timeline)),
            "text": sent["text"],
            "author_id": "783214",
            "created_at": utcnow().strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "conversation_id": PARENT,
            "referenced_tweets": [{"type": "replied_to", "id": sent["reply"]["in_reply_to_tweet_id"]}],
        }
        self.timeline.insert(0, tweet)
        return httpx.Response(201, json={"data": {"id": tweet["id"], "text": tweet["text"]}})

    def user_tweets(self, request: httpx.Request) -> httpx.Response:
        if not self.timeline:
            return httpx.Response(200, json={"meta": {"result_count": 0}})
        meta = {"result_count": len(self.timeline), "newest_id": self.timeline[0]["id"]}
        return httpx.Response(200, json={"data": self.timeline, "meta": meta})


def _row(engine, message_id: int) -> OutboxMessage:
    with session_scope(engine) as session:
        row = session.get(OutboxMessage, message_id)
        session.expunge(row)
        return row


@respx.mock
def test_a_reply_whose_worker_died_after_posting_is_reconciled_not_posted_again(app_db, monkeypatch):
    platform = FakeX()
    post = respx.post(f"{X_API}/tweets").mock(side_effect=platform.create)
    respx.get(f"{X_API}/users/783214/tweets").mock(side_effect=platform.user_tweets)
    with session_scope(app_db) as session:
        user = make_user(session, roles=("admin",))
        channel_id, user_id = make_channel(session, unit=user.unit, platform="x").id, user.id
    queued: list[int] = []
    monkeypatch.setattr("humas.outbox.tasks.send_message_task", lambda message_id: queued.append(message_id))
    with session_scope(app_db) as session:
        channel = channels_service.get_channel(session, channel_id)
        entry = channels_service.queue_reply(
            session,
            channel=channel,
            parent_external_id=PARENT,
            text=REPLY_TEXT,
            actor=session.get(User, user_id),
            idempotency_key="inbox-reply-77",
        )
        entry_id = entry.id
    assert queued == [entry_id]  # queued for the worker after the commit
    with pytest.raises(WorkerKilled):  # the worker posts, then dies before it can write down the answer
        runner.send_message(app_db, entry_id, after_send=kill_worker)
    assert post.call_count == 1 and len(platform.timeline) == 1  # the platform has the reply ...
    crashed = _row(app_db, entry_id)
    assert crashed.status == "sending" and crashed.external_id is None  # ... the row does not know it

    assert runner.send_due(app_db) == {}  # the dead worker's lease still holds
    after_lease = utcnow() + timedelta(minutes=6)
    assert runner.send_due(app_db, now=after_lease) == {entry_id: "sent"}

    assert post.call_count == 1  # reconciled, not posted twice
    row = _row(app_db, entry_id)
    assert row.external_id == platform.timeline[0]["id"] and row.attempts == 2 and row.last_error is None
    assert runner.send_due(app_db, now=after_lease + timedelta(hours=1)) == {}


class DedupingReceiver(BaseHTTPRequestHandler):
    """A webhook receiver that checks the signature and processes each delivery id once."""

    secret = ""
    received: list[bytes] = []
    processed: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        cls = type(self)
        cls.received.append(body)
        if not transport.verify_webhook(body, dict(self.headers), secret=cls.secret):
            self.send_response(401)
        else:
            delivery = json.loads(body)
            if delivery["delivery_id"] not in {p["delivery_id"] for p in cls.processed}:
                cls.processed.append(delivery)
            self.send_response(200)  # a duplicate is acknowledged and dropped
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    DedupingReceiver.secret, DedupingReceiver.received, DedupingReceiver.processed = "rahasia-hook", [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), DedupingReceiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/humas"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings = DeliverySettings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="humas@kemenkeu.test")
    monkeypatch.setattr(deliveries, "get_delivery_settings", lambda: settings)
    try:
        yield inbox
    finally:
        controller.stop()


def test_an_alert_whose_worker_died_after_sending_is_not_delivered_twice(app_db, monkeypatch, receiver, smtp):
    with session_scope(app_db) as session:
        unit = make_unit(session)
        actor = make_user(session, unit=unit)
        rule = rules.create_rule(
            session,
            unit=unit,
            actor=actor,
            data=rules.RuleInput(
                name="Bocor",
                kind="keyword",
                keyword="bocor",
                emails=["analis@kemenkeu.test"],
                webhook_url=receiver,
                webhook_secret="rahasia-hook",
            ),
        )
        rule_id = rule.id
    queued: list[int] = []
    monkeypatch.setattr("humas.outbox.tasks.send_message_task", lambda message_id: queued.append(message_id))
    with session_scope(app_db) as session:
        event = AlertEvent(
            rule_id=rule_id,
            unit_id=unit.id,
            group_key="bocor",
            kind="keyword",
            occurred_at=utcnow(),
            subject="Sebutan baru: bocor",
            text="Ada 3 sebutan baru dengan kata bocor.",
            payload={"html": "<p>Ada 3 sebutan baru</p>"},
        )
        session.add(event)
        session.flush()
        rows = deliveries.queue_deliveries(session, event=event, rule=session.get(AlertRule, rule_id))
        ids = {row.medium: row.id for row in rows}
    assert sorted(queued) == sorted(ids.values())  # queued for the worker after the commit
    for message_id in queued:  # the worker sends each, and dies before it can write down the answer
        with pytest.raises(WorkerKilled):
            runner.send_message(app_db, message_id, after_send=kill_worker)
    assert {_row(app_db, i).status for i in ids.values()} == {"sending"}
    assert len(DedupingReceiver.received) == 1 and len(smtp.messages) == 1

    outcomes = runner.send_due(app_db, now=utcnow() + timedelta(minutes=6))

    assert outcomes == {ids["email"]: "sent", ids["webhook"]: "sent"}
    # The webhook went again with the same delivery id: the receiver saw it twice and processed it once.
    sent_ids = [json.loads(b)["delivery_id"] for b in DedupingReceiver.received]
    assert len(sent_ids) == 2 and len(set(sent_ids)) == 1 and len(DedupingReceiver.processed) == 1
    # The e-mail went again with the same Message-ID: a duplicate that mail systems recognise as one.
    parsed = [email.message_from_bytes(raw, policy=policy.default) for *_x, raw in smtp.messages]
    assert len(parsed) == 2 and len({m["Message-ID"] for m in parsed}) == 1
    with session_scope(app_db) as session:
        stored = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(r.status, r.attempts) for r in stored] == [("sent", 2), ("sent", 2)]
    assert _row(app_db, ids["email"]).external_id == parsed[0]["Message-ID"]


def test_a_worker_process_killed_by_sigkill_after_the_answer_delivers_once(app_db, monkeypatch, receiver):
    with session_scope(app_db) as session:
        unit = make_unit(session)
        actor = make_user(session, unit=unit)
        data = rules.RuleInput(
            name="Hook", kind="keyword", keyword="x", webhook_url=receiver, webhook_secret="rahasia-hook"
        )
        rule = rules.create_rule(session, unit=unit, actor=actor, data=data)
        rule_id = rule.id
    monkeypatch.setattr("humas.outbox.tasks.send_message_task", lambda message_id: None)  # sent below
    with session_scope(app_db) as session:
        event = AlertEvent(
            rule_id=rule_id, unit_id=unit.id, group_key="k", kind="keyword", occurred_at=utcnow(),
            subject="Sebutan baru", text="Ada sebutan baru.",
        )  # fmt: skip
        session.add(event)
        session.flush()
        (row,) = deliveries.queue_deliveries(session, event=event, rule=session.get(AlertRule, rule_id))
        row_id = row.id
    worker = subprocess.run(
        [sys.executable, "-m", "tests.outbox.send_worker", app_db.url.render_as_string(hide_password=False),
         str(row_id)],
        cwd=Path(__file__).parents[2], env={**os.environ, "HUMAS_IMMEDIATE_JOBS": "1"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert worker.returncode == -signal.SIGKILL, worker.stderr[-2000:]
    assert len(DedupingReceiver.received) == 1 and _row(app_db, row_id).status == "sending"

    assert runner.send_due(app_db, now=utcnow() + timedelta(minutes=6)) == {row_id: "sent"}

    sent_ids = [json.loads(b)["delivery_id"] for b in DedupingReceiver.received]
    assert len(sent_ids) == 2 and len(set(sent_ids)) == 1 and len(DedupingReceiver.processed) == 1
