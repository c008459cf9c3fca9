"""Links: shorteners that hide their target, and links to pages the hoax desk has labelled.

Resolving a link (does it answer?) is the caller's job when sending: ``resolve_links`` is the signature it
fills with its own HTTP client and timeout; the checker itself never touches the network.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import urlsplit

from humas.guardrails.findings import BLOCK, WARN, Finding, finding

SHORTENERS = frozenset(
    {
        "bit.ly",
        "s.id",
        "tinyurl.com",
        "t.co",
        "goo.gl",
        "ow.ly",
        "is.gd",
        "buff.ly",
        "cutt.ly",
        "rebrand.ly",
        "shorturl.at",
        "rb.gy",
        "t.ly",
        "tiny.cc",
        "lnkd.in",
        "bitly.com",
        "v.gd",
        "shorte.st",
        "adf.ly",
        "linktr.ee",
        "heylink.me",
        "msha.ke",
        "bit.do",
        "s.coop",
        "urlshortener.id",
        "link.id",
    }
)
_URL = re.compile(
    r"(?i)\b(?:https?://)?(?:www\.)?((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})(/[^\s<>\"')\]]*)?"
)
_NEEDS_SCHEME_OR_PATH = re.compile(r"(?i)^https?://|/")


def urls(text: str) -> Iterator[tuple[int, int, str, str]]:
    """(start, end, host, url) of each link: with a scheme, or a bare host followed by a path."""
    for m in _URL.finditer(text):
        if not _NEEDS_SCHEME_OR_PATH.search(m.group()) or "@" in text[max(0, m.start() - 1) : m.start()]:
            continue
        end = m.end()
        while end > m.start() and text[end - 1] in ".,;:!?":
            end -= 1
        yield m.start(), end, m.group(1).lower(), text[m.start() : end]


def _normal(url: str) -> str:
    parts = urlsplit(url if "://" in url else "http://" + url)
    host = parts.netloc.lower().removeprefix("www.")
    return host + parts.path.rstrip("/")


def shortener(text: str) -> Iterator[Finding]:
    for start, end, host, _url in urls(text):
        if host.removeprefix("www.") in SHORTENERS:
            yield finding("shortener", WARN, text, start, end)


def hoax_link(text: str, labelled: Iterable[str]) -> Iterator[Finding]:
    """``labelled``: domains ("hoaks.example") or addresses ("site.example/artikel-1") the hoax desk keeps."""
    marked = {_normal(u) for u in labelled}
    if not marked:
        return
    for start, end, host, url in urls(text):
        bare, address = host.removeprefix("www."), _normal(url)
        if bare in marked or address in marked or any(bare.endswith("." + d) for d in marked if "/" not in d):
            yield finding("hoax_link", BLOCK, text, start, end)


Resolver = Callable[[str, float], bool]


def resolve_links(text: str, resolve: Resolver, *, timeout: float = 5.0) -> Iterator[Finding]:
    """A warning for each link ``resolve(url, timeout)`` says does not answer (the caller's client)."""
    for start, end, _host, url in urls(text):
        if not resolve(url if "://" in url else "https://" + url, timeout):
            yield finding("dead_link", WARN, text, start, end)
