"""The channel layer's reading of the platform specs: form fields, connectors built from stored values.

Everything about a platform lives on its ``PlatformSpec`` (``humas.connectors.<platform>.SPEC``); this
module only adds the channel layer's policy (a poll or a send never blocks long on a "retry after") and
accepts a spec or a platform name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from humas.connectors.base import Publisher, Source
from humas.connectors.registry import REGISTRY, PlatformSpec, get_platform
from humas.connectors.spec import CredentialField, http_of

__all__ = [
    "MAX_INLINE_WAIT_S",
    "CredentialField",
    "build_publisher",
    "build_source",
    "credentials",
    "form_fields",
    "http_of",
    "platform_names",
    "probe",
    "secret_names",
    "spec",
]

# How long a poll or send may block on a platform's "retry after"; longer waits become the channel's
# backoff (or the outbox row's next try).
MAX_INLINE_WAIT_S = 5.0

FormField = CredentialField  # the name the channel layer used before the specs


def platform_names() -> list[str]:
    return list(REGISTRY)


def spec(platform: str | PlatformSpec) -> PlatformSpec:
    return platform if isinstance(platform, PlatformSpec) else get_platform(platform)


def form_fields(platform: str | PlatformSpec) -> tuple[CredentialField, ...]:
    """The fields a person fills in for this platform, secrets (tokens, passwords) marked."""
    return spec(platform).form_fields


def secret_names(platform: str | PlatformSpec) -> set[str]:
    return spec(platform).secret_names()


def credentials(platform: str | PlatformSpec, values: Mapping[str, Any]) -> Any:
    """The connector's credentials dataclass from stored values (webhook secrets and such dropped)."""
    return spec(platform).credentials_from(values)


def build_source(platform: str | PlatformSpec, values: Mapping[str, Any]) -> Source | None:
    """The connector that polls this channel, or None when it is not polled (see ``PlatformSpec.polls``)."""
    return spec(platform).build_source(values, max_wait_s=MAX_INLINE_WAIT_S)


def build_publisher(platform: str | PlatformSpec, values: Mapping[str, Any], **kwargs: Any) -> Publisher:
    """The connector that writes for this channel; ``kwargs`` go to its constructor (``delivered_lookup``)."""
    return spec(platform).build_publisher(values, max_wait_s=MAX_INLINE_WAIT_S, **kwargs)


def probe(platform: str | PlatformSpec, values: Mapping[str, Any]) -> str | None:
    """One real call with these credentials; returns the account id the platform reports, if any.

    Raises the connector's errors (``AuthExpired`` for refused credentials) unchanged.
    """
    return spec(platform).check(values, max_wait_s=MAX_INLINE_WAIT_S)
