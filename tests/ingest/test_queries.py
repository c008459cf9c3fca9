"""Saved queries in the service, on both engines: edit (re-match from scratch), archive, names, roles."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from humas.core.errors import Conflict, PermissionDenied
from humas.ingest.models import IngestJob, MentionRollup, QueryMatch
from humas.ingest.service import pipeline
from humas.ingest.service import queries as queries_service
from humas.ingest.service.matcher import Matcher
from humas.ingest.service.querylang import QuerySyntaxError
from humas.org.models import AuditLog
from tests.factories import make_unit, make_user
from tests.ingest.helpers import fake_analyze, item


def _backfill(session, saved) -> IngestJob:
    job = session.scalar(
        select(IngestJob)
        .where(IngestJob.key == f"query:{saved.id}", IngestJob.status == "pending")
        .order_by(IngestJob.id.desc())
    )
    assert job is not None
    while not queries_service.backfill_step(session, job=job):
        pass
    return job


def _matched(session, saved) -> set[int]:
    return set(session.scalars(select(QueryMatch.mention_id).where(QueryMatch.query_id == saved.id)))


def _view(text: str) -> dict:
    return pipeline._view({"text": text, "platform": "x"})


def test_a_new_text_matches_stored_mentions_from_scratch(session):
    unit = make_unit(session)
    analyst = make_user(session, unit=unit, roles=("analyst",))
    ids = pipeline.ingest_items(
        session, [item("pajak naik"), item("kppn ramah"), item("pajak dan kppn")],
        unit=unit, analyzer=fake_analyze, matcher=Matcher([]),
    ).added_ids  # fmt: skip
    saved = queries_service.create_query(session, unit=unit, name="Pajak", query="pajak", actor=analyst)
    first = _backfill(session, saved)
    assert _matched(session, saved) == {ids[0], ids[2]}
    assert queries_service.current_matcher(session).match(_view("pajak")) == [saved.id]

    queries_service.update_query(session, query=saved, name="KPPN", text="kppn -pajak", actor=analyst)
    assert (saved.name, saved.query) == ("KPPN", "kppn AND NOT pajak")
    assert _matched(session, saved) == set()  # the old text's tags are gone at once...
    assert session.scalar(select(func.count()).where(MentionRollup.query_id == saved.id)) == 0
    assert first.status == "done"
    _backfill(session, saved)  # ...and the new text's come back through the backfill job
    assert _matched(session, saved) == {ids[1]}
    rolled = session.scalar(select(func.sum(MentionRollup.count)).where(MentionRollup.query_id == saved.id))
    assert rolled == 1
    # Every process's cached matcher notices the new text (its version includes updated_at).
    assert queries_service.current_matcher(session).match(_view("kppn")) == [saved.id]
    assert queries_service.current_matcher(session).match(_view("pajak")) == []
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "query.update")).one()
    assert audit.before == {"name": "Pajak", "query": "pajak"}
    assert audit.after == {"name": "KPPN", "query": "kppn AND NOT pajak"}
    assert audit.unit_id == unit.id and audit.actor_id == analyst.id


def test_an_edit_cancels_the_unfinished_backfill_of_the_old_text(session):
    unit = make_unit(session)
    saved = queries_service.create_query(session, unit=unit, name="a", query="pajak", actor=None)
    old = session.scalar(select(IngestJob).where(IngestJob.key == f"query:{saved.id}"))
    queries_service.update_query(session, query=saved, name="a", text="kppn", actor=None)
    session.refresh(old)
    assert old.status == "cancelled"
    assert queries_service.backfill_step(session, job=old) is True
    assert old.status == "cancelled"


def test_a_rename_alone_keeps_the_matches(session):
    unit = make_unit(session)
    pipeline.ingest_items(
        session, [item("pajak naik")], unit=unit, analyzer=fake_analyze, matcher=Matcher([])
    )
    saved = queries_service.create_query(session, unit=unit, name="a", query="pajak", actor=None)
    _backfill(session, saved)
    jobs = session.scalar(select(func.count()).select_from(IngestJob))
    queries_service.update_query(session, query=saved, name="b", text="  pajak ", actor=None)
    assert saved.name == "b" and saved.updated_at is None and len(_matched(session, saved)) == 1
    assert session.scalar(select(func.count()).select_from(IngestJob)) == jobs
    # Nothing changed: no audit row.
    queries_service.update_query(session, query=saved, name="b", text="pajak", actor=None)
    assert session.scalar(select(func.count()).where(AuditLog.action == "query.update")) == 1


def test_a_bad_text_names_its_column_and_changes_nothing(session):
    unit = make_unit(session)
    saved = queries_service.create_query(session, unit=unit, name="a", query="pajak", actor=None)
    with pytest.raises(QuerySyntaxError) as caught:
        queries_service.update_query(session, query=saved, name="a", text="pajak AND (kppn", actor=None)
    assert caught.value.column == 11 and caught.value.field == "query"
    assert str(caught.value.message) == "kolom 11: tanda kurung tidak ditutup"
    assert saved.query == "pajak"


def test_names_are_unique_per_unit_archived_ones_included(session):
    unit, other = make_unit(session), make_unit(session)
    a = queries_service.create_query(session, unit=unit, name="Pajak", query="pajak", actor=None)
    b = queries_service.create_query(session, unit=unit, name="KPPN", query="kppn", actor=None)
    queries_service.create_query(session, unit=other, name="Pajak", query="pajak", actor=None)  # fine
    with pytest.raises(Conflict) as caught:
        queries_service.update_query(session, query=b, name=" Pajak ", text="kppn", actor=None)
    assert caught.value.field == "name"
    queries_service.archive_query(session, query=a, actor=None)
    with pytest.raises(Conflict, match="diarsipkan") as caught:
        queries_service.create_query(session, unit=unit, name="Pajak", query="pajak", actor=None)
    assert caught.value.field == "name"


def test_archive_hides_the_query_and_freezes_it(session):
    root = make_unit(session)
    child = make_unit(session, parent=root)
    user = make_user(session, unit=root, roles=("analyst",))
    mine = queries_service.create_query(session, unit=root, name="a", query="pajak", actor=user)
    below = queries_service.create_query(session, unit=child, name="b", query="kppn", actor=user)
    assert [q.id for q in queries_service.list_queries(session, user)] == [mine.id, below.id]
    assert [q.id for q in queries_service.list_queries(session, user, unit=child)] == [below.id]
    queries_service.archive_query(session, query=mine, actor=user)
    queries_service.archive_query(session, query=mine, actor=user)  # twice: one audit row
    assert [q.id for q in queries_service.list_queries(session, user)] == [below.id]
    assert session.scalar(select(func.count()).where(AuditLog.action == "query.archive")) == 1
    with pytest.raises(Conflict):
        queries_service.update_query(session, query=mine, name="a", text="kppn", actor=user)


def test_only_admins_and_analysts_manage_queries(session):
    unit = make_unit(session)
    drafter = make_user(session, unit=unit, roles=("drafter",))
    admin = make_user(session, unit=unit, roles=("admin",))
    assert not queries_service.can_manage(drafter) and queries_service.can_manage(admin)
    with pytest.raises(PermissionDenied):
        queries_service.create_query(session, unit=unit, name="a", query="pajak", actor=drafter)
    saved = queries_service.create_query(session, unit=unit, name="a", query="pajak", actor=admin)
    with pytest.raises(PermissionDenied):
        queries_service.update_query(session, query=saved, name="b", text="pajak", actor=drafter)
    with pytest.raises(PermissionDenied):
        queries_service.archive_query(session, query=saved, actor=drafter)
    assert saved.name == "a" and saved.archived_at is None
