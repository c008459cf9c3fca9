"""Bluesky rich text: the facets that make links, mentions and hashtags of a post's text live.

A facet marks a span of the text by UTF-8 *byte* offsets (``byteStart`` inclusive, ``byteEnd`` exclusive),
not by characters: an emoji or an accented letter before a link moves it by several bytes. The patterns
follow docs.bsky.app/docs/advanced-guides/post-richtext (mentions as handles resolved to a DID, links with
a scheme, hashtags of at most 64 characters that are not only digits).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import regex  # type: ignore[import-untyped]

MENTION = regex.compile(
    r"(?:^|\W)(@((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?))"
)
LINK = regex.compile(
    r"(?:^|\W)(https?://(?:www\.)?[-a-zA-Z0-9@:%._+~#=]{1,256}\.[a-zA-Z0-9()]{1,6}\b"
    r"(?:[-a-zA-Z0-9()@:%_+.~#?&/=]*[-a-zA-Z0-9@%_+~#/=])?)"
)
TAG = regex.compile(r"(?:^|\s)([#＃]((?!\ufe0f)[^\s\u00ad\u2060\u200a-\u200d\u20e2]+))")
TAG_TRAILING = regex.compile(r"\p{P}+$")
TAG_MAX = 64

Resolver = Callable[[str], str | None]  # handle -> DID, or None when it does not resolve


def _span(text: str, start: int, end: int) -> dict[str, int]:
    return {"byteStart": len(text[:start].encode()), "byteEnd": len(text[:end].encode())}


def facets(text: str, resolve: Resolver) -> list[dict[str, Any]]:
    """The facets of ``text``: links, mentions whose handle resolves, hashtags; in text order."""
    found: list[tuple[int, dict[str, Any]]] = []
    for match in LINK.finditer(text):
        start, end = match.span(1)
        feature = {"$type": "app.bsky.richtext.facet#link", "uri": match.group(1)}
        found.append((start, {"index": _span(text, start, end), "features": [feature]}))
    for match in MENTION.finditer(text):
        did = resolve(match.group(2))
        if did:
            start, end = match.span(1)
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
            found.append((start, {"index": _span(text, start, end), "features": [feature]}))
    for match in TAG.finditer(text):
        tag = TAG_TRAILING.sub("", match.group(2))
        if not tag or tag.isdigit() or len(tag) > TAG_MAX:
            continue
        start = match.start(1)
        end = start + 1 + len(tag)
        feature = {"$type": "app.bsky.richtext.facet#tag", "tag": tag}
        found.append((start, {"index": _span(text, start, end), "features": [feature]}))
    return [facet for _, facet in sorted(found, key=lambda pair: pair[0])]
