"""`humas bench inbox`: inbox pages at scale, a webhook message reaching an open inbox, the deadline sweep.

(a) Pages. A fresh database (SQLite file, or a PostgreSQL schema) with a ministry and 50 descendant units
(5 regional offices × 9 service offices), `n` conversations bulk-inserted with set-based INSERTs (about 30%
open, on six platforms, over 90 days, deadline columns agreeing with their states), one to three citizen
items each with their mentions and events, then ANALYZE. Each page is requested `runs` times through the
whole HTTP stack (FastAPI TestClient, logged in with a session cookie) as the ministry's admin (who sees all
51 units) and as a service office's responder; the service functions the pages call are timed on their own.
Conversation pages are sampled across the whole table. Figures are p50/p95 in ms (nearest rank).

(b) Webhook to open inbox. A Facebook Page channel in a service office; a comment is posted to
``/webhooks/meta/<channel>`` signed with the app secret as Meta signs it, the web request stores the
delivery and queues the job, a real huey consumer (as ``humas serve`` starts it, on a queue file) runs the
pipeline and the intake, and the live list's endpoint (``/inbox/live?after=…``, what an open inbox polls)
is polled until it returns the new conversation. Arrivals come at random gaps (up to `gap_s`), as they do,
so the consumer's idle back-off is part of the figure. An open page polls every `PAGE_POLL_S` on top.

(c) The deadline sweep over 100,000 open conversations: ``humas.bench.inbox_deadlines``.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, text

UNITS_PER_OFFICE, OFFICES = 9, 5
BATCH = 20_000
PAGE_POLL_S = 2.0  # hx-trigger="every 2s" on the open list
PLATFORMS = ("facebook", "instagram", "x", "whatsapp", "telegram", "youtube")
STATUSES = ("selesai",) * 70 + ("baru",) * 10 + ("terbuka",) * 14 + ("menunggu",) * 4 + ("ditunda",) * 2
TYPES = ("pertanyaan", "keluhan", "aduan", "apresiasi", "saran", "spam", "lainnya")
SUBJECTS = (
    "Jam layanan hari Jumat sampai jam berapa?",
    "Antrean panjang sekali, pelayanan lambat",
    "Pencairan dana BOS belum masuk",
    "Terima kasih petugasnya ramah",
    "Website error tidak bisa unduh formulir",
    "Saran: antrean lewat WhatsApp",
)
SCHEMA = "humas_bench_inbox"
APP_SECRET = "bench-app-secret"
PAGE_ID = "100200300999"
HTMX = {"HX-Request": "true"}


# --- the database ---------------------------------------------------------------------------------------


def _url(engine_name: str, pg_url: str | None, schema: str = SCHEMA) -> tuple[str, dict[str, Any]]:
    if engine_name == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="humas-bench-inbox-"))
        return f"sqlite:///{folder / 'bench.db'}", {}
    url = pg_url or os.environ.get("HUMAS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
    from humas.core.db import make_engine

    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
    admin.dispose()
    return f"{url}?options=-csearch_path%3D{schema}", {}


def _org(engine: Engine, offices_n: int = OFFICES, per_office: int = UNITS_PER_OFFICE) -> dict[str, Any]:
    """The ministry, 50 descendants, an admin at the top, responders in the offices, a Facebook channel."""
    from humas.channels.models import Channel
    from humas.core import secrets
    from humas.core.db import session_scope
    from humas.org import service as org_service
    from humas.org.models import User, UserRole
    from humas.org.passwords import hash_password

    with session_scope(engine) as session:
        root = org_service.create_root_unit(session, name="Kementerian Bench")
        admin, _pw = org_service.create_user(
            session, email="admin@bench.go.id", name="Admin", unit=root, roles=["admin"], actor=None,
            password="rahasia-yang-panjang",
        )  # fmt: skip
        units = [root]
        offices = []
        for i in range(offices_n):
            office = org_service.create_unit(session, name=f"Kanwil {i}", parent=root, actor=admin)
            units.append(office)
            for j in range(per_office):
                leaf = org_service.create_unit(session, name=f"KPPN {i}-{j}", parent=office, actor=admin)
                units.append(leaf)
                offices.append(leaf)
        leaf_responder, _pw = org_service.create_user(
            session, email="cs@bench.go.id", name="CS", unit=offices[0], roles=["responder"], actor=admin,
            password="rahasia-yang-panjang",
        )  # fmt: skip
        shared = hash_password("rahasia-yang-panjang")  # one hash for the rest (hashing is slow on purpose)
        session.execute(
            insert(User),
            [{"email": f"pegawai{k}@bench.go.id", "name": f"Pegawai {k}",
              "unit_id": offices[k % len(offices)].id, "password_hash": shared, "locale": "id"}
             for k in range(2 * len(offices))],
        )  # fmt: skip
        staff = select(User.id, User.unit_id).where(User.email.like("pegawai%@bench.go.id"))
        rows = session.execute(staff).all()
        session.execute(insert(UserRole), [{"user_id": uid, "role": "responder"} for uid, _u in rows])
        channel = Channel(
            unit_id=offices[0].id, platform="facebook", name="Facebook KPPN 0-0", account_external_id=PAGE_ID,
            credentials_encrypted=secrets.encrypt(
                {"page_id": PAGE_ID, "page_access_token": "bench", "app_secret": APP_SECRET,
                 "verify_token": "bench"}
            ),
            next_poll_at=None, is_active=True,
        )  # fmt: skip
        session.add(channel)
        session.flush()
        return {
            "root": root.id, "admin": admin.id, "units": [u.id for u in units], "leaf": offices[0].id,
            "responders": [(int(uid), int(unit_id)) for uid, unit_id in rows], "channel": channel.id,
            "leaf_responder": leaf_responder.id,
        }  # fmt: skip


def _rows(rng: random.Random, ids: dict[str, Any], now: datetime, start: int, stop: int) -> dict[str, list]:
    """Conversations [start, stop) with their items, mentions and events (explicit ids: one id space)."""
    out: dict[str, list] = {"conversations": [], "mentions": [], "items": [], "events": []}
    by_unit: dict[int, list[int]] = {}
    for uid, unit_id in ids["responders"]:
        by_unit.setdefault(unit_id, []).append(uid)
    for i in range(start, stop):
        cid = i + 1
        unit_id = rng.choice(ids["units"])
        status = rng.choice(STATUSES)
        opened = now - timedelta(minutes=rng.randint(65, 90 * 24 * 60))  # items end before now
        count = 3 if i % 10 == 0 else 1
        last = opened + timedelta(minutes=30 * (count - 1))
        due = opened + timedelta(days=3)
        state = "met" if status == "selesai" else "paused" if status == "menunggu" else (
            "missed" if due <= now else "at_risk" if due - timedelta(hours=18) <= now else "on_track"
        )  # fmt: skip
        platform = PLATFORMS[i % len(PLATFORMS)]
        subject = f"{SUBJECTS[i % len(SUBJECTS)]} #{i}"
        assignee = rng.choice(by_unit[unit_id]) if unit_id in by_unit and rng.random() < 0.6 else None
        running = state in ("on_track", "at_risk", "missed")
        out["conversations"].append({
            "id": cid, "unit_id": unit_id, "platform": platform, "origin": "comments",
            "thread_key": f"t:b{i}", "subject": subject, "author_key": f"{platform}:a{i % 50_000}",
            "author_name": f"Warga {i % 50_000}", "author_handle": f"warga{i % 50_000}", "status": status,
            "priority": "normal",
            "message_type": TYPES[i % len(TYPES)], "type_corrected": False, "sentiment": "neutral",
            "abusive": i % 97 == 0, "sensitive": False, "assignee_id": assignee,
            "assigned_at": opened if assignee else None, "item_count": count, "last_activity_at": last,
            "opened_at": opened, "created_at": opened, "updated_at": last,
            "resolved_at": last if status == "selesai" else None, "sla_state": state,
            "first_response_due_at": due if running else None, "next_deadline_at": due if running else None,
            "next_risk_at": due - timedelta(hours=18) if state == "on_track" else None,
            "escalation_level": {"missed": 2, "at_risk": 1}.get(state, 0),
        })  # fmt: skip
        for k in range(count):
            mid = 3 * i + k + 1
            at = opened + timedelta(minutes=30 * k)
            out["mentions"].append({
                "id": mid, "unit_id": unit_id, "platform": platform, "external_id": f"b{i}-{k}",
                "kind": "comment", "channel_external_id": PAGE_ID, "author_id": f"a{i % 50_000}",
                "author_handle": f"warga{i % 50_000}", "author_name": f"Warga {i % 50_000}",
                "text": subject if k == 0 else f"Mohon ditindaklanjuti ({k})", "language": "id",
                "created_at": at, "fetched_at": at, "thread_root_id": f"post{i}",
                "in_reply_to_id": f"post{i}",
                "metrics": {}, "raw": {}, "abuse": [], "keyphrases": [], "sentiment": "neutral",
            })  # fmt: skip
            out["items"].append(
                {
                    "id": mid,
                    "conversation_id": cid,
                    "mention_id": mid,
                    "from_staff": False,
                    "at": at,
                    "hidden_automatically": False,
                }
            )
            out["events"].append({"id": mid, "conversation_id": cid, "at": at, "kind": "citizen", "data": {}})
    return out


def _build(engine: Engine, n: int, seed: int) -> dict[str, Any]:
    from humas.core import migrations
    from humas.core.time import utcnow

    migrations.upgrade(engine)
    ids = _org(engine)
    seed_conversations(engine, ids, n, seed=seed, now=utcnow())
    return ids


def seed_conversations(engine: Engine, ids: dict[str, Any], n: int, *, seed: int, now: datetime) -> None:
    """`n` conversations on ``ids["units"]`` (responders from ``ids["responders"]``) opened over the 90 days
    before ``now``, with their items, mentions and events (explicit ids from 1: seed them before any other
    mention), then the PostgreSQL sequences moved past them and ANALYZE."""
    from humas.core.db import session_scope
    from humas.core.sql import insert_for, sqlite_insert
    from humas.inbox.models import Conversation, ConversationEvent, ConversationItem
    from humas.ingest.models import Mention

    rng = random.Random(seed)
    models = {"mentions": Mention, "conversations": Conversation, "items": ConversationItem,
              "events": ConversationEvent}  # fmt: skip
    for start in range(0, n, BATCH):
        rows = _rows(rng, ids, now, start, min(n, start + BATCH))
        with session_scope(engine) as session:
            for name, model in models.items():
                if engine.dialect.name == "sqlite":
                    sqlite_insert(session, model, rows[name], columns=list(rows[name][0]))
                else:
                    session.execute(insert_for(session, model), rows[name])
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for table in ("mentions", "inbox_conversations", "inbox_items", "inbox_events"):
                sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608 - fixed names
                conn.exec_driver_sql(sql)
        conn.exec_driver_sql("ANALYZE")


# --- timing -------------------------------------------------------------------------------------------------


def _percentiles(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[min(len(samples) - 1, int(0.95 * len(samples)))], 1),
    }


def _time_get(client: Any, urls: list[str], runs: int) -> dict[str, Any]:
    headers = HTMX if "/live" in urls[0] else {}  # the live poll is htmx's: 204 while nothing changed
    client.get(urls[0], headers=headers)  # warm
    samples, statuses = [], set()
    for k in range(runs):
        t = time.perf_counter()
        response = client.get(urls[k % len(urls)], headers=headers)
        samples.append((time.perf_counter() - t) * 1000)
        statuses.add(response.status_code)
    return {**_percentiles(samples), "status": sorted(statuses)}


def _client(app: Any, engine: Engine, user_id: int) -> Any:
    from fastapi.testclient import TestClient

    from humas.core.db import session_scope
    from humas.org import auth as auth_service
    from humas.org.models import User
    from humas.web.deps import SESSION_COOKIE, sign

    with session_scope(engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        token, _web = auth_service.start_session(session, user=user)
    client = TestClient(app, base_url="http://testserver")
    client.cookies.set(SESSION_COOKIE, sign(token, salt="humas.session"))
    return client


def _pages(app: Any, engine: Engine, ids: dict[str, Any], n: int, runs: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed + 1)
    sample = [f"/inbox/{rng.randint(1, n)}" for _ in range(runs)]
    stamp = (datetime.now().astimezone() + timedelta(days=1)).isoformat()
    admin_pages = {
        "list": ["/inbox"],
        "list_deadline_sort": ["/inbox?sort=deadline"],
        "list_missed": ["/inbox?sla=missed"],
        "list_platform_type": ["/inbox?platform=facebook&message_type=keluhan"],
        "list_unassigned": ["/inbox?unassigned=1"],
        "list_page_20": ["/inbox?page=20"],
        "list_all_statuses": ["/inbox?status=all"],
        "list_search_subject": ["/inbox?q=antrean"],
        "live_poll_unchanged": [f"/inbox/live?after={stamp.replace('+', '%2B')}"],
        "nav_badge": ["/inbox/badge"],
        "conversation": sample,
    }
    out: dict[str, Any] = {"admin": {}, "responder": {}}
    with _client(app, engine, ids["admin"]) as client:
        for name, urls in admin_pages.items():
            out["admin"][name] = _time_get(client, urls, runs)
    with _client(app, engine, ids["leaf_responder"]) as client:
        for name in ("list", "list_deadline_sort"):
            out["responder"][name] = _time_get(client, admin_pages[name], runs)
        out["responder"]["list_mine"] = _time_get(client, ["/inbox?mine=1"], runs)
    return out


def _services(engine: Engine, ids: dict[str, Any], n: int, runs: int) -> dict[str, Any]:
    """The service functions the pages call, without the HTTP stack and templates."""
    from humas.core.db import session_scope
    from humas.inbox.models import Conversation
    from humas.inbox.service import conversations, listing
    from humas.org.models import User

    rng = random.Random(7)
    calls: dict[str, Any] = {
        "list_conversations": lambda s, u: listing.list_conversations(s, u, filters=listing.InboxFilters()),
        "list_conversations_deadline": lambda s, u: listing.list_conversations(
            s, u, filters=listing.InboxFilters(sort="deadline")
        ),
        "counts_for": lambda s, u: listing.counts_for(s, u),
        "thread_of": lambda s, u: conversations.thread_of(
            s, conversation=s.get_one(Conversation, rng.randint(1, n))
        ),
    }
    out = {}
    with session_scope(engine) as session:
        admin = session.get_one(User, ids["admin"])
        for name, call in calls.items():
            call(session, admin)
            samples = []
            for _ in range(runs):
                t = time.perf_counter()
                call(session, admin)
                samples.append((time.perf_counter() - t) * 1000)
                session.expire_all()
            out[name] = _percentiles(samples)
    return out


# --- a webhook message reaching an open inbox ---------------------------------------------------------------


def _comment_body(k: int) -> tuple[bytes, str]:
    """A Page feed webhook for a new comment, in Meta's documented shape (as the recorded fixtures)."""
    message = f"Bench {k}: jam layanan hari Sabtu buka?"
    post = f"{PAGE_ID}_{9000 + k}"
    body = {
        "object": "page",
        "entry": [{"id": PAGE_ID, "time": int(time.time()), "changes": [{"field": "feed", "value": {
            "from": {"id": f"9{k:05d}", "name": f"Warga Bench {k}"},
            "post": {"id": post, "status_type": "mobile_status_update", "is_published": True},
            "message": message, "post_id": post, "comment_id": f"{9000 + k}_{k}",
            "created_time": int(time.time()), "item": "comment", "parent_id": post, "verb": "add",
        }}]}],
    }  # fmt: skip
    return json.dumps(body).encode(), message


def _live_url(page: str) -> str:
    """The address the open list polls (its ``hx-get``, with the cursor the page was rendered with)."""
    found = re.search(r'hx-get="(/inbox/live\?[^"]*)"', page)
    assert found, "the inbox page has no live poll"
    return html.unescape(found.group(1))


def _use_queue_file(folder: Path) -> Any:
    """The app's huey, on a queue file of its own and not immediate: jobs wait for a real consumer."""
    from huey import SqliteHuey

    from humas.jobs import huey, import_task_modules

    import_task_modules()
    huey.immediate = False
    if isinstance(huey, SqliteHuey):
        huey.storage_kwargs["filename"] = str(folder / "queue.db")
        huey.storage = huey.create_storage()
    return huey


def _arrivals(
    app: Any, engine: Engine, ids: dict[str, Any], trials: int, gap_s: float, max_delay: float | None
) -> dict[str, Any]:
    from humas.connectors.meta import sign

    huey = _use_queue_file(Path(tempfile.mkdtemp(prefix="humas-bench-queue-")))
    options: dict[str, Any] = {"workers": 2, "worker_type": "thread", "periodic": False}
    if max_delay is not None:
        options["max_delay"] = max_delay
    consumer = huey.create_consumer(**options)  # as `humas serve` starts it (plus max_delay when given)
    consumer._set_signal_handlers = lambda: None  # noqa: SLF001 - its workers run in this process's threads
    consumer.start()  # worker threads and the scheduler; returns at once
    rng = random.Random(len(ids["units"]) + trials)
    seconds: list[float] = []
    try:
        with _client(app, engine, ids["leaf_responder"]) as client:
            for k in range(trials + 1):
                if k:
                    time.sleep(1.1 + rng.uniform(0, gap_s))  # arrivals at random moments, the worker idling
                poll = _live_url(client.get("/inbox").text)  # what the open page polls (its cursor)
                body, message = _comment_body(k + (0 if max_delay is None else 1000))
                t = time.perf_counter()
                headers = {"content-type": "application/json", "x-hub-signature-256": sign(body, APP_SECRET)}
                answer = client.post(f"/webhooks/meta/{ids['channel']}", content=body, headers=headers)
                assert answer.status_code == 200, answer.text
                while True:
                    live = client.get(poll, headers=HTMX)
                    if live.status_code == 200 and message in live.text:
                        break
                    if time.perf_counter() - t > 60:
                        raise TimeoutError("the webhook message did not reach the inbox in 60 s")
                    time.sleep(0.05)
                if k:  # the first one loads the models (a running worker has them)
                    seconds.append(time.perf_counter() - t)
    finally:
        consumer.stop(graceful=True)
    seconds.sort()
    return {
        "trials": trials,
        "gap_s": f"1.1-{1.1 + gap_s:.1f}",
        "consumer_max_delay_s": max_delay if max_delay is not None else 10.0,
        "median_s": round(statistics.median(seconds), 3),
        "max_s": round(seconds[-1], 3),
        "page_poll_s": PAGE_POLL_S,
        "median_with_page_poll_s": round(statistics.median(seconds) + PAGE_POLL_S / 2, 3),
    }


def run(
    n: int, engine_name: str = "sqlite", *, pg_url: str | None = None, runs: int = 30, trials: int = 8,
    gap_s: float = 15.0, sweep_n: int = 100_000, seed: int = 1, progress: Path | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Build `n` conversations, time the pages and services, the webhook arrival and the deadline sweep."""
    from cryptography.fernet import Fernet

    from humas.core import db as core_db
    from humas.core.settings import get_settings

    url, _extra = _url(engine_name, pg_url)
    os.environ["HUMAS_DATABASE_URL"] = url
    os.environ.setdefault("HUMAS_FERNET_KEY", Fernet.generate_key().decode())
    get_settings.cache_clear()
    core_db.get_engine.cache_clear()
    engine = core_db.get_engine()
    t0 = time.perf_counter()
    ids = _build(engine, n, seed)
    out: dict[str, Any] = {
        "n": n, "engine": engine_name, "units": len(ids["units"]),
        "build_s": round(time.perf_counter() - t0, 1), "runs": runs, "target_p95_ms": 150,
    }  # fmt: skip
    from humas.web.app import create_app

    app = create_app()

    def save() -> None:  # each part as it is done: a long run that fails late keeps what it measured
        if progress is not None:
            progress.write_text(json.dumps(out, indent=2, default=str) + "\n", encoding="utf-8")

    out["pages"] = _pages(app, engine, ids, n, runs, seed)
    save()
    out["services"] = _services(engine, ids, n, runs)
    save()
    if trials:
        out["webhook_to_inbox"] = {"target_median_s": 3.0}
        out["webhook_to_inbox"]["as_served"] = _arrivals(app, engine, ids, trials, gap_s, None)
        save()
        out["webhook_to_inbox"]["consumer_max_delay_1s"] = _arrivals(app, engine, ids, trials, gap_s, 1.0)
        save()
    engine.dispose()
    if sweep_n:
        from humas.bench import inbox_deadlines

        out["deadline_sweep"] = inbox_deadlines.run(sweep_n, engine_name, pg_url=pg_url)
        save()
    return out
