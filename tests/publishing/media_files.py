"""Files made in the tests for the media library: images by Pillow, MP4 boxes by hand, a bomb's header."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO

import pytest
from PIL import Image

from humas.core.settings import get_settings


@pytest.fixture(name="media_dir")
def media_dir_fixture(tmp_path, monkeypatch):
    """The media store in a temporary folder; no public address unless a test sets one."""
    monkeypatch.setenv("HUMAS_MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.delenv("HUMAS_PUBLIC_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "media"
    get_settings.cache_clear()


def public_url(monkeypatch, url: str = "https://humas.example.go.id") -> None:
    monkeypatch.setenv("HUMAS_PUBLIC_URL", url)
    get_settings.cache_clear()


def image(width: int, height: int, fmt: str = "JPEG", colour=(200, 30, 30), **save) -> bytes:
    out = BytesIO()
    Image.new("RGB", (width, height), colour).save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_exif(*, orientation: int = 6) -> bytes:
    """A 40 × 20 JPEG, left half red and right half blue, shown turned (EXIF orientation) and carrying a
    GPS position (Jakarta) and a camera make."""
    picture = Image.new("RGB", (40, 20), (255, 0, 0))
    picture.paste((0, 0, 255), (20, 0, 40, 20))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "KameraHumas"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "S", 2: (6.0, 10.0, 30.0), 3: "E", 4: (106.0, 49.0, 0.0)})
    out = BytesIO()
    picture.save(out, "JPEG", exif=exif, quality=95)
    return out.getvalue()


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims ``width × height`` pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def mp4(
    *, seconds: float = 12.5, timescale: int = 1000, codec: bytes = b"avc1", size=(1080, 1920),
    version: int = 0, brand: bytes = b"isom", handler: bytes = b"vide",
) -> bytes:  # fmt: skip
    """A small ISO media file: ftyp, moov (mvhd, one track with hdlr and an stsd sample entry), mdat."""
    rest = b"\0" * 80
    units = round(seconds * timescale)
    if version == 1:
        mvhd = struct.pack(">I QQ I Q", 1 << 24, 0, 0, timescale, units) + rest
    else:
        mvhd = struct.pack(">I II I I", 0, 0, 0, timescale, units) + rest
    hdlr = struct.pack(">II4s12s", 0, 0, handler, b"") + b"\0"
    entry_body = b"\0" * 6 + struct.pack(">H", 1) + b"\0" * 16 + struct.pack(">HH", *size) + b"\0" * 50
    stsd = struct.pack(">II", 0, 1) + box(codec, entry_body)
    trak = box(b"trak", box(b"mdia", hdlr_box(hdlr) + box(b"minf", box(b"stbl", box(b"stsd", stsd)))))
    ftyp = box(b"ftyp", brand + b"\0\0\0\0" + brand + b"mp42")
    return ftyp + box(b"moov", box(b"mvhd", mvhd) + trak) + box(b"mdat", b"\0" * 256)


def hdlr_box(body: bytes) -> bytes:
    return box(b"hdlr", body)
