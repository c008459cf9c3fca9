"""Publishing figures of issue 13 (`humas bench publishing`): the calendar's month for a large subtree, and a
minute's hand-out.

1. Calendar: a root unit with `--units` descendants, one channel each, `--posts` scheduled posts spread over
   one month (one variant each); the month page's data (`calendar_days`: counts per local day and the first
   four posts of each) of the root's subtree, 20 runs: median, p95 and max in ms; and the raw list of every
   entry (`calendar_entries`) for comparison.
2. Hand-out: `--variants` approved posts (one variant each, on 10 X accounts) due in the same minute; the
   publishing tick hands them to the outbox and one worker (`outbox.runner.send_due`) sends every row to X
   (respx answers with the recorded ``POST /2/tweets`` of tests/connectors/fixtures/x/create_tweet.json):
   seconds from the tick's start until every row is sent, and the requests X received.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import respx
from sqlalchemy import Engine, func, insert, select

from humas.channels.models import Channel
from humas.core import migrations, secrets
from humas.core.db import session_scope
from humas.core.time import utcnow
from humas.org import service as org_service
from humas.org.models import Unit, User
from humas.outbox import runner
from humas.outbox.models import OutboxMessage
from humas.publishing import service as publishing_service
from humas.publishing.models import Approval, Post, PostMetric, PostVariant
from humas.publishing.service import StepInput
from humas.publishing.tasks import run_tick

ROOT = Path(__file__).resolve().parents[3]
CREATED = json.loads((ROOT / "tests/connectors/fixtures/x/create_tweet.json").read_text())
X_VALUES = {"user_id": "783214", "username": "X", "bearer_token": "b", "user_access_token": "u"}
MONTH = datetime(2031, 3, 1, tzinfo=UTC)  # in the future: none of these posts is due


def _units(session: Any, count: int) -> tuple[Unit, User, list[Unit]]:
    root = org_service.create_root_unit(session, name="Kementerian Bench")
    admin, _ = org_service.create_user(
        session, email="admin@bench.go.id", name="Admin", unit=root, roles=["admin"], actor=None,
        password="rahasia-yang-panjang",
    )  # fmt: skip
    units = [root]
    for i in range(count):
        parent = units[i // 5]  # a tree five wide
        units.append(org_service.create_unit(session, name=f"Kanwil {i}", parent=parent, actor=admin))
    return root, admin, units


def _channel(session: Any, unit: Unit, n: int) -> Channel:
    channel = Channel(
        unit_id=unit.id, platform="x", name=f"X {n}", account_external_id=f"x-{n}",
        credentials_encrypted=secrets.encrypt(X_VALUES),
    )  # fmt: skip
    session.add(channel)
    session.flush()
    return channel


def bench_calendar(engine: Engine, *, units: int, posts: int) -> dict[str, Any]:
    with session_scope(engine) as session:
        _root, admin, tree = _units(session, units)
        channels = [_channel(session, unit, i) for i, unit in enumerate(tree)]
        channel_of = {u.id: c.id for u, c in zip(tree, channels, strict=True)}
        seed_posts(session, admin_id=admin.id, channel_of=channel_of, posts=posts, month=MONTH)
        admin_id = admin.id
    return {"units": units + 1, "admin_id": admin_id}


def seed_posts(
    session: Any,
    *,
    admin_id: int,
    channel_of: dict[int, int],
    posts: int,
    month: datetime,
    published: bool = False,
) -> None:
    """`posts` posts spread over the 31 days from ``month`` round the units of ``channel_of`` (unit id ->
    its channel id), one variant each: scheduled drafts, or (``published``) published at their time with
    one metrics read-back each (deterministic counts)."""
    seconds = 31 * 24 * 3600
    unit_ids = list(channel_of)
    status = "terbit" if published else "dijadwalkan"
    rows = [
        {
            "unit_id": unit_ids[i % len(unit_ids)], "title": f"Pos {i}", "body": "", "kind": "umum",
            "status": status, "scheduled_at": month + timedelta(seconds=(i * 7919) % seconds),
            "version": 1, "approval_round": 0, "created_by_id": admin_id,
            "created_at": utcnow(), "updated_at": utcnow(),
        }
        for i in range(posts)
    ]  # fmt: skip
    first = (session.scalar(select(func.max(Post.id))) or 0) + 1
    session.execute(insert(Post), rows)
    new = session.execute(
        select(Post.id, Post.unit_id, Post.scheduled_at).where(Post.id >= first).order_by(Post.id)
    ).all()
    variants = [
        {"post_id": pid, "channel_id": channel_of[unit_id], "text": "x", "media": [], "state": "draf"}
        if not published
        else {"post_id": pid, "channel_id": channel_of[unit_id], "text": "x", "media": [], "state": "terbit",
              "published_at": at, "external_id": f"b{pid}", "url": f"https://x.com/i/web/status/{pid}"}
        for pid, unit_id, at in new
    ]  # fmt: skip
    session.execute(insert(PostVariant), variants)
    if published:
        read = session.execute(
            select(PostVariant.id, PostVariant.published_at).where(PostVariant.post_id >= first)
        ).all()
        session.execute(
            insert(PostMetric),
            [{"variant_id": vid, "at": at + timedelta(days=1), "likes": vid % 97, "comments": vid % 13,
              "shares": vid % 7, "views": 200 + vid % 900, "reach": None, "impressions": 300 + vid % 1200}
             for vid, at in read],
        )  # fmt: skip


def _ms(samples: list[float]) -> dict[str, Any]:
    samples = sorted(samples)
    return {
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[max(0, int(0.95 * len(samples)) - 1)], 1),
        "max_ms": round(samples[-1], 1),
    }


def time_calendar(engine: Engine, *, admin_id: int, runs: int) -> dict[str, Any]:
    """The month page's data (counts per day, four posts a day), the raw entry list, and the page itself."""
    from zoneinfo import ZoneInfo

    from humas.bench.inbox import _client, _time_get
    from humas.web.app import create_app

    first, last = MONTH.date(), MONTH.date() + timedelta(days=30)
    zone = ZoneInfo("Asia/Jakarta")
    days_ms, entries_ms = [], []
    shown = listed = 0
    for _ in range(runs):
        with session_scope(engine) as session:
            admin = session.get(User, admin_id)
            assert admin is not None
            start = time.perf_counter()
            days = publishing_service.calendar_days(
                session, admin, unit=admin.unit, first=first, last=last, zone=zone
            )
            days_ms.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            entries = publishing_service.calendar_entries(
                session, admin, start=MONTH, end=MONTH + timedelta(days=31)
            )
            entries_ms.append((time.perf_counter() - start) * 1000)
            shown, listed = sum(d.count for d in days), len(entries)
    with _client(create_app(), engine, admin_id) as client:
        page = _time_get(client, [f"/publishing/calendar?view=month&date={first.isoformat()}"], runs)
        week = _time_get(client, [f"/publishing/calendar?view=week&date={first.isoformat()}"], runs)
    return {
        "posts_in_month": shown,
        "calendar_days": _ms(days_ms),
        "calendar_entries_all": {**_ms(entries_ms), "posts": listed},
        "month_page": page,
        "week_page": week,
        "target_p95_ms": 200,
    }


def bench_handout(engine: Engine, *, variants: int) -> dict[str, Any]:
    due = utcnow() + timedelta(minutes=1)
    with session_scope(engine) as session:
        root = org_service.create_root_unit(session, name="Biro Humas Bench")
        admin, _ = org_service.create_user(
            session, email="a2@bench.go.id", name="A", unit=root, roles=["admin"], actor=None,
            password="rahasia-yang-panjang",
        )  # fmt: skip
        reviewer, _ = org_service.create_user(
            session, email="r2@bench.go.id", name="R", unit=root, roles=["reviewer"], actor=None,
            password="rahasia-yang-panjang",
        )  # fmt: skip
        chain = publishing_service.create_chain(
            session,
            unit_id=root.id,
            name="Bench",
            steps=[StepInput(name="Reviewer", role="reviewer")],
            actor=admin,
        )
        session.flush()
        channels = [_channel(session, root, 1000 + i) for i in range(10)]
        rows = [
            {
                "unit_id": root.id, "title": f"Siaran {i}", "body": "", "kind": "umum",
                "status": "dijadwalkan",
                "scheduled_at": due, "version": 1, "chain_id": chain.id, "approval_round": 1,
                "created_by_id": admin.id, "created_at": utcnow(), "updated_at": utcnow(),
            }
            for i in range(variants)
        ]  # fmt: skip
        session.execute(insert(Post), rows)
        ids = session.scalars(select(Post.id).where(Post.unit_id == root.id).order_by(Post.id)).all()
        session.execute(
            insert(PostVariant),
            [
                {"post_id": pid, "channel_id": channels[i % 10].id, "text": f"Info layanan nomor {i}.",
                 "media": [], "state": "draf"}
                for i, pid in enumerate(ids)
            ],
        )  # fmt: skip
        session.execute(
            insert(Approval),
            [
                {"post_id": pid, "round": 1, "step_position": 1, "user_id": reviewer.id,
                 "decision": "approve", "version": 1, "created_at": utcnow()}
                for pid in ids
            ],
        )  # fmt: skip
    import humas.outbox.tasks as outbox_tasks

    outbox_tasks.send_message_task = lambda message_id: None  # the worker sends
    counter = {"n": 0}

    def create(request: httpx.Request) -> httpx.Response:
        counter["n"] += 1
        sent = json.loads(request.content)
        return httpx.Response(
            201, json={"data": {**CREATED["data"], "id": str(10**18 + counter["n"]), "text": sent["text"]}}
        )

    now = due + timedelta(seconds=30)
    with respx.mock(assert_all_called=False) as mock:
        mock.post("https://api.x.com/2/tweets").mock(side_effect=create)
        start = time.perf_counter()
        ticked = run_tick(now=now)  # the minute job: expire, then hand out every due post in batches
        handed = time.perf_counter() - start
        outcomes = runner.send_due(engine, limit=variants + 10, now=now)
        total = time.perf_counter() - start
    with session_scope(engine) as session:
        sent = session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.kind == "publishing.variant").limit(1)
        )
    return {
        "variants": variants,
        "handed_out_s": round(handed, 1),
        "all_sent_s": round(total, 1),
        "rows_sent": sum(1 for s in outcomes.values() if s == "sent"),
        "requests": counter["n"],
        "handed_out_posts": len(ticked["published"]),
        "first_row": sent,
    }


def run(
    *, units: int = 50, posts: int = 20_000, variants: int = 1_000, runs: int = 20,
    progress: Path | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Build the data on a fresh SQLite file, time the calendar, then the minute's hand-out."""
    import tempfile

    from cryptography.fernet import Fernet

    from humas.core import db as core_db
    from humas.core.settings import get_settings

    folder = Path(tempfile.mkdtemp(prefix="humas-bench-publishing-"))
    os.environ["HUMAS_DATABASE_URL"] = f"sqlite:///{folder / 'bench.db'}"
    os.environ.setdefault("HUMAS_FERNET_KEY", Fernet.generate_key().decode())
    get_settings.cache_clear()
    core_db.get_engine.cache_clear()
    engine = core_db.get_engine()
    migrations.upgrade(engine)
    out: dict[str, Any] = {"engine": "sqlite", "cores": os.cpu_count(), "load": os.getloadavg()[0]}

    def save() -> None:
        if progress is not None:
            progress.write_text(json.dumps(out, indent=2, default=str) + "\n", encoding="utf-8")

    built = bench_calendar(engine, units=units, posts=posts)
    out["calendar"] = {
        "units": built["units"],
        **time_calendar(engine, admin_id=built["admin_id"], runs=runs),
    }
    save()
    if variants:
        out["handout"] = {**bench_handout(engine, variants=variants), "target_s": 60}
        save()
    engine.dispose()
    return out
