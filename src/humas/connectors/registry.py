"""Platform name -> credentials, Source, Publisher and parser, for the channel and job layers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from humas.connectors import bluesky, facebook, instagram, mastodon, telegram, whatsapp, x, youtube
from humas.connectors.base import SourceItem


@dataclass(frozen=True)
class PlatformSpec:
    name: str
    credentials: type
    source: type | None  # None: the platform only pushes (webhooks)
    publisher: type
    parser: Callable[[Any], list[SourceItem]]
    webhook: str | None  # "meta" or "telegram": which verification its deliveries need


REGISTRY: dict[str, PlatformSpec] = {
    "x": PlatformSpec("x", x.XCredentials, x.XSource, x.XPublisher, x.parse_body, None),
    "facebook": PlatformSpec(
        "facebook",
        facebook.FacebookCredentials,
        facebook.FacebookSource,
        facebook.FacebookPublisher,
        facebook.parse_graph,
        "meta",
    ),
    "instagram": PlatformSpec(
        "instagram",
        instagram.InstagramCredentials,
        instagram.InstagramSource,
        instagram.InstagramPublisher,
        instagram.parse_graph,
        "meta",
    ),
    "whatsapp": PlatformSpec(
        "whatsapp",
        whatsapp.WhatsAppCredentials,
        None,
        whatsapp.WhatsAppPublisher,
        whatsapp.parse_body,
        "meta",
    ),
    "youtube": PlatformSpec(
        "youtube",
        youtube.YouTubeCredentials,
        youtube.YouTubeSource,
        youtube.YouTubePublisher,
        youtube.parse_body,
        None,
    ),
    "telegram": PlatformSpec(
        "telegram",
        telegram.TelegramCredentials,
        telegram.TelegramSource,
        telegram.TelegramPublisher,
        telegram.parse_body,
        "telegram",
    ),
    "mastodon": PlatformSpec(
        "mastodon",
        mastodon.MastodonCredentials,
        mastodon.MastodonSource,
        mastodon.MastodonPublisher,
        mastodon.parse_body,
        None,
    ),
    "bluesky": PlatformSpec(
        "bluesky",
        bluesky.BlueskyCredentials,
        bluesky.BlueskySource,
        bluesky.BlueskyPublisher,
        bluesky.parse_body,
        None,
    ),
}


def get_platform(name: str) -> PlatformSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown platform {name!r}; expected one of {', '.join(REGISTRY)}") from None
