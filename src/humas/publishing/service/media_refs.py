"""Library files on post variants: how a variant refers to them and how they leave with it.

A variant's media list holds web-address refs (``{"kind", "url", ...}``, the older form) and library refs
``{"kind", "media_id", "fit"?}``. ``attach_refs`` (called when a post is saved) checks that each library
file is shared with the post's unit and not archived, and copies its measures into the ref for the
validation's counter; ``ref_problems`` checks a library ref against a platform (images are converted, so
only what conversion cannot fix counts); ``resolve_refs`` (called by the outbox sender) turns the refs into
``connectors.media.Media`` dicts: the prepared file's bytes, and its public address when one is configured.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.orm import Session

from humas.connectors.registry import ImageInput, PlatformSpec
from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.org.models import Unit
from humas.publishing.models import MediaFile, MediaKind
from humas.publishing.service import media as media_service

EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif",
              "video/mp4": ".mp4", "video/quicktime": ".mov"}  # fmt: skip


class MediaGone(LookupError):
    """A library file a queued variant refers to no longer exists."""


def is_library_ref(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("media_id"), int)
        and not isinstance(item["media_id"], bool)
    )


def attach_refs(session: Session, *, unit: Unit, refs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Library refs filled from the files themselves; a file not shared with ``unit`` is refused."""
    out = []
    for ref in refs:
        if not is_library_ref(ref):
            out.append(ref)
            continue
        media = session.get(MediaFile, ref["media_id"])
        if media is None or not media_service.shared_with(media, unit):
            raise Invalid(_("A media file is not available to this unit."), field="media")
        if media.archived_at is not None:
            raise Invalid(_("An archived media file cannot be attached."), field="media")
        out.append(library_ref(media, fit=ref.get("fit")))
    return out


def library_ref(media: MediaFile, *, fit: Any = None) -> dict[str, Any]:
    """The ref a variant stores for a library file (its measures copied for the counter)."""
    ref: dict[str, Any] = {"kind": media.kind, "media_id": media.id, "bytes": media.size_bytes}
    if fit in ("crop", "pad"):
        ref["fit"] = fit
    if media.width and media.height:
        ref["width"], ref["height"] = media.width, media.height
    if media.duration_s is not None:
        ref["seconds"] = math.ceil(media.duration_s)
    if media.codec:
        ref["codec"] = media.codec
    return ref


def ref_problems(spec: PlatformSpec, ref: dict[str, Any]) -> list[Any]:
    """What stops a library file on this platform (an image's shape and size are converted, so not here)."""
    if ref.get("kind") == MediaKind.image.value:
        if ImageInput.BYTES not in spec.image_input and media_service.public_base() is None:
            return [_("This platform fetches files from a public address: set HUMAS_PUBLIC_URL.")]
        return []
    seconds = ref.get("seconds")
    return media_service.video_problems(
        spec,
        size=ref.get("bytes"),
        seconds=seconds if isinstance(seconds, int) else None,
        codec=ref.get("codec"),
    )


def resolve_refs(session: Session, *, refs: list[Any], platform: str) -> list[dict[str, Any]]:
    """The variant's files as the publisher takes them (``connectors.media.Media.of``)."""
    out = []
    for ref in refs:
        if not is_library_ref(ref):
            out.append(ref)
            continue
        media = session.get(MediaFile, ref["media_id"])
        if media is None:
            raise MediaGone(f"media file {ref['media_id']} no longer exists")
        prepared = media_service.prepared_for(
            session, media=media, platform=platform, fit=ref.get("fit") or "pad"
        )
        url = media_service.public_url(prepared.public_token)
        item: dict[str, Any] = {
            "kind": media.kind,
            "alt": media.alt_text,
            "mime": prepared.content_type,
            "filename": f"media-{media.id}{EXTENSIONS.get(prepared.content_type, '')}",
        }
        if url:
            item["url"] = url
        if media.kind == MediaKind.image.value or not url:  # a video's bytes only when no address serves it
            item["data"] = media_service.read_bytes(prepared)
        out.append(item)
    return out
