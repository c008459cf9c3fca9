"""What humas knows about one platform, declared once at the end of its connector module as ``SPEC``.

The channel pages, the CLI, polling, webhooks, the outbox and publishing ask a ``PlatformSpec`` instead of
testing a platform's name: which fields a person enters (and which are secret), how the account is named,
the check made before credentials are saved, how webhooks are verified and parsed, how rate limits are
read, what the platform lets humas do (``Capability``) and its text and media limits (``Limits``).
``humas.connectors.registry`` collects the specs; adding a platform is one module and its fixtures.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from humas.connectors.base import Parser, Publisher, Source, SourceItem, as_dict
from humas.connectors.errors import UnrecognisedPayload
from humas.connectors.http import HttpClient, RateLimitParser


def N_(message: str) -> str:
    """Mark a msgid for extraction (``pybabel -k N_``); the web layer translates it when it shows it."""
    return message


class Capability(StrEnum):
    """What humas can do on a platform through its connector."""

    READ_POSTS = "read_posts"
    READ_COMMENTS = "read_comments"
    READ_DMS = "read_dms"
    REPLY = "reply"
    POST_TEXT = "post_text"
    POST_IMAGE = "post_image"
    POST_VIDEO = "post_video"
    HIDE = "hide"
    UNHIDE = "unhide"  # show a hidden item again; declared apart so a one-way hide can say so
    DELETE = "delete"
    METRICS = "metrics"
    # the account's follower count, read by the publisher's ``followers() -> int | None`` (None: the platform
    # hides it or has not counted it yet); absent where the platform's API does not give it
    FOLLOWERS = "followers"


class Reconcile(StrEnum):
    """How an uncertain write is looked for before it is sent again."""

    LOOKUP = "lookup"  # the publisher searches the platform; not finding it proves it did not land
    RECEIPT = "receipt"  # a webhook receipt echoes the key (``delivered_lookup``); absence proves nothing
    NONE = "none"  # the platform cannot be asked: an uncertain write waits for a person


class ImageInput(StrEnum):
    """How a publisher takes an image: uploaded bytes, or a URL (fetched by the platform, or read from humas'
    media store by a publisher that uploads the bytes itself: ``connectors.media.Media.content``)."""

    BYTES = "bytes"
    URL = "url"


@dataclass(frozen=True)
class CredentialField:
    """One value a person enters to connect an account; ``label`` is an English msgid."""

    name: str
    label: str
    secret: bool
    required: bool


def fields_of(
    credentials: type, *, hidden: tuple[str, ...] = (), **labels: str
) -> tuple[CredentialField, ...]:
    """The form fields of a credentials dataclass: secret when ``repr=False``, required without a default.

    Every visible field needs a label; a missing or unknown one is a programming error caught at import.
    """
    visible = [f for f in dataclasses.fields(credentials) if f.name not in hidden]
    names = {f.name for f in visible}
    if set(labels) != names:
        raise TypeError(f"{credentials.__name__}: labels for {sorted(names)}, got {sorted(labels)}")
    return tuple(
        CredentialField(
            f.name,
            labels[f.name],
            secret=not f.repr,
            required=f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
        )
        for f in visible
    )


TextCounter = Callable[[str], int]


@dataclass(frozen=True)
class Limits:
    """A platform's limits on what humas sends, each with its source cited where it is declared.

    ``text_max`` is in the unit ``count_text`` returns; ``caption_max`` applies instead when media go with the
    text (Telegram); ``None`` means no limit of that kind is known or the kind does not apply.
    """

    text_max: int
    count_text: TextCounter
    caption_max: int | None
    hashtags_max: int | None
    media_max: int
    image_max_bytes: int | None
    video_max_bytes: int | None
    video_max_seconds: int | None
    aspect_ratio: tuple[float, float] | None  # (narrowest, widest) width / height of an image
    image_max_side: int | None  # the longest side in pixels an image may have (larger ones are scaled down)
    video_codecs: frozenset[str] | None  # the video codecs taken ("h264", "hevc"...); None: not declared

    def text_limit(self, *, with_media: bool = False) -> int:
        return self.caption_max if with_media and self.caption_max is not None else self.text_max

    def text_over(self, text: str, *, with_media: bool = False) -> int:
        """How far over its limit ``text`` is as the platform counts it (0 when it fits)."""
        return max(0, self.count_text(text) - self.text_limit(with_media=with_media))

    def aspect_ratio_fits(self, width: int, height: int) -> bool:
        if self.aspect_ratio is None:
            return True
        low, high = self.aspect_ratio
        return height > 0 and low <= width / height <= high


WebhookVerifier = Callable[[bytes, Mapping[str, str], Mapping[str, Any]], None]
Handshake = Callable[[Mapping[str, str], Mapping[str, Any]], str]
Receipts = Callable[[Any], list[dict[str, Any]]]


@dataclass(frozen=True)
class WebhookSwitch:
    """A webhook that is off until it is registered (Telegram's ``setWebhook``); while on, no polling."""

    secret_field: str  # the credentials value that holds the delivery secret; set means "on"
    register: Callable[[Any, str], None]  # (credentials with the secret, public URL)
    unregister: Callable[[Any], None]


@dataclass(frozen=True)
class WebhookSpec:
    """How a platform pushes: the route, the check of each delivery and the parser of its body.

    ``kind`` names the verification scheme; platforms of one kind share one receiver (Meta's products).
    ``verify`` raises ``WebhookRejected``; ``parse`` raises ``UnrecognisedPayload`` for a body that is
    not a delivery. ``receipts`` turns a delivery into receipts of our own sends (``idempotency_key``,
    ``message_id``), for platforms whose reconcile is ``Reconcile.RECEIPT``.
    """

    kind: str
    route: str  # deliveries arrive at /webhooks/<route>/<channel id>
    fields: tuple[CredentialField, ...]  # the secrets a person enters for it (part of the form)
    verify: WebhookVerifier
    parse: Parser
    handshake: Handshake | None  # answers a GET subscription check, if the platform makes one
    receipts: Receipts | None
    switch: WebhookSwitch | None  # None: the platform always pushes to the route once configured


Probe = Callable[[Any, float], str | None]


@dataclass(frozen=True)
class PlatformSpec:
    """Everything humas knows about one platform. Every field is declared; none has a default."""

    name: str
    label: str
    credentials: type
    credential_fields: tuple[CredentialField, ...]
    account_field: str | None  # the field that names the account; None: the probe reports it
    probe: Probe  # (credentials, longest wait in seconds) -> the account id the platform reports, or None
    source: type | None  # the polling Source; None: the platform only pushes (webhook)
    publisher: type
    parser: Parser  # any saved answer or delivery of this platform -> items (``humas connectors parse``)
    webhook: WebhookSpec | None
    rate_limit: RateLimitParser | None  # reads the rate-limit headers into ``HttpClient.rate_limit``
    capabilities: frozenset[Capability]
    image_input: frozenset[ImageInput]
    reconcile: Reconcile
    limits: Limits

    @property
    def form_fields(self) -> tuple[CredentialField, ...]:
        """What a person enters: the credentials, then the webhook's secrets."""
        return self.credential_fields + (self.webhook.fields if self.webhook else ())

    def secret_names(self) -> set[str]:
        return {f.name for f in self.form_fields if f.secret}

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities

    @property
    def absence_is_proof(self) -> bool:
        """Whether not finding an uncertain write on the platform proves it was not sent."""
        return self.reconcile is Reconcile.LOOKUP

    def credentials_from(self, values: Mapping[str, Any]) -> Any:
        """The connector's credentials from stored values (webhook secrets and blanks dropped)."""
        names = {f.name for f in dataclasses.fields(self.credentials)}
        return self.credentials(**{k: v for k, v in values.items() if k in names and v not in (None, "")})

    def webhook_on(self, values: Mapping[str, Any]) -> bool:
        """Whether deliveries come by webhook for these stored values."""
        if self.webhook is None:
            return False
        switch = self.webhook.switch
        return switch is None or bool(values.get(switch.secret_field))

    def polls(self, values: Mapping[str, Any]) -> bool:
        """Polled unless push-only, or switched to a webhook that excludes polling (Telegram)."""
        switched = self.webhook is not None and self.webhook.switch is not None
        return self.source is not None and not (switched and self.webhook_on(values))

    def build_source(self, values: Mapping[str, Any], *, max_wait_s: float | None = None) -> Source | None:
        """The connector that polls an account, or ``None`` when it is not polled (see ``polls``)."""
        if self.source is None or not self.polls(values):
            return None
        source: Source = self.source(self.credentials_from(values))
        limit_wait(source, max_wait_s)
        return source

    def build_publisher(
        self, values: Mapping[str, Any], *, max_wait_s: float | None = None, **kwargs: Any
    ) -> Publisher:
        """The connector that writes for an account (``kwargs``: e.g. ``delivered_lookup`` for receipts)."""
        publisher: Publisher = self.publisher(self.credentials_from(values), **kwargs)
        limit_wait(publisher, max_wait_s)
        return publisher

    def check(self, values: Mapping[str, Any], *, max_wait_s: float) -> str | None:
        """The probe: one real call with these values; the connector's errors propagate unchanged."""
        return self.probe(self.credentials_from(values), max_wait_s)


# --- helpers for the platform modules ----------------------------------------------------------------


def http_of(obj: Any) -> HttpClient | None:
    """A connector's HttpClient (Bluesky keeps it on its session)."""
    http = getattr(obj, "http", None) or getattr(getattr(obj, "session", None), "http", None)
    return http if isinstance(http, HttpClient) else None


def limit_wait(obj: Any, max_wait_s: float | None) -> None:
    """Cap how long a connector sleeps on a "retry after"; a longer wait raises ``RateLimited``."""
    http = http_of(obj)
    if http is not None and max_wait_s is not None:
        http.max_wait_s = max_wait_s


def fetch_probe(source: type) -> Probe:
    """The probe of most platforms: one page of the first real poll (its items are read again later)."""

    def probe(credentials: Any, max_wait_s: float) -> str | None:
        reader = source(credentials)
        limit_wait(reader, max_wait_s)
        for attr in ("max_pages", "watch"):
            if hasattr(reader, attr):
                setattr(reader, attr, 1)
        reader.fetch(None)
        return None

    return probe


def guarded(label: str, parser: Callable[[Any], list[SourceItem]]) -> Parser:
    """A parser that takes raw bytes too and turns any shape error into ``UnrecognisedPayload``."""

    def parse(body: Any) -> list[SourceItem]:
        try:
            return parser(as_dict(body))
        except UnrecognisedPayload:
            raise
        except (KeyError, TypeError, AttributeError, ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise UnrecognisedPayload(f"{label}: malformed {type(exc).__name__}: {exc}") from None

    return parse
