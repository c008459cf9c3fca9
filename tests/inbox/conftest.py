"""Inbox test helpers: channels need a Fernet key to store their credentials."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fernet_key(fernet_key: str) -> str:
    return fernet_key
