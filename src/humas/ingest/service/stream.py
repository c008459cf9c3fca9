"""Many batches through the pipeline with analysis running ahead in worker processes.

`nlp.analyze` and the database work each take about half of a mention's cost, so on a machine with two cores
the analysis of batch k+1 runs in a worker process while batch k is stored and committed. Nothing about
correctness changes: each batch is still `ingest_items` in its own transaction; the worker only pre-computes
analyses by text, and a text it did not see (or a worker that failed) is analysed in place.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine

from humas.connectors.base import SourceItem
from humas.core.db import session_scope
from humas.ingest.service import pipeline
from humas.ingest.service.pipeline import Analyzer, IngestResult, clean_text, ingest_items
from humas.org.models import Unit

OnBatch = Callable[[Any, IngestResult, list[SourceItem]], None]  # (session, result, batch) before commit


def _analyze_texts(texts: list[str]) -> list[Any]:
    from humas.nlp import analyze

    return analyze(texts)


def _warm() -> None:
    _analyze_texts(["pemanasan"])


@contextmanager
def analysis_pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """Worker processes with the models loaded; None when `workers` is 0 (analyse in place)."""
    if workers <= 0:
        yield None
        return
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        for future in [pool.submit(_warm) for _ in range(workers)]:
            future.result()
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _prefetched(future: Future[list[Any]] | None, texts: list[str], fallback: Analyzer) -> Analyzer:
    def analyzer(wanted: list[str]) -> list[Any]:
        known: dict[str, Any] = {}
        if future is not None:
            try:
                known = dict(zip(texts, future.result(), strict=True))
            except Exception:  # noqa: BLE001 - a failed worker costs time, never data
                known = {}
        missing = [t for t in wanted if t not in known]
        if missing:
            known.update(zip(missing, fallback(missing), strict=True))
        return [known[t] for t in wanted]

    return analyzer


def ingest_stream(
    batches: Iterable[list[SourceItem]],
    *,
    unit_id: int,
    engine: Engine | None = None,
    pool: ProcessPoolExecutor | None = None,
    analyzer: Analyzer | None = None,
    on_batch: OnBatch | None = None,
) -> IngestResult:
    """Ingest batches, one committed transaction each, with the next batch's analysis running ahead."""
    fallback = analyzer or pipeline.default_analyzer
    total = IngestResult()
    pending: deque[tuple[list[SourceItem], Future[list[Any]] | None, list[str]]] = deque()

    def finish() -> None:
        batch, future, texts = pending.popleft()
        with session_scope(engine) as session:
            unit = session.get(Unit, unit_id)
            assert unit is not None
            result = ingest_items(session, batch, unit=unit, analyzer=_prefetched(future, texts, fallback))
            if on_batch is not None:
                on_batch(session, result, batch)
        total.__iadd__(result)

    for batch in batches:
        texts = list(dict.fromkeys(clean_text(i.text) for i in batch))
        future = pool.submit(_analyze_texts, texts) if pool is not None and analyzer is None else None
        pending.append((batch, future, texts))
        if len(pending) > (getattr(pool, "_max_workers", 1) if pool is not None else 0):
            finish()
    while pending:
        finish()
    return total
