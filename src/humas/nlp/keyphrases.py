"""Keyphrases: RAKE-style candidate phrases (runs of content words between stopwords and punctuation),
scored by the summed degree / frequency of their words. Works on normalized text."""

from __future__ import annotations

from humas.nlp.stopwords import STOPWORDS

_MAX_WORDS = 3


def keyphrases_normalized(normalized: str, k: int = 5) -> list[str]:
    """Top ``k`` keyphrases of an already normalized text."""
    phrases: list[list[str]] = []
    current: list[str] = []
    for token in normalized.split(" ")[:400]:
        if (
            token not in STOPWORDS
            and len(token) > 2
            and token[0].isalpha()
            and token.replace("-", "").isalnum()
        ):
            current.append(token)
            if len(current) == _MAX_WORDS:
                phrases.append(current)
                current = []
        elif current:
            phrases.append(current)
            current = []
    if current:
        phrases.append(current)
    if not phrases:
        return []
    freq: dict[str, int] = {}
    degree: dict[str, int] = {}
    for p in phrases:
        for w in p:
            freq[w] = freq.get(w, 0) + 1
            degree[w] = degree.get(w, 0) + len(p)
    scored: dict[str, float] = {}
    for p in phrases:
        key = " ".join(p)
        if key not in scored:
            scored[key] = sum(degree[w] / freq[w] for w in p)
    return sorted(scored, key=lambda key: (-scored[key], key))[:k]


def keyphrases(text: str, k: int = 5) -> list[str]:
    """Top ``k`` keyphrases of a raw text (normalized first)."""
    from humas.nlp.normalize import normalize

    return keyphrases_normalized(normalize(text), k)
