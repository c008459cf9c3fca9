"""Many batches through the pipeline with analysis and query matching running ahead in worker processes.

`nlp.analyze` and the database work each take about half of a mention's cost, so on a machine with two cores
the analysis of batch k+1 runs in a worker process while batch k is stored and committed. The worker also
matches the batch against the saved queries (decision 0102): it compiles the matcher once per query set,
from the (id, text) pairs the writer last used, and returns each mention's matches with the language and
sentiment they were computed on.

Nothing about correctness changes: each batch is still `ingest_items` in its own transaction; the worker only
pre-computes analyses by text and matches by (text, platform, author). A text the worker did not see (or a
worker that failed) is analysed in place; matches are used only when the writer's current matcher is the
one the worker compiled (a query added or edited meanwhile: matched in place) and the mention's language
and sentiment are the ones the worker matched with. The loop that commits each batch is
`ingest.runner.ingest_stream`; this module holds the pool and the prefetching analyzer and matcher.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import BrokenExecutor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from humas.connectors.base import SourceItem
from humas.ingest.service.matcher import Matchable, Matcher, MentionView
from humas.ingest.service.pipeline import Analyzer, IngestResult

OnBatch = Callable[[Any, IngestResult, list[SourceItem]], None]  # (session, result, batch) before commit
MatchKey = tuple[str, str, str | None]  # (clean text, platform, author handle) as the row stores them
Prepared = tuple[list[Any], list[tuple[str | None, str | None, list[int]]] | None]

_compiled: dict[tuple[tuple[int, str], ...], Matcher] = {}  # in a worker: the last query set's matcher


def analyze_texts(texts: list[str]) -> list[Any]:
    from humas.nlp import analyze

    return analyze(texts)


def prepare(texts: list[str], keys: list[MatchKey], source: tuple[tuple[int, str], ...] | None) -> Prepared:
    """In a worker: the analyses of `texts`, and for each key (language, sentiment, matching query ids)."""
    analyses = analyze_texts(texts)
    if source is None:
        return analyses, None
    matcher = _compiled.get(source)
    if matcher is None:
        _compiled.clear()
        matcher = _compiled[source] = Matcher.from_texts(source)
    by_text = dict(zip(texts, analyses, strict=True))
    matches = []
    for text, platform, author in keys:
        analysis = by_text[text]
        view = MentionView(text, analysis.language, platform, author, analysis.sentiment)
        matches.append((analysis.language, analysis.sentiment, matcher.match(view)))
    return analyses, matches


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


POLL_S = 0.5  # how often the writer checks that the workers are alive while it waits for one
GRACE_S = 5.0  # how long a dead worker's future may take to fail on its own before the pool is cut loose


def result_or_broken(pool: ProcessPoolExecutor, future: Future[Prepared]) -> Prepared:
    """The worker's answer, or `BrokenExecutor` when a worker died without giving one; never a wait forever.

    `ProcessPoolExecutor` notices a dead worker and fails its futures, except when the worker dies while
    writing its answer: the executor's manager thread then waits for the rest of a message that nobody will
    write (the parent holds the result pipe's write end, so no end-of-file comes), the future never resolves
    and `shutdown(wait=True)` never returns (this hung CI: a worker killed with SIGKILL mid-answer). So the
    writer waits in short steps and checks the workers; after a death it gives the executor `GRACE_S` to fail
    the future itself, then cuts the pool loose (`abandon`) and reports it broken.
    """
    while True:
        try:
            return future.result(timeout=POLL_S)
        except TimeoutError:
            pass
        if all(p.is_alive() for p in _processes(pool)):
            continue
        try:
            return future.result(timeout=GRACE_S)
        except TimeoutError:
            abandon(pool)
            raise BrokenExecutor("an analysis worker died while answering") from None


def _processes(pool: ProcessPoolExecutor) -> list[multiprocessing.process.BaseProcess]:
    return list((getattr(pool, "_processes", None) or {}).values())


def abandon(pool: ProcessPoolExecutor) -> None:
    """Unstick a pool whose manager thread waits on a dead worker's half-written answer: end the other workers
    and close the parent's write end of the result pipe, so the reader sees end-of-file, the executor marks
    itself broken, fails its futures and `shutdown` returns."""
    for process in _processes(pool):
        if process.is_alive():
            process.terminate()
    result_queue = getattr(pool, "_result_queue", None)
    writer = getattr(result_queue, "_writer", None)
    if writer is not None:
        writer.close()


def prefetched(known: dict[str, Any], fallback: Analyzer) -> Analyzer:
    """An analyzer answering from the worker's analyses, analysing in place what they lack."""

    def analyzer(wanted: list[str]) -> list[Any]:
        missing = [t for t in wanted if t not in known]
        if missing:
            known.update(zip(missing, fallback(missing), strict=True))
        return [known[t] for t in wanted]

    return analyzer


class PrefetchedMatcher:
    """The writer's matcher, answering from the worker's matches where they apply."""

    def __init__(self, matcher: Matcher, known: dict[MatchKey, tuple[str | None, str | None, list[int]]]):
        self.matcher = matcher
        self.known = known

    def match(self, mention: Matchable) -> list[int]:
        hit = self.known.get((mention.text, mention.platform, mention.author_handle))
        if hit is not None and hit[0] == mention.language and hit[1] == mention.sentiment:
            return hit[2]
        return self.matcher.match(mention)
