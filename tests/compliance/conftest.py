"""Compliance tests make channels (their credentials are stored encrypted: a Fernet key)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fernet_key(fernet_key: str) -> str:
    return fernet_key
