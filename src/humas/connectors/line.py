"""LINE Official Account (Messaging API): messages from users by webhook; answers by reply or push.

There is no API to read messages back, so LINE only pushes: each delivery is a ``{"destination", "events"}``
body signed with ``X-Line-Signature`` = base64(HMAC-SHA256(raw body, channel secret)). A ``message`` event
from a user (``source.type == "user"``) is a direct message; ``follow``, ``unfollow``, postbacks and the
rest carry no public text and yield nothing. Group and multi-person chats are not read (humas answers people
one to one).

Answers: a ``message`` event carries a ``replyToken`` that may be used once and only shortly after the
event (answers with ``400 Invalid reply token`` later); a reply with it is free. Otherwise humas sends a
push message to the user id, with ``X-Line-Retry-Key`` (a UUID derived from the outbox key): LINE then runs
the request at most once in 24 hours and answers a repeat with ``409`` and the ``sentMessages`` it sent, so
an uncertain push is resent safely within one call. The Messaging API offers no history of sent messages:
an uncertain reply-token answer cannot be looked for, so the spec's reconcile is ``NONE``.

Sources: developers.line.biz Messaging API reference (webhook event objects, send reply / push message,
get bot info), "Verify webhook signature", "Retry failed API requests", "Character counting in a text";
the shapes as in line/line-openapi (messaging-api.yml, webhook.yml). See tests/connectors/fixtures/line.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import httpx

from humas.connectors.base import (
    PublishResult,
    SourceItem,
    as_dict,
    geo_ref,
    id_or_none,
    send_once,
    to_int,
)
from humas.connectors.errors import (
    AuthExpired,
    ConnectorError,
    DeliveryUnknown,
    ErrorPayload,
    PlatformError,
    RateLimited,
    UnrecognisedPayload,
    Unsupported,
    WebhookRejected,
)
from humas.connectors.http import HttpClient, json_or_none, retry_after_seconds
from humas.connectors.spec import (
    N_,
    Capability,
    Limits,
    PlatformSpec,
    Reconcile,
    WebhookSpec,
    fields_of,
    guarded,
    limit_wait,
)
from humas.connectors.textcount import count_utf16

PLATFORM = "line"
API = "https://api.line.me"
LINE_ZONE = timezone(timedelta(hours=9))  # the insight API counts days in UTC+9
RETRY_KEY_NAMESPACE = uuid.UUID("7a1c3f0e-5b2d-4c8e-9f61-3d2b8a4e6c10")  # humas' own, fixed forever
INVALID_REPLY_TOKEN = "invalid reply token"
MONTHLY_LIMIT = "monthly limit"


@dataclass(frozen=True)
class LineCredentials:
    channel_access_token: str = field(repr=False)
    channel_secret: str = field(repr=False)  # signs every webhook delivery


def error_for(response: httpx.Response) -> ConnectorError | None:
    """LINE errors are ``{"message", "details"?}``; a retried push answers 409 once it was accepted."""
    status = response.status_code
    if status < 400 or (status == 409 and _already_accepted(response)):
        return None
    body = json_or_none(response)
    message = str(body.get("message") or f"HTTP {status}") if isinstance(body, dict) else f"HTTP {status}"
    if status == 401:
        return AuthExpired(f"LINE: {message}")
    if status == 429 and MONTHLY_LIMIT not in message.lower():
        return RateLimited(retry_after_seconds(response.headers, 60.0) or 60.0, f"LINE: {message}")
    code = "monthly_limit" if MONTHLY_LIMIT in message.lower() else status
    return PlatformError(f"LINE: {message}", status=status, code=code, body=body)


def _already_accepted(response: httpx.Response) -> bool:
    body = json_or_none(response)
    return "x-line-accepted-request-id" in response.headers or (
        isinstance(body, dict) and "already accepted" in str(body.get("message", "")).lower()
    )


def sign(raw_body: bytes, channel_secret: str) -> str:
    """The ``X-Line-Signature`` LINE computes for ``raw_body`` (for tests and replayed deliveries)."""
    digest = hmac.new(channel_secret.encode(), raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_signature(raw_body: bytes, header: str | None, channel_secret: str) -> bool:
    """Compare ``X-Line-Signature`` with the HMAC of the *raw* bytes, in constant time."""
    if not header or not channel_secret:
        return False
    return hmac.compare_digest(header.strip().encode(), sign(raw_body, channel_secret).encode())


def verify_delivery(raw_body: bytes, headers: Mapping[str, str], values: Mapping[str, Any]) -> None:
    """Refuse (401) a delivery whose signature does not match the channel secret."""
    header = headers.get("x-line-signature") or headers.get("X-Line-Signature")
    if not verify_signature(raw_body, header, str(values.get("channel_secret") or "")):
        raise WebhookRejected("bad X-Line-Signature", status=401)


# --- parsing ---------------------------------------------------------------------------------------

MEDIA_TYPES = {"image": "image", "video": "video", "audio": "audio", "file": "document"}


def _event_time(event: dict[str, Any]) -> datetime | None:
    """Event ``timestamp`` is in milliseconds."""
    value = event.get("timestamp")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def message_media(message: dict[str, Any]) -> tuple[str | None, str | None]:
    """``(media kind, reference)``: the message id (content at ``/v2/bot/message/{id}/content``) or the
    sender's own URL (``contentProvider.type == "external"``), ``geo:`` for a location, ``package/sticker``
    ids for a sticker."""
    kind = str(message.get("type"))
    if kind in MEDIA_TYPES:
        provider = message.get("contentProvider") or {}
        external = provider.get("originalContentUrl") if provider.get("type") == "external" else None
        return MEDIA_TYPES[kind], id_or_none(external) or id_or_none(message.get("id"))
    if kind == "location":
        return "location", geo_ref(message.get("latitude"), message.get("longitude"))
    if kind == "sticker":
        package, sticker = id_or_none(message.get("packageId")), id_or_none(message.get("stickerId"))
        return "sticker", f"{package}/{sticker}" if package and sticker else None
    return None, None


def message_item(event: dict[str, Any], destination: str | None) -> SourceItem | None:
    """A user's message as a direct message; ``None`` for a group or multi-person chat."""
    source = event.get("source") or {}
    message = event.get("message")
    if source.get("type") != "user" or not isinstance(message, dict):
        return None
    user = id_or_none(source.get("userId"))
    quoted = id_or_none(message.get("quotedMessageId"))
    media_kind, media_ref = message_media(message)
    text = message.get("text") if message.get("type") == "text" else ""
    return SourceItem(
        platform=PLATFORM,
        external_id=str(message["id"]),
        kind="message",
        text=str(text or ""),
        created_at=_event_time(event),
        author_id=user,
        parent_external_id=quoted,
        thread_external_id=user,  # one conversation per person
        channel_external_id=destination,
        raw=event,
        # A chat has no first message to hang off: a message that quotes none starts a thread.
        thread_root_id=None if quoted else id_or_none(message.get("id")),
        in_reply_to_id=quoted,
        media_kind=media_kind,
        media_ref=media_ref,
    )


def parse_webhook(body: Any) -> list[SourceItem]:
    """A webhook delivery: items for users' messages; other events (follow, unfollow, ...) yield none."""
    body = as_dict(body)
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        raise UnrecognisedPayload("LINE: no 'events' list")
    destination = id_or_none(body.get("destination"))
    items = []
    for event in body["events"]:
        if not isinstance(event, dict):
            raise UnrecognisedPayload("LINE: an event is not an object")
        if event.get("type") == "message":
            item = message_item(event, destination)
            if item is not None:
                items.append(item)
    return items


parse_delivery = guarded("line", parse_webhook)  # raw bytes too; any shape error is UnrecognisedPayload


def parse_body(body: Any) -> list[SourceItem]:
    """A webhook delivery; a reply/push answer (``sentMessages``, also in a retried push's 409) or the bot
    info yield nothing public; an error answer raises ``ErrorPayload``."""
    data = as_dict(body)
    if isinstance(data, dict) and "events" in data:
        return parse_webhook(data)
    if isinstance(data, dict) and ("sentMessages" in data or {"userId", "basicId"} <= set(data)):
        return []
    if isinstance(data, dict) and data.get("status") in ("ready", "unready", "out_of_service"):
        return []  # the insight follower count (``followers``)
    if isinstance(data, dict) and "message" in data:
        raise ErrorPayload(f"LINE error answer: {data.get('message')}")
    raise UnrecognisedPayload("LINE: neither a webhook delivery nor a send answer")


# --- publisher -------------------------------------------------------------------------------------


def retry_key(idempotency_key: str) -> str:
    """``X-Line-Retry-Key`` must be a UUID: the same outbox key always gives the same one."""
    return str(uuid.uuid5(RETRY_KEY_NAMESPACE, idempotency_key))


def _client(client: HttpClient | None) -> HttpClient:
    return client or HttpClient(base_url=API, error_for=error_for)


def _sent_id(response: httpx.Response) -> tuple[str, bool]:
    """The id of the first sent message, and whether the answer is a 409 for an accepted retry."""
    body = json_or_none(response)
    sent = body.get("sentMessages") if isinstance(body, dict) else None
    first = sent[0] if isinstance(sent, list) and sent and isinstance(sent[0], dict) else {}
    message_id = id_or_none(first.get("id")) or response.headers.get("x-line-accepted-request-id")
    if not message_id:
        raise PlatformError("LINE: the answer names no sent message", status=response.status_code, body=body)
    return message_id, response.status_code == 409


class LinePublisher:
    """Answers a user: a reply with the event's reply token while it is valid, else a push to the user."""

    platform = PLATFORM

    def __init__(self, credentials: LineCredentials, *, client: HttpClient | None = None) -> None:
        self.credentials = credentials
        self.http = _client(client)
        self.headers = {"Authorization": f"Bearer {credentials.channel_access_token}"}
        self.today: Callable[[], date] = lambda: datetime.now(LINE_ZONE).date()

    def followers(self) -> int | None:
        """Friends who added the account, as of yesterday in LINE's zone (``GET /v2/bot/insight/followers``,
        ``date`` yyyyMMdd in UTC+9; a day is counted the next day). ``None`` while the count is not ready
        (``status`` unready or out_of_service). LINE's number does not fall when a friend blocks the
        account."""
        day = self.today() - timedelta(days=1)
        body = self.http.get_json(
            "/v2/bot/insight/followers", params={"date": day.strftime("%Y%m%d")}, headers=self.headers
        )
        if body.get("status") != "ready":
            return None
        return to_int(body.get("followers"))

    def post(self, text: str, *, image: bytes | str | None = None, idempotency_key: str) -> PublishResult:
        raise Unsupported("LINE: humas answers users; broadcasts are not sent from here")

    def reply(
        self,
        parent_external_id: str,
        text: str,
        *,
        idempotency_key: str,
        to: str | None = None,
        reply_token: str | None = None,
    ) -> PublishResult:
        """Answer message ``parent_external_id`` from user ``to`` (reply token first, if given)."""
        if reply_token:
            try:
                return self._reply(reply_token, text)
            except PlatformError as exc:
                if INVALID_REPLY_TOKEN not in str(exc).lower() or not to:
                    raise
        if not to:
            raise ValueError("LINE: an answer needs the user id (to=...) or a reply token")
        return self._push(to, text, idempotency_key)

    def _reply(self, reply_token: str, text: str) -> PublishResult:
        payload = {"replyToken": reply_token, "messages": [{"type": "text", "text": text}]}
        try:
            response = self.http.request("POST", "/v2/bot/message/reply", json=payload, headers=self.headers)
        except DeliveryUnknown:
            # NOTE: a reply token works once and LINE keeps no sent history: never fall back to a push here.
            raise DeliveryUnknown("LINE: reply outcome unknown; the reply token cannot be checked") from None
        message_id, _ = _sent_id(response)
        return PublishResult(PLATFORM, message_id, raw=json_or_none(response) or {})

    def _push(self, to: str, text: str, idempotency_key: str) -> PublishResult:
        payload = {"to": to, "messages": [{"type": "text", "text": text}]}
        headers = {**self.headers, "X-Line-Retry-Key": retry_key(idempotency_key)}

        def send() -> PublishResult:
            response = self.http.request("POST", "/v2/bot/message/push", json=payload, headers=headers)
            message_id, repeated = _sent_id(response)
            return PublishResult(PLATFORM, message_id, reconciled=repeated, raw=json_or_none(response) or {})

        # With the retry key LINE runs the push at most once: sending again *is* the lookup (409 = sent).
        return send_once(send, send)

    def hide(self, external_id: str) -> None:
        raise Unsupported("LINE: messages cannot be hidden")

    def unhide(self, external_id: str) -> None:
        raise Unsupported("LINE: messages cannot be hidden")

    def delete(self, external_id: str) -> None:
        raise Unsupported("LINE: sent messages cannot be deleted through the API")

    def reconcile(
        self,
        idempotency_key: str,
        *,
        text: str,
        parent_external_id: str | None = None,
        since: datetime | None = None,
    ) -> PublishResult | None:
        return None  # no history of sent messages; the retry key makes a push's own resend safe


# --- platform spec -------------------------------------------------------------------------------------


def probe(credentials: LineCredentials, max_wait_s: float) -> str:
    """``GET /v2/bot/info``: the bot's user id (the ``destination`` of its webhooks) names the account."""
    http = _client(None)
    limit_wait(http, max_wait_s)
    body = http.get_json(
        "/v2/bot/info", headers={"Authorization": f"Bearer {credentials.channel_access_token}"}
    )
    return str(body["userId"])


SPEC = PlatformSpec(
    name=PLATFORM,
    label="LINE Official Account",
    credentials=LineCredentials,
    credential_fields=fields_of(
        LineCredentials,
        channel_access_token=N_("Channel access token"),
        channel_secret=N_("Channel secret"),
    ),
    account_field=None,  # the bot's user id, from GET /v2/bot/info
    probe=probe,
    source=None,  # no API reads messages back: they only arrive by webhook
    publisher=LinePublisher,
    parser=parse_body,
    webhook=WebhookSpec(
        kind="line",
        route="line",
        fields=(),  # the channel secret is part of the credentials: LINE only pushes
        verify=verify_delivery,
        parse=parse_delivery,
        handshake=None,  # LINE's "Verify" button sends a signed delivery with no events
        receipts=None,
        switch=None,
    ),
    rate_limit=None,  # no rate-limit headers are documented; 429 answers (see error_for)
    capabilities=frozenset({Capability.READ_DMS, Capability.REPLY, Capability.FOLLOWERS}),
    image_input=frozenset(),
    reconcile=Reconcile.NONE,
    # Messaging API reference, text message: "Max character limit: 5000", counted in UTF-16 code units
    # ("Character counting in a text"). humas sends one text message per answer.
    limits=Limits(
        text_max=5_000,
        count_text=count_utf16,
        caption_max=None,
        hashtags_max=None,
        media_max=0,
        image_max_bytes=None,
        video_max_bytes=None,
        video_max_seconds=None,
        aspect_ratio=None,
        image_max_side=None,
        video_codecs=None,
    ),
)
