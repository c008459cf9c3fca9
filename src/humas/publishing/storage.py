"""Where the media library keeps its bytes: a ``MediaStore`` behind one small interface.

``LocalStore`` (the default) writes under ``HUMAS_MEDIA_DIR``. Keys are made here, random (``new_key``), and
every key is checked against their one shape before it touches the disk, so no user text ever becomes a
path and ``..`` or an absolute path is refused. ``S3Store`` is the place of an S3-compatible store; it is not
built yet (docs/decisions/0089-media-library.md) and refuses with ``MediaStoreNotConfigured``.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import make_url

from humas.core.settings import Settings, get_settings

KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{32}")


class MediaStoreNotConfigured(RuntimeError):
    """The configured media store cannot be used (an unknown kind, or one not built yet)."""


class BadKey(ValueError):
    """A key that humas did not make: never read or written."""


def new_key() -> str:
    """A fresh random key, ``ab/ab…`` (128 bits; the first two hex digits spread files over folders)."""
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}"


def check_key(key: str) -> str:
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise BadKey(f"not a media key: {key!r}")
    return key


class MediaStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


class LocalStore:
    """Files in a folder: ``<root>/<ab>/<key>``, written whole (a temporary file renamed into place)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root):  # NOTE: the key shape already forbids this; kept as a guard
            raise BadKey(f"not a media key: {key!r}")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()


class S3Store:
    """An S3-compatible store: not built yet (no SDK is a dependency; see decision 0089)."""

    def __init__(self, settings: Settings) -> None:
        raise MediaStoreNotConfigured(
            "HUMAS_MEDIA_STORE=s3 is not supported yet: use 'local' with HUMAS_MEDIA_DIR on shared storage "
            "(docs/decisions/0089-media-library.md)"
        )

    def put(self, key: str, data: bytes) -> None:  # pragma: no cover - the constructor refuses
        raise MediaStoreNotConfigured("s3")

    def get(self, key: str) -> bytes:  # pragma: no cover
        raise MediaStoreNotConfigured("s3")

    def delete(self, key: str) -> None:  # pragma: no cover
        raise MediaStoreNotConfigured("s3")

    def exists(self, key: str) -> bool:  # pragma: no cover
        raise MediaStoreNotConfigured("s3")


def default_dir(settings: Settings) -> Path:
    """``HUMAS_MEDIA_DIR``, else ``media`` beside the SQLite database file, else ``./media``."""
    if settings.media_dir is not None:
        return settings.media_dir
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).resolve().parent / "media"
    return Path("media").resolve()


_stores: dict[tuple[str, str], MediaStore] = {}


def get_store(settings: Settings | None = None) -> MediaStore:
    """The configured store (one per kind and folder)."""
    settings = settings or get_settings()
    kind = settings.media_store.strip().lower()
    if kind == "s3":
        return S3Store(settings)
    if kind != "local":
        raise MediaStoreNotConfigured(f"HUMAS_MEDIA_STORE: expected 'local' or 's3', got {kind!r}")
    root = default_dir(settings)
    store = _stores.get((kind, str(root)))
    if store is None:
        store = _stores[(kind, str(root))] = LocalStore(root)
    return store
