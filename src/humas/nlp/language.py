"""Language identification: ``id``, ``en`` or ``other``.

A fast path counts Indonesian and English function words; only texts it cannot decide go to lingua
(nine Latin-script languages, low-accuracy mode); mostly non-Latin text is ``other`` at once.
lingua often calls informal Indonesian "Malay"; humas maps Malay to ``id`` (Malaysian text is rare in
an Indonesian unit's feeds and reads alike).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from humas.nlp.stopwords import ENGLISH_FUNCTION_WORDS, INDONESIAN_STOPWORDS

_WORD = re.compile(r"[^\W\d_]+")
_URLISH = re.compile(r"(?:https?://|www\.)\S+|[@#]\w+")


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    # Latin-script languages only: other scripts are "other" before lingua is asked (and loading lingua's
    # Chinese or Japanese models would cost seconds at start-up).
    langs = [
        Language.INDONESIAN,
        Language.MALAY,
        Language.ENGLISH,
        Language.TAGALOG,
        Language.SPANISH,
        Language.FRENCH,
        Language.GERMAN,
        Language.DUTCH,
        Language.PORTUGUESE,
    ]
    return LanguageDetectorBuilder.from_languages(*langs).with_low_accuracy_mode().build()


_MAP = {"INDONESIAN": "id", "MALAY": "id", "ENGLISH": "en"}


def _fast(words: list[str]) -> str | None:
    if not words:
        return "other"
    latin = sum(w.isascii() for w in words)
    if latin * 2 < len(words):
        return "other"
    n_id = sum(w in INDONESIAN_STOPWORDS for w in words)
    n_en = sum(w in ENGLISH_FUNCTION_WORDS for w in words)
    if n_id >= 2 and n_id >= 2 * n_en or n_id == 1 and n_en == 0 and len(words) <= 8:
        return "id"
    if n_en >= 2 and n_en >= 2 * n_id:
        return "en"
    return None


def detect_languages(texts: Sequence[str]) -> list[str]:
    """``id`` / ``en`` / ``other`` for each raw text."""
    out: list[str | None] = []
    pending: list[int] = []
    cleaned: list[str] = []
    for i, text in enumerate(texts):
        words = _WORD.findall(_URLISH.sub(" ", text[:1000]).lower())
        guess = _fast(words)
        out.append(guess)
        if guess is None:
            pending.append(i)
            cleaned.append(" ".join(words)[:200])
    if pending:
        det = _detector()
        for i, text in zip(pending, cleaned, strict=True):
            lang = det.detect_language_of(text)
            out[i] = _MAP.get(lang.name, "other") if lang is not None else "other"
    return [o or "other" for o in out]


def detect_language(text: str) -> str:
    """``id`` / ``en`` / ``other`` for one raw text."""
    return detect_languages([text])[0]
