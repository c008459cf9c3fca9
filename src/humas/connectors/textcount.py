"""Count a text the way each platform counts it against its length limit.

``len(text)`` is wrong everywhere but on the simplest platforms: X weighs characters and counts every link
as 23, Mastodon counts links as 23 too, Bluesky counts graphemes (what a reader sees as one character: a
family emoji is one, not seven), Telegram counts UTF-16 code units. Each function takes the text as it
will be sent and returns the number the platform compares with its limit.
"""

from __future__ import annotations

import unicodedata

import regex  # type: ignore[import-untyped]

# An http(s) link, a "www." host, or a bare domain whose last label is a top-level domain common in
# Indonesian posts (X links those too). NOTE: twitter-text knows every TLD; a bare domain under a rarer
# TLD is counted by its characters here, which may count it shorter than X does.
_TLDS = "id|com|net|org|info|io|co|gov|edu|biz|me|tv|ly|app|dev|news|web|site|online|xyz|asia|int|go"
SCHEME_URL = regex.compile(r"(?<![@\w.])https?://[^\s<>\"]+", regex.IGNORECASE)
URL = regex.compile(
    r"(?<![@\w.])(?:https?://[^\s<>\"]+|www\.[^\s<>\"]+|"
    rf"(?:[\p{{L}}\p{{N}}-]++\.)+(?:{_TLDS})\b(?:/[^\s<>\"]*)?)",
    regex.IGNORECASE,
)
_TRAILING = ".,;:!?)]}'\"…"
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3")
_GRAPHEME = regex.compile(r"\X")
# twitter-text v3 (github.com/twitter/twitter-text config/v3.json): weight 100 of scale 100 for these
# code point ranges, defaultWeight 200 for every other code point, and with emojiParsingEnabled a whole
# emoji sequence weighs 200 once. maxWeightedTweetLength 280, transformedURLLength 23.
_X_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
X_URL_LENGTH = 23


def _links(text: str, pattern: regex.Pattern[str]) -> list[tuple[int, int]]:
    """Spans of the links in ``text``, trailing punctuation left out as the platforms do."""
    spans = []
    for match in pattern.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in _TRAILING:
            end -= 1
        spans.append((start, end))
    return spans


def _replace_links(text: str, counted_as: int, pattern: regex.Pattern[str]) -> tuple[str, int]:
    """The text without its links, and what the links count for together."""
    out, last, links = [], 0, 0
    for start, end in _links(text, pattern):
        out.append(text[last:start])
        last = end
        links += counted_as
    out.append(text[last:])
    return "".join(out), links


def count_chars(text: str) -> int:
    """Unicode code points after NFC (Facebook, Instagram, YouTube, WhatsApp)."""
    return len(unicodedata.normalize("NFC", text))


def count_utf16(text: str) -> int:
    """UTF-16 code units (Telegram's entity offsets and lengths are in these; an emoji counts 2)."""
    return len(unicodedata.normalize("NFC", text).encode("utf-16-le")) // 2


def count_graphemes(text: str) -> int:
    """Extended grapheme clusters (UAX #29): Bluesky's ``maxGraphemes``."""
    return len(_GRAPHEME.findall(unicodedata.normalize("NFC", text)))


def _x_weight(cluster: str) -> int:
    if _EMOJI.search(cluster):
        return 2
    return sum(1 if any(lo <= ord(c) <= hi for lo, hi in _X_LIGHT) else 2 for c in cluster)


def count_x(text: str) -> int:
    """X's weighted length: links 23, Latin and common punctuation 1, CJK and emoji 2."""
    rest, links = _replace_links(unicodedata.normalize("NFC", text), X_URL_LENGTH, URL)
    return links + sum(_x_weight(cluster) for cluster in _GRAPHEME.findall(rest))


MASTODON_URL_LENGTH = 23
_REMOTE_MENTION = regex.compile(r"(?<![\w@])(@[\w.]+)@[\w.-]+\w")


def count_mastodon(text: str) -> int:
    """Mastodon: every http(s) link counts ``characters_reserved_per_url`` (23) and ``@user@domain``
    counts only ``@user``; everything else by code point (Mastodon's StatusLengthValidator)."""
    rest, links = _replace_links(unicodedata.normalize("NFC", text), MASTODON_URL_LENGTH, SCHEME_URL)
    return links + len(_REMOTE_MENTION.sub(r"\1", rest))


_HASHTAG = regex.compile(r"(?<![\w#&])#[\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*")


def count_hashtags(text: str) -> int:
    """Hashtags in a text (Instagram allows at most 30 in a caption)."""
    return len(_HASHTAG.findall(text))
