"""Recognise a saved API answer or webhook delivery of a platform and turn it into ``SourceItem`` values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from humas.connectors.base import SourceItem, as_dict
from humas.connectors.errors import UnrecognisedPayload
from humas.connectors.registry import REGISTRY


def _parsers() -> dict[str, Callable[[Any], list[SourceItem]]]:
    """Each platform's parser, and each webhook kind's (``meta``: any Facebook/Instagram/WhatsApp body)."""
    parsers = {name: spec.parser for name, spec in REGISTRY.items()}
    for spec in REGISTRY.values():
        if spec.webhook is not None:
            parsers.setdefault(spec.webhook.kind, spec.parser)
    return parsers


PARSERS = _parsers()


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
