"""`humas bench dashboard`: dashboard endpoint latency on generated data, and arrival-to-dashboard latency.

Builds a fresh database with a ministry and 50 descendant units (5 regional offices × 9 service offices
plus the offices themselves), `n` analysed mentions over 35 days with consistent hourly rollups (3 saved
queries among them) and daily facet rollups, then times every dashboard data endpoint through the HTTP
stack (FastAPI TestClient, bearer token) for a 30-day range on the ministry: computed (both cache levels
emptied before each request) and served from the dashboard cache (`cached`). Arrival latency: a batch is
stored through the ingest pipeline and committed, and the summary endpoint is polled until it counts it;
an open dashboard polls it every 5 s, so its worst case is that figure plus 5 s.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Engine

ENDPOINTS = (
    "summary",
    "volume",
    "sentiment",
    "platforms",
    "share-of-voice",
    "emotions",
    "keyphrases",
    "hashtags",
    "authors",
    "latest",
    "spikes",
)
PLATFORMS = ("x", "instagram", "facebook", "news", "youtube", "tiktok", "telegram")
SENTIMENTS = ("positive", "neutral", "negative", "negative")
EMOTIONS = ("anger", "joy", "sadness", "fear", "neutral", "neutral")
WORDS = (
    "pelayanan",
    "pencairan",
    "antrean",
    "gaji",
    "pajak",
    "dana desa",
    "sp2d",
    "lelang",
    "aset",
    "kppn",
    "website",
    "telepon",
    "laporan",
    "sosialisasi",
    "bimtek",
    "revisi dipa",
    "tunjangan",
    "hoaks",
)


def _build(engine: Engine, n: int, seed: int = 1) -> dict[str, Any]:
    from humas.core import migrations
    from humas.core.db import session_scope
    from humas.ingest.models import SavedQuery
    from humas.org import service as org_service

    migrations.upgrade(engine)
    with session_scope(engine) as session:
        root = org_service.create_root_unit(session, name="Kementerian Bench")
        admin, _pw = org_service.create_user(
            session,
            email="bench@bench.go.id",
            name="Bench",
            unit=root,
            roles=["admin"],
            actor=None,
            password="rahasia-yang-panjang",
        )
        units = [root]
        for i in range(5):
            office = org_service.create_unit(session, name=f"Kanwil {i}", parent=root, actor=admin)
            units.append(office)
            units += [
                org_service.create_unit(session, name=f"KPPN {i}-{j}", parent=office, actor=admin)
                for j in range(9)
            ]
        queries = [SavedQuery(unit_id=root.id, name=f"Topik {k}", query=WORDS[k]) for k in range(3)]
        session.add_all(queries)
        session.flush()
        ids: dict[str, Any] = {
            "root": root.id,
            "admin": admin.id,
            "units": [u.id for u in units],
            "queries": [q.id for q in queries],
        }
    seed_mentions(engine, units=ids["units"], queries=ids["queries"], n=n, seed=seed)
    return ids


def seed_mentions(
    engine: Engine,
    *,
    units: list[int],
    queries: list[int],
    n: int,
    seed: int = 1,
    end: datetime | None = None,
    days: int = 35,
) -> None:
    """`n` analysed mentions on ``units`` over the ``days`` before ``end`` (the hour now), with consistent
    hourly rollups (the first three of ``queries`` tag some) and daily facet rollups, then ANALYZE."""
    from humas.core.db import session_scope
    from humas.core.sql import pg_copy_insert, sqlite_insert, upsert_add
    from humas.core.time import utcnow
    from humas.ingest.models import Mention, MentionRollup
    from humas.listening.service import facets

    rng = random.Random(seed)
    ids = {"units": units, "queries": queries}
    end = end or utcnow().replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    span = int((end - start).total_seconds())
    chunk = 50_000
    for offset in range(0, n, chunk):
        rows: list[dict[str, Any]] = []
        facet_rows: list[Any] = []
        rollups: Counter[tuple[Any, ...]] = Counter()
        for k in range(offset, min(n, offset + chunk)):
            created = start + timedelta(seconds=rng.randrange(span))
            unit_id = rng.choice(ids["units"])
            platform, sentiment = rng.choice(PLATFORMS), rng.choice(SENTIMENTS)
            phrases = rng.sample(WORDS, 2)
            row = {
                "unit_id": unit_id,
                "platform": platform,
                "external_id": f"b{k}",
                "kind": "post",
                "text": f"{phrases[0]} {phrases[1]} #{phrases[0].replace(' ', '')}",
                "created_at": created,
                "fetched_at": created,
                "metrics": {},
                "raw": {},
                "abuse": [],
                "sentiment": sentiment,
                "emotion": rng.choice(EMOTIONS),
                "keyphrases": phrases,
                "author_handle": f"a{rng.randrange(20000)}",
                "author_followers": int(rng.paretovariate(1.1) * 50),
                "hoax_score": 0.1,
                "language": "id",
            }
            rows.append(row)
            hour = created.replace(minute=0, second=0, microsecond=0)
            rollups[(unit_id, 0, platform, sentiment, hour)] += 1
            qid = ids["queries"][k % 7] if k % 7 < 3 else None
            if qid:
                rollups[(unit_id, qid, platform, sentiment, hour)] += 1
            facet_rows.append(SimpleNamespace(id=-1, **row))
        with session_scope(engine) as session:
            if engine.dialect.name == "sqlite":
                sqlite_insert(session, Mention, rows, columns=list(rows[0]))
            else:  # COPY: a per-row executemany was half of a 10M build's time
                pg_copy_insert(session, Mention, rows, columns=list(rows[0]), order_by=["external_id"])
            upsert_add(
                session,
                MentionRollup,
                [
                    {"unit_id": u, "query_id": q, "platform": p, "sentiment": s, "hour": h, "count": c}
                    for (u, q, p, s, h), c in rollups.items()
                ],
                keys=["unit_id", "query_id", "platform", "sentiment", "hour"],
                add="count",
            )
            facets.add_rows(session, facet_rows, {})
    with session_scope(engine) as session:  # the facet job starts after the generated rows
        from sqlalchemy import func, select

        facets.get_cursor(session, facets.CURSOR).value = int(
            session.scalar(select(func.max(Mention.id))) or 0
        )
    # Fresh statistics after the bulk load (autovacuum would get there later; the planner needs them now).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")


def _forget(client: Any, engine: Engine) -> None:
    """Empty both cache levels, so the next request computes its answer (the figure the targets are about)."""
    from sqlalchemy import delete

    from humas.listening.models import DashboardCache

    cache = getattr(client.app.state, "panel_cache", None)
    if cache is not None:
        cache.clear()
    with engine.begin() as conn:
        conn.execute(delete(DashboardCache))


def _time(client: Any, url: str, headers: dict[str, str], runs: int, forget: Any = None) -> dict[str, float]:
    client.get(url, headers=headers)  # warm
    samples = []
    for _ in range(runs):
        if forget is not None:
            forget()
        t = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.text
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[min(len(samples) - 1, int(0.95 * len(samples)))], 1),
    }


def _arrival(engine: Engine, client: Any, headers: dict[str, str], root_id: int) -> float:
    """Seconds from handing a batch to the ingest pipeline to the summary endpoint counting it."""
    from humas.connectors.base import SourceItem
    from humas.core.db import session_scope
    from humas.core.time import utcnow
    from humas.demo.listening import _fallback_analyzer
    from humas.ingest.service.pipeline import ingest_items
    from humas.org.models import Unit

    url = f"/api/v1/listening/summary?unit_id={root_id}&days=1"
    before = client.get(url, headers=headers).json()["rows"]["total"]
    items = [
        SourceItem(
            platform="x",
            external_id=f"arrival-{time.time_ns()}-{i}",
            kind="post",
            text="pencairan dana terlambat",
            created_at=utcnow(),
        )
        for i in range(10)
    ]
    t = time.perf_counter()
    with session_scope(engine) as session:
        unit = session.get(Unit, root_id)
        assert unit is not None
        ingest_items(session, items, unit=unit, analyzer=_fallback_analyzer)
    while client.get(url, headers=headers).json()["rows"]["total"] < before + 10:
        time.sleep(0.01)
    return time.perf_counter() - t


def _built(engine: Engine, n: int) -> dict[str, Any] | None:
    """The ids of an earlier run's data when the schema holds exactly its `n` generated mentions (and any
    the arrival timing added), for `--reuse`."""
    from sqlalchemy import func, inspect, select

    from humas.core.db import session_scope
    from humas.ingest.models import Mention, SavedQuery
    from humas.org.models import Unit, User

    if not inspect(engine).has_table("mentions"):
        return None
    with session_scope(engine) as session:
        root = session.scalar(select(Unit).where(Unit.name == "Kementerian Bench", Unit.parent_id.is_(None)))
        admin = session.scalar(select(User).where(User.email == "bench@bench.go.id"))
        generated = select(func.count(Mention.id)).where(Mention.external_id.not_like("arrival-%"))
        if root is None or admin is None or session.scalar(generated) != n:
            return None
        return {
            "root": root.id,
            "admin": admin.id,
            "units": list(session.scalars(select(Unit.id).order_by(Unit.id))),
            "queries": list(session.scalars(select(SavedQuery.id).where(SavedQuery.unit_id == root.id))),
        }


def run(
    n: int, engine_name: str, *, pg_url: str | None = None, runs: int = 30, reuse: bool = False
) -> dict[str, Any]:
    """Build the data (or, with `reuse` on PostgreSQL, time the data an earlier run left in its schema when
    it holds exactly `n` mentions: a 10M build takes most of an hour) and time every endpoint."""
    from fastapi.testclient import TestClient

    from humas.core import db as core_db
    from humas.core.db import make_engine, session_scope
    from humas.core.settings import get_settings
    from humas.org import auth as auth_service
    from humas.org.models import User

    tmp = tempfile.mkdtemp(prefix="humas-bench-dash-")
    url = (
        f"sqlite:///{Path(tmp) / 'bench.db'}"
        if engine_name == "sqlite"
        else (pg_url or os.environ.get("HUMAS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    )
    engine = make_engine(url)
    ids = None
    if engine_name == "postgresql":
        from sqlalchemy import text

        with engine.begin() as conn:
            conn.execute(text("CREATE SCHEMA IF NOT EXISTS humas_bench_dash"))
        admin_engine = engine  # outside the schema: drops and makes it
        engine = make_engine(url, connect_args={"options": "-csearch_path=humas_bench_dash"})
        url = f"{url}?options=-csearch_path%3Dhumas_bench_dash"
        ids = _built(engine, n) if reuse else None
        if ids is None:  # not asked to reuse, another size, or half built: start again
            engine.dispose()
            with admin_engine.begin() as conn:
                conn.execute(text("DROP SCHEMA humas_bench_dash CASCADE; CREATE SCHEMA humas_bench_dash"))
        admin_engine.dispose()
    reused = ids is not None
    t0 = time.perf_counter()
    if ids is None:
        ids = _build(engine, n)
    build_s = time.perf_counter() - t0
    os.environ["HUMAS_DATABASE_URL"] = url
    get_settings.cache_clear()
    core_db.get_engine.cache_clear()
    with session_scope(engine) as session:
        user = session.get(User, ids["admin"])
        assert user is not None
        _tok, token = auth_service.create_api_token(
            session, user=user, unit=user.unit, role="admin", name="b", actor=user
        )
    from humas.web.app import create_app

    headers = {"Authorization": f"Bearer {token}"}
    out: dict[str, Any] = {
        "n": n,
        "engine": engine_name,
        "units": len(ids["units"]),
        "range_days": 30,
        "build_s": None if reused else round(build_s, 1),
        "reused": reused,
        "endpoints": {},
    }
    with TestClient(create_app()) as client:
        for name in ENDPOINTS:
            url = f"/api/v1/listening/{name}?unit_id={ids['root']}&days=30"
            out["endpoints"][name] = {
                **_time(client, url, headers, runs, forget=lambda: _forget(client, engine)),
                "cached": _time(client, url, headers, runs),
            }
        arrivals = sorted(_arrival(engine, client, headers, ids["root"]) for _ in range(5))
    out["arrival_to_count_s"] = {
        "median": round(statistics.median(arrivals), 3),
        "max": round(arrivals[-1], 3),
        "dashboard_poll_s": 5,
    }
    engine.dispose()
    return out
