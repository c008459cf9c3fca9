"""`humas bench inbox-deadlines`: the minute deadline job over many open conversations.

Builds a fresh database with a ministry and 50 descendant units (each with a unit head), a working-time
policy on the ministry, and `n` open conversations (plus half as many closed ones) whose precomputed at-risk
and due times are spread over the past day and the next ten days, with states that agree with them as
`refresh_deadlines` would have left them. It then times `sweep_deadlines` as the huey job calls it:

- ``steady``: ten consecutive minutes (the usual load: a handful of rows cross a threshold each minute);
- ``backlog``: one sweep after an hour without the job (a worker restarted), escalations capped per run;
- ``states_only``: the set-based part alone (the two UPDATEs and the query for whom to tell, escalating
  nobody, rolled back) at each of those minutes: the deadline computation the issue's target is about;
- ``idle``: a sweep in which nothing crosses (the fixed cost of the two UPDATEs and the escalation query);
- ``refresh_ms``: the mean cost of `refresh_deadlines` for one conversation with a short history (calendar
  and policies cached per unit, as a subtree refresh does), to show why the sweep must not recompute.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

UNITS = 50
BATCH = 10_000


def _engine(engine_name: str, pg_url: str | None) -> Engine:
    from sqlalchemy import text

    from humas.core.db import make_engine

    if engine_name == "sqlite":
        return make_engine(f"sqlite:///{Path(tempfile.mkdtemp(prefix='humas-bench-sla-')) / 'bench.db'}")
    url = pg_url or os.environ.get("HUMAS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS humas_bench_sla CASCADE; CREATE SCHEMA humas_bench_sla"))
    admin.dispose()
    return make_engine(url, connect_args={"options": "-csearch_path=humas_bench_sla"})


def _units(engine: Engine) -> tuple[list[int], int]:
    from humas.core.db import session_scope
    from humas.inbox.service import sla as sla_service
    from humas.org import service as org_service

    with session_scope(engine) as session:
        root = org_service.create_root_unit(session, name="Kementerian Bench")
        admin, _pw = org_service.create_user(
            session, email="admin@bench.go.id", name="Admin", unit=root, roles={"admin"}, actor=None
        )
        units = [root]
        for i in range(UNITS):
            parent = units[0] if i < 5 else units[1 + i % 5]
            units.append(org_service.create_unit(session, name=f"Kantor {i}", parent=parent, actor=admin))
        for unit in units:
            org_service.create_user(
                session,
                email=f"kepala{unit.id}@bench.go.id",
                name="Kepala",
                unit=unit,
                roles={"pimpinan"},
                actor=None,
            )
        fields = sla_service.PolicyFields(
            name="Umum", first_response_minutes=8 * 60, resolution_days=5, escalate_to_parent=True
        )
        policy = sla_service.create_policy(session, unit=root, fields=fields, actor=admin, refresh=False)
        session.flush()
        return [u.id for u in units], policy.id


def _row(
    rng: random.Random, unit_id: int, policy_id: int, now: datetime, n: int, closed: bool
) -> dict[str, Any]:
    opened = now - timedelta(minutes=rng.randint(0, 60 * 24 * 3))
    due = now + timedelta(minutes=rng.randint(-60 * 24, 60 * 24 * 10))
    risk = due - timedelta(minutes=rng.randint(30, 600))
    state = "missed" if due <= now else "at_risk" if risk <= now else "on_track"
    row: dict[str, Any] = {
        "unit_id": unit_id,
        "platform": "facebook",
        "origin": "comments",
        "thread_key": f"bench-{n}",
        "subject": f"Pertanyaan {n}",
        "status": "selesai" if closed else rng.choice(("baru", "terbuka", "terbuka", "ditunda")),
        "priority": "normal",
        "message_type": "pertanyaan",
        "type_corrected": False,
        "abusive": False,
        "sensitive": False,
        "item_count": 1,
        "last_activity_at": opened,
        "opened_at": opened,
        "created_at": opened,
        "updated_at": opened,
        "sla_policy_id": policy_id,
        "sla_state": "met" if closed else state,
        "next_deadline_at": None if closed else due,
        "next_risk_at": None if closed or state != "on_track" else risk,
        "first_response_due_at": None if closed else due,
        "first_response_risk_at": None if closed else risk,
        # Rows already past a threshold were told in an earlier minute.
        "escalation_level": 0 if closed else {"missed": 2, "at_risk": 1}.get(state, 0),
    }
    return row


def _fill(engine: Engine, n: int, now: datetime, seed: int) -> dict[str, Any]:
    from sqlalchemy import insert

    from humas.core.db import session_scope
    from humas.inbox.models import Conversation

    unit_ids, policy_id = _units(engine)
    rng = random.Random(seed)
    total = n + n // 2
    for start in range(0, total, BATCH):
        rows = [
            _row(rng, rng.choice(unit_ids), policy_id, now, i, closed=i >= n)
            for i in range(start, min(start + BATCH, total))
        ]
        with session_scope(engine) as session:
            session.execute(insert(Conversation), rows)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return {"units": len(unit_ids), "open": n, "closed": total - n}


def _sweep(engine: Engine, now: datetime) -> tuple[float, Any]:
    from humas.core.db import session_scope
    from humas.inbox.service import sla_sweep

    t0 = time.perf_counter()
    with session_scope(engine) as session:
        result = sla_sweep.sweep_deadlines(session, now=now)
    return time.perf_counter() - t0, result


def _states_only(engine: Engine, now: datetime) -> float:
    """The set-based part alone (the two UPDATEs and the query for whom to tell), rolled back."""
    from sqlalchemy.orm import Session

    from humas.inbox.service import sla_sweep

    with Session(engine) as session:
        t0 = time.perf_counter()
        sla_sweep.sweep_deadlines(session, now=now, batch=0)
        session.flush()
        elapsed = time.perf_counter() - t0
        session.rollback()
    return elapsed


def _refresh_ms(engine: Engine, now: datetime, count: int = 200) -> float:
    from sqlalchemy import select

    from humas.core.db import session_scope
    from humas.inbox.models import Conversation, ConversationEvent
    from humas.inbox.service import sla as sla_service

    with session_scope(engine) as session:
        ids = list(
            session.scalars(select(Conversation.id).where(Conversation.status == "terbuka").limit(count))
        )
        for cid in ids:
            at = now - timedelta(hours=20)
            session.add_all(
                [
                    ConversationEvent(conversation_id=cid, at=at, kind="citizen", data={}),
                    ConversationEvent(
                        conversation_id=cid, at=at + timedelta(hours=1), kind="staff_reply", data={}
                    ),
                    ConversationEvent(
                        conversation_id=cid, at=at + timedelta(hours=2), kind="citizen", data={}
                    ),
                ]
            )
    with session_scope(engine) as session:
        context = sla_service.Context.empty()
        conversations = session.scalars(select(Conversation).where(Conversation.id.in_(ids))).all()
        t0 = time.perf_counter()
        for conversation in conversations:
            sla_service.refresh_deadlines(session, conversation=conversation, now=now, context=context)
        session.flush()
        elapsed = time.perf_counter() - t0
        session.rollback()
    return 1000 * elapsed / max(len(ids), 1)


def run(
    n: int = 100_000, engine: str = "sqlite", *, pg_url: str | None = None, seed: int = 1
) -> dict[str, Any]:
    """Build the data and time the sweep; returns seconds per sweep and what each moved."""
    from humas.core import migrations
    from humas.core.time import utcnow

    eng = _engine(engine, pg_url)
    migrations.upgrade(eng)
    now = utcnow().replace(second=0, microsecond=0)
    t0 = time.perf_counter()
    built = _fill(eng, n, now, seed)
    build_s = time.perf_counter() - t0

    # The worker has imported everything before its first minute: so does the bench (imports are not sweeps).
    import humas.inbox.service.sla_sweep  # noqa: F401
    import humas.outbox.tasks  # noqa: F401

    states = [_states_only(eng, now + timedelta(minutes=m)) for m in range(1, 11)]
    steady = [_sweep(eng, now + timedelta(minutes=m)) for m in range(1, 11)]
    idle_s, idle = _sweep(eng, now + timedelta(minutes=10))
    backlog_s, backlog = _sweep(eng, now + timedelta(minutes=70))
    refresh_ms = _refresh_ms(eng, now + timedelta(minutes=70))
    eng.dispose()
    seconds = [s for s, _r in steady]
    return {
        "engine": engine,
        **built,
        "build_s": round(build_s, 2),
        "steady_median_s": round(statistics.median(seconds), 4),
        "steady_max_s": round(max(seconds), 4),
        "steady_moved": [
            {"at_risk": r.at_risk, "missed": r.missed, "escalated": r.escalated} for _s, r in steady
        ],
        "states_only_median_s": round(statistics.median(states), 4),
        "states_only_max_s": round(max(states), 4),
        "idle_s": round(idle_s, 4),
        "idle_moved": idle.at_risk + idle.missed + idle.escalated,
        "backlog_s": round(backlog_s, 4),
        "backlog_moved": {
            "at_risk": backlog.at_risk,
            "missed": backlog.missed,
            "escalated": backlog.escalated,
        },
        "refresh_ms": round(refresh_ms, 2),
        "target_s": 5.0,
    }


if __name__ == "__main__":  # pragma: no cover - python -m humas.bench.inbox_deadlines [n] [engine]
    import json
    import sys

    size = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(json.dumps(run(size, sys.argv[2] if len(sys.argv) > 2 else "sqlite"), indent=2))
