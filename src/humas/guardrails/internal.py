"""Classified and internal material: classification markings, internal memo and letter numbers, draft wording.

A marking is the word as a marking (upper case, at a line's start, in brackets or after "Sifat:"), never the
ordinary word: "rahasia sukses UMKM" is not a marking, "RAHASIA" or "Sifat: Rahasia" is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from humas.guardrails.findings import BLOCK, WARN, Finding, finding

_LEVELS = r"SANGAT\s+RAHASIA|RAHASIA|TERBATAS|KONFIDENSIAL|CONFIDENTIAL|SECRET|TOP\s+SECRET"
_MARKING = re.compile(
    r"(?<![\w-])(?:" + _LEVELS + r")(?![\w-])"  # upper case anywhere ("TERBATAS-nya" is a word)
    r"|(?:^|(?<=[\[(]))\s*(?i:" + _LEVELS + r")\s*(?=[\])]|$|\n|:)"  # bracketed, or alone on its line
    r"|(?<=Sifat)\s*:\s*(?i:" + _LEVELS + r")(?![\w])"  # a letter's "Sifat: Rahasia"
    r"|(?<=Klasifikasi)\s*:\s*(?i:" + _LEVELS + r")(?![\w])",
    re.MULTILINE,
)


def classification(text: str) -> Iterator[Finding]:
    for m in _MARKING.finditer(text):
        start = m.start() + len(m.group()) - len(m.group().lstrip(" \t:"))
        yield finding("classification", BLOCK, text, start, m.end())


# Numbers of the Kemenkeu-style naming: KIND-NUMBER/UNIT[.SUB...]/YEAR. Nota dinas, undangan and memo are
# internal by nature (block); letters, announcements, decrees may be public (warning).
_NUMBER = r"-\s?\d{1,5}(?:/[A-Z][A-Za-z0-9.]*(?:\.[A-Za-z0-9]+)*){1,5}/(?:19|20)\d\d\b"
_MEMO = re.compile(r"(?<![\w-])(?:ND|UND|MEMO|M)" + _NUMBER)
_LETTER = re.compile(r"(?<![\w-])(?:S|PENG|SE|SR|SP|BA)" + _NUMBER)


def memo_number(text: str) -> Iterator[Finding]:
    for m in _MEMO.finditer(text):
        yield finding("memo_number", BLOCK, text, m.start(), m.end())


def letter_number(text: str) -> Iterator[Finding]:
    for m in _LETTER.finditer(text):
        yield finding("letter_number", WARN, text, m.start(), m.end())


# Draft wording: "draf"/"konsep" only as a document's state (at a line's start, bracketed, upper case or
# "draf ini", "konsep siaran pers"), not "draf RUU" (a bill's name in the news) nor "konsep pelayanan prima".
_PHRASES = (
    r"untuk\s+kalangan\s+sendiri|jangan\s+(?:di)?sebar(?:kan|luaskan)?|tidak\s+untuk\s+(?:di)?publikasi(?:kan)?"
    r"|internal\s+only|for\s+internal\s+use|belum\s+final|mohon\s+dikoreksi"
)
_DRAFT_STATE = re.compile(
    r"(?:^|(?<=[\[(]))\s*(?i:draf|draft|konsep)\s*(?=[\]):]|$)"  # a bracketed or lone "[Draf]", "Draf:"
    r"|\b(?:DRAF|DRAFT)\b"
    r"|(?i:\b(?:draf|draft|konsep)\s+(?:ini|siaran\s+pers|rilis|press\s+release|postingan|unggahan|caption|"
    r"naskah|v\d|ke-?\d))",
    re.MULTILINE,
)
_PHRASE = re.compile(r"(?i:\b(?:" + _PHRASES + r")\b)")
_LEGIT_AFTER = re.compile(r"^\s*(?:RUU|Rancangan|Undang|Peraturan|Perda|Raperda|Perpres|PP\b)", re.IGNORECASE)


def internal_phrase(text: str, extra: tuple[str, ...] = ()) -> Iterator[Finding]:
    for m in _DRAFT_STATE.finditer(text):
        if _LEGIT_AFTER.match(text[m.end() :]):
            continue
        start = m.start() + len(m.group()) - len(m.group().lstrip())
        yield finding("internal_phrase", WARN, text, start, m.end())
    for m in _PHRASE.finditer(text):
        yield finding("internal_phrase", WARN, text, m.start(), m.end())
    for word in extra:
        for m in re.finditer(r"(?i)(?<!\w)" + re.escape(word) + r"(?!\w)", text):
            yield finding("internal_phrase", WARN, text, m.start(), m.end())
