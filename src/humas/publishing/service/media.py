"""The media library: a unit's images and videos, shared down the tree, checked against each platform.

A file belongs to a unit; a user sees the files of their subtree and of their unit's ancestors (a parent's
files are shared down), and changes only those of their subtree. Uploads are identified by their bytes
(``publishing.mediafile``), deduplicated per unit by SHA-256, and stored under a random key
(``publishing.storage``). For a platform, ``prepared_for`` gives the file as it goes out: an image always
as a derived JPEG (oriented, metadata stripped, fitted and resized by the spec's limits), made once per
conversion profile and kept beside the original; a video as uploaded. Only ``PlatformSpec`` is asked.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, or_, select
from sqlalchemy.orm import Session

from humas.connectors.registry import ImageInput, PlatformSpec, find_platform
from humas.core.errors import Invalid, NotFound, PermissionDenied
from humas.core.i18n import _
from humas.core.settings import Settings, get_settings
from humas.core.time import utcnow
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit
from humas.org.service import Principal
from humas.publishing import mediafile, storage
from humas.publishing.models import MediaDerivative, MediaFile, MediaKind

UPLOADERS = (Role.admin, Role.drafter)
ALT_MAX = 1_000
NAME_MAX = 255
TAG = re.compile(r"[\w-]{1,40}", re.UNICODE)
TAGS_MAX = 20


# --- who sees what ----------------------------------------------------------------------------------


def ancestor_ids(unit: Unit) -> list[int]:
    """The unit itself and its ancestors, from its materialised path (``/1/4/9/``)."""
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def visible_media_unit_ids(session: Session, actor: Principal) -> list[int]:
    """The actor's subtree, and the ancestors whose files are shared down to the actor's unit."""
    return sorted(set(org_service.visible_unit_ids(session, actor)) | set(ancestor_ids(actor.unit)))


def shared_with(media: MediaFile, unit: Unit) -> bool:
    """Whether a post of ``unit`` may use the file: it belongs to the unit or to one of its ancestors."""
    return unit.path.startswith(media.unit.path)


def access_media(session: Session, actor: Principal, media_id: int) -> MediaFile:
    """A file the actor sees (own subtree or shared down from an ancestor); any other id is not found."""
    media = session.get(MediaFile, media_id)
    if media is None or not (org_service.can_access(actor, media.unit) or shared_with(media, actor.unit)):
        raise NotFound(_("Media file not found."))
    return media


def can_edit(actor: Principal, media: MediaFile) -> bool:
    """Files of an ancestor are used, not changed; a file of the subtree by its drafters and admins."""
    return org_service.can_access(actor, media.unit) and org_service.has_role(actor, *UPLOADERS)


def _require_edit(actor: Principal, media: MediaFile) -> None:
    if not can_edit(actor, media):
        raise PermissionDenied(_("This file belongs to a parent unit; it can be used but not changed here."))


# --- cleaning ---------------------------------------------------------------------------------------


def clean_alt(value: str | None) -> str:
    text = unicodedata.normalize("NFC", value or "").strip()
    if len(text) > ALT_MAX:
        raise Invalid(_("The alt text is too long (at most %(n)s characters).", n=ALT_MAX), field="alt_text")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise Invalid(_("The text contains control characters."), field="alt_text")
    return text


def clean_tags(values: Iterable[str] | str | None) -> list[str]:
    """Tags as words (letters, digits, ``_``, ``-``), lower case, without ``#``; commas or spaces split."""
    raw = re.split(r"[,\s]+", values) if isinstance(values, str) else list(values or [])
    tags: list[str] = []
    for value in raw:
        tag = unicodedata.normalize("NFC", str(value)).strip().lstrip("#").lower()
        if not tag:
            continue
        if not TAG.fullmatch(tag):
            raise Invalid(
                _("A tag may hold letters, digits, '_' and '-' only: %(tag)s", tag=tag[:40]), field="tags"
            )
        if tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise Invalid(_("At most %(n)s tags.", n=TAGS_MAX), field="tags")
    return tags


def _display_name(filename: str | None) -> str:
    """The uploader's file name, for display only: the last path part, no control characters."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()[:NAME_MAX]


# --- upload and changes -----------------------------------------------------------------------------


def upload_media(
    session: Session,
    *,
    actor: Principal,
    unit: Unit,
    data: bytes,
    filename: str | None = None,
    alt_text: str | None = None,
    tags: Iterable[str] | str | None = None,
    settings: Settings | None = None,
) -> tuple[MediaFile, bool]:
    """Check an upload by its content and keep it; the same bytes again in the unit give the same file
    (``False``: nothing new was stored). A bad or oversized file raises ``Invalid`` and stores nothing."""
    org_service.require_role(actor, *UPLOADERS)
    if not org_service.can_access(actor, unit):
        raise NotFound(_("Unit not found."))
    settings = settings or get_settings()
    alt, tag_list = clean_alt(alt_text), clean_tags(tags)
    found = mediafile.inspect(data, max_bytes=settings.media_max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    existing = session.scalar(
        select(MediaFile).where(MediaFile.unit_id == unit.id, MediaFile.sha256 == digest)
    )
    if existing is not None:
        if existing.archived_at is not None:
            existing.archived_at = None
            audit_service.record(session, actor=actor, action="media.restore", obj=existing, unit=unit)
        return existing, False
    media = MediaFile(
        unit_id=unit.id, unit=unit, key=storage.new_key(), public_token=secrets.token_urlsafe(32),
        original_name=_display_name(filename), kind=found.kind, content_type=found.content_type,
        size_bytes=len(data), width=found.width, height=found.height, duration_s=found.duration_s,
        codec=found.codec, sha256=digest, alt_text=alt, tags=tag_list, created_by_id=actor.id,
    )  # fmt: skip
    session.add(media)
    session.flush()  # the row is valid before any byte is written
    storage.get_store(settings).put(media.key, data)
    audit_service.record(
        session, actor=actor, action="media.upload", obj=media, unit=unit, label=media.original_name,
        after={"kind": media.kind, "type": media.content_type, "bytes": media.size_bytes, "sha256": digest},
    )  # fmt: skip
    return media, True


def describe_media(
    session: Session,
    *,
    media: MediaFile,
    actor: Principal,
    alt_text: str | None,
    tags: Iterable[str] | str | None,
) -> MediaFile:
    """Set a file's alt text and tags."""
    _require_edit(actor, media)
    before = {"alt_text": media.alt_text, "tags": list(media.tags)}
    media.alt_text, media.tags = clean_alt(alt_text), clean_tags(tags)
    audit_service.record(
        session, actor=actor, action="media.describe", obj=media, unit=media.unit, label=media.original_name,
        before=before, after={"alt_text": media.alt_text, "tags": media.tags},
    )  # fmt: skip
    return media


def archive_media(session: Session, *, media: MediaFile, actor: Principal) -> MediaFile:
    """Hide a file from the library and from new posts (posts that use it keep it)."""
    _require_edit(actor, media)
    if media.archived_at is None:
        media.archived_at = utcnow()
        audit_service.record(
            session,
            actor=actor,
            action="media.archive",
            obj=media,
            unit=media.unit,
            label=media.original_name,
        )
    return media


# --- listing ----------------------------------------------------------------------------------------


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_media(
    session: Session,
    actor: Principal,
    *,
    q: str | None = None,
    tag: str | None = None,
    kind: str | None = None,
    archived: bool = False,
    limit: int = 200,
) -> list[MediaFile]:
    """The files the actor sees, newest first; ``q`` searches alt text and file name, ``tag`` one tag."""
    stmt = select(MediaFile).where(MediaFile.unit_id.in_(visible_media_unit_ids(session, actor)))
    stmt = stmt.where(MediaFile.archived_at.is_not(None) if archived else MediaFile.archived_at.is_(None))
    if q and q.strip():
        pattern = _like(q.strip()[:200])
        stmt = stmt.where(
            or_(
                MediaFile.alt_text.ilike(pattern, escape="\\"),
                MediaFile.original_name.ilike(pattern, escape="\\"),
            )
        )
    if tag:
        wanted = clean_tags([tag])
        if wanted:  # tags are plain words, so the quoted word is found in the JSON text on both engines
            stmt = stmt.where(cast(MediaFile.tags, Text).contains(f'"{wanted[0]}"'))
    if kind in (MediaKind.image.value, MediaKind.video.value):
        stmt = stmt.where(MediaFile.kind == kind)
    return list(session.scalars(stmt.order_by(MediaFile.id.desc()).limit(limit)))


def list_tags(session: Session, actor: Principal) -> list[str]:
    """Every tag of the files the actor sees."""
    stmt = select(MediaFile.tags).where(
        MediaFile.unit_id.in_(visible_media_unit_ids(session, actor)), MediaFile.archived_at.is_(None)
    )
    return sorted({tag for tags in session.scalars(stmt) for tag in tags or []})


def read_bytes(media: MediaFile | MediaDerivative, settings: Settings | None = None) -> bytes:
    return storage.get_store(settings).get(media.key)


# --- per platform -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fit:
    """How a file fits one platform: what stops it (``problems``) and what humas will change (``changes``)."""

    platform: str
    label: str
    problems: tuple[Any, ...]
    changes: tuple[Any, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def profile_for(spec: PlatformSpec, *, fit: str = "pad") -> mediafile.ImageProfile:
    limits = spec.limits
    return mediafile.ImageProfile(limits.aspect_ratio, limits.image_max_side, limits.image_max_bytes, fit)


def public_base(settings: Settings | None = None) -> str | None:
    base = (settings or get_settings()).public_url
    return base.rstrip("/") if base else None


def public_url(token: str, settings: Settings | None = None) -> str | None:
    """The unguessable public address of a file, only when ``HUMAS_PUBLIC_URL`` is set."""
    base = public_base(settings)
    return f"{base}/media/p/{token}" if base else None


def fit_for(media: MediaFile, spec: PlatformSpec, *, settings: Settings | None = None) -> Fit:
    """Check a file against one platform's spec, before any conversion is made."""
    from humas.publishing.service.validation import CAPABILITY_OF

    limits, problems, changes = spec.limits, [], []
    if not spec.can(CAPABILITY_OF[media.kind]):
        problems.append(_("This platform does not take this kind of media."))
    elif media.kind == MediaKind.image.value:
        if ImageInput.BYTES not in spec.image_input and public_base(settings) is None:
            problems.append(_("This platform fetches files from a public address: set HUMAS_PUBLIC_URL."))
        width, height = media.width or 0, media.height or 0
        if not limits.aspect_ratio_fits(width, height):
            changes.append(_("Padded to fit the shape this platform takes."))
        if limits.image_max_side and max(width, height) > limits.image_max_side:
            changes.append(_("Scaled down to %(n)s pixels on its longest side.", n=limits.image_max_side))
        changes.append(_("Turned upright and stripped of EXIF data (location included)."))
    else:
        problems += video_problems(spec, size=media.size_bytes, seconds=media.duration_s, codec=media.codec)
    return Fit(spec.name, spec.label, tuple(problems), tuple(changes))


def video_problems(
    spec: PlatformSpec, *, size: int | None, seconds: float | None, codec: str | None
) -> list[Any]:
    """A video is sent as uploaded (no transcoding): its size, length and codec must fit as they are."""
    limits, problems = spec.limits, []
    if size is not None and limits.video_max_bytes is not None and size > limits.video_max_bytes:
        problems.append(_("The file is too large for this platform."))
    if seconds and limits.video_max_seconds and seconds > limits.video_max_seconds:
        problems.append(_("The video is too long for this platform."))
    if codec and limits.video_codecs is not None and codec not in limits.video_codecs:
        problems.append(_("This platform does not take the video codec %(codec)s.", codec=codec))
    return problems


def prepared_for(
    session: Session, *, media: MediaFile, platform: str, fit: str = "pad", settings: Settings | None = None
) -> MediaFile | MediaDerivative:
    """The file as it goes to ``platform``: an image's derived JPEG (made once per profile), or the video."""
    spec = find_platform(platform)
    if spec is None:
        raise NotFound(_("This channel's platform is not known."))
    if media.kind != MediaKind.image.value:
        return media
    return _derived(session, media, profile_for(spec, fit="crop" if fit == "crop" else "pad"), settings)


def _derived(
    session: Session, media: MediaFile, profile: mediafile.ImageProfile, settings: Settings | None = None
) -> MediaDerivative:
    """The image's file for ``profile``: the one kept, or made now and kept beside the original."""
    for derived in media.derived:
        if derived.profile == profile.name:
            return derived
    data, width, height = mediafile.derive_image(read_bytes(media, settings), profile)
    derived = MediaDerivative(
        profile=profile.name, key=storage.new_key(), public_token=secrets.token_urlsafe(32),
        content_type="image/jpeg", size_bytes=len(data), width=width, height=height,
    )  # fmt: skip
    media.derived.append(derived)
    session.flush()
    storage.get_store(settings).put(derived.key, data)
    return derived


def find_public(session: Session, token: str) -> MediaFile | MediaDerivative | None:
    """What ``/media/p/<token>`` serves: a derived file, or a video (an image's original, which may carry
    EXIF location, is never public); nothing unless ``HUMAS_PUBLIC_URL`` is set."""
    if public_base() is None or not token or len(token) > 64:
        return None
    derived = session.scalar(select(MediaDerivative).where(MediaDerivative.public_token == token))
    if derived is not None:
        return derived
    return session.scalar(
        select(MediaFile).where(MediaFile.public_token == token, MediaFile.kind == MediaKind.video.value)
    )


PREVIEW = mediafile.ImageProfile(None, 480, None)  # the library's own thumbnails


def preview_of(session: Session, *, media: MediaFile) -> MediaDerivative | None:
    """A small upright copy without metadata for the library's pages (a video has none)."""
    if media.kind != MediaKind.image.value:
        return None
    return _derived(session, media, PREVIEW)
