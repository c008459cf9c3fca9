"""Normalizer for Indonesian social-media text.

``normalize(text)``: Unicode NFKC, case folding, URLs / e-mail addresses / @mentions / phone numbers to
placeholders, ``#HashTag`` to ``<hashtag> hash tag``, letters repeated three times or more squeezed to one
(``bangettt`` -> ``banget``), slang and abbreviations expanded (``yg`` -> ``yang``), punctuation and emoji
split off as their own tokens, single spaces. It is total (never raises) and idempotent.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

PLACEHOLDERS = ("<url>", "<email>", "<user>", "<phone>", "<hashtag>")
_RESOURCES = Path(__file__).parent / "resources"
_NC_DIR = Path(__file__).parent / "artifacts" / "nc"

_URL = re.compile(r"(?:https?://|www\.)\S+|\b(?:bit\.ly|t\.co|s\.id|goo\.gl)/\S*", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MENTION = re.compile(r"(?<![\w@])@\w+")
_PHONE = re.compile(r"(?<![\w+])(?:\+62|62|0)[\s.-]?\(?\d{2,4}\)?(?:[\s.-]?\d{3,4}){2}\b")
_HAS_PHONE = re.compile(r"\d{3}")
_RECHECK = re.compile(r"[/@#]|www|\d{3}|[^\x00-\x7f]")
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_SQUEEZE = re.compile(r"([^\W\d_])\1{2,}")
_TOKEN = re.compile(r"<(?:url|email|user|phone|hashtag)>|[^\W_]+(?:-[^\W_]+)*|\S")
# English words the Indonesian slang lists map to Indonesian words ("you" -> "kamu"); kept as they are.
_KEEP = frozenset("a i you so the and is in to of it on at be me my we he she do go no".split())


def nc_excluded() -> bool:
    """True when ``HUMAS_NLP_EXCLUDE_NC`` asks to leave out everything under a non-commercial license."""
    return os.environ.get("HUMAS_NLP_EXCLUDE_NC", "").strip().lower() in {"1", "true", "yes", "on"}


def _read_pairs(path: Path, sep: str) -> Iterable[tuple[str, str]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or sep not in line:
                continue
            key, value = line.rstrip("\r\n").split(sep, 1)
            yield key, value


def _surface(text: str) -> list[str]:
    """Everything but slang expansion; returns tokens."""
    text = unicodedata.normalize("NFKC", text)
    # NOTE: cheap substring guards first; the patterns are costly on long texts that cannot match.
    if "/" in text or "www." in text or "WWW." in text:
        text = _URL.sub(" <url> ", text)
    if "@" in text:
        text = _MENTION.sub(" <user> ", _EMAIL.sub(" <email> ", text))
    if _HAS_PHONE.search(text):
        text = _PHONE.sub(" <phone> ", text)
    if "#" in text:
        text = _HASHTAG.sub(lambda m: " <hashtag> " + _CAMEL.sub(" ", m.group(1)) + " ", text)
    text = unicodedata.normalize("NFKC", text.casefold())
    text = _SQUEEZE.sub(r"\1", text)
    return _TOKEN.findall(text)


def _close(mapping: dict[str, str]) -> dict[str, str]:
    """Resolve chains (``nggak`` -> ``enggak`` -> ``tidak``) and drop entries that never settle."""
    out: dict[str, str] = {}
    for key, value in mapping.items():
        seen = {key}
        for _ in range(6):
            tokens = [mapping.get(t, t) for t in value.split()]
            new = " ".join(tokens)
            if new == value:
                break
            seen.add(value)
            value = new
        else:
            continue
        if value != key and key not in value.split():
            out[key] = value
    # NOTE: a value must be a fixpoint for normalize() to be idempotent; drop the rest.
    return {k: v for k, v in out.items() if all(out.get(t, t) == t for t in v.split())}


@lru_cache(maxsize=2)
def slang_map(exclude_nc: bool | None = None) -> dict[str, str]:
    """The slang table in use: humas' own list, plus the CC BY-NC-SA lexicons unless excluded."""
    if exclude_nc is None:
        exclude_nc = nc_excluded()
    raw: dict[str, str] = {}
    sources = [] if exclude_nc else [_NC_DIR / "slang.tsv"]
    sources.append(_RESOURCES / "slang_basic.tsv")
    for path in sources:
        for key, value in _read_pairs(path, "\t"):
            k = _surface(key)
            v = _surface(value)
            if len(k) != 1 or not v or k[0] in _KEEP or not k[0][0].isalnum():
                continue
            if all(t.isalnum() or "-" in t for t in v):
                raw[k[0]] = " ".join(v)
    return _close(raw)


def _once(text: str, table: dict[str, str]) -> str:
    return " ".join(table.get(t, t) for t in _surface(text))


def normalize(text: str) -> str:
    """Normalize one text (total and idempotent; see the module docstring)."""
    if not isinstance(text, str):
        text = str(text)
    table = slang_map()
    out = _once(text, table)
    # Re-tokenising the output gives the same tokens and slang values are fixpoints, so only a new
    # NFKC composition or a pattern match can change it on a second pass; skip the pass when neither can.
    if not _RECHECK.search(out):
        return out
    # NOTE: placeholders and re-tokenisation can expose a new match (e.g. a phone number once punctuation
    # is split off); iterating to a fixpoint is what makes normalize(normalize(x)) == normalize(x).
    for _ in range(4):
        again = _once(out, table)
        if again == out:
            return out
        out = again
    return out


def normalize_many(texts: Iterable[str]) -> list[str]:
    """``normalize`` over a batch."""
    return [normalize(t) for t in texts]
