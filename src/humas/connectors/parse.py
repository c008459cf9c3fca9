"""Recognise a saved API answer or webhook delivery of a platform and turn it into ``SourceItem`` values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from humas.connectors import bluesky, mastodon, meta, telegram, whatsapp, x, youtube
from humas.connectors.base import SourceItem, as_dict
from humas.connectors.errors import UnrecognisedPayload

PARSERS: dict[str, Callable[[Any], list[SourceItem]]] = {
    "x": x.parse_body,
    "meta": meta.parse_body,
    "facebook": meta.parse_body,
    "instagram": meta.parse_body,
    "whatsapp": whatsapp.parse_body,
    "youtube": youtube.parse_body,
    "telegram": telegram.parse_body,
    "mastodon": mastodon.parse_body,
    "bluesky": bluesky.parse_body,
}


def parse_payload(platform: str, body: bytes | str | dict[str, Any] | list[Any]) -> list[SourceItem]:
    """Parse one body; raise ``UnrecognisedPayload`` (``ErrorPayload`` for error answers) on no match."""
    try:
        parser = PARSERS[platform]
    except KeyError:
        raise ValueError(f"unknown platform {platform!r}; expected one of {', '.join(PARSERS)}") from None
    try:
        data = as_dict(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnrecognisedPayload(f"{platform}: body is not valid JSON ({exc})") from None
    except RecursionError:
        raise UnrecognisedPayload(f"{platform}: body is nested too deeply to read") from None
    try:
        return parser(data)
    except UnrecognisedPayload:
        raise
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        # A body close to a known shape but missing what the parser relies on.
        raise UnrecognisedPayload(f"{platform}: malformed {type(exc).__name__}: {exc}") from None
    except RecursionError:
        raise UnrecognisedPayload(f"{platform}: body is nested too deeply to read") from None
