"""Abuse and SARA terms from the maintained word list (resources/words.tsv), plus extra words from a rule set,
and an optional hook for the abuse model's score (``humas.nlp.analyze(texts, tasks={"abuse"})``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from humas.guardrails.findings import WARN, Finding, Severity, finding

WORDS_FILE = Path(__file__).parent / "resources" / "words.tsv"


@dataclass(frozen=True)
class Word:
    word: str
    rule: str  # "abuse" | "sara"
    severity: Severity


def _pattern(word: str) -> str:
    stem = re.escape(word.rstrip("*")).replace(r"\ ", r"\s+")
    return r"(?<![\w-])" + stem + (r"\w*" if word.endswith("*") else "") + r"(?![\w-])"


@cache
def load_words(path: Path = WORDS_FILE) -> tuple[Word, ...]:
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, rule, severity, *_ = line.split("\t")
        words.append(Word(word.strip().lower(), rule, "blokir" if severity == "blokir" else WARN))
    return tuple(words)


@cache
def _compiled(words: tuple[Word, ...]) -> tuple[tuple[re.Pattern[str], Word], ...]:
    return tuple((re.compile(_pattern(w.word), re.IGNORECASE), w) for w in words)


def word_list(text: str, *, rule: str, extra: tuple[str, ...] = ()) -> Iterator[Finding]:
    words = tuple(w for w in load_words() if w.rule == rule) + tuple(
        Word(e.lower(), rule, WARN) for e in extra
    )
    for pattern, word in _compiled(words):
        for m in pattern.finditer(text):
            yield finding(rule, word.severity, text, m.start(), m.end())


AbuseScorer = Callable[[str], float]


def abuse_model(text: str, scorer: AbuseScorer, *, threshold: float = 0.8) -> Iterator[Finding]:
    """The whole text as one finding when the abuse model's score passes ``threshold`` (a warning)."""
    if text.strip() and scorer(text) >= threshold:
        yield finding("abuse", WARN, text, 0, len(text))


def nlp_abuse_scorer() -> AbuseScorer:
    """The shipped abuse model as a scorer: the highest abuse label score of the text."""
    from humas.nlp import analyze

    def score(text: str) -> float:
        scores = analyze([text], tasks={"abuse"})[0].abuse_scores
        return max(scores.values(), default=0.0)

    return score
