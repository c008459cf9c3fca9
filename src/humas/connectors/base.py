"""Plain data classes and protocols shared by every platform connector.

Connectors know no database: a ``Source`` turns a platform's answers into ``SourceItem`` values and a new
cursor; a ``Publisher`` sends text and returns a ``PublishResult``. Cursors are JSON-serialisable dicts (or
strings) that the caller stores and hands back on the next poll.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, runtime_checkable

Kind = Literal["post", "comment", "reply", "message", "article", "mention"]
KINDS: tuple[str, ...] = ("post", "comment", "reply", "message", "article", "mention")
Cursor = dict[str, Any] | str | None
# What an item carries instead of (or beside) text; ``other``: an attachment of a type humas does not name.
MEDIA_KINDS: tuple[str, ...] = (
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "location",
    "contact",
    "reaction",
    "other",
)


@dataclass(frozen=True)
class SourceItem:
    """One public item read from a platform: a post, comment, reply, message, article or mention.

    Thread context, in the platform's own id space (the ``external_id`` the other item has or would have):

    - ``thread_root_id``: the item the whole conversation hangs off (the post, video, status, first message);
      an item that starts a thread is its own root. ``None`` when the answer does not tell (a lone reply);
      ingest then takes the root from the stored parent.
    - ``in_reply_to_id``: the item this one directly answers (a top-level comment answers the post); ``None``
      for a root.
    - ``parent_external_id`` and ``thread_external_id`` keep their earlier meaning (the thread key is a
      chat or a customer number on Telegram and WhatsApp, not an item).
    - ``media_kind`` / ``media_ref``: what the item carries besides text (one of ``MEDIA_KINDS``) and the
      platform's reference to it: a media id or URL, ``geo:lat,lon`` for a location, ``tel:`` for a
      contact, the emoji of a reaction. A media-only item keeps ``text == ""``.
    """

    platform: str
    external_id: str
    kind: str
    text: str
    created_at: datetime | None
    author_id: str | None = None
    author_handle: str | None = None
    author_name: str | None = None
    author_followers: int | None = None
    url: str | None = None
    parent_external_id: str | None = None
    thread_external_id: str | None = None
    channel_external_id: str | None = None
    metrics: dict[str, int] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    thread_root_id: str | None = None
    in_reply_to_id: str | None = None
    media_kind: str | None = None
    media_ref: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}")
        if self.media_kind is not None and self.media_kind not in MEDIA_KINDS:
            raise ValueError(f"unknown media kind {self.media_kind!r}")
        if self.created_at is not None and self.created_at.tzinfo is None:
            raise ValueError("created_at must be timezone-aware")

    def public_dict(self) -> dict[str, Any]:
        """The fields of the ``humas connectors parse`` contract, JSON-ready."""
        return {
            "platform": self.platform,
            "external_id": self.external_id,
            "kind": self.kind,
            "author_id": self.author_id,
            "author_handle": self.author_handle,
            "text": self.text,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "url": self.url,
            "parent_external_id": self.parent_external_id,
            "metrics": dict(self.metrics),
            "thread_root_id": self.thread_root_id,
            "in_reply_to_id": self.in_reply_to_id,
            "media_kind": self.media_kind,
            "media_ref": self.media_ref,
        }


@dataclass(frozen=True)
class FetchResult:
    """What one poll returns: the new items (oldest first where known) and the cursor for the next poll."""

    items: list[SourceItem]
    cursor: Cursor
    has_more: bool = False


@dataclass(frozen=True)
class PublishResult:
    """A post, reply or message the platform accepted."""

    platform: str
    external_id: str
    url: str | None = None
    reconciled: bool = False  # True when found on the platform instead of freshly sent
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@runtime_checkable
class Source(Protocol):
    platform: str

    def fetch(self, since: Cursor = None) -> FetchResult:
        """Fetch everything new since ``since`` (following pagination) and return the next cursor."""
        ...


@runtime_checkable
class Publisher(Protocol):
    platform: str

    def post(
        self,
        text: str,
        *,
        image: bytes | str | None = None,
        idempotency_key: str,
        media: Sequence[Any] = (),
        options: Any = None,
    ) -> PublishResult:
        """Publish ``text`` with ``media`` (``connectors.media.Media`` values or their dicts; ``image`` is the
        single-file form) and ``options`` (``connectors.media.PostOptions``); ``Unsupported`` where the
        platform cannot take what is asked."""
        ...

    def reply(self, parent_external_id: str, text: str, *, idempotency_key: str) -> PublishResult: ...

    def hide(self, external_id: str) -> None: ...

    def unhide(self, external_id: str) -> None:
        """Show a hidden item again (``Capability.UNHIDE``); ``Unsupported`` where the platform cannot."""
        ...

    def delete(self, external_id: str) -> None: ...

    def reconcile(
        self,
        idempotency_key: str,
        *,
        text: str,
        parent_external_id: str | None = None,
        since: datetime | None = None,
    ) -> PublishResult | None:
        """Look on the platform for a write sent earlier with this key; ``None`` when not found."""
        ...


Parser = Callable[[Any], list[SourceItem]]

# --- small helpers used by every platform module ---------------------------------------------------

_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_time(value: Any) -> datetime | None:
    """Parse ISO 8601 strings (``Z``, ``+0000``, >6 fraction digits) and UNIX seconds to aware UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        try:
            return datetime.fromtimestamp(int(value), UTC)
        except (OverflowError, OSError, ValueError):  # a timestamp past the calendar's range
            return None
    if not isinstance(value, str):
        return None
    text = _FRACTION.sub(r"\1", value.strip())
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def to_int(value: Any) -> int | None:
    """Counts come as ints or (YouTube) numeric strings; anything else is dropped."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def id_or_none(value: Any) -> str | None:
    """A platform id as text; ``None`` for a missing, empty or non-scalar value."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text or None


def geo_ref(latitude: Any, longitude: Any) -> str | None:
    """A location as a ``geo:`` URI (RFC 5870); ``None`` when either coordinate is not a number."""
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return f"geo:{lat:.6f},{lon:.6f}"


def metrics_of(mapping: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, int]:
    """Pick the integer counts named in ``names`` (platform field -> our metric name)."""
    out: dict[str, int] = {}
    for source_name, our_name in names.items():
        number = to_int(mapping.get(source_name))
        if number is not None:
            out[our_name] = number
    return out


def normalise_text(text: str) -> str:
    """Compare texts the way platforms may rewrite them (whitespace, Unicode form, case)."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def same_text(sent: str, seen: str) -> bool:
    """True when ``seen`` (as the platform shows it) is the text we sent.

    Platforms shorten links and append media URLs, so a prefix match on normalised text counts too.
    """
    a, b = normalise_text(sent), normalise_text(seen)
    return bool(a) and (a == b or b.startswith(a) or (len(a) > 40 and a[:40] in b))


def key_digest(idempotency_key: str, length: int = 16) -> str:
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:length]


def as_dict(body: Any) -> Any:
    """Accept a parsed JSON value or raw bytes/str; raise ``ValueError`` on malformed JSON."""
    import json

    if isinstance(body, bytes | bytearray):
        body = body.decode("utf-8")
    if isinstance(body, str):
        return json.loads(body)
    return body


def send_once(
    send: Callable[[], PublishResult], reconcile: Callable[[], PublishResult | None]
) -> PublishResult:
    """Send a write; when its outcome is unknown (timeout, 5xx), look for it before sending again.

    A second ``DeliveryUnknown`` propagates: the outbox keeps the row and reconciles later.
    """
    from humas.connectors.errors import DeliveryUnknown

    try:
        return send()
    except DeliveryUnknown:
        found = reconcile()
        if found is not None:
            return found
        return send()
