"""EXIF GPS in an image: whether its metadata carries the place it was taken (Pillow)."""

from __future__ import annotations

from io import BytesIO

from PIL import Image, UnidentifiedImageError

GPS_IFD = 0x8825


def has_gps(data: bytes) -> bool:
    """True when the image's EXIF has a GPS block with any coordinate in it."""
    try:
        with Image.open(BytesIO(data)) as image:
            gps = image.getexif().get_ifd(GPS_IFD)
    except (UnidentifiedImageError, OSError, ValueError):
        return False
    return bool(gps) and any(tag in gps for tag in (1, 2, 3, 4))
