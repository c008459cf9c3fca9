"""Dashboard results cached per visible scope, range, filters and panel; new data is a new version.

A hundred people watching the same unit's dashboard cost about one computation per panel and data version:
each web process keeps an LRU (first level) and shares what it computed through Redis when
``HUMAS_REDIS_URL`` is set, or else through the database (``listening_dashboard_cache``, second level).

- **Key**: the panel and everything its answer depends on that the request chose or may see: the scope's
  unit ids (the subtree the access check resolved, so a sibling unit's viewer never reads another's entry),
  saved query, range (since, until: the default range ends at the next whole hour, so keys turn over
  hourly), the unit's UTC offset, and the caller's extra inputs (share of voice: the visible saved queries).
- **Version**: cheap maxima read in one statement. Facet panels (key phrases, hashtags, emotions, authors)
  read only rollups the facet job writes, so they change with that job's progress (its cursors' updated_at)
  and label corrections. Count panels also count mentions past the job's cursor live, so the newest mention
  id, saved-query edits and backfill progress are part of theirs.
- **ETag**: a digest of key, version and representation; a client that sends it back gets 304 without any
  panel being computed (the version read and the access check still run).

Decision record: docs/decisions/0083-panel-cache-and-scale.md.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from humas.core.sql import dialect_of, insert_for
from humas.core.time import utcnow
from humas.ingest.models import IngestJob, LabelCorrection, Mention, SavedQuery
from humas.listening.models import DashboardCache, ListeningCursor
from humas.listening.service.scope import Scope

log = logging.getLogger(__name__)

# Panels that read only the facet job's rollups (no live count past its cursor).
FACET_PANELS = frozenset({"emotions", "keyphrases", "hashtags", "authors"})
TTL = timedelta(minutes=10)  # a safety net for changes no version component sees
PRUNE_EVERY = 200  # about one shared write in this many also drops entries older than a day


@dataclass(frozen=True)
class Versions:
    facets: str
    live: str

    def of(self, panel: str) -> str:
        return self.facets if panel in FACET_PANELS else self.live


def read_versions(session: Session) -> Versions:
    """Both data versions in one statement (maxima of primary keys and small tables)."""
    row = session.execute(
        select(
            select(func.max(Mention.id)).scalar_subquery(),
            select(func.max(ListeningCursor.updated_at)).scalar_subquery(),
            select(func.max(LabelCorrection.id)).scalar_subquery(),
            select(func.max(LabelCorrection.corrected_at)).scalar_subquery(),
            select(func.max(SavedQuery.updated_at)).scalar_subquery(),
            select(func.max(IngestJob.updated_at)).scalar_subquery(),
        )
    ).one()
    mention, cursors, correction, corrected, queries, jobs = (str(v) for v in row)
    facets = _digest(["f", cursors, correction, corrected])
    return Versions(facets=facets, live=_digest(["l", facets, mention, queries, jobs]))


def _digest(parts: Sequence[Any]) -> str:
    return hashlib.sha256(json.dumps(list(parts), default=str).encode()).hexdigest()[:32]


def key_of(scope: Scope, panel: str, extra: Sequence[Any] = ()) -> str:
    """The entry's key: the panel, the visible scope, range and filters (see the module docstring)."""
    return _digest(
        [
            panel,
            sorted(scope.unit_ids),
            scope.query_id,
            scope.since.isoformat(),
            scope.until.isoformat(),
            int(scope.offset.total_seconds()),
            list(extra),
        ]
    )


@dataclass
class Lookup:
    """One panel answer to serve: its ETag is known before anything is computed."""

    cache: PanelCache
    session: Session
    key: str
    version: str
    panel: str
    derived_from: str | None = None

    def etag(self, variant: str = "") -> str:
        return f'W/"{_digest([self.key, self.version, variant])}"'

    def value(self, compute: Callable[[], Any]) -> Any:
        return self.cache.value(self, compute)

    def derived(self, variant: str) -> Lookup:
        """An entry made from this one (e.g. its chart in one language), valid for the same data version."""
        key = _digest([self.key, variant])
        return Lookup(self.cache, self.session, key, self.version, self.panel, derived_from=self.key)


class PanelCache:
    """One per web process: an LRU in front of the shared level (Redis or the database)."""

    def __init__(self, *, size: int = 4096, redis_url: str | None = None) -> None:
        self.size = size
        self._local: OrderedDict[str, tuple[str, float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._flights: dict[tuple[str, str], threading.Lock] = {}
        self._redis: Any = None
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url, socket_timeout=0.5)
        self.computed = 0  # panel answers this process computed (not counting their charts; tests read it)

    def lookup(
        self,
        session: Session,
        scope: Scope,
        panel: str,
        *,
        extra: Sequence[Any] = (),
        versions: Versions | None = None,
    ) -> Lookup:
        versions = versions or read_versions(session)
        return Lookup(self, session, key_of(scope, panel, extra), versions.of(panel), panel)

    def value(self, lookup: Lookup, compute: Callable[[], Any]) -> Any:
        found = self._get_local(lookup)
        if found is not None:
            return found[0]
        # Single flight: concurrent requests for the same entry in this process wait for the first.
        with self._lock:
            flight = self._flights.setdefault((lookup.key, lookup.version), threading.Lock())
        with flight:
            found = self._get_local(lookup)
            if found is None:
                found = self._get_shared(lookup)
                if found is None:
                    found = (compute(),)
                    self.computed += lookup.derived_from is None
                    self._put_shared(lookup, found[0])
                self._put_local(lookup, found[0])
        with self._lock:
            self._flights.pop((lookup.key, lookup.version), None)
        return found[0]

    def clear(self) -> None:
        with self._lock:
            self._local.clear()

    def _get_local(self, lookup: Lookup) -> tuple[Any] | None:
        with self._lock:
            entry = self._local.get(lookup.key)
            if entry is None or entry[0] != lookup.version or entry[1] < time.monotonic():
                return None
            self._local.move_to_end(lookup.key)
            return (entry[2],)

    def _put_local(self, lookup: Lookup, value: Any) -> None:
        with self._lock:
            self._local[lookup.key] = (lookup.version, time.monotonic() + TTL.total_seconds(), value)
            self._local.move_to_end(lookup.key)
            while len(self._local) > self.size:
                self._local.popitem(last=False)

    def _get_shared(self, lookup: Lookup) -> tuple[Any] | None:
        try:
            if self._redis is not None:
                raw = self._redis.get(f"humas:dash:{lookup.key}")
                if raw is None:
                    return None
                version, body = json.loads(raw)
                return (body,) if version == lookup.version else None
            if not _database_level(lookup.session):
                return None
            row = lookup.session.execute(
                select(DashboardCache.body).where(
                    DashboardCache.key == lookup.key,
                    DashboardCache.version == lookup.version,
                    DashboardCache.created_at > utcnow() - TTL,
                )
            ).first()
            return None if row is None else (json.loads(row[0]),)
        except (SQLAlchemyError, OSError, ValueError) as exc:  # a cache that fails is only slower
            log.warning("dashboard cache read failed: %s", exc)
            return None

    def _put_shared(self, lookup: Lookup, value: Any) -> None:
        body = json.dumps(value, default=str)
        try:
            if self._redis is not None:
                ttl = int(TTL.total_seconds())
                self._redis.set(f"humas:dash:{lookup.key}", json.dumps([lookup.version, value]), ex=ttl)
                return
            if _database_level(lookup.session):
                _put_database(lookup.session, lookup.key, lookup.version, body)
        except (SQLAlchemyError, OSError, ValueError) as exc:
            log.warning("dashboard cache write failed: %s", exc)


def _database_level(session: Session) -> bool:
    # NOTE: not on SQLite: a write in a GET request makes it a writer, and SQLite has one writer at a time;
    # under 100 users the web processes queued for the lock until their connection pools ran dry
    # (decision 0083). A SQLite install is one machine: each web process computes once per version.
    return dialect_of(session) != "sqlite"


def _put_database(session: Session, key: str, version: str, body: str) -> None:
    """Upsert the entry in a savepoint of the request's transaction (a failure leaves the request intact)."""
    stmt: Any = insert_for(session, DashboardCache)
    row = {"key": key, "version": version, "body": body, "created_at": utcnow()}
    stmt = stmt.values(**row).on_conflict_do_update(
        index_elements=["key"], set_={"version": version, "body": body, "created_at": row["created_at"]}
    )
    with session.begin_nested():
        session.execute(stmt)
        if random.random() < 1 / PRUNE_EVERY:  # noqa: S311 - not security
            session.execute(
                delete(DashboardCache).where(DashboardCache.created_at < utcnow() - timedelta(days=1))
            )
