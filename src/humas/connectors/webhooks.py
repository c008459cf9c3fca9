"""Pure webhook helpers for the web layer: verify first, then parse the raw body.

Meta (Facebook Pages, Instagram, WhatsApp): answer the ``hub.challenge`` handshake with
``verify_handshake`` and check ``X-Hub-Signature-256`` with ``verify_signature`` over the *raw* bytes before
parsing. Telegram: compare ``X-Telegram-Bot-Api-Secret-Token`` with ``check_secret_token``. LINE: check
``X-Line-Signature`` (base64 HMAC-SHA256 of the raw body with the channel secret). A delivery that
fails either check, or whose body is truncated or of an unknown shape, is refused and nothing is stored.
"""

from __future__ import annotations

from typing import Any

from humas.connectors import line, meta
from humas.connectors.base import SourceItem
from humas.connectors.errors import UnrecognisedPayload, WebhookRejected
from humas.connectors.meta import sign, verify_handshake, verify_signature
from humas.connectors.parse import parse_payload
from humas.connectors.telegram import check_secret_token

__all__ = [
    "check_secret_token",
    "parse_line_delivery",
    "parse_meta_delivery",
    "parse_telegram_delivery",
    "sign",
    "verify_handshake",
    "verify_signature",
]


def parse_meta_delivery(raw_body: bytes, signature_header: str | None, app_secret: str) -> list[SourceItem]:
    """Verify then parse a Meta delivery (page, instagram or whatsapp_business_account).

    Raises ``WebhookRejected`` (401) on a bad signature, ``UnrecognisedPayload`` (answer 400) otherwise.
    """
    if not verify_signature(raw_body, signature_header, app_secret):
        raise WebhookRejected("bad X-Hub-Signature-256", status=401)
    items = parse_payload("meta", raw_body)
    meta.webhook_changes(raw_body)  # a signed body that is not a delivery at all is still refused
    return items


def parse_telegram_delivery(raw_body: bytes, secret_header: str | None, secret: str) -> list[SourceItem]:
    """Verify the secret token then parse one Telegram update."""
    if not check_secret_token(secret_header, secret):
        raise WebhookRejected("wrong X-Telegram-Bot-Api-Secret-Token", status=403)
    body: Any = parse_payload("telegram", raw_body)
    if not isinstance(body, list):  # pragma: no cover - parse_payload always returns a list
        raise UnrecognisedPayload("telegram: unexpected parse result")
    return body


def parse_line_delivery(
    raw_body: bytes, signature_header: str | None, channel_secret: str
) -> list[SourceItem]:
    """Verify ``X-Line-Signature`` then parse a LINE delivery (its users' messages)."""
    if not line.verify_signature(raw_body, signature_header, channel_secret):
        raise WebhookRejected("bad X-Line-Signature", status=401)
    return line.parse_delivery(raw_body)
