"""Alert transports: e-mail (SMTP), Telegram bot message, signed webhook; one attempt each, a result back.

Every `send_*` makes one attempt and returns a `DeliveryResult`: `ok`, `retryable` (nothing was applied or
the receiver drops a duplicate: a refused connection, a 4xx SMTP reply, Telegram flood control, an HTTP
5xx/429), `unknown` (Telegram took the request and gave no answer: it may have posted) or `permanent` (a wrong
address, a revoked token, a 4xx answer: a person must fix the rule). Retries, backoff and reconciling are the
outbox's (`humas.outbox`): one policy for every outgoing thing. Telegram goes through the connectors'
Telegram client, the same one that publishes to channels. A retry reuses the same delivery id
(`X-Humas-Delivery`) and the same e-mail `Message-ID`, so a receiver can drop a duplicate.

Webhook signature (what a receiver checks, see `verify_webhook`):

    X-Humas-Timestamp: <unix seconds>         (also in the body as "timestamp")
    X-Humas-Delivery: <unique id>             (also in the body as "delivery_id")
    X-Humas-Signature-256: sha256=<hex HMAC-SHA256(secret, raw request body)>

The receiver computes the HMAC over the raw bytes it received (before parsing JSON), compares it in constant
time, then parses the body and rejects it when the body's timestamp differs from the header's or is more than
five minutes away from its clock, and when it has already seen the delivery id (replay). The timestamp
is inside the signed body, so it cannot be changed without breaking the signature.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import smtplib
import ssl
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from enum import StrEnum
from typing import Any

import httpx

from humas.connectors import telegram as telegram_connector
from humas.connectors.errors import AuthExpired, ConnectorError, DeliveryUnknown, PlatformError, RateLimited
from humas.connectors.http import HttpClient
from humas.outbox.settings import DeliverySettings, get_delivery_settings

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*$")
_NOT_IN_NAME = re.compile(r"[^\w.\- ]+")
ATTACHMENT_NAME_MAX = 120


@dataclass(frozen=True)
class Attachment:
    """A file carried by an e-mail (a report's PDF). The name is cleaned when the message is built."""

    filename: str
    content_type: str  # "application/pdf"
    data: bytes

    def __post_init__(self) -> None:
        if not _CONTENT_TYPE.match(self.content_type):
            raise ValueError(f"not a MIME type: {self.content_type[:60]!r}")


@dataclass(frozen=True)
class RenderedAlert:
    """A message rendered for one recipient: the subject, a plain-text body and an HTML body."""

    subject: str  # one line, no markup
    text: str  # plain text (e-mail text part, Telegram)
    html: str  # e-mail HTML part; every outside value escaped
    locale: str = "id"
    attachments: tuple[Attachment, ...] = ()  # e-mail only


def clean_line(text: str, limit: int = 200) -> str:
    """One line of outside text: control characters and newlines removed, length capped."""
    line = " ".join(_CONTROL.sub(" ", text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def attachment_name(filename: str) -> str:
    """A file name safe in a MIME header and on the reader's disk: one line, no path, no quotes or
    separators, capped, never empty or hidden."""
    base = clean_line(filename.replace("\\", "/").rpartition("/")[2], 400)
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = _NOT_IN_NAME.sub("_", stem).strip(" ._") or "lampiran"
    ext = _NOT_IN_NAME.sub("", ext)[:10]
    room = ATTACHMENT_NAME_MAX - (len(ext) + 1 if ext else 0)
    return f"{stem[:room]}.{ext}" if ext else stem[:ATTACHMENT_NAME_MAX]


SIGNATURE_HEADER = "X-Humas-Signature-256"
TIMESTAMP_HEADER = "X-Humas-Timestamp"
DELIVERY_HEADER = "X-Humas-Delivery"
REPLAY_TOLERANCE_S = 300
TELEGRAM_MAX_CHARS = 4096
# The alert media: e-mail, a signed webhook, and a chat of the connectors' Telegram platform (its client).
EMAIL = "email"
WEBHOOK = "webhook"
TELEGRAM = telegram_connector.SPEC.name


class Outcome(StrEnum):
    OK = "ok"
    RETRYABLE = "retryable"
    UNKNOWN = "unknown"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class DeliveryResult:
    channel: str  # "email" | "telegram" | "webhook"
    outcome: Outcome
    message: str = ""
    retry_after: float | None = None  # seconds the other side asked us to wait
    attempts: int = 1
    remote_id: str | None = None  # Telegram message_id, SMTP Message-ID

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    @property
    def retryable(self) -> bool:
        return self.outcome is Outcome.RETRYABLE


def _ok(channel: str, message: str = "", remote_id: str | None = None) -> DeliveryResult:
    return DeliveryResult(channel, Outcome.OK, message, remote_id=remote_id)


def _retry(channel: str, message: str, retry_after: float | None = None) -> DeliveryResult:
    return DeliveryResult(channel, Outcome.RETRYABLE, message, retry_after=retry_after)


def _fail(channel: str, message: str) -> DeliveryResult:
    return DeliveryResult(channel, Outcome.PERMANENT, message)


# --- e-mail -----------------------------------------------------------------------------------------


def message_id_for(key: str, sender: str) -> str:
    """A Message-ID fixed by the delivery's key, so that a resend is recognisably the same message."""
    local = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{local}.humas@{sender.rpartition('@')[2] or 'localhost'}>"


def build_email(
    rendered: RenderedAlert, *, to: Sequence[str], sender: str, message_id: str | None = None
) -> EmailMessage:
    """A multipart/alternative message: the plain text and the (escaped) HTML of an alert."""
    message = EmailMessage()
    message["Subject"] = clean_line(rendered.subject, 200)
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id or make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Content-Language"] = rendered.locale
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to alerts
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    for attachment in rendered.attachments:  # the alternative part becomes the first part of a mixed one
        maintype, _slash, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment_name(attachment.filename)
        )
    return message


def send_email(
    rendered: RenderedAlert,
    *,
    to: Sequence[str],
    settings: DeliverySettings | None = None,
    message_id: str | None = None,
) -> DeliveryResult:
    """Send an alert by SMTP to `to`; 5xx replies are permanent, connection trouble and 4xx retryable."""
    s = settings or get_delivery_settings()
    if not to:
        return _fail("email", "no recipient")
    message = build_email(rendered, to=to, sender=s.smtp_from, message_id=message_id)
    try:
        with _smtp(s) as smtp:
            refused = smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        code = min(code for code, _msg in exc.recipients.values())
        return _smtp_reply_result(code, "all recipients refused")
    except smtplib.SMTPAuthenticationError as exc:
        return _fail("email", f"SMTP authentication failed ({exc.smtp_code})")
    except smtplib.SMTPResponseException as exc:
        return _smtp_reply_result(exc.smtp_code, _decode(exc.smtp_error))
    except (smtplib.SMTPException, OSError) as exc:  # refused, reset, timeout, TLS, disconnected
        return _retry("email", f"SMTP connection to {s.smtp_host}:{s.smtp_port} failed: {exc!r}")
    if refused:
        return _ok("email", f"refused by the server for: {', '.join(sorted(refused))}", message["Message-ID"])
    return _ok("email", remote_id=message["Message-ID"])


def _smtp(s: DeliverySettings) -> smtplib.SMTP:
    if s.smtp_ssl:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            s.smtp_host, s.smtp_port, timeout=s.smtp_timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
    try:
        if s.smtp_starttls and not s.smtp_ssl:
            smtp.starttls(context=ssl.create_default_context())
        if s.smtp_username:
            password = s.smtp_password.get_secret_value() if s.smtp_password else ""
            smtp.login(s.smtp_username, password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _smtp_reply_result(code: int, text: str) -> DeliveryResult:
    message = f"SMTP {code}: {text}"
    return _fail("email", message) if 500 <= code < 600 else _retry("email", message)


def _decode(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


# --- Telegram ---------------------------------------------------------------------------------------


def send_telegram(
    text: str,
    *,
    chat_id: int | str,
    token: str | None = None,
    settings: DeliverySettings | None = None,
) -> DeliveryResult:
    """sendMessage as plain text (no parse_mode: nothing in the text can become markup), one attempt,
    through the connectors' Telegram client."""
    s = settings or get_delivery_settings()
    token = token or (s.telegram_bot_token.get_secret_value() if s.telegram_bot_token else None)
    if not token:
        return _fail("telegram", "no bot token configured")
    if len(text) > TELEGRAM_MAX_CHARS:
        text = text[: TELEGRAM_MAX_CHARS - 1] + "…"
    http = HttpClient(
        base_url=f"{s.telegram_api_base.rstrip('/')}/bot{token}",
        timeout=httpx.Timeout(s.telegram_timeout, connect=min(s.telegram_timeout, 10.0)),
        max_retries=0,  # the outbox retries, under its one policy
        max_wait_s=0.0,
        error_for=telegram_connector.error_for,
    )
    credentials = telegram_connector.TelegramCredentials(bot_token=token, channel=chat_id)  # type: ignore[arg-type]
    publisher = telegram_connector.TelegramPublisher(credentials, client=http)
    try:
        result = publisher.post(text, idempotency_key="")
    except ConnectorError as exc:
        return telegram_error(exc)
    finally:
        http.close()
    return _ok("telegram", remote_id=result.external_id.rpartition(":")[2] or None)


def telegram_error(exc: ConnectorError) -> DeliveryResult:
    """Map the connector's errors: flood control waits, a revoked token or a refused chat is permanent."""
    # NOTE: the connector's messages never carry the URL (it holds the token).
    message = clean_line(str(exc), 300)
    if isinstance(exc, RateLimited):
        return _retry("telegram", message, exc.retry_after_s)
    if isinstance(exc, DeliveryUnknown):
        return DeliveryResult("telegram", Outcome.UNKNOWN, message)
    if isinstance(exc, AuthExpired):
        return _fail("telegram", message)
    if isinstance(exc, PlatformError) and (exc.status is None or exc.status >= 500):
        return _retry("telegram", f"Telegram unreachable: {message}")
    if isinstance(exc, PlatformError) and isinstance(exc.body, dict):
        moved = (exc.body.get("parameters") or {}).get("migrate_to_chat_id")
        if moved is not None:
            return _fail("telegram", f"Telegram: the chat moved to {moved}; update the alert rule")
    return _fail("telegram", message)


# --- signed webhook -----------------------------------------------------------------------------------


def sign_body(body: bytes, secret: str) -> str:
    """`sha256=<hex HMAC-SHA256(secret, body)>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_request(
    payload: Mapping[str, Any], *, secret: str, now: datetime | None = None, delivery_id: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """The exact body and headers of a webhook delivery (timestamp and id inside the signed body)."""
    timestamp = int((now or datetime.now(UTC)).timestamp())
    delivery_id = delivery_id or uuid.uuid4().hex
    envelope = {"delivery_id": delivery_id, "timestamp": timestamp, **payload}
    body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "humas-webhook/1",
        SIGNATURE_HEADER: sign_body(body, secret),
        TIMESTAMP_HEADER: str(timestamp),
        DELIVERY_HEADER: delivery_id,
    }
    return body, headers


def verify_webhook(
    body: bytes,
    headers: Mapping[str, str],
    *,
    secret: str,
    now: datetime | None = None,
    tolerance_s: int = REPLAY_TOLERANCE_S,
) -> bool:
    """Receiver side: signature over the raw body, then the signed timestamp within `tolerance_s`."""
    lower = {k.lower(): v for k, v in headers.items()}
    given = lower.get(SIGNATURE_HEADER.lower(), "")
    if not hmac.compare_digest(given.encode(), sign_body(body, secret).encode()):
        return False
    try:
        signed_ts = int(json.loads(body)["timestamp"])
        header_ts = int(lower.get(TIMESTAMP_HEADER.lower(), ""))
    except (ValueError, KeyError, TypeError):
        return False
    current = (now or datetime.now(UTC)).timestamp()
    return signed_ts == header_ts and abs(current - signed_ts) <= tolerance_s


def send_webhook(
    payload: Mapping[str, Any],
    *,
    url: str,
    secret: str,
    client: httpx.Client | None = None,
    settings: DeliverySettings | None = None,
    now: datetime | None = None,
    delivery_id: str | None = None,
) -> DeliveryResult:
    """POST the signed JSON; 2xx ok, 408/429/5xx and network errors retryable, other answers permanent.

    Give the same `delivery_id` on a retry so that the receiver can drop a duplicate.
    """
    s = settings or get_delivery_settings()
    body, headers = webhook_request(payload, secret=secret, now=now, delivery_id=delivery_id)
    try:
        with _client(client, s.webhook_timeout) as http:
            response = http.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return _retry("webhook", f"webhook unreachable: {type(exc).__name__}: {clean_line(str(exc), 200)}")
    status = response.status_code
    if 200 <= status < 300:
        return _ok("webhook", f"HTTP {status}", remote_id=headers[DELIVERY_HEADER])
    message = f"webhook HTTP {status}: {clean_line(response.text, 200)}"
    if status in (408, 425, 429) or status >= 500:
        retry_after = _retry_after(response.headers.get("retry-after"))
        return _retry("webhook", message, retry_after)
    return _fail("webhook", message)


def _retry_after(value: str | None) -> float | None:
    return float(value) if value and value.strip().isdigit() else None


class _client:  # noqa: N801 - a context manager that closes only the client it made
    def __init__(self, client: httpx.Client | None, timeout: float) -> None:
        self.given = client
        self.made: httpx.Client | None = None
        self.timeout = timeout

    def __enter__(self) -> httpx.Client:
        if self.given is not None:
            return self.given
        self.made = httpx.Client(timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)))
        return self.made

    def __exit__(self, *exc: object) -> None:
        if self.made is not None:
            self.made.close()
