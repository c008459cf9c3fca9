"""Many batches through the pipeline with analysis running ahead in worker processes.

`nlp.analyze` and the database work each take about half of a mention's cost, so on a machine with two cores
the analysis of batch k+1 runs in a worker process while batch k is stored and committed. Nothing about
correctness changes: each batch is still `ingest_items` in its own transaction; the worker only pre-computes
analyses by text, and a text it did not see (or a worker that failed) is analysed in place. The loop that
commits each batch is `ingest.runner.ingest_stream`; this module holds the pool and the prefetching analyzer.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from humas.connectors.base import SourceItem
from humas.ingest.service.pipeline import Analyzer, IngestResult

OnBatch = Callable[[Any, IngestResult, list[SourceItem]], None]  # (session, result, batch) before commit


def analyze_texts(texts: list[str]) -> list[Any]:
    from humas.nlp import analyze

    return analyze(texts)


def _warm() -> None:
    analyze_texts(["pemanasan"])


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


def prefetched(future: Future[list[Any]] | None, texts: list[str], fallback: Analyzer) -> Analyzer:
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
