"""The registered platforms: each connector module's ``SPEC``, by name.

Adding a platform is adding its module to ``MODULES`` (and its fixtures); nothing outside ``connectors``
names a platform. ``docs/channels.md`` ("Adding a platform") lists what a module must declare.
"""

from __future__ import annotations

from humas.connectors import (
    bluesky,
    facebook,
    feeds,
    instagram,
    line,
    mastodon,
    telegram,
    tiktok,
    whatsapp,
    wordpress,
    x,
    youtube,
)
from humas.connectors.spec import (
    Capability,
    ImageInput,
    Limits,
    PlatformSpec,
    Reconcile,
    WebhookSpec,
)

__all__ = [
    "REGISTRY",
    "Capability",
    "ImageInput",
    "Limits",
    "PlatformSpec",
    "Reconcile",
    "WebhookSpec",
    "get_platform",
    "mention_platforms",
    "platform_names",
    "webhook_routes",
]

MODULES = (x, facebook, instagram, whatsapp, youtube, telegram, mastodon, bluesky, line, tiktok, wordpress)
REGISTRY: dict[str, PlatformSpec] = {module.SPEC.name: module.SPEC for module in MODULES}
# Mentions that come from no account connector: news feeds, and file imports without a platform column.
OTHER_SOURCES = (feeds.PLATFORM, "import")


def get_platform(name: str) -> PlatformSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown platform {name!r}; expected one of {', '.join(REGISTRY)}") from None


def find_platform(name: str) -> PlatformSpec | None:
    return REGISTRY.get(name)


def platform_names() -> list[str]:
    return list(REGISTRY)


def mention_platforms() -> tuple[str, ...]:
    """Every value a mention's ``platform`` takes when it came through humas (for filters)."""
    return (*REGISTRY, *OTHER_SOURCES)


def webhook_routes() -> dict[str, WebhookSpec]:
    """``/webhooks/<route>/<channel id>`` receivers: route -> its webhook (one per route)."""
    routes: dict[str, WebhookSpec] = {}
    for spec in REGISTRY.values():
        if spec.webhook is not None:
            routes.setdefault(spec.webhook.route, spec.webhook)
    return routes


def webhook_kinds() -> dict[str, WebhookSpec]:
    """Verification scheme -> a webhook of that kind (platforms of a kind verify alike)."""
    kinds: dict[str, WebhookSpec] = {}
    for hook in webhook_routes().values():
        kinds.setdefault(hook.kind, hook)
    return kinds
