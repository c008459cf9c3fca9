"""RSS 2.0 and Atom news feeds as a ``Source``: conditional GET, a cursor of seen entries, article extraction.

The cursor is ``{"etag", "modified", "seen": [entry ids, newest first]}``. A 304 answer returns no items and
the same cursor. When an entry carries only a summary (as most Indonesian portals' feeds do: detik, kompas,
antaranews, tempo give a teaser and a link), the article page is fetched and its main text extracted with
trafilatura; if that fails the summary is kept, so one bad page never loses the entry.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from datetime import UTC, datetime
from typing import Any

import feedparser
import httpx

from humas.connectors.base import Cursor, FetchResult, SourceItem
from humas.connectors.errors import ConnectorError

PLATFORM = "news"
SEEN_MAX = 500
MIN_ARTICLE_CHARS = 400
USER_AGENT = "humas/1.0 (+https://github.com/humas; news monitoring of a government PR unit)"
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[ \t\r\f\v]+")


class FeedError(ConnectorError):
    """The feed could not be read (network, HTTP status, or not a feed at all)."""


def html_to_text(value: str) -> str:
    """Feed HTML snippets to plain text (tags dropped, entities decoded, paragraphs kept)."""
    value = re.sub(r"(?i)<\s*(br|/p|/div|/li|/h\d)\s*/?>", "\n", value)
    text = html.unescape(_TAGS.sub(" ", value))
    lines = (_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _entry_time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), UTC)
    return None


def _entry_id(entry: Any) -> str:
    value = entry.get("id") or entry.get("guid") or entry.get("link")
    if value:
        return str(value)[:255]
    basis = (entry.get("title", "") + entry.get("summary", "")).encode()
    return "sha1:" + hashlib.sha1(basis).hexdigest()  # noqa: S324 - an identifier


def _entry_body(entry: Any) -> str:
    contents = entry.get("content") or []
    best = max((c.get("value", "") for c in contents), key=len, default="")
    return html_to_text(best or entry.get("summary", "") or entry.get("description", ""))


def _raw(entry: Any, feed_url: str) -> dict[str, Any]:
    keep = ("id", "title", "link", "author", "published", "updated", "summary", "tags")
    raw = {k: entry.get(k) for k in keep if entry.get(k) is not None}
    if "tags" in raw:
        raw["tags"] = [t.get("term") for t in raw["tags"] if t.get("term")]
    raw["feed"] = feed_url
    return raw


class FeedSource:
    """One RSS/Atom feed. ``fetch(cursor)`` returns the entries not seen before, oldest first."""

    platform = PLATFORM

    def __init__(
        self,
        url: str,
        *,
        client: httpx.Client | None = None,
        extract_articles: bool = True,
        min_article_chars: int = MIN_ARTICLE_CHARS,
    ) -> None:
        self.url = url
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(20.0, connect=10.0),
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT},
        )
        self.extract_articles = extract_articles
        self.min_article_chars = min_article_chars
        self.title = ""

    def fetch(self, since: Cursor = None) -> FetchResult:
        cursor: dict[str, Any] = dict(since) if isinstance(since, dict) else {}
        headers = {}
        if cursor.get("etag"):
            headers["If-None-Match"] = cursor["etag"]
        if cursor.get("modified"):
            headers["If-Modified-Since"] = cursor["modified"]
        try:
            response = self.client.get(self.url, headers=headers)
        except httpx.HTTPError as exc:
            raise FeedError(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code == 304:
            return FetchResult([], cursor)
        if response.status_code >= 400:
            raise FeedError(f"HTTP {response.status_code}")
        parsed = feedparser.parse(response.content, response_headers={"content-location": self.url})
        if not parsed.entries and (parsed.bozo or not parsed.get("version")):
            reason = getattr(parsed.get("bozo_exception"), "args", ["not an RSS or Atom feed"])
            raise FeedError(f"not a readable feed: {reason[0] if reason else 'unknown'}")
        self.title = parsed.feed.get("title", "") or ""
        seen = list(cursor.get("seen", []))
        seen_set = set(seen)
        items = [self._item(e) for e in parsed.entries if _entry_id(e) not in seen_set]
        items.sort(key=lambda i: i.created_at or datetime.min.replace(tzinfo=UTC))
        new_seen = [i.external_id for i in reversed(items)] + seen
        new_cursor = {
            "etag": response.headers.get("etag") or cursor.get("etag"),
            "modified": response.headers.get("last-modified") or cursor.get("modified"),
            "seen": new_seen[:SEEN_MAX],
        }
        return FetchResult(items, new_cursor)

    def _item(self, entry: Any) -> SourceItem:
        title = html_to_text(entry.get("title", ""))
        body = _entry_body(entry)
        link = entry.get("link")
        raw = _raw(entry, self.url)
        if self.extract_articles and link and len(body) < self.min_article_chars:
            article = self.extract(link)
            if article and len(article) > len(body):
                raw["extracted"] = True
                body = article
        text = title if not body else f"{title}\n\n{body}" if title and not body.startswith(title) else body
        return SourceItem(
            platform=PLATFORM,
            external_id=_entry_id(entry),
            kind="article",
            text=text,
            created_at=_entry_time(entry),
            author_name=entry.get("author") or self.title or None,
            author_handle=httpx.URL(self.url).host or None,
            url=link,
            raw=raw,
        )

    def extract(self, url: str) -> str | None:
        """The main text of an article page, or None when the page cannot be fetched or read."""
        import trafilatura

        try:
            response = self.client.get(url)
        except httpx.HTTPError:
            return None
        if response.status_code >= 400 or not response.text:
            return None
        try:
            return trafilatura.extract(response.text, url=url, include_comments=False, favor_precision=True)
        except Exception:  # noqa: BLE001 - a page trafilatura cannot read keeps the summary
            return None
