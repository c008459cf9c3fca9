"""Telegram Bot API: channel posts and messages to the bot; send, reply, delete.

Updates come by ``getUpdates`` (``offset`` = last ``update_id`` + 1) or by webhook (the two exclude each
other); deliveries carry ``X-Telegram-Bot-Api-Secret-Token``. Flood control answers 429 with
``parameters.retry_after``. A bot cannot read back what it sent, so an uncertain send is never resent
blindly: ``DeliveryUnknown`` goes back to the outbox.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from humas.connectors.base import (
    Cursor,
    FetchResult,
    PublishResult,
    SourceItem,
    as_dict,
    geo_ref,
    id_or_none,
    parse_time,
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
from humas.connectors.http import HttpClient, json_or_none
from humas.connectors.media import MediaInput, PostOptions, fetch_bytes, media_of
from humas.connectors.spec import (
    N_,
    Capability,
    ImageInput,
    Limits,
    PlatformSpec,
    Reconcile,
    WebhookSpec,
    WebhookSwitch,
    fields_of,
    guarded,
    limit_wait,
)
from humas.connectors.textcount import count_utf16

PLATFORM = "telegram"
API = "https://api.telegram.org"
MESSAGE_KEYS = ("message", "edited_message", "channel_post", "edited_channel_post")
ALLOWED_UPDATES = json.dumps(list(MESSAGE_KEYS))


@dataclass(frozen=True)
class TelegramCredentials:
    bot_token: str = field(repr=False)
    channel: str | None = None  # "@username" or "-100…" id of the channel we publish to
    webhook_secret: str = field(default="", repr=False)


def error_for(response: httpx.Response) -> ConnectorError | None:
    body = json_or_none(response)
    if response.status_code < 400 and (not isinstance(body, dict) or body.get("ok", True)):
        return None
    body = body if isinstance(body, dict) else {}
    code = body.get("error_code") or response.status_code
    description = str(body.get("description") or f"HTTP {response.status_code}")
    if code == 401:
        return AuthExpired(f"Telegram: {description}")
    retry_after = (body.get("parameters") or {}).get("retry_after")
    if code == 429 or retry_after:
        return RateLimited(float(retry_after or 30), "Telegram: flood control")
    return PlatformError(f"Telegram: {description}", status=int(code), code=code, body=body)


def check_secret_token(header: str | None, expected: str) -> bool:
    """Compare ``X-Telegram-Bot-Api-Secret-Token`` with the secret given to ``setWebhook``."""
    if not expected or not header:
        return False
    return hmac.compare_digest(header.encode(), expected.encode())


# --- parsing ---------------------------------------------------------------------------------------


def _chat_ref(chat: dict[str, Any], message_id: Any) -> str:
    return f"{chat.get('id')}:{message_id}"


# Message fields that carry a file, in the order checked (an animation also has a ``document``).
FILE_FIELDS = (
    ("animation", "video"),
    ("video", "video"),
    ("video_note", "video"),
    ("audio", "audio"),
    ("voice", "audio"),
    ("sticker", "sticker"),
    ("document", "document"),
)


def message_media(message: dict[str, Any]) -> tuple[str | None, str | None]:
    """What a message carries: ``(kind, file_id)``, ``geo:`` for a location, ``tel:`` for a contact."""
    photo = message.get("photo")
    if isinstance(photo, list) and photo:  # sizes, smallest first
        largest = photo[-1] if isinstance(photo[-1], dict) else {}
        return "image", id_or_none(largest.get("file_id"))
    for name, kind in FILE_FIELDS:
        if isinstance(message.get(name), dict):
            return kind, id_or_none(message[name].get("file_id"))
    place = message.get("location") or (message.get("venue") or {}).get("location")
    if isinstance(place, dict):
        return "location", geo_ref(place.get("latitude"), place.get("longitude"))
    if isinstance(message.get("contact"), dict):
        phone = id_or_none(message["contact"].get("phone_number"))
        return "contact", f"tel:{phone}" if phone else None
    return None, None


def _thread_root(chat: dict[str, Any], message: dict[str, Any], reply_to: Any) -> str | None:
    """A forum topic or a channel post's comment thread names its first message (``message_thread_id``)."""
    reply_to = reply_to if isinstance(reply_to, dict) else {}
    thread = message.get("message_thread_id") or reply_to.get("message_thread_id")
    if thread is not None:
        return _chat_ref(chat, thread)
    if not reply_to:
        return _chat_ref(chat, message.get("message_id"))
    # A reply to the channel post forwarded into its discussion group answers the thread's first message.
    return _chat_ref(chat, reply_to.get("message_id")) if reply_to.get("is_automatic_forward") else None


def message_item(message: dict[str, Any], *, key: str = "message") -> SourceItem:
    chat = message.get("chat") or {}
    sender = message.get("from") or message.get("sender_chat") or {}
    chat_type = chat.get("type")
    reply_to = message.get("reply_to_message")
    media_kind, media_ref = message_media(message)
    if key.endswith("channel_post"):
        kind = "post"
    elif chat_type == "private":
        kind = "message"
    else:
        kind = "comment" if reply_to else "message"
    username = chat.get("username")
    message_id = message.get("message_id")
    name = " ".join(p for p in (sender.get("first_name"), sender.get("last_name")) if p) or sender.get(
        "title"
    )
    return SourceItem(
        platform=PLATFORM,
        external_id=_chat_ref(chat, message_id),
        kind=kind,
        text=message.get("text") or message.get("caption") or "",
        created_at=parse_time(message.get("date")),
        author_id=str(sender["id"]) if sender.get("id") is not None else None,
        author_handle=sender.get("username"),
        author_name=name,
        url=f"https://t.me/{username}/{message_id}" if username and chat_type != "private" else None,
        parent_external_id=_chat_ref(chat, reply_to["message_id"]) if reply_to else None,
        thread_external_id=str(chat.get("id")),
        channel_external_id=str(chat.get("id")),
        raw=message,
        thread_root_id=_thread_root(chat, message, reply_to),
        in_reply_to_id=_chat_ref(chat, reply_to["message_id"]) if reply_to else None,
        media_kind=media_kind,
        media_ref=media_ref,
    )


def update_items(update: dict[str, Any]) -> list[SourceItem]:
    for key in MESSAGE_KEYS:
        if isinstance(update.get(key), dict):
            return [message_item(update[key], key=key)]
    return []  # callback queries, member updates, polls: no public text


def parse_body(body: Any) -> list[SourceItem]:
    """A ``getUpdates`` answer, one webhook update, or a ``sendMessage`` answer."""
    body = as_dict(body)
    if not isinstance(body, dict):
        raise UnrecognisedPayload("Telegram: expected a JSON object")
    if "update_id" in body:
        return update_items(body)
    if body.get("ok") is False:
        raise ErrorPayload(f"Telegram error answer: {body.get('description')}")
    if body.get("ok") is not True or "result" not in body:
        raise UnrecognisedPayload("Telegram: no 'ok'/'result' and no 'update_id'")
    result = body["result"]
    if isinstance(result, list):
        if not all(isinstance(u, dict) and "update_id" in u for u in result):
            raise UnrecognisedPayload("Telegram: 'result' is not a list of updates")
        return [item for update in result for item in update_items(update)]
    if isinstance(result, dict) and "message_id" in result:
        key = "channel_post" if (result.get("chat") or {}).get("type") == "channel" else "message"
        return [message_item(result, key=key)]
    if isinstance(result, bool | dict | int):
        return []  # deleteMessage, setWebhook, getMe, getChatMemberCount ...
    raise UnrecognisedPayload("Telegram: unexpected 'result'")


parse_webhook = parse_body


# --- source and publisher --------------------------------------------------------------------------


class TelegramSource:
    """Long-poll ``getUpdates`` without waiting; stops when a page is not full."""

    platform = PLATFORM

    def __init__(
        self,
        credentials: TelegramCredentials,
        *,
        client: HttpClient | None = None,
        max_pages: int = 10,
        page_size: int = 100,
    ) -> None:
        self.http = _bot_client(credentials, client)
        self.max_pages, self.page_size = max_pages, page_size

    def fetch(self, since: Cursor = None) -> FetchResult:
        offset = since.get("offset") if isinstance(since, dict) else None
        items: list[SourceItem] = []
        for _ in range(self.max_pages):
            params: dict[str, Any] = {
                "limit": self.page_size,
                "timeout": 0,
                "allowed_updates": ALLOWED_UPDATES,
            }
            if offset is not None:
                params["offset"] = offset
            updates = self.http.get_json("/getUpdates", params=params)["result"]
            for update in updates:
                items += update_items(update)
                offset = int(update["update_id"]) + 1
            if len(updates) < self.page_size:
                return FetchResult(items=items, cursor={"offset": offset}, has_more=False)
        return FetchResult(items=items, cursor={"offset": offset}, has_more=True)


def _bot_client(credentials: TelegramCredentials, client: HttpClient | None) -> HttpClient:
    return client or HttpClient(base_url=f"{API}/bot{credentials.bot_token}", error_for=error_for)


def set_webhook(credentials: TelegramCredentials, url: str, *, client: HttpClient | None = None) -> None:
    """``setWebhook``: deliveries go to ``url`` with ``credentials.webhook_secret`` as the secret token.

    While it is set, ``getUpdates`` answers 409, so a channel in webhook mode is not polled.
    """
    if not credentials.webhook_secret:
        raise ValueError("Telegram: setWebhook needs a secret token")
    body = {
        "url": url,
        "secret_token": credentials.webhook_secret,
        "allowed_updates": list(MESSAGE_KEYS),
        "drop_pending_updates": False,
    }
    _bot_client(credentials, client).post_json("/setWebhook", json=body, idempotent=True)


def delete_webhook(credentials: TelegramCredentials, *, client: HttpClient | None = None) -> None:
    """``deleteWebhook``: back to ``getUpdates``; updates not yet delivered stay queued for the next poll."""
    body = {"drop_pending_updates": False}
    _bot_client(credentials, client).post_json("/deleteWebhook", json=body, idempotent=True)


class TelegramPublisher:
    platform = PLATFORM

    def __init__(self, credentials: TelegramCredentials, *, client: HttpClient | None = None) -> None:
        self.credentials = credentials
        self.http = _bot_client(credentials, client)

    def followers(self) -> int | None:
        """The channel's member count (``getChatMemberCount``; the bot is an admin of the channel)."""
        if not self.credentials.channel:
            raise ValueError("Telegram: no channel configured to count")
        body = self.http.get_json("/getChatMemberCount", params={"chat_id": self.credentials.channel})
        return to_int(body.get("result"))

    def _send(self, method: str, *, data: dict[str, Any], files: dict | None = None) -> PublishResult:
        def send() -> PublishResult:
            if files:
                body = self.http.post_json(f"/{method}", data=data, files=files)
            else:
                body = self.http.post_json(f"/{method}", json=data)
            if isinstance(body.get("result"), list):  # sendMediaGroup: the album's messages
                body = {**body, "result": body["result"][0]}
            item = parse_body(body)[0]
            return PublishResult(PLATFORM, item.external_id, item.url, raw=body)

        def unknown() -> PublishResult | None:
            raise DeliveryUnknown(f"Telegram: {method} outcome unknown; a bot cannot read its sent messages")

        return send_once(send, unknown)

    def post(
        self,
        text: str,
        *,
        image: bytes | str | None = None,
        idempotency_key: str,
        media: MediaInput = (),
        options: PostOptions | None = None,
    ) -> PublishResult:
        """To the channel (``chat_id`` = ``@channel`` or ``-100…``): ``sendMessage`` for text, ``sendPhoto`` /
        ``sendVideo`` with a caption for one file (its URL, or the bytes as multipart), ``sendMediaGroup``
        for 2–10 files (the caption on the first; the answer's first message is the post)."""
        if not self.credentials.channel:
            raise ValueError("Telegram: no channel configured to post to")
        chat = self.credentials.channel
        files = media_of(image, media)
        if not files:
            return self._send("sendMessage", data={"chat_id": chat, "text": text})
        if len(files) == 1:
            item = files[0]
            field_name = "video" if item.kind == "video" else "photo"
            method = "sendVideo" if item.kind == "video" else "sendPhoto"
            data = {"chat_id": chat, "caption": text}
            if item.url is not None and item.data is None:
                return self._send(method, data={**data, field_name: item.url})
            return self._send(
                method, data=data, files={field_name: (item.name, item.content(fetch_bytes), item.mime_type)}
            )
        group, uploads = [], {}
        for number, item in enumerate(files):
            entry: dict[str, Any] = {"type": "video" if item.kind == "video" else "photo"}
            if item.url is not None and item.data is None:
                entry["media"] = item.url
            else:
                entry["media"] = f"attach://file{number}"
                uploads[f"file{number}"] = (item.name, item.content(fetch_bytes), item.mime_type)
            if number == 0:
                entry["caption"] = text
            group.append(entry)
        album: dict[str, Any] = {"chat_id": chat, "media": json.dumps(group) if uploads else group}
        return self._send("sendMediaGroup", data=album, files=uploads or None)

    def reply(
        self, parent_external_id: str, text: str, *, idempotency_key: str, to: str | None = None
    ) -> PublishResult:
        """Reply to ``"<chat_id>:<message_id>"`` in the same chat (``to``, the sender of a direct message,
        is accepted and not needed: a private chat's id is the person's)."""
        chat_id, _, message_id = parent_external_id.rpartition(":")
        data = {"chat_id": chat_id, "text": text, "reply_parameters": {"message_id": int(message_id)}}
        return self._send("sendMessage", data=data)

    def hide(self, external_id: str) -> None:
        raise Unsupported("Telegram: messages cannot be hidden; delete them instead")

    def unhide(self, external_id: str) -> None:
        raise Unsupported("Telegram: messages cannot be hidden")

    def delete(self, external_id: str) -> None:
        chat_id, _, message_id = external_id.rpartition(":")
        self.http.post_json(
            "/deleteMessage", json={"chat_id": chat_id, "message_id": int(message_id)}, idempotent=True
        )

    def reconcile(
        self,
        idempotency_key: str,
        *,
        text: str,
        parent_external_id: str | None = None,
        since: datetime | None = None,
    ) -> PublishResult | None:
        return None  # the Bot API offers no history of sent messages


# --- platform spec -------------------------------------------------------------------------------------


def probe(credentials: TelegramCredentials, max_wait_s: float) -> str:
    """``getMe``: the bot's id names the account."""
    http = _bot_client(credentials, None)
    limit_wait(http, max_wait_s)
    return str(http.get_json("/getMe")["result"]["id"])


def verify_delivery(raw_body: bytes, headers: Mapping[str, str], values: Mapping[str, Any]) -> None:
    """Refuse (403) an update without the secret token given to ``setWebhook``."""
    header = headers.get("x-telegram-bot-api-secret-token")
    if not check_secret_token(header, str(values.get("webhook_secret") or "")):
        raise WebhookRejected("wrong X-Telegram-Bot-Api-Secret-Token", status=403)


C = Capability
MB = 1024 * 1024
SPEC = PlatformSpec(
    name=PLATFORM,
    label="Telegram",
    credentials=TelegramCredentials,
    credential_fields=fields_of(
        TelegramCredentials,
        bot_token=N_("Bot token"),
        channel=N_("Channel to publish to (@name or id)"),
        webhook_secret=N_("Webhook secret token"),
    ),
    account_field=None,  # the bot's id, from getMe
    probe=probe,
    source=TelegramSource,
    publisher=TelegramPublisher,
    parser=parse_body,
    webhook=WebhookSpec(
        kind="telegram",
        route="telegram",
        fields=(),
        verify=verify_delivery,
        parse=guarded("telegram", parse_body),
        handshake=None,
        receipts=None,
        # getUpdates answers 409 while a webhook is set: a channel is polled or pushed, never both.
        switch=WebhookSwitch("webhook_secret", register=set_webhook, unregister=delete_webhook),
    ),
    rate_limit=None,  # flood control comes as 429 with parameters.retry_after (see error_for)
    capabilities=frozenset(
        {
            C.READ_POSTS,
            C.READ_COMMENTS,
            C.READ_DMS,
            C.REPLY,
            C.POST_TEXT,
            C.POST_IMAGE,
            C.POST_VIDEO,
            C.DELETE,
            C.FOLLOWERS,
        }
    ),
    image_input=frozenset({ImageInput.BYTES, ImageInput.URL}),
    reconcile=Reconcile.NONE,
    # core.telegram.org/bots/api: sendMessage text 1-4096 characters and captions 0-1024 after entities
    # parsing (entity offsets count UTF-16 code units, so that is what is counted); sendPhoto photos at most
    # 10 MB; bots send files up to 50 MB; sendMediaGroup takes 2-10 items.
    limits=Limits(
        text_max=4_096,
        count_text=count_utf16,
        caption_max=1_024,
        hashtags_max=None,
        media_max=10,
        image_max_bytes=10 * MB,
        video_max_bytes=50 * MB,
        video_max_seconds=None,
        aspect_ratio=None,
        image_max_side=None,
        video_codecs=None,
    ),
)
