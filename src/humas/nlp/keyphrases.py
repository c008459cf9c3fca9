"""Keyphrases: RAKE-style candidate phrases (runs of content words between stopwords and punctuation),
scored by the summed degree / frequency of their words. Works on normalized text."""

from __future__ import annotations

from humas.nlp.stopwords import STOPWORDS

_MAX_WORDS = 3
_MAX_TOKENS = 300


def _is_content(token: str) -> bool:
    return (
        len(token) > 2 and token[0].isalpha() and token.replace("-", "").isalnum() and token not in STOPWORDS
    )


_content_cache: dict[str, bool] = {}


def keyphrases_normalized(normalized: str, k: int = 5) -> list[str]:
    """Top ``k`` keyphrases of an already normalized text."""
    cache = _content_cache
    if len(cache) > 200_000:
        cache.clear()
    phrases: list[tuple[str, ...]] = []
    current: list[str] = []
    for token in normalized.split(" ", _MAX_TOKENS)[:_MAX_TOKENS]:
        content = cache.get(token)
        if content is None:
            content = cache[token] = _is_content(token)
        if content:
            current.append(token)
            if len(current) == _MAX_WORDS:
                phrases.append(tuple(current))
                current = []
        elif current:
            phrases.append(tuple(current))
            current = []
    if current:
        phrases.append(tuple(current))
    if not phrases:
        return []
    freq: dict[str, int] = {}
    degree: dict[str, int] = {}
    for p in phrases:
        n = len(p)
        for w in p:
            freq[w] = freq.get(w, 0) + 1
            degree[w] = degree.get(w, 0) + n
    scored = {p: sum(degree[w] / freq[w] for w in p) for p in phrases}
    best = sorted(scored, key=lambda p: (-scored[p], p))[:k]
    return [" ".join(p) for p in best]


def keyphrases(text: str, k: int = 5) -> list[str]:
    """Top ``k`` keyphrases of a raw text (normalized first)."""
    from humas.nlp.normalize import normalize

    return keyphrases_normalized(normalize(text), k)
