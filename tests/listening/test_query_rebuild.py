"""A saved query created or changed after its mentions were rolled up: once its backfill finishes, its daily
and facet rollups are recounted, so day ranges (> 3 days) show the same numbers as hour ranges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from humas.ingest.models import IngestJob
from humas.ingest.service import queries as queries_service
from humas.listening.service import dashboard, facets
from humas.listening.service.scope import resolve_scope
from tests.factories import make_unit, make_user
from tests.listening.conftest import add_mentions

T0 = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def _backfill(session, query) -> None:
    job = session.query(IngestJob).filter_by(key=f"query:{query.id}").order_by(IngestJob.id.desc()).first()
    while not queries_service.backfill_step(session, job=job):
        pass
    session.flush()


def _month(session, user, query):
    return resolve_scope(
        session, user, query_id=query.id, since=T0 - timedelta(days=20), until=T0 + timedelta(days=10)
    )


def _tags(session, scope) -> dict[str, int]:
    return {key: int(n) for key, n, _reach in dashboard._facet_sums(session, scope, "tag")}


def test_a_new_query_then_a_changed_one_is_recounted_once_its_backfill_is_done(session):
    root = make_unit(session, name="Kementerian")
    unit = make_unit(session, parent=root, name="Ditjen A")
    user = make_user(session, unit=root, roles=("analyst",))
    add_mentions(session, unit, ["Antrean lambat, kecewa #antrean"] * 4 + ["Kantor buruk #kantor"] * 3, at=T0)
    facets.update_facets(session)
    everything = resolve_scope(session, user, since=T0 - timedelta(days=20), until=T0 + timedelta(days=10))
    assert dashboard.summary(session, everything)["total"] == 7

    query = queries_service.create_query(session, unit=root, name="Antrean", query="kecewa", actor=user)
    _backfill(session, query)
    month = _month(session, user, query)
    assert dashboard.summary(session, month)["total"] == 0  # the old daily rollup knew no such query
    assert facets.rebuild_backfilled_queries(session) == [query.id]
    assert dashboard.summary(session, month)["total"] == 4 and _tags(session, month) == {"#antrean": 4}
    assert facets.rebuild_backfilled_queries(session) == []  # done once per finished backfill
    assert dashboard.summary(session, everything)["total"] == 7  # the all-mentions rollup is untouched

    queries_service.update_query(session, query=query, name="Kantor", text="buruk", actor=user)
    _backfill(session, query)
    assert facets.rebuild_backfilled_queries(session) == [query.id]
    assert dashboard.summary(session, month)["total"] == 3 and _tags(session, month) == {"#kantor": 3}

    # Later mentions are counted by the forward job once, with the query's current text.
    add_mentions(session, unit, ["Pelayanan buruk sekali #kantor"] * 2, at=T0 + timedelta(days=1))
    facets.update_facets(session)
    assert facets.rebuild_backfilled_queries(session) == []
    assert dashboard.summary(session, month)["total"] == 5 and _tags(session, month) == {"#kantor": 5}
    assert dashboard.summary(session, everything)["total"] == 9
