"""Fixtures for the NLP tests (independent of tests/conftest.py's database fixtures)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
if str(SRC) not in sys.path:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(SRC))


@pytest.fixture
def fresh_nlp(monkeypatch):
    """Clear model caches before and after a test that changes HUMAS_NLP_* variables."""
    from humas.nlp.api import reset_cache

    reset_cache()
    yield monkeypatch
    monkeypatch.undo()
    reset_cache()
