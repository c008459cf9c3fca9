"""What a publisher posts besides text: media files and per-post options, shared by every platform.

The publishing service hands a variant's media as plain dicts (``{"kind", "url", "alt", ...}``) or, once the
media library stores files, with their bytes; ``media_of`` turns either (and the older single ``image``
argument) into ``Media`` values. A platform that takes uploaded bytes only reads a URL-only file through its
own client (``Media.content``): the URL is humas' own media store, and respx replays it in tests.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from humas.connectors.errors import Unsupported

MEDIA_KINDS = ("image", "video")


@dataclass(frozen=True)
class Media:
    """One image or video to attach: a public ``url`` the platform may fetch, and/or the file's ``data``."""

    kind: str
    url: str | None = None
    data: bytes | None = field(default=None, repr=False)
    alt: str = ""
    mime: str | None = None
    filename: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in MEDIA_KINDS:
            raise Unsupported(f"media kind {self.kind!r} cannot be posted")
        if self.url is None and self.data is None:
            raise Unsupported("a media file needs a URL or its bytes")

    @property
    def mime_type(self) -> str:
        guessed = mimetypes.guess_type(self.url or self.name)[0]
        return self.mime or guessed or ("video/mp4" if self.kind == "video" else "image/jpeg")

    @property
    def name(self) -> str:
        """A file name with an extension (WordPress needs one in ``Content-Disposition``)."""
        if self.filename:
            return self.filename
        tail = (self.url or "").split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        if tail and "." in tail:
            return tail
        extension = mimetypes.guess_extension(self.mime or "") or (".mp4" if self.kind == "video" else ".jpg")
        return f"{tail or 'media'}{extension}"

    def content(self, fetch: Callable[[str], bytes]) -> bytes:
        """The file's bytes: given, or read from its URL with ``fetch`` (the connector's own client)."""
        if self.data is not None:
            return self.data
        assert self.url is not None
        return fetch(self.url)

    @classmethod
    def of(cls, value: Media | Mapping[str, Any] | bytes | str) -> Media:
        if isinstance(value, Media):
            return value
        if isinstance(value, bytes | bytearray):
            return cls("image", data=bytes(value))
        if isinstance(value, str):
            return cls("image", url=value)
        data = value.get("data")
        return cls(
            kind=str(value.get("kind") or "image"),
            url=value.get("url") or None,
            data=bytes(data) if isinstance(data, bytes | bytearray) else None,
            alt=str(value.get("alt") or ""),
            mime=value.get("mime") or None,
            filename=value.get("filename") or None,
        )


@dataclass(frozen=True)
class PostOptions:
    """What a variant may ask of a platform beyond text and media.

    ``title``: a video's or article's title (YouTube, WordPress, TikTok); ``thread``: split a long text into a
    reply chain where the platform threads (X); ``publish_at``: let the platform publish later (WordPress
    ``future``); ``categories`` / ``tags``: WordPress term ids; ``privacy``: a platform's visibility value.
    """

    title: str | None = None
    thread: bool = False
    publish_at: datetime | None = None
    categories: tuple[int, ...] = ()
    tags: tuple[int, ...] = ()
    privacy: str | None = None

    @classmethod
    def of(cls, value: PostOptions | Mapping[str, Any] | None) -> PostOptions:
        if value is None:
            return cls()
        if isinstance(value, PostOptions):
            return value
        from humas.connectors.base import parse_time

        publish_at = value.get("publish_at")
        return cls(
            title=value.get("title") or None,
            thread=bool(value.get("thread")),
            publish_at=publish_at if isinstance(publish_at, datetime) else parse_time(publish_at),
            categories=tuple(int(v) for v in value.get("categories") or ()),
            tags=tuple(int(v) for v in value.get("tags") or ()),
            privacy=value.get("privacy") or None,
        )


MediaInput = Sequence[Media | Mapping[str, Any]]


def media_of(image: bytes | str | None, media: Iterable[Any] = ()) -> list[Media]:
    """The files of one post: the ``media`` list, or else the single ``image`` of the older call."""
    items = [Media.of(m) for m in media]
    if not items and image is not None:
        items.append(Media.of(image))
    return items


def first_link(text: str) -> str | None:
    """The first web address in a text (a link-card preview where the platform makes one)."""
    from humas.connectors.textcount import SCHEME_URL

    match = SCHEME_URL.search(text)
    return match.group(0).rstrip(".,;:!?)]}'\"…") if match else None


def split_kinds(items: list[Media]) -> tuple[list[Media], list[Media]]:
    return [m for m in items if m.kind == "image"], [m for m in items if m.kind == "video"]


def split_text(text: str, limit: int, count: Callable[[str], int]) -> list[str]:
    """Cut ``text`` into parts of at most ``limit`` (as the platform counts), at paragraph, sentence or word
    ends; a word longer than a part is cut where it must be. Parts keep their order and lose no word."""
    parts: list[str] = []
    rest = text.strip()
    while rest:
        if count(rest) <= limit:
            parts.append(rest)
            break
        cut = _cut_at(rest, limit, count)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return parts


def _cut_at(text: str, limit: int, count: Callable[[str], int]) -> int:
    low, high = 1, len(text)
    while low < high:  # the longest prefix that fits
        middle = (low + high + 1) // 2
        if count(text[:middle].rstrip()) <= limit:
            low = middle
        else:
            high = middle - 1
    prefix = text[:low]
    for separator in ("\n\n", "\n", ". ", "! ", "? ", " "):
        at = prefix.rfind(separator)
        if at > low // 3:
            return at + len(separator)
    return low


MAX_FETCH_BYTES = 1024 * 1024 * 1024
MAX_REDIRECTS = 5
# NOTE: media addresses are typed by drafters; the worker must not be turned into a reader of cloud
# metadata endpoints (169.254.169.254 and its names). Private and loopback addresses stay allowed: a
# self-hosted humas may serve its media store on the local network.
METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal", "metadata.goog", "instance-data"})


def fetchable(url: str) -> bool:
    """Whether humas may read a media file from ``url``: http(s), and not a link-local, multicast,
    reserved or unspecified address, nor a cloud metadata host name."""
    import ipaddress
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme not in ("http", "https") or not host or host in METADATA_HOSTS:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True  # a name: resolved by the client (see the NOTE above)
    return not (
        address.is_link_local or address.is_multicast or address.is_reserved or address.is_unspecified
    )


def fetch_bytes(url: str) -> bytes:
    """Read a media file from humas' media store by its URL, with no platform credentials attached;
    redirects are followed only to addresses that are themselves ``fetchable``."""
    import httpx

    from humas.connectors.errors import PlatformError

    with httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            if not fetchable(url):
                raise Unsupported("media file address not allowed")
            response = client.get(url)
            if not response.is_redirect:
                break
            url = str(response.next_request.url) if response.next_request else ""
        else:
            raise PlatformError("media file not readable: too many redirects")
    if response.status_code >= 400:
        status = response.status_code
        raise PlatformError(f"media file not readable: HTTP {status}", status=status)
    if len(response.content) > MAX_FETCH_BYTES:
        raise Unsupported("media file too large")
    return response.content
