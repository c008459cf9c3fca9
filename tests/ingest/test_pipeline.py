"""The pipeline on both engines: one row per item, metrics, matches, rollups, near-duplicates, backfill."""

from __future__ import annotations

from sqlalchemy import func, select

from humas.ingest.models import IngestJob, Mention, MentionRollup, NearDupBucket, QueryMatch
from humas.ingest.service import pipeline
from humas.ingest.service import queries as queries_service
from humas.ingest.service.matcher import Matcher
from tests.factories import make_unit
from tests.ingest.helpers import fake_analyze, item


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_same_items_twice_keep_one_row_and_refresh_metrics(session):
    unit = make_unit(session)
    a = item("Pelayanan KPPN bagus sekali", metrics={"likes": 1})
    first = pipeline.ingest_items(session, [a, item("antrian lambat")], unit=unit, analyzer=fake_analyze)
    assert (first.added, first.updated) == (2, 0)
    again = item("Pelayanan KPPN bagus sekali", external_id=a.external_id, metrics={"likes": 9})
    second = pipeline.ingest_items(session, [again, again], unit=unit, analyzer=fake_analyze)
    assert (second.added, second.updated, second.duplicates) == (0, 1, 1)
    assert _count(session, Mention) == 2
    row = session.scalar(select(Mention).where(Mention.external_id == a.external_id))
    session.refresh(row)
    assert row.metrics == {"likes": 9}
    assert row.sentiment == "positive" and row.language == "id"
    assert row.raw == {} and row.unit_id == unit.id


def test_matches_and_rollups(session):
    unit = make_unit(session)
    q1 = queries_service.create_query(session, unit=unit, name="pajak", query="pajak -promo", actor=None)
    q2 = queries_service.create_query(
        session, unit=unit, name="negatif", query="sentiment:negative", actor=None
    )
    items = [item("pajak naik, layanan lambat"), item("promo pajak"), item("kppn bagus")]
    result = pipeline.ingest_items(session, items, unit=unit, analyzer=fake_analyze)
    assert result.matches == 2
    matched = set(session.execute(select(QueryMatch.query_id, QueryMatch.mention_id)))
    first_id = result.added_ids[0]
    assert matched == {(q1.id, first_id), (q2.id, first_id)}
    counts = dict(
        session.execute(
            select(MentionRollup.query_id, func.sum(MentionRollup.count))
            .where(MentionRollup.unit_id == unit.id)
            .group_by(MentionRollup.query_id)
        ).all()
    )
    assert counts == {0: 3, q1.id: 1, q2.id: 1}
    # A second sighting counts nothing twice.
    pipeline.ingest_items(session, items, unit=unit, analyzer=fake_analyze)
    assert session.scalar(select(func.sum(MentionRollup.count)).where(MentionRollup.query_id == 0)) >= 3
    assert _count(session, QueryMatch) == 2


def test_near_duplicates_group_across_batches(session):
    unit = make_unit(session)
    text = "Mohon info, kenapa pencairan dana di KPPN Jakarta II terlambat sudah tiga hari ini? #kppn"
    first = pipeline.ingest_items(
        session, [item(text), item("topik lain sama sekali")], unit=unit, analyzer=fake_analyze
    )
    assert first.near_duplicates == 0
    # A new matcher and a fresh read of the buckets: the state lives in the database.
    second = pipeline.ingest_items(
        session,
        [item(text + " !!"), item("RT " + text)],
        unit=unit,
        analyzer=fake_analyze,
        matcher=Matcher([]),
    )
    assert second.near_duplicates == 2
    founder = first.added_ids[0]
    groups = dict(session.execute(select(Mention.id, Mention.near_dup_group)).all())
    assert groups[founder] == founder
    assert [groups[i] for i in second.added_ids] == [founder, founder]
    assert groups[first.added_ids[1]] is None
    assert _count(session, NearDupBucket) > 0


def test_backfill_matches_history(session):
    unit = make_unit(session)
    pipeline.ingest_items(
        session,
        [
            item("pajak daerah naik"),
            item("pajak pusat"),
            item("lain"),
            item("Pajak kendaraan", platform="news"),
        ],
        unit=unit,
        analyzer=fake_analyze,
        matcher=Matcher([]),
    )
    saved = queries_service.create_query(
        session, unit=unit, name="pajak x", query="pajak platform:x", actor=None
    )
    job = session.scalar(select(IngestJob).where(IngestJob.key == f"query:{saved.id}"))
    assert job is not None and job.status == "pending"
    while not queries_service.backfill_step(session, job=job):
        pass
    assert job.status == "done"
    assert _count(session, QueryMatch) == 2
    rolled = session.scalar(select(func.sum(MentionRollup.count)).where(MentionRollup.query_id == saved.id))
    assert rolled == 2


def test_current_matcher_follows_saved_queries(session):
    unit = make_unit(session)
    before = queries_service.current_matcher(session)
    saved = queries_service.create_query(session, unit=unit, name="t", query="kppn", actor=None)
    after = queries_service.current_matcher(session)
    assert after is not before
    assert after.match(pipeline._view({"text": "KPPN", "platform": "x"})) == [saved.id]
    queries_service.archive_query(session, query=saved, actor=None)
    assert (
        queries_service.current_matcher(session).match(pipeline._view({"text": "KPPN", "platform": "x"}))
        == []
    )


def test_text_with_nul_and_huge_ids(session):
    unit = make_unit(session)
    result = pipeline.ingest_items(
        session,
        [item("a\x00b", external_id="x" * 400, author_handle="h" * 300)],
        unit=unit,
        analyzer=fake_analyze,
    )
    assert result.added == 1
    row = session.get(Mention, result.added_ids[0])
    assert row.text == "ab" and len(row.external_id) == 255


def test_raw_payload_with_objects_json_lacks_is_stored_as_text(session):
    from datetime import UTC, datetime

    unit = make_unit(session)
    when = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    result = pipeline.ingest_items(
        session, [item("halo", raw={"when": when, "n": 1})], unit=unit, analyzer=fake_analyze
    )
    row = session.get(Mention, result.added_ids[0])
    session.refresh(row)
    assert row.raw == {"when": str(when), "n": 1}


def test_batch_of_many_platforms_in_one_transaction_keys_and_order(session):
    """Keys of several platforms are found in one lookup, two batches share a transaction, and on PostgreSQL
    new mentions are inserted in key order (decision 0099: two workers with overlapping batches then wait in
    line instead of deadlocking)."""
    unit = make_unit(session)
    first = [item(f"teks {n}", external_id=f"k{n}", platform=p) for n, p in ((5, "x"), (3, "web"), (9, "x"))]
    second = [item(f"teks {n}", external_id=f"k{n}", platform=p) for n, p in ((1, "web"), (3, "x"))]
    assert pipeline.ingest_items(session, first, unit=unit, analyzer=fake_analyze).added == 3
    result = pipeline.ingest_items(session, second + first, unit=unit, analyzer=fake_analyze)
    assert (result.added, result.updated) == (2, 3)
    stored = session.execute(select(Mention.platform, Mention.external_id).order_by(Mention.id)).all()
    assert len(stored) == 5
    if session.get_bind().dialect.name == "postgresql":
        assert stored == [("web", "k3"), ("x", "k5"), ("x", "k9"), ("web", "k1"), ("x", "k3")]
