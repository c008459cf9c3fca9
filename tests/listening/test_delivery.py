"""Alert delivery: e-mail to a real local SMTP server, Telegram (respx), webhook to a real local receiver."""

from __future__ import annotations

import email
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import respx
from aiosmtpd.controller import Controller

from humas.listening.alert_text import Alert, AlertKind, render_alert
from humas.outbox.policy import Policy
from humas.outbox.settings import DeliverySettings
from humas.outbox.transport import (
    Outcome,
    message_id_for,
    send_email,
    send_telegram,
    send_webhook,
    verify_webhook,
    webhook_request,
)
from tests.smtp import Inbox, free_port

# The outbox's one retry policy, without jitter so that its delays can be read exactly.
POLICY = Policy(base_s=1.0, jitter=0.0)

HOSTILE = '<script>alert("x")</script> & <b>bocor</b>'
ALERT = Alert(
    kind=AlertKind.SPIKE,
    subject="Kanwil DJPb <Jawa Barat>",
    occurred_at=datetime(2026, 11, 24, 3, 0, tzinfo=UTC),
    value=420,
    expected=60,
    url="https://humas.example.go.id/pantauan/spikes/7",
    keyphrases=("dokumen rahasia", "bocor"),
    examples=(HOSTILE, "Benarkah dokumen rahasia KPPN bocor?"),
)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, DeliverySettings]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, DeliverySettings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="humas@kemenkeu.test")
    finally:
        controller.stop()


def test_email_reaches_a_real_smtp_server_with_escaped_html(smtp):
    inbox, settings = smtp
    result = send_email(render_alert(ALERT), to=["analis@kemenkeu.test"], settings=settings)
    assert result.ok and result.remote_id
    ((sender, rcpts, raw),) = inbox.messages
    assert sender == "humas@kemenkeu.test" and rcpts == ["analis@kemenkeu.test"]
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == "Lonjakan sebutan: Kanwil DJPb <Jawa Barat>"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "420 sebutan" in text and HOSTILE in text  # plain text keeps the words as written
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;bocor" in html
    assert 'href="https://humas.example.go.id/pantauan/spikes/7"' in html


def test_email_in_english(smtp):
    inbox, settings = smtp
    assert send_email(render_alert(ALERT, locale="en"), to=["a@x.test"], settings=settings).ok
    message = email.message_from_bytes(inbox.messages[0][2], policy=policy.default)
    assert message["Subject"].startswith("Spike in mentions:")


def test_email_refused_recipient_is_permanent_and_busy_server_retryable(smtp):
    inbox, settings = smtp
    inbox.rcpt_reply = "550 5.1.1 No such user"
    result = send_email(render_alert(ALERT), to=["nobody@x.test"], settings=settings)
    assert result.outcome is Outcome.PERMANENT and "550" in result.message
    inbox.rcpt_reply = "451 4.3.0 Try again later"
    assert send_email(render_alert(ALERT), to=["a@x.test"], settings=settings).retryable
    assert inbox.messages == []


def test_email_to_a_dead_server_is_retryable_and_reported():
    settings = DeliverySettings(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_timeout=2)
    result = send_email(render_alert(ALERT), to=["a@x.test"], settings=settings)
    assert result.outcome is Outcome.RETRYABLE and "127.0.0.1" in result.message
    # the outbox waits longer after each failed attempt
    assert [POLICY.delay(n) for n in (1, 2, 3)] == [1, 2, 4]


def test_a_resent_email_keeps_its_message_id(smtp):
    inbox, settings = smtp
    message_id = message_id_for("delivery-7", settings.smtp_from)
    for _ in range(2):
        send_email(render_alert(ALERT), to=["a@x.test"], settings=settings, message_id=message_id)
    ids = {
        email.message_from_bytes(raw, policy=policy.default)["Message-ID"] for _f, _t, raw in inbox.messages
    }
    assert ids == {message_id} and message_id.endswith("@kemenkeu.test>")


TOKEN = "123456:ABC-test-token"
TG_URL = f"https://api.telegram.org/bot{TOKEN}/sendMessage"
TG_OK = {
    "ok": True,
    "result": {"message_id": 42, "chat": {"id": -100123, "type": "channel"}, "date": 1764000000, "text": "x"},
}


@respx.mock
def test_telegram_success_sends_plain_text():
    route = respx.post(TG_URL).mock(return_value=httpx.Response(200, json=TG_OK))
    text = render_alert(ALERT).text
    result = send_telegram(text, chat_id=-100123, token=TOKEN)
    assert result.ok and result.remote_id == "42"
    sent = json.loads(route.calls.last.request.content)
    assert sent["chat_id"] == -100123 and sent["text"] == text and "parse_mode" not in sent


@respx.mock
def test_telegram_flood_control_waits_retry_after_then_succeeds():
    flood = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    respx.post(TG_URL).mock(side_effect=[httpx.Response(429, json=flood), httpx.Response(200, json=TG_OK)])
    first = send_telegram("hai", chat_id=1, token=TOKEN)
    assert first.retryable and first.retry_after == 7
    assert POLICY.delay(1, first.retry_after) == 7  # the outbox honours retry_after over its own backoff
    assert send_telegram("hai", chat_id=1, token=TOKEN).ok


@respx.mock
def test_telegram_permanent_failure_is_reported_without_retry():
    bad = {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
    route = respx.post(TG_URL).mock(return_value=httpx.Response(400, json=bad))
    result = send_telegram("hai", chat_id=9, token=TOKEN)
    assert result.outcome is Outcome.PERMANENT and "chat not found" in result.message
    assert route.call_count == 1


@respx.mock
def test_telegram_network_error_is_a_result_without_the_token():
    respx.post(TG_URL).mock(side_effect=httpx.ConnectError("boom"))
    result = send_telegram("hai", chat_id=1, token=TOKEN)
    assert result.retryable and TOKEN not in result.message


def test_telegram_without_token_is_permanent():
    assert send_telegram("hai", chat_id=1, settings=DeliverySettings()).outcome is Outcome.PERMANENT


class Receiver(BaseHTTPRequestHandler):
    """A webhook receiver that records raw bodies and answers with the next queued status."""

    received: list[tuple[bytes, dict[str, str]]] = []
    statuses: list[int] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((body, dict(self.headers)))
        status = type(self).statuses.pop(0) if type(self).statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.received, Receiver.statuses = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/humas"
    finally:
        server.shutdown()
        server.server_close()


SECRET = "s3cret-shared-with-the-receiver"


def test_webhook_signature_verified_by_the_receiver(receiver):
    payload = {"alert": {"kind": "spike", "subject": ALERT.subject, "examples": [HOSTILE]}}
    result = send_webhook(payload, url=receiver, secret=SECRET)
    assert result.ok
    ((body, headers),) = Receiver.received
    # the receiver's own check, from the raw bytes: HMAC-SHA256(secret, body)
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Humas-Signature-256"], expected)
    parsed = json.loads(body)
    assert parsed["timestamp"] == int(headers["X-Humas-Timestamp"])
    assert abs(parsed["timestamp"] - datetime.now(UTC).timestamp()) < 60
    assert parsed["delivery_id"] == headers["X-Humas-Delivery"] == result.remote_id
    assert parsed["alert"]["examples"] == [HOSTILE]
    assert verify_webhook(body, headers, secret=SECRET)
    assert not verify_webhook(body, headers, secret="wrong")
    assert not verify_webhook(body.replace(b"spike", b"spikx"), headers, secret=SECRET)


def test_webhook_replay_is_refused():
    then = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    body, headers = webhook_request({"a": 1}, secret=SECRET, now=then)
    assert verify_webhook(body, headers, secret=SECRET, now=then + timedelta(seconds=30))
    assert not verify_webhook(body, headers, secret=SECRET, now=then + timedelta(minutes=10))
    forged = dict(headers, **{"X-Humas-Timestamp": str(int(then.timestamp()) + 600)})
    assert not verify_webhook(body, forged, secret=SECRET, now=then + timedelta(minutes=10))


def test_failing_webhook_is_retried_with_the_same_delivery_id(receiver):
    Receiver.statuses = [503, 502, 200]
    results = [send_webhook({"n": 1}, url=receiver, secret=SECRET, delivery_id="d-1") for _ in range(3)]
    assert [r.outcome for r in results] == [Outcome.RETRYABLE, Outcome.RETRYABLE, Outcome.OK]
    assert {json.loads(b)["delivery_id"] for b, _h in Receiver.received} == {"d-1"}


def test_webhook_rejections(receiver):
    Receiver.statuses = [410]
    gone = send_webhook({"n": 1}, url=receiver, secret=SECRET)
    assert gone.outcome is Outcome.PERMANENT and "410" in gone.message
    Receiver.statuses = [500]
    failed = send_webhook({"n": 1}, url=receiver, secret=SECRET)
    assert failed.outcome is Outcome.RETRYABLE and "500" in failed.message
    dead = send_webhook({"n": 1}, url=f"http://127.0.0.1:{free_port()}/", secret=SECRET)
    assert dead.retryable


def test_email_login_and_wrong_password_is_permanent():
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"benar"
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535

    inbox, port = Inbox(), free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        good = DeliverySettings(
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_username="humas",
            smtp_password="benar",
            smtp_timeout=5,
        )
        assert send_email(render_alert(ALERT), to=["a@x.test"], settings=good).ok
        bad = DeliverySettings(**{**good.model_dump(), "smtp_password": "salah"})
        result = send_email(render_alert(ALERT), to=["a@x.test"], settings=bad)
        assert result.outcome is Outcome.PERMANENT and "authentication" in result.message
        assert len(inbox.messages) == 1
    finally:
        controller.stop()
