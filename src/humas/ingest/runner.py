"""Ingest's units of work on an ``Engine``: file imports, batch streams and feed polls open and commit their
own sessions here, like tasks; the rules they apply live in the service modules, which take a session and
never commit (``service/imports.py``, ``service/stream.py``, ``service/feeds.py``).

- ``ingest_stream``: one committed transaction per batch, the next batch's analysis running ahead.
- ``run_import``: a resumable file import (decision 0023), its progress committed with each batch.
- ``poll_feed_by_id`` / ``poll_due_feeds``: one transaction per feed; a failure is recorded on the feed alone.
"""

from __future__ import annotations

import gc
import logging
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import BrokenExecutor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from humas.connectors.base import SourceItem
from humas.core.db import get_engine, session_scope
from humas.ingest.models import FeedSource
from humas.ingest.service import feeds, importer, imports, pipeline
from humas.ingest.service import queries as queries_service
from humas.ingest.service.imports import ImportReport, Progress
from humas.ingest.service.matcher import Matcher
from humas.ingest.service.pipeline import Analyzer, IngestResult, ingest_items, match_key
from humas.ingest.service.stream import (
    MatchKey,
    OnBatch,
    PrefetchedMatcher,
    Prepared,
    analysis_pool,
    prefetched,
    prepare,
    result_or_broken,
)
from humas.org.models import Unit

log = logging.getLogger(__name__)


def ingest_stream(
    batches: Iterable[list[SourceItem]],
    *,
    unit_id: int,
    engine: Engine | None = None,
    pool: ProcessPoolExecutor | None = None,
    analyzer: Analyzer | None = None,
    on_batch: OnBatch | None = None,
) -> IngestResult:
    """Ingest batches, one committed transaction each, with the next batch's analysis and query matching
    running ahead in the pool's worker processes (decision 0102)."""
    with _fewer_collections():
        return _ingest_stream(batches, unit_id, engine or get_engine(), pool, analyzer, on_batch)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """The writer's garbage collections, measured at ~20% of its CPU (decision 0102), made rarer and smaller.

    A batch allocates tens of thousands of short-lived containers (rows, parameters, results): at the default
    threshold (700) the collector runs ~40 times a batch and its full passes walk every object the process
    holds (ORM mappings, queued batches, models). Objects alive before the stream are frozen out of the
    collector's passes and the youngest generation collects every 20,000 allocations; both restored after.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], 20_000), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _ingest_stream(
    batches: Iterable[list[SourceItem]],
    unit_id: int,
    engine: Engine,
    pool: ProcessPoolExecutor | None,
    analyzer: Analyzer | None,
    on_batch: OnBatch | None,
) -> IngestResult:
    fallback = analyzer or pipeline.default_analyzer
    total = IngestResult()
    ahead = getattr(pool, "_max_workers", 1) if pool is not None else 0
    use_pool = pool is not None and analyzer is None
    latest: Matcher | None = None  # the matcher the writer used last: the workers match with its queries
    if use_pool:
        with session_scope(engine) as session:
            latest = queries_service.current_matcher(session)
    pending: deque[tuple[list[SourceItem], Future[Prepared] | None, list[str], list[MatchKey], Any]] = deque()

    # Matching goes to the worker while the writer is the slower side: when the writer finds the worker's
    # result not ready, the worker is the bottleneck and the next batch is matched by the writer instead
    # (on SQLite the writer is usually the faster side, on PostgreSQL with the server beside it the slower).
    worker_matches = True

    def finish() -> None:
        nonlocal latest, worker_matches
        batch, future, texts, keys, sent = pending.popleft()
        prepared: Prepared | None = None
        if future is not None:
            assert pool is not None
            worker_matches = future.done()
            try:
                prepared = result_or_broken(pool, future)
            except Exception:  # noqa: BLE001 - a failed worker costs time, never data
                log.warning("analysis worker failed; analysing the batch in place", exc_info=True)
        with session_scope(engine) as session:
            unit = session.get(Unit, unit_id)
            assert unit is not None
            known = {} if prepared is None else dict(zip(texts, prepared[0], strict=True))
            matcher: Matcher | PrefetchedMatcher | None = None
            if future is not None:
                matcher = latest = queries_service.current_matcher(session)
                if prepared is not None and prepared[1] is not None and matcher is sent:
                    matcher = PrefetchedMatcher(matcher, dict(zip(keys, prepared[1], strict=True)))
            result = ingest_items(
                session, batch, unit=unit, matcher=matcher, analyzer=prefetched(known, fallback)
            )
            if on_batch is not None:
                on_batch(session, result, batch)
        total.__iadd__(result)

    for batch in batches:
        future, texts, keys = None, [], []
        if use_pool:
            assert pool is not None
            keys = list(dict.fromkeys(match_key(i) for i in batch))
            texts = list(dict.fromkeys(k[0] for k in keys))
            source = latest.source if latest is not None and worker_matches else None
            try:
                future = pool.submit(prepare, texts, keys, source)
            except (BrokenExecutor, RuntimeError):  # a worker died (killed, out of memory): the pool is
                # broken (or shut down after breaking); the rest is analysed in place
                log.warning("analysis pool broken; analysing in place from now on")
                use_pool = False
        pending.append((batch, future, texts, keys, latest))
        if len(pending) > ahead:
            finish()
    while pending:
        finish()
    return total


def run_import(
    path: Path,
    *,
    unit_id: int,
    mapping: dict[str, str] | None = None,
    platform: str = "import",
    tz: str | None = None,
    encoding: str = "utf-8",
    errors_path: Path | None = None,
    engine: Engine | None = None,
    batch_size: int = 1000,
    progress: Progress | None = None,
    analyzer: Analyzer | None = None,
    workers: int = 0,
) -> ImportReport:
    """Import a CSV / JSONL / XLSX file for a unit; bad rows go to the error file with row and reason.
    Dates written without a zone are read in `tz`, by default the unit's zone (WIB, WITA or WIT)."""
    engine = engine or get_engine()
    mapping = mapping or {}
    with session_scope(engine) as session:
        zone = importer.zone(tz or imports.unit_zone_name(session, unit_id))
    total = importer.estimate_rows(path)
    key = imports.job_key(importer.file_digest(path), unit_id, mapping, platform, str(zone))
    with session_scope(engine) as session:
        job_id, resume_after = imports.open_job(session, path=path, unit_id=unit_id, key=key, total=total)
    report = ImportReport(job_id=job_id, resumed_after=resume_after)
    reader = imports.BatchReader(path, mapping=mapping, platform=platform, zone=zone, encoding=encoding)

    def on_batch(session: Session, result: IngestResult, batch: list[SourceItem]) -> None:
        imports.record_progress(session, job_id, reader.last_row_of(batch), result, report)
        if progress:
            progress(report.rows, total)

    batches: Iterator[list[SourceItem]] = reader.batches(report, resume_after=resume_after, size=batch_size)
    with analysis_pool(workers if analyzer is None else 0) as pool:
        ingest_stream(
            batches, unit_id=unit_id, engine=engine, pool=pool, analyzer=analyzer, on_batch=on_batch
        )
    with session_scope(engine) as session:
        imports.finish_job(session, job_id, report)
    if progress:
        progress(report.rows, report.rows)
    report.errors_path = imports.write_errors(
        report.errors, errors_path or path.with_name(path.name + ".errors.csv")
    )
    return report


def poll_feed_by_id(
    engine: Engine, feed_id: int, *, client: httpx.Client | None = None, analyzer: Analyzer | None = None
) -> str:
    """Poll one feed in its own transaction; a failure is stored on the feed, never raised."""
    try:
        with session_scope(engine) as session:
            feed = session.get(FeedSource, feed_id)
            if feed is None:
                return "gone"
            result = feeds.poll_feed(session, feed=feed, client=client, analyzer=analyzer)
            return f"{result.added} new, {result.updated} known"
    except Exception as exc:  # noqa: BLE001 - any failure of one feed is recorded on it and stops nothing else
        log.warning("feed %s failed: %s", feed_id, exc)
        with session_scope(engine) as session:
            feed = session.get(FeedSource, feed_id)
            if feed is not None:
                feeds.record_failure(session, feed=feed, error=f"{type(exc).__name__}: {exc}")
        return f"failed: {exc}"


def poll_due_feeds(
    engine: Engine,
    *,
    all_feeds: bool = False,
    client: httpx.Client | None = None,
    analyzer: Analyzer | None = None,
) -> dict[int, str]:
    """Poll every due feed (or every feed), each in its own transaction; returns the outcome per feed."""
    with session_scope(engine) as session:
        ids = feeds.due_feed_ids(session, all_feeds=all_feeds)
    return {i: poll_feed_by_id(engine, i, client=client, analyzer=analyzer) for i in ids}
