"""make_channel: a channel stored directly (no probe call), with encrypted credentials."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from humas.channels.models import Channel
from humas.core import secrets
from humas.core.time import utcnow
from humas.org.models import Unit

_seq = itertools.count(1)
DEFAULT_VALUES: dict[str, dict[str, str]] = {
    # Polled (no webhook secret): Telegram refuses getUpdates while a webhook is set.
    "telegram": {"bot_token": "7012345678:AAH-rahasia-bot-token-XYZ987"},
    "facebook": {
        "page_id": "104010002003",
        "page_access_token": "EAAG-rahasia-page-token-1234567890",
        "app_secret": "meta-app-secret-9f8e7d",
        "verify_token": "verify-token-5a4b3c",
    },
    "instagram": {
        "ig_user_id": "17841474524784050",
        "access_token": "IGQ-rahasia-ig-token-556677",
        "app_secret": "meta-app-secret-9f8e7d",
        "verify_token": "verify-token-5a4b3c",
    },
    "whatsapp": {
        "phone_number_id": "106540352242922",
        "access_token": "EAAW-rahasia-wa-token-8899",
        "app_secret": "meta-app-secret-9f8e7d",
        "verify_token": "verify-token-5a4b3c",
    },
    "x": {
        "user_id": "783214",
        "username": "X",
        "bearer_token": "x-app-token-1122",
        "user_access_token": "x-user-token-3344",
    },
    "mastodon": {
        "instance_url": "https://mastodon.example",
        "account_id": "109302",
        "access_token": "masto-token-5566",
    },
}
ACCOUNT = {
    "telegram": "7012345678",
    "facebook": "104010002003",
    "instagram": "17841474524784050",
    "whatsapp": "106540352242922",
    "x": "783214",
    "mastodon": "109302",
}


def make_channel(
    session: Session,
    *,
    unit: Unit,
    platform: str = "telegram",
    values: dict[str, str] | None = None,
    **overrides: Any,
) -> Channel:
    channel = Channel(
        unit_id=unit.id,
        platform=platform,
        name=overrides.pop("name", f"Kanal {next(_seq)}"),
        account_external_id=overrides.pop(
            "account_external_id", f"{ACCOUNT.get(platform, 'acct')}-{next(_seq)}"
        ),
        credentials_encrypted=secrets.encrypt(values or DEFAULT_VALUES[platform]),
        **{"next_poll_at": utcnow(), **overrides},
    )
    session.add(channel)
    session.flush()
    return channel
