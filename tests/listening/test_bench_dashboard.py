"""`humas bench dashboard` on PostgreSQL: the data seeded by COPY is consistent, and `--reuse` times the data
a previous run left instead of building it again (a 10M build takes most of an hour)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from humas.bench import dashboard
from humas.core import db as core_db
from humas.core.db import make_engine
from humas.core.settings import get_settings
from humas.ingest.models import Mention, MentionRollup
from tests.conftest import ENGINES, PG_URL

N = 3_000


@pytest.fixture
def restored_settings(monkeypatch):
    """The bench points HUMAS_DATABASE_URL at its schema; the suite's settings come back afterwards."""
    monkeypatch.delenv("HUMAS_DATABASE_URL", raising=False)  # recorded: put back as it was afterwards
    yield
    get_settings.cache_clear()
    core_db.get_engine.cache_clear()


@pytest.mark.skipif("postgresql" not in ENGINES, reason="PostgreSQL not among the engines under test")
def test_copy_seeded_data_is_timed_then_reused(restored_settings):
    first = dashboard.run(N, "postgresql", pg_url=PG_URL, runs=1)
    assert first["reused"] is False and first["build_s"] > 0
    assert set(first["endpoints"]) == set(dashboard.ENDPOINTS)

    engine = make_engine(PG_URL, connect_args={"options": "-csearch_path=humas_bench_dash"})
    try:
        with engine.connect() as conn:
            generated = select(func.count()).select_from(Mention).where(Mention.external_id.like("b%"))
            assert conn.scalar(generated) == N
            # The hourly rollups (all queries: query 0) count every mention, the timed arrivals included.
            everything = select(func.sum(MentionRollup.count)).where(MentionRollup.query_id == 0)
            assert conn.scalar(everything) == conn.scalar(select(func.count()).select_from(Mention))
    finally:
        engine.dispose()

    again = dashboard.run(N, "postgresql", pg_url=PG_URL, runs=1, reuse=True)
    assert again["reused"] is True and again["build_s"] is None

    other = dashboard.run(N + 10, "postgresql", pg_url=PG_URL, runs=1, reuse=True)  # another size: rebuilt
    assert other["reused"] is False
    with make_engine(PG_URL).begin() as conn:
        conn.execute(text("DROP SCHEMA humas_bench_dash CASCADE"))
