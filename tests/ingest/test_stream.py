"""The writer with an analysis process (decision 0102) stores exactly what analysing in place stores.

`ingest_stream` with a worker process that analyses and matches the next batch (and COPY for the bulk
tables on PostgreSQL) against the same stream analysed and matched in place by the writer, with the bulk
statements forced onto the one-statement `unnest` path: the same mentions, analyses, query matches,
near-duplicate groups, buckets and rollups, on both engines. Real `nlp.analyze` on both sides.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from dataclasses import replace
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from humas.bench.ingest import Corpus, make_queries
from humas.connectors.base import SourceItem
from humas.core import sql
from humas.core.db import session_scope
from humas.ingest.models import Mention, MentionRollup, NearDupBucket, QueryMatch, SavedQuery
from humas.ingest.runner import ingest_stream
from humas.ingest.service.matcher import Matcher
from humas.ingest.service.stream import POLL_S, analysis_pool, result_or_broken
from tests.conftest import fresh_engine
from tests.factories import make_unit
from tests.ingest import wedge

BATCH = 500
ADDED_QUERY = "sentiment:negative OR lang:en"


def _batches() -> list[list[SourceItem]]:
    """Four batches of generated posts (5% near-copies); the third redelivers 50 of the first with new
    metrics and repeats one key inside the batch (the latest sighting wins)."""
    corpus = Corpus(seed=3)
    items = [corpus.item(i) for i in range(4 * BATCH)]
    batches = [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
    again = [replace(i, metrics={"likes": 999}) for i in batches[0][:50]]
    batches[2] = again + batches[2] + [replace(batches[2][0], metrics={"likes": 7})]
    return batches


def _folder(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return folder


def _setup(engine: Engine) -> int:
    with session_scope(engine) as session:
        unit_id = make_unit(session, name="Biro Humas").id
        session.add_all(
            SavedQuery(unit_id=unit_id, name=f"q{i}", query=q) for i, q in enumerate(make_queries(300))
        )
    return unit_id


def _add_query_after_first(unit_id: int):
    """A query saved while the stream runs: batches the worker matched before it are matched in place."""
    seen = []

    def on_batch(session, _result, _batch):
        seen.append(1)
        if len(seen) == 1:
            session.add(SavedQuery(unit_id=unit_id, name="added", query=ADDED_QUERY))

    return on_batch


def _snapshot(engine: Engine) -> dict[str, object]:
    with session_scope(engine) as session:
        mentions = session.scalars(select(Mention)).all()
        key_of = {m.id: (m.platform, m.external_id) for m in mentions}
        names = dict(session.execute(select(SavedQuery.id, SavedQuery.name)).all())
        rows = {
            key_of[m.id]: (
                m.kind, m.text, m.language, m.sentiment, round(m.sentiment_score or 0, 6), m.emotion,
                m.abuse, round(m.hoax_score or 0, 6), m.topic, m.keyphrases, m.metrics, m.raw,
                m.created_at.replace(tzinfo=UTC) if m.created_at.tzinfo is None else m.created_at,
                m.author_handle, m.author_followers,
                key_of[m.near_dup_group] if m.near_dup_group else None,
            )
            for m in mentions
        }  # fmt: skip
        matches = {
            (names[q], key_of[m])
            for q, m in session.execute(select(QueryMatch.query_id, QueryMatch.mention_id))
        }
        rollups = {
            (names.get(r.query_id, "*"), r.platform, r.sentiment, r.hour.replace(tzinfo=None), r.count)
            for r in session.scalars(select(MentionRollup))
        }
        buckets = {
            k: key_of[g] for k, g in session.execute(select(NearDupBucket.key, NearDupBucket.group_id))
        }
    return {"mentions": rows, "matches": matches, "rollups": rollups, "buckets": buckets}


@pytest.mark.slow
def test_analysis_process_stores_what_analysing_in_place_stores(committing_engine, tmp_path, monkeypatch):
    batches = _batches()
    kind = committing_engine.dialect.name

    # In place: the writer analyses and matches; every bulk statement one `unnest` INSERT (no COPY).
    unit_in_place = _setup(committing_engine)
    with monkeypatch.context() as patch:
        patch.setattr(sql, "PG_LITERAL_ARRAYS", False)
        in_place = ingest_stream(
            batches, unit_id=unit_in_place, engine=committing_engine,
            on_batch=_add_query_after_first(unit_in_place),
        )  # fmt: skip

    # With the analysis process; count the matches the writer makes itself.
    calls = []
    original = Matcher.match
    monkeypatch.setattr(Matcher, "match", lambda self, m: calls.append(1) or original(self, m))
    with fresh_engine(kind, _folder(tmp_path, "worker")) as other:
        unit_worker = _setup(other)
        with analysis_pool(1) as pool:
            worker = ingest_stream(
                batches, unit_id=unit_worker, engine=other, pool=pool,
                on_batch=_add_query_after_first(unit_worker),
            )  # fmt: skip
        expected, got = _snapshot(committing_engine), _snapshot(other)

    assert (worker.added, worker.updated, worker.duplicates, worker.matches, worker.near_duplicates) == (
        in_place.added, in_place.updated, in_place.duplicates, in_place.matches, in_place.near_duplicates,
    )  # fmt: skip
    assert in_place.added == 4 * BATCH and in_place.updated == 50 and in_place.near_duplicates > 0
    assert len(got["mentions"]) == 4 * BATCH
    assert got["mentions"] == expected["mentions"]
    assert got["matches"] == expected["matches"]
    assert any(name == "added" for name, _key in got["matches"])
    assert got["rollups"] == expected["rollups"]
    assert got["buckets"] == expected["buckets"]
    # The worker's matches were used (not every mention matched by the writer), and the batches the worker
    # matched before the query was added were matched again by the writer.
    assert 0 < len(calls) < 4 * BATCH


@pytest.mark.slow
def test_a_killed_analysis_process_costs_time_never_data(committing_engine, tmp_path):
    """SIGKILL to the analysis worker mid-stream: the writer analyses the rest in place; nothing is lost or
    stored twice, and the result equals a run without a worker."""
    batches = _batches()
    unit_id = _setup(committing_engine)
    with analysis_pool(1) as pool:
        victims = list(pool._processes)  # noqa: SLF001 - the test kills the worker process

        def kill_after_first(_session, _result, _batch):
            for pid in victims[:1]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            victims[:1] = []

        result = ingest_stream(
            batches, unit_id=unit_id, engine=committing_engine, pool=pool, on_batch=kill_after_first
        )
    with fresh_engine(committing_engine.dialect.name, _folder(tmp_path, "plain")) as other:
        ingest_stream(batches, unit_id=_setup(other), engine=other)
        expected = _snapshot(other)
    got = _snapshot(committing_engine)
    assert result.added == 4 * BATCH
    assert got["mentions"] == expected["mentions"]
    assert got["matches"] == expected["matches"]
    assert got["rollups"] == expected["rollups"]


@pytest.mark.timeout(120)  # the hang this guards against fails here, not at the run's 15-minute limit
def test_a_worker_killed_while_answering_breaks_the_pool_instead_of_hanging():
    """The race that hung CI, made certain: the worker dies with half its answer written to the result pipe.
    The writer gets `BrokenExecutor` within seconds and the pool shuts down; nothing waits forever."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    assert pool.submit(wedge.answer, 7).result(timeout=60) == 7
    future = pool.submit(wedge.die_mid_answer)
    with pytest.raises(BrokenExecutor):
        result_or_broken(pool, future)
    pool.shutdown(wait=True)
    with pytest.raises((BrokenExecutor, RuntimeError)):
        pool.submit(wedge.answer, 1)


def test_a_live_slow_worker_is_waited_for():
    with analysis_pool(1) as pool:
        assert pool is not None
        future = pool.submit(time.sleep, 2 * POLL_S)
        assert result_or_broken(pool, future) is None
