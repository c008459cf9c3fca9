"""Platform rules as findings, so they show in the same list: a thin adapter over a spec's limits.

It takes what ``humas.connectors.spec.Limits`` declares (``count_text``, ``text_max``, ``hashtags_max``) as
plain values, so the guardrails stay free of the connectors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from humas.guardrails.findings import BLOCK, Finding, finding

_HASHTAG = re.compile(r"(?<![\w#])#\w+")


@dataclass(frozen=True)
class PlatformLimits:
    count_text: Callable[[str], int]
    text_max: int
    hashtags_max: int | None = None


def platform(text: str, limits: PlatformLimits) -> Iterator[Finding]:
    if limits.count_text(text) > limits.text_max:
        # The span is what the platform cuts: from the last character that fits to the end.
        low, high = 0, len(text)  # the longest prefix that fits, by bisection (count_text grows with length)
        while low < high:
            mid = (low + high + 1) // 2
            low, high = (mid, high) if limits.count_text(text[:mid]) <= limits.text_max else (low, mid - 1)
        cut = low
        yield finding("platform_length", BLOCK, text, cut, len(text))
    tags = list(_HASHTAG.finditer(text))
    if limits.hashtags_max is not None and len(tags) > limits.hashtags_max:
        extra = tags[limits.hashtags_max :]
        yield finding("platform_hashtags", BLOCK, text, extra[0].start(), extra[-1].end())
