"""Shared helpers for ingest tests: items, and a fast stand-in analyzer with the nlp.Analysis shape."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from humas.connectors.base import SourceItem
from humas.nlp import Analysis
from humas.nlp.minhash import signatures
from humas.nlp.normalize import normalize

_seq = itertools.count(1)
BASE_TIME = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def fake_analyze(texts: list[str]) -> list[Any]:
    """Deterministic: sentiment from a few words, language 'en' for English-looking texts, real MinHash."""
    normalized = [normalize(t) for t in texts]
    sigs = signatures(normalized)
    out = []
    for text, norm, sig in zip(texts, normalized, sigs, strict=True):
        low = text.lower()
        sentiment = (
            "negative" if ("buruk" in low or "lambat" in low) else "positive" if "bagus" in low else "neutral"
        )
        language = "en" if " the " in f" {low} " else "id"
        out.append(
            Analysis(
                norm,
                language,
                sentiment,
                0.9,
                None,
                None,
                [],
                {},
                0.1,
                "layanan",
                0.5,
                norm.split()[:2],
                tuple(int(v) for v in sig),
            )
        )
    return out


def item(text: str, **overrides: Any) -> SourceItem:
    n = next(_seq)
    values: dict[str, Any] = {
        "platform": "x",
        "external_id": f"ext-{n}",
        "kind": "post",
        "text": text,
        "created_at": BASE_TIME + timedelta(minutes=n),
        "author_handle": f"warga{n % 7}",
        "metrics": {"likes": n % 5},
    }
    values.update(overrides)
    return SourceItem(**values)
