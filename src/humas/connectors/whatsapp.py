"""WhatsApp Cloud API: incoming messages by webhook; replies within the customer-service window.

Messages arrive only by webhook (``object: whatsapp_business_account``, field ``messages``); there is no
API to read them back, so there is no polling ``Source``. A free-form reply is allowed within 24 hours of
the customer's last message; outside it Meta answers error 131047 and only an approved template may be
sent. Sends carry ``biz_opaque_callback_data`` = the idempotency key, which Meta echoes in the ``statuses``
webhook: that echo is how an uncertain send is reconciled (``delivered_lookup``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from humas.connectors import meta
from humas.connectors.base import (
    PublishResult,
    SourceItem,
    as_dict,
    geo_ref,
    id_or_none,
    parse_time,
    send_once,
)
from humas.connectors.errors import DeliveryUnknown, PlatformError, UnrecognisedPayload, Unsupported
from humas.connectors.http import HttpClient
from humas.connectors.spec import N_, Capability, Limits, PlatformSpec, Reconcile, fields_of, limit_wait
from humas.connectors.textcount import count_chars

PLATFORM = "whatsapp"
OUTSIDE_WINDOW_CODES = frozenset({131047})


@dataclass(frozen=True)
class WhatsAppCredentials:
    phone_number_id: str
    access_token: str = field(repr=False)
    version: str = meta.DEFAULT_VERSION


def _message_text(message: dict[str, Any]) -> str:
    kind = message.get("type")
    if kind == "text":
        return str((message.get("text") or {}).get("body") or "")
    part = message.get(kind) if isinstance(kind, str) else None
    if isinstance(part, dict):
        if kind == "interactive":
            chosen = part.get("button_reply") or part.get("list_reply") or {}
            return str(chosen.get("title") or "")
        return str(part.get("caption") or part.get("text") or part.get("body") or "")
    return ""


MEDIA_TYPES = {kind: kind for kind in ("image", "video", "audio", "document", "sticker")}


def message_media(message: dict[str, Any]) -> tuple[str | None, str | None]:
    """``(media kind, reference)``: the media id, ``geo:`` for a location, ``tel:`` for a contact card, the
    emoji of a reaction (``None`` when the customer took the reaction back)."""
    kind = str(message.get("type"))
    part = message.get(kind)
    part = part if isinstance(part, dict | list) else {}
    if kind in MEDIA_TYPES and isinstance(part, dict):
        return MEDIA_TYPES[kind], id_or_none(part.get("id"))
    if kind == "location" and isinstance(part, dict):
        return "location", geo_ref(part.get("latitude"), part.get("longitude"))
    if kind == "contacts":
        first = part[0] if isinstance(part, list) and part and isinstance(part[0], dict) else {}
        phones = [p for p in first.get("phones") or [] if isinstance(p, dict)]
        phone = id_or_none(phones[0].get("phone") or phones[0].get("wa_id")) if phones else None
        return "contact", f"tel:{phone}" if phone else None
    if kind == "reaction" and isinstance(part, dict):
        return "reaction", id_or_none(part.get("emoji"))
    return None, None


def _answers(message: dict[str, Any]) -> str | None:
    """The message this one answers: ``context.id`` of a reply, ``reaction.message_id`` of a reaction.

    A forwarded message has a ``context`` without an id: it answers nothing.
    """
    if message.get("type") == "reaction":
        return id_or_none((message.get("reaction") or {}).get("message_id"))
    return id_or_none((message.get("context") or {}).get("id"))


def parse_webhook(body: Any) -> list[SourceItem]:
    """Incoming ``messages``; ``statuses`` (sent/delivered/read) are recognised and yield no items."""
    obj, changes = meta.webhook_changes(body)
    if obj != "whatsapp_business_account":
        raise UnrecognisedPayload(f"WhatsApp: webhook object {obj!r}")
    items: list[SourceItem] = []
    for _account, field_name, value in changes:
        if field_name != "messages":
            continue
        names = {c.get("wa_id"): (c.get("profile") or {}).get("name") for c in value.get("contacts") or []}
        phone_number_id = (value.get("metadata") or {}).get("phone_number_id")
        for message in value.get("messages") or []:
            sender = message.get("from")
            answers = _answers(message)
            media_kind, media_ref = message_media(message)
            items.append(
                SourceItem(
                    platform=PLATFORM,
                    external_id=str(message["id"]),
                    kind="message",
                    text=_message_text(message),
                    created_at=parse_time(message.get("timestamp")),
                    author_id=sender,
                    author_name=names.get(sender),
                    parent_external_id=(message.get("context") or {}).get("id"),
                    thread_external_id=sender,  # one conversation per customer number
                    channel_external_id=phone_number_id,
                    raw=message,
                    # A chat has no first message to hang off: a message that answers none starts a thread.
                    thread_root_id=None if answers else id_or_none(message.get("id")),
                    in_reply_to_id=answers,
                    media_kind=media_kind,
                    media_ref=media_ref,
                )
            )
    return items


def parse_statuses(body: Any) -> list[dict[str, Any]]:
    """``statuses`` of our sends: ``{"message_id", "status", "recipient_id", "idempotency_key"}``."""
    _obj, changes = meta.webhook_changes(body)
    out = []
    for _account, field_name, value in changes:
        if field_name != "messages":
            continue
        for status in value.get("statuses") or []:
            out.append(
                {
                    "message_id": status.get("id"),
                    "status": status.get("status"),
                    "recipient_id": status.get("recipient_id"),
                    "idempotency_key": status.get("biz_opaque_callback_data"),
                }
            )
    return out


def parse_body(body: Any) -> list[SourceItem]:
    """A webhook delivery, or the acknowledgement of a send (no public items)."""
    data = as_dict(body)
    if isinstance(data, dict) and data.get("messaging_product") == "whatsapp" and "messages" in data:
        return []
    return meta.parse_body(data)


class WhatsAppPublisher:
    """Replies to a customer. ``delivered_lookup(key)`` returns the wamid a ``statuses`` webhook echoed."""

    platform = PLATFORM

    def __init__(
        self,
        credentials: WhatsAppCredentials,
        *,
        client: HttpClient | None = None,
        delivered_lookup: Callable[[str], str | None] | None = None,
    ) -> None:
        self.credentials = credentials
        self.http = client or meta.graph_client(credentials.version)
        self.headers = {"Authorization": f"Bearer {credentials.access_token}"}
        self.delivered_lookup = delivered_lookup

    def post(self, text: str, *, image: bytes | str | None = None, idempotency_key: str) -> PublishResult:
        raise Unsupported("WhatsApp: no broadcast posts through the Cloud API; reply to a customer")

    def reply(
        self, parent_external_id: str, text: str, *, idempotency_key: str, to: str | None = None
    ) -> PublishResult:
        """Reply in context to message ``parent_external_id`` from customer number ``to``."""
        if not to:
            raise ValueError("WhatsApp: reply needs the customer's number (to=...)")
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": {"body": text},
            "context": {"message_id": parent_external_id},
            "biz_opaque_callback_data": idempotency_key,
        }

        def send() -> PublishResult:
            body = self.http.post_json(
                f"/{self.credentials.phone_number_id}/messages", json=payload, headers=self.headers
            )
            return PublishResult(PLATFORM, str(body["messages"][0]["id"]), raw=body)

        def reconcile() -> PublishResult | None:
            found = self.reconcile(idempotency_key, text=text, parent_external_id=parent_external_id)
            if found is None:
                # NOTE: no read API: absence proves nothing, so never resend blindly.
                raise DeliveryUnknown("WhatsApp: send outcome unknown; wait for the statuses webhook")
            return found

        try:
            return send_once(send, reconcile)
        except PlatformError as exc:
            if exc.code in OUTSIDE_WINDOW_CODES:
                raise PlatformError(
                    "WhatsApp: outside the 24-hour window; only a template may be sent",
                    status=exc.status,
                    code="outside_window",
                    body=exc.body,
                ) from exc
            raise

    def hide(self, external_id: str) -> None:
        raise Unsupported("WhatsApp: messages cannot be hidden")

    def unhide(self, external_id: str) -> None:
        raise Unsupported("WhatsApp: messages cannot be hidden")

    def delete(self, external_id: str) -> None:
        raise Unsupported("WhatsApp: sent messages cannot be deleted through the API")

    def reconcile(
        self,
        idempotency_key: str,
        *,
        text: str,
        parent_external_id: str | None = None,
        since: datetime | None = None,
    ) -> PublishResult | None:
        if self.delivered_lookup is None:
            return None
        message_id = self.delivered_lookup(idempotency_key)
        return PublishResult(PLATFORM, message_id, reconciled=True) if message_id else None


# --- platform spec -------------------------------------------------------------------------------------


def probe(credentials: WhatsAppCredentials, max_wait_s: float) -> str:
    """Read the phone number the token is for; its id names the account."""
    http = meta.graph_client(credentials.version)
    limit_wait(http, max_wait_s)
    body = http.get_json(
        f"/{credentials.phone_number_id}",
        params={"fields": "id,display_phone_number"},
        headers={"Authorization": f"Bearer {credentials.access_token}"},
    )
    return str(body.get("id") or credentials.phone_number_id)


MB = 1024 * 1024
SPEC = PlatformSpec(
    name=PLATFORM,
    label="WhatsApp Business",
    credentials=WhatsAppCredentials,
    credential_fields=fields_of(
        WhatsAppCredentials,
        hidden=("version",),
        phone_number_id=N_("Phone number id"),
        access_token=N_("Access token"),
    ),
    account_field="phone_number_id",
    probe=probe,
    source=None,  # no API reads messages back: they only arrive by webhook
    publisher=WhatsAppPublisher,
    parser=parse_body,
    webhook=meta.webhook(route="whatsapp", receipts=parse_statuses),
    rate_limit=meta.rate_limit_info,
    capabilities=frozenset({Capability.READ_DMS, Capability.REPLY}),
    image_input=frozenset(),
    reconcile=Reconcile.RECEIPT,
    # Text body at most 4,096 characters (Cloud API messages reference; docs.360dialog.com messaging);
    # one media item per message, images 5 MB, videos 16 MB (Cloud API supported media types, as listed
    # in docs.aws.amazon.com/social-messaging supported-media-types).
    limits=Limits(
        text_max=4_096,
        count_text=count_chars,
        caption_max=None,
        hashtags_max=None,
        media_max=1,
        image_max_bytes=5 * MB,
        video_max_bytes=16 * MB,
        video_max_seconds=None,
        aspect_ratio=None,
        image_max_side=None,
        video_codecs=None,
    ),
)
