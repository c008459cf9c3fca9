"""Helpers for listening tests: mentions stored through the real ingest pipeline with a fixed analyzer,
and a Fernet key (webhook secrets are stored encrypted)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from humas.connectors.base import SourceItem
from humas.demo.listening import _fallback_analyzer
from humas.ingest.service.pipeline import ingest_items
from humas.org.models import Unit

_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def _fernet_key(fernet_key: str) -> str:
    """Alert rules keep their webhook secret encrypted."""
    return fernet_key


def add_mentions(
    session: Session,
    unit: Unit,
    texts: list[str],
    *,
    at: datetime,
    platform: str = "x",
    spacing: timedelta = timedelta(minutes=1),
    followers: int = 100,
) -> list[int]:
    """Store texts as mentions of `unit` (analysed by the demo's rule-based analyzer); returns their ids."""
    items = [
        SourceItem(
            platform=platform,
            external_id=f"t{next(_ids)}-{i}",
            kind="post",
            text=text,
            created_at=at + i * spacing,
            author_handle=f"user{i % 7}",
            author_followers=followers + i,
        )
        for i, text in enumerate(texts)
    ]
    result = ingest_items(session, items, unit=unit, analyzer=_fallback_analyzer)
    session.flush()
    return result.added_ids
