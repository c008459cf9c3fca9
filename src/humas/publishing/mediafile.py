"""What an uploaded file is, read from its bytes (never its name), and the image conversions platforms need.

Images are opened by Pillow (JPEG, PNG, WebP, GIF only), verified and decoded whole, so a cut-off or
damaged file, or one whose pixel count would blow up memory, is refused. Videos are MP4 or MOV (ISO base
media files): no ffprobe or MediaInfo is installed on humas' machines, so the boxes are read here —
``mvhd`` for the length, the first video track's ``stsd`` sample entry for the codec and the picture size.
Every derived image is re-encoded from pixels as JPEG: EXIF orientation applied first, no metadata (EXIF,
GPS, XMP, ICC comments) carried over.
"""

from __future__ import annotations

import math
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageOps, UnidentifiedImageError

from humas.core.errors import Invalid
from humas.core.i18n import _

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
MAX_PIXELS = 50_000_000  # ~ 8,000 × 6,000; a larger image is refused before it is decoded
VIDEO_START = (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip")
CODECS = {
    b"avc1": "h264", b"avc3": "h264", b"hvc1": "hevc", b"hev1": "hevc", b"mp4v": "mpeg4",
    b"av01": "av1", b"vp09": "vp9", b"vp08": "vp8", b"apcn": "prores", b"apch": "prores",
}  # fmt: skip
CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts"}
LANCZOS = Image.Resampling.LANCZOS
FILL = (255, 255, 255)  # the colour of padding and of a flattened transparent background


@dataclass(frozen=True)
class Inspected:
    """What the bytes are: ``kind`` image or video, its type and measures (video: seconds and codec)."""

    kind: str
    content_type: str
    width: int | None
    height: int | None
    duration_s: float | None = None
    codec: str | None = None


def inspect(data: bytes, *, max_bytes: int) -> Inspected:
    """Identify an upload by its content; a file humas does not take raises ``Invalid`` naming why."""
    if not data:
        raise Invalid(_("The file is empty."), field="file")
    if len(data) > max_bytes:
        raise Invalid(
            _(
                "The file is %(size)s MB; at most %(limit)s MB is taken.",
                size=_mb(len(data)),
                limit=_mb(max_bytes),
            ),
            field="file",
        )
    if data[4:8] in VIDEO_START:
        return inspect_video(data)
    return inspect_image(data)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}"


def _open(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(BytesIO(data), formats=list(IMAGE_TYPES))


def inspect_image(data: bytes) -> Inspected:
    not_taken = _("The file is not an image or video humas takes (JPEG, PNG, WebP, GIF, MP4 or MOV).")
    try:
        with _open(data) as image:
            fmt, (width, height) = image.format, image.size
            if width * height > MAX_PIXELS:
                raise Image.DecompressionBombError(f"{width} x {height}")
            image.verify()
        with _open(data) as image:  # verify() does not decode: load() finds a cut-off file
            image.load()
            orientation = image.getexif().get(0x0112)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid(
            _("The image has too many pixels; at most %(n)s million are taken.", n=MAX_PIXELS // 1_000_000),
            field="file",
        ) from None
    except UnidentifiedImageError:
        raise Invalid(not_taken, field="file") from None
    except (OSError, SyntaxError, ValueError, struct.error, EOFError) as exc:
        raise Invalid(
            _("The image is damaged or cut off (%(reason)s).", reason=str(exc)[:120]), field="file"
        ) from None
    if fmt not in IMAGE_TYPES:
        raise Invalid(not_taken, field="file")
    if orientation in (5, 6, 7, 8):  # shown turned a quarter: the displayed size is swapped
        width, height = height, width
    return Inspected("image", IMAGE_TYPES[fmt], width, height)


# --- MP4 / MOV ---------------------------------------------------------------------------------------


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, body start, body end) of each box between ``start`` and ``end``."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                break
            size, header = struct.unpack_from(">Q", data, pos + 8)[0], 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise Invalid(_("The video is damaged or cut off."), field="file")
        yield kind, pos + header, pos + size
        pos += size


def _find(data: bytes, start: int, end: int, path: tuple[bytes, ...]) -> Iterator[tuple[int, int]]:
    """Every box at ``path`` (``(b"moov", b"trak")``) below the range."""
    for kind, body, stop in _boxes(data, start, end):
        if kind == path[0]:
            if len(path) == 1:
                yield body, stop
            elif kind in CONTAINERS:
                yield from _find(data, body, stop, path[1:])


def inspect_video(data: bytes) -> Inspected:
    """An MP4 or MOV file: its length from ``mvhd``, codec and size from the first video track."""
    content_type = "video/mp4"
    for kind, body, _stop in _boxes(data, 0, len(data)):
        if kind == b"ftyp" and data[body : body + 4] == b"qt  ":
            content_type = "video/quicktime"
    try:
        duration = _duration(data)
        codec, width, height = _video_track(data)
    except struct.error:
        raise Invalid(_("The video is damaged or cut off."), field="file") from None
    return Inspected("video", content_type, width, height, duration, codec)


def _duration(data: bytes) -> float:
    for body, _stop in _find(data, 0, len(data), (b"moov", b"mvhd")):
        if data[body] == 1:
            timescale, duration = struct.unpack_from(">IQ", data, body + 20)
        else:
            timescale, duration = struct.unpack_from(">II", data, body + 12)
        if timescale:
            return duration / timescale
    raise Invalid(_("The video has no readable header (an MP4 or MOV file was expected)."), field="file")


def _video_track(data: bytes) -> tuple[str, int, int]:
    for body, stop in _find(data, 0, len(data), (b"moov", b"trak", b"mdia")):
        handler = next(_find(data, body, stop, (b"hdlr",)), None)
        if handler is None or data[handler[0] + 8 : handler[0] + 12] != b"vide":
            continue
        for sd_body, sd_stop in _find(data, body, stop, (b"minf", b"stbl", b"stsd")):
            entry = sd_body + 8  # version and flags, entry count
            if entry + 36 > sd_stop:
                break
            fourcc = data[entry + 4 : entry + 8]
            width, height = struct.unpack_from(">HH", data, entry + 32)
            return CODECS.get(fourcc, fourcc.decode("latin-1").strip().lower()), width, height
    raise Invalid(_("The file has no video track."), field="file")


# --- conversions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageProfile:
    """The conversion a platform needs: a shape range, a longest side, a file size; ``fit`` crop or pad."""

    aspect: tuple[float, float] | None
    max_side: int | None
    max_bytes: int | None
    fit: str = "pad"

    @property
    def name(self) -> str:
        aspect = f"{self.aspect[0]:.4f}-{self.aspect[1]:.4f}" if self.aspect else "any"
        return f"jpeg;ar={aspect};side={self.max_side or 0};bytes={self.max_bytes or 0};fit={self.fit}"


def fit_box(width: int, height: int, aspect: tuple[float, float], fit: str) -> tuple[int, int]:
    """The size after cropping (a part of the picture) or padding (around it) into the shape range."""
    low, high = aspect
    ratio = width / height
    if low <= ratio <= high:
        return width, height
    if fit == "crop":
        return (
            (width, max(1, math.floor(width / low)))
            if ratio < low
            else (max(1, math.floor(height * high)), height)
        )
    return (math.ceil(height * low), height) if ratio < low else (width, math.ceil(width / high))


def _fit(image: Image.Image, aspect: tuple[float, float] | None, fit: str) -> Image.Image:
    if aspect is None:
        return image
    width, height = fit_box(image.width, image.height, aspect, fit)
    if (width, height) == image.size:
        return image
    left, top = (image.width - width) // 2, (image.height - height) // 2
    if fit == "crop":
        return image.crop((left, top, left + width, top + height))
    canvas = Image.new("RGB", (width, height), FILL)
    canvas.paste(image, (-left, -top))
    return canvas


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, FILL)
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image.convert("RGB")


def derive_image(data: bytes, profile: ImageProfile) -> tuple[bytes, int, int]:
    """A clean JPEG for a platform: oriented, flattened, fitted to the shape range, scaled to the longest
    side, compressed under the size limit; no metadata. Raises ``Invalid`` when it cannot get small enough."""
    with _open(data) as source:
        image = _flatten(ImageOps.exif_transpose(source))
    image = _fit(image, profile.aspect, profile.fit)
    if profile.max_side and max(image.size) > profile.max_side:
        scale = profile.max_side / max(image.size)
        image = image.resize(
            (max(1, round(image.width * scale)), max(1, round(image.height * scale))), LANCZOS
        )
        image = _fit(image, profile.aspect, "crop")  # rounding may leave it a pixel outside the range
    for _attempt in range(4):
        for quality in (90, 82, 74, 66):
            out = BytesIO()
            image.save(out, "JPEG", quality=quality, optimize=True)  # no exif= given: none is written
            if profile.max_bytes is None or out.tell() <= profile.max_bytes:
                return out.getvalue(), image.width, image.height
        image = image.resize((max(1, image.width * 3 // 4), max(1, image.height * 3 // 4)), LANCZOS)
        image = _fit(image, profile.aspect, "crop")
    raise Invalid(_("The image cannot be made small enough for this platform."), field="file")
