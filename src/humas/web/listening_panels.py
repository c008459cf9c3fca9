"""The dashboard's panels: what each one reads, how it is charted, and its table columns and CSV."""

from __future__ import annotations

import csv
import hashlib
import io
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from humas.core.i18n import _
from humas.core.settings import get_settings
from humas.listening import charts
from humas.listening.service import dashboard
from humas.listening.service.cache import TTL, PanelCache
from humas.listening.service.scope import Scope, UnitFacts, unit_facts, visible_queries
from humas.org.models import Unit
from humas.org.service import Principal
from humas.web import labels

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Panel:
    name: str
    title: Any  # lazy translatable
    read: Callable[[Session, Principal, Scope], Rows]
    chart: Callable[[Rows, Scope], dict[str, Any]] | None
    columns: tuple[str, ...]
    wide: bool = False


def _shown(rows: Rows, field: str) -> Rows:
    """Rows whose `field` reads in the page's language (an emotion, a platform), for a chart's labels."""
    return [{**row, field: str(labels.label_text(field, str(row.get(field, ""))))} for row in rows]


PANELS: dict[str, Panel] = {
    p.name: p
    for p in (
        Panel(
            "volume",
            _("Mention volume"),
            lambda s, a, sc: dashboard.volume(s, sc),
            lambda rows, sc: charts.volume_chart(rows, bucket=sc.bucket),
            ("t", "count"),
            wide=True,
        ),
        Panel(
            "sentiment",
            _("Sentiment and net sentiment"),
            lambda s, a, sc: dashboard.sentiment(s, sc),
            lambda rows, sc: charts.sentiment_chart(rows, bucket=sc.bucket),
            ("t", "positive", "neutral", "negative", "net"),
            wide=True,
        ),
        Panel(
            "platforms",
            _("Platforms"),
            lambda s, a, sc: dashboard.platforms(s, sc),
            lambda rows, sc: charts.donut_chart(_shown(rows, "platform"), label="platform", value="count"),
            ("platform", "count", "share"),
        ),
        Panel(
            "emotions",
            _("Emotions"),
            lambda s, a, sc: dashboard.emotions(s, sc),
            lambda rows, sc: charts.bar_chart(
                _shown(rows, "emotion"), label="emotion", value="count", color="#c9a227"
            ),
            ("emotion", "count", "share"),
        ),
        Panel(
            "keyphrases",
            _("Trending key phrases"),
            lambda s, a, sc: dashboard.trending(s, sc, facet="kp"),
            lambda rows, sc: charts.bar_chart(rows, label="key", value="score"),
            ("key", "count", "baseline", "growth", "score"),
        ),
        Panel(
            "hashtags",
            _("Trending hashtags"),
            lambda s, a, sc: dashboard.trending(s, sc, facet="tag"),
            lambda rows, sc: charts.bar_chart(rows, label="key", value="score", color="#0c3f75"),
            ("key", "count", "baseline", "growth", "score"),
        ),
        Panel(
            "share_of_voice",
            _("Share of voice"),
            lambda s, a, sc: dashboard.share_of_voice(s, sc, visible_queries(s, a)),
            lambda rows, sc: charts.bar_chart(rows, label="query", value="count"),
            ("query", "count", "share"),
        ),
        Panel(
            "authors",
            _("Top authors by reach"),
            lambda s, a, sc: dashboard.authors(s, sc),
            lambda rows, sc: charts.bar_chart(rows, label="author", value="reach", color="#4a5566"),
            ("author", "platform", "mentions", "reach"),
        ),
    )
}


def csv_text(rows: Rows, columns: tuple[str, ...]) -> str:
    """CSV with a BOM for Excel; cells that a spreadsheet would run as a formula are quoted as text."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        cells = []
        for c in columns:
            value = row.get(c, "")
            if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
                value = "'" + value
            cells.append(value)
        writer.writerow(cells)
    return out.getvalue()


def panel_cache(request: Request) -> PanelCache:
    """This web process's dashboard cache (made on first use; shared level per the settings)."""
    cache = getattr(request.app.state, "panel_cache", None)
    if cache is None:
        cache = request.app.state.panel_cache = PanelCache(redis_url=get_settings().redis_url)
    return cache


def cache_inputs(session: Session, actor: Principal, name: str) -> list[Any]:
    """What a panel's answer depends on besides its scope: share of voice lists the actor's saved queries."""
    if name == "share_of_voice":
        return [(q.id, q.name) for q in visible_queries(session, actor)]
    return []


def cache_headers(etag: str) -> dict[str, str]:
    # private: the answer is the user's scope; no-cache: the browser keeps it but asks (If-None-Match) first.
    return {"ETag": etag, "Cache-Control": "private, no-cache"}


def not_modified(request: Request, etag: str) -> bool:
    """Whether the client already holds this representation (If-None-Match, RFC 9110 weak comparison)."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


class TtlCache:
    """A small per-process LRU whose entries live `ttl` seconds (thread-safe; the clock can be replaced)."""

    def __init__(self, ttl: float, size: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.size = size
        self.clock = clock
        self._entries: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Any) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= self.clock():
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._entries[key] = (self.clock() + self.ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _app_cache(request: Request, name: str, make: Callable[[], TtlCache]) -> TtlCache:
    cache = getattr(request.app.state, name, None)
    if cache is None:
        cache = make()
        setattr(request.app.state, name, cache)
    return cache


# A unit's subtree ids and UTC offset are reused this long by a web process (decision 0101).
UNIT_FACTS_TTL_S = 5.0


def unit_facts_cache(request: Request) -> TtlCache:
    """A unit's subtree ids and UTC offset, reused for `UNIT_FACTS_TTL_S` seconds by this process: a unit
    moved, added under it or given another zone shows within that time (the access check itself is never
    cached)."""
    return _app_cache(request, "unit_facts_cache", lambda: TtlCache(UNIT_FACTS_TTL_S, 4096))


def cached_unit_facts(request: Request) -> Callable[[Session, Unit], UnitFacts]:
    cache = unit_facts_cache(request)

    def facts(session: Session, unit: Unit) -> UnitFacts:
        key = (unit.id, unit.path, unit.time_zone)
        found = cache.get(key)
        if found is None:
            found = unit_facts(session, unit)
            cache.put(key, found)
        return found

    return facts


def fragment_cache(request: Request) -> TtlCache:
    """Rendered fragments (HTML bytes) by ETag and zone: the ETag names the data version, the panel's key
    (the visible scope), the language and the query string, so a hit is exactly the body a render would
    give. Lives as long as the panel cache's entries (its safety net for changes no version sees)."""
    return _app_cache(request, "fragment_cache", lambda: TtlCache(TTL.total_seconds(), 4096))


def fragment_key(etag: str, zone: str | None) -> str:
    return hashlib.sha256(f"{etag}|{zone}".encode()).hexdigest()
