"""Alert delivery: e-mail to a real local SMTP server, Telegram (respx), webhook to a real local receiver."""

from __future__ import annotations

import email
import hashlib
import hmac
import json
import socket
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
from humas.listening.alert_transport import (
    DeliveryResult,
    Outcome,
    deliver_with_retry,
    send_email,
    send_telegram,
    send_webhook,
    verify_webhook,
    webhook_request,
)
from humas.listening.settings import DeliverySettings

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps messages; refuses recipients on request."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.rcpt_reply: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"


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


def test_email_to_a_dead_server_is_retried_and_reported():
    settings = DeliverySettings(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_timeout=2)
    sleeps: list[float] = []
    result = deliver_with_retry(
        lambda: send_email(render_alert(ALERT), to=["a@x.test"], settings=settings),
        attempts=3,
        base_delay=1,
        sleep=sleeps.append,
        settings=settings,
    )
    assert result.outcome is Outcome.RETRYABLE and result.attempts == 3
    assert "127.0.0.1" in result.message
    assert sleeps == [1, 2]


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
    sleeps: list[float] = []
    result = deliver_with_retry(
        lambda: send_telegram("hai", chat_id=1, token=TOKEN), base_delay=1, sleep=sleeps.append
    )
    assert result.ok and result.attempts == 2
    assert sleeps == [7]


@respx.mock
def test_telegram_permanent_failure_is_reported_without_retry():
    bad = {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
    route = respx.post(TG_URL).mock(return_value=httpx.Response(400, json=bad))
    sleeps: list[float] = []
    result = deliver_with_retry(lambda: send_telegram("hai", chat_id=9, token=TOKEN), sleep=sleeps.append)
    assert result.outcome is Outcome.PERMANENT and "chat not found" in result.message
    assert result.attempts == 1 and route.call_count == 1 and sleeps == []


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


def test_failing_webhook_is_retried_then_delivered_once(receiver):
    Receiver.statuses = [503, 502, 200]
    sleeps: list[float] = []
    result = deliver_with_retry(
        lambda: send_webhook({"n": 1}, url=receiver, secret=SECRET, delivery_id="d-1"),
        attempts=4,
        base_delay=0.5,
        sleep=sleeps.append,
    )
    assert result.ok and result.attempts == 3 and sleeps == [0.5, 1.0]
    assert {json.loads(b)["delivery_id"] for b, _h in Receiver.received} == {"d-1"}


def test_webhook_rejections(receiver):
    Receiver.statuses = [410]
    gone = send_webhook({"n": 1}, url=receiver, secret=SECRET)
    assert gone.outcome is Outcome.PERMANENT and "410" in gone.message
    Receiver.statuses = [500, 500]
    failed = deliver_with_retry(
        lambda: send_webhook({"n": 1}, url=receiver, secret=SECRET), attempts=2, sleep=lambda s: None
    )
    assert failed.outcome is Outcome.RETRYABLE and failed.attempts == 2
    dead = send_webhook({"n": 1}, url=f"http://127.0.0.1:{free_port()}/", secret=SECRET)
    assert dead.retryable


def test_a_crashing_sender_is_reported_not_raised():
    def broken() -> DeliveryResult:
        raise KeyError("bug")

    result = deliver_with_retry(broken, sleep=lambda s: None, channel="email")
    assert result.outcome is Outcome.PERMANENT and result.channel == "email" and "KeyError" in result.message


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
