"""What the channel layer needs to know per platform: form fields, account id, connectors, a probe.

Everything here goes through ``humas.connectors``; this module only chooses the fields a person enters and
how a channel's stored values become a connector's credentials.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from humas.connectors import meta, telegram, whatsapp
from humas.connectors.http import HttpClient
from humas.connectors.registry import REGISTRY, PlatformSpec, get_platform

LABELS = {
    "x": "X (Twitter)",
    "facebook": "Facebook Page",
    "instagram": "Instagram",
    "whatsapp": "WhatsApp Business",
    "youtube": "YouTube",
    "telegram": "Telegram",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
}
# The credentials field that names the account; Telegram's comes from getMe (the bot's id).
ACCOUNT_FIELD = {
    "x": "user_id",
    "facebook": "page_id",
    "instagram": "ig_user_id",
    "whatsapp": "phone_number_id",
    "youtube": "channel_id",
    "telegram": None,
    "mastodon": "account_id",
    "bluesky": "identifier",
}
HIDDEN_FIELDS = frozenset({"version", "host"})
# Webhook secrets are channel settings but not connector credentials.
META_WEBHOOK_FIELDS = ("app_secret", "verify_token")
# How long a poll may block on a platform's "retry after"; longer waits become the channel's backoff.
MAX_INLINE_WAIT_S = 5.0


@dataclass(frozen=True)
class FormField:
    name: str
    secret: bool
    required: bool


def platform_names() -> list[str]:
    return list(REGISTRY)


def spec(platform: str) -> PlatformSpec:
    return get_platform(platform)


def form_fields(platform: str) -> list[FormField]:
    """The fields a person fills in for this platform, secrets (tokens, passwords) marked."""
    out = []
    for f in dataclasses.fields(spec(platform).credentials):
        if f.name in HIDDEN_FIELDS:
            continue
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        out.append(FormField(f.name, secret=not f.repr, required=required))
    if spec(platform).webhook == "meta":
        out += [FormField(name, secret=True, required=False) for name in META_WEBHOOK_FIELDS]
    return out


def secret_names(platform: str) -> set[str]:
    return {f.name for f in form_fields(platform) if f.secret}


def credentials(platform: str, values: dict[str, Any]) -> Any:
    """The connector's credentials dataclass from stored values (webhook secrets and such dropped)."""
    cls = spec(platform).credentials
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in values.items() if k in names and v not in (None, "")})


def _tune(http: HttpClient) -> HttpClient:
    # A long "retry after" must not block a worker: raise RateLimited and let the channel back off.
    http.max_wait_s = MAX_INLINE_WAIT_S
    return http


def http_of(obj: Any) -> HttpClient | None:
    """The connector's HttpClient (Bluesky keeps it on its session)."""
    http = getattr(obj, "http", None) or getattr(getattr(obj, "session", None), "http", None)
    return http if isinstance(http, HttpClient) else None


def build_source(platform: str, values: dict[str, Any]) -> Any | None:
    """The connector that polls this channel, or None: no polling (webhook-only platforms, and a Telegram
    bot with a webhook set, for which ``getUpdates`` answers 409)."""
    cls = spec(platform).source
    if cls is None or (platform == "telegram" and values.get("webhook_secret")):
        return None
    source = cls(credentials(platform, values))
    http = http_of(source)
    if http is not None:
        _tune(http)
    return source


def build_publisher(platform: str, values: dict[str, Any], **kwargs: Any) -> Any:
    publisher = spec(platform).publisher(credentials(platform, values), **kwargs)
    http = http_of(publisher)
    if http is not None:
        _tune(http)
    return publisher


def probe(platform: str, values: dict[str, Any]) -> str | None:
    """One real call with these credentials; returns the account id the platform reports, if any.

    Raises the connector's errors (``AuthExpired`` for refused credentials) unchanged.
    """
    creds = credentials(platform, values)
    if platform == "telegram":
        bot = telegram.TelegramSource(creds)
        _tune(bot.http)
        me = bot.http.get_json("/getMe")["result"]
        return str(me["id"])
    if platform == "whatsapp":
        assert isinstance(creds, whatsapp.WhatsAppCredentials)
        http = _tune(meta.graph_client(creds.version))
        body = http.get_json(
            f"/{creds.phone_number_id}",
            params={"fields": "id,display_phone_number"},
            headers={"Authorization": f"Bearer {creds.access_token}"},
        )
        return str(body.get("id") or creds.phone_number_id)
    source = build_source(platform, values)
    for attr in ("max_pages", "watch"):
        if hasattr(source, attr):
            setattr(source, attr, 1)
    assert source is not None
    source.fetch(None)  # the items are read again by the first real poll
    return None


def webhook_kind(platform: str) -> str | None:
    return spec(platform).webhook
