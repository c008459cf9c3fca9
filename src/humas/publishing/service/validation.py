"""Checking one variant against its platform's spec: length as the platform counts it, hashtags, media.

Only the ``PlatformSpec`` is asked (``Limits``, ``Capability``); no platform is named here. A platform's limit
that the spec does not declare (mentions per post) is not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from humas.connectors.registry import Capability, ImageInput, PlatformSpec, find_platform
from humas.core.i18n import _
from humas.publishing.service import media_refs

HASHTAG = re.compile(r"(?<![\w#])#\w+", re.UNICODE)
MEDIA_KINDS = ("image", "video")
CAPABILITY_OF = {"image": Capability.POST_IMAGE, "video": Capability.POST_VIDEO}


@dataclass(frozen=True)
class Problem:
    """One reason a variant cannot be published as it is; ``field`` is ``text`` or ``media``."""

    field: str
    message: Any  # a lazy translatable string
    over: int = 0  # characters over the limit, as the platform counts them


@dataclass(frozen=True)
class Counter:
    """The live counter a page shows: used / limit as the platform counts, and what is wrong."""

    used: int
    limit: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def can_publish(spec: PlatformSpec) -> bool:
    """Whether humas can publish on this platform at all (text, an image or a video)."""
    return any(spec.can(c) for c in (Capability.POST_TEXT, Capability.POST_IMAGE, Capability.POST_VIDEO))


def check_variant(platform: str, text: str, media: list[dict[str, Any]]) -> Counter:
    """Count and check one variant's text and media against the platform's spec."""
    spec = find_platform(platform)
    if spec is None:
        return Counter(0, 0, (Problem("text", _("This channel's platform is not known.")),))
    limits = spec.limits
    with_media = bool(media)
    used, limit = limits.count_text(text), limits.text_limit(with_media=with_media)
    problems: list[Problem] = []
    if not can_publish(spec):
        problems.append(Problem("text", _("humas cannot publish on this platform yet.")))
    over = limits.text_over(text, with_media=with_media)
    if over:
        problems.append(Problem("text", _("The text is %(n)s characters too long here.", n=over), over=over))
    if not text.strip() and not with_media:
        problems.append(Problem("text", _("The text must not be empty.")))
    hashtags = len(HASHTAG.findall(text))
    if limits.hashtags_max is not None and hashtags > limits.hashtags_max:
        problems.append(Problem("text", _("At most %(n)s hashtags are allowed here.", n=limits.hashtags_max)))
    problems += _media_problems(spec, media)
    return Counter(used, limit, tuple(problems))


def _media_problems(spec: PlatformSpec, media: list[dict[str, Any]]) -> list[Problem]:
    limits, problems = spec.limits, []
    if not media and not spec.can(Capability.POST_TEXT) and can_publish(spec):
        problems.append(Problem("media", _("This platform needs an image or a video.")))
    if len(media) > limits.media_max:
        problems.append(
            Problem("media", _("At most %(n)s media files are allowed here.", n=limits.media_max))
        )
    for item in media:
        kind = item.get("kind")
        if kind not in MEDIA_KINDS or not spec.can(CAPABILITY_OF[kind]):
            problems.append(Problem("media", _("This platform does not take this kind of media.")))
            continue
        if media_refs.is_library_ref(item):  # a library file: converted for the platform where it can be
            problems += [Problem("media", message) for message in media_refs.ref_problems(spec, item)]
            continue
        if kind == "image" and ImageInput.URL not in spec.image_input:
            # Media refs are web addresses until the media library uploads files.
            problems.append(
                Problem("media", _("This platform needs the image file itself; attach it later."))
            )
            continue
        problems += _file_problems(spec, kind, item)
    return problems


def _file_problems(spec: PlatformSpec, kind: str, item: dict[str, Any]) -> list[Problem]:
    limits, problems = spec.limits, []
    size = _int(item.get("bytes"))
    max_bytes = limits.image_max_bytes if kind == "image" else limits.video_max_bytes
    if size is not None and max_bytes is not None and size > max_bytes:
        problems.append(Problem("media", _("The file is too large for this platform.")))
    width, height = _int(item.get("width")), _int(item.get("height"))
    if kind == "image" and width and height and not limits.aspect_ratio_fits(width, height):
        problems.append(Problem("media", _("The image's shape (aspect ratio) does not fit this platform.")))
    seconds = _int(item.get("seconds"))
    if kind == "video" and seconds and limits.video_max_seconds and seconds > limits.video_max_seconds:
        problems.append(Problem("media", _("The video is too long for this platform.")))
    return problems


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def clean_media(raw: Any) -> list[dict[str, Any]]:
    """Media refs as stored: a list of ``{"kind", "url", ...}`` with only known keys and kinds."""
    from humas.core.errors import Invalid

    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or len(raw) > 20:
        raise Invalid(_("The media list is not valid."), field="media")
    out = []
    for item in raw:
        if not isinstance(item, dict) or item.get("kind") not in MEDIA_KINDS:
            raise Invalid(_("The media list is not valid."), field="media")
        if media_refs.is_library_ref(item):  # filled from the file by ``media_refs.attach_refs``
            out.append({k: item[k] for k in ("kind", "media_id", "fit") if k in item})
            continue
        url = str(item.get("url") or "").strip()
        if not url.startswith(("https://", "http://")) or len(url) > 2000:
            raise Invalid(_("Each media file needs a web address."), field="media")
        kept = {"kind": item["kind"], "url": url}
        kept.update({k: item[k] for k in ("width", "height", "bytes", "seconds") if _int(item.get(k))})
        out.append(kept)
    return out
