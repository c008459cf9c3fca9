"""The production layout end to end: PostgreSQL, Redis, a web process with several uvicorn workers, several
`humas worker` processes (`humas cluster`), mentions pushed through signed webhooks and a CSV import while
one worker is killed with -9 and restarted: nothing lost, nothing stored twice, every rollup equal to a
count of the mentions.

Runs in CI at 5,000 mentions. The benchmark runs it larger (see docs/BENCHMARKS.md):
    HUMAS_E2E_MENTIONS=10000 HUMAS_E2E_WEBHOOK_SHARE=1 HUMAS_E2E_WORKERS=1 HUMAS_E2E_REPORT=/tmp/e2e.jsonl \\
        nice python -m pytest -q -s tests/ops/test_multiprocess.py
Its own PostgreSQL schema, Redis database 13 and a queue name of its own keep it apart from other tests.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import redis
from huey import RedisHuey
from sqlalchemy import Engine, func, select, text

from humas.channels.models import WebhookDelivery
from humas.cli.cluster import Cluster
from humas.connectors.meta import sign
from humas.core.db import get_engine, make_engine, session_scope
from humas.core.settings import get_settings
from humas.ingest.models import IngestJob, Mention, MentionRollup, QueryMatch
from humas.web.metrics import series_names
from tests.channels.conftest import APP_SECRET
from tests.channels.factories import make_channel
from tests.conftest import PG_URL
from tests.factories import make_unit

pytestmark = pytest.mark.slow

MENTIONS = int(os.environ.get("HUMAS_E2E_MENTIONS", "5000"))
WORKERS = int(os.environ.get("HUMAS_E2E_WORKERS", "2"))
REPORT = os.environ.get("HUMAS_E2E_REPORT")
REDIS_URL = "redis://127.0.0.1:6379/13"
PER_DELIVERY = 50  # Meta batches updates into one delivery
WEBHOOK_SHARE = float(os.environ.get("HUMAS_E2E_WEBHOOK_SHARE", "0.4"))
DEADLINE_S = max(600, MENTIONS // 5)
IG_ACCOUNT = "17841474524784050"
WORDS = ["pelayanan", "KPPN", "antrean", "pajak", "bagus", "lambat", "terima kasih", "kecewa", "cepat"]
BASE_TIME = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _sentence(n: int) -> str:
    return f"{WORDS[n % len(WORDS)]} {WORDS[(n * 7) % len(WORDS)]} nomor {n} di kantor {n % 13}"


def _delivery(first: int, count: int) -> bytes:
    changes = [
        {
            "field": "comments",
            "value": {
                "from": {"id": f"u{n % 997}", "username": f"warga.{n % 997}"},
                "media": {"id": f"m{n % 50}", "media_product_type": "FEED"},
                "id": f"c{n}",
                "text": _sentence(n),
            },
        }
        for n in range(first, first + count)
    ]
    body = {"object": "instagram", "entry": [{"id": IG_ACCOUNT, "time": 1763600000, "changes": changes}]}
    return json.dumps(body).encode()


def _write_csv(path: Path, first: int, count: int) -> int:
    """`count` distinct rows and, in between, 2 % repeats of earlier rows; returns the rows written."""
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["external_id", "text", "created_at", "author_handle"])
        for n in range(first, first + count):
            when = (BASE_TIME + timedelta(minutes=7 * n)).isoformat()
            writer.writerow([f"r{n}", _sentence(n), when, f"@akun{n % 311}"])
            rows += 1
            if n % 50 == 0 and n > first:
                back = n - 17
                when = (BASE_TIME + timedelta(minutes=7 * back)).isoformat()
                writer.writerow([f"r{back}", _sentence(back), when, f"@akun{back % 311}"])
                rows += 1
    return rows


@dataclass
class Setup:
    url: str
    engine: Engine
    unit_id: int
    channel_id: int
    query_id: int
    queue: str
    env: dict[str, str]


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fernet_key: str) -> Iterator[Setup]:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:  # pragma: no cover - CI and the dev box run Redis on 6379
        pytest.fail(f"Redis on 127.0.0.1:6379 is needed for the multi-process test: {exc}")
    schema = f"e2e_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    queue = f"humas-e2e-{uuid.uuid4().hex[:8]}"
    env = {
        "HUMAS_DATABASE_URL": url,
        "HUMAS_REDIS_URL": REDIS_URL,
        "HUMAS_QUEUE_NAME": queue,
        "HUMAS_IMMEDIATE_JOBS": "0",
        "HUMAS_FERNET_KEY": fernet_key,
        "HUMAS_SECRET_KEY": "e2e-secret-key",
        "HUMAS_WEBHOOK_REQUEUE_AFTER_S": "10",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    migrate = subprocess.run(
        [sys.executable, "-m", "humas.cli.main", "migrate"], env={**os.environ, **env}, capture_output=True
    )
    assert migrate.returncode == 0, migrate.stderr.decode()[-2000:]
    engine = make_engine(url)
    for key in ("HUMAS_DATABASE_URL", "HUMAS_IMMEDIATE_JOBS"):
        monkeypatch.setenv(key, env[key])
    get_settings.cache_clear()
    get_engine.cache_clear()
    from humas.ingest.service import queries as queries_service

    with session_scope(engine) as session:
        unit = make_unit(session, name="Kementerian Uji Klaster")
        channel = make_channel(session, unit=unit, platform="instagram")
        channel.account_external_id = IG_ACCOUNT
        channel.next_poll_at = datetime.now(UTC) + timedelta(days=1)  # webhooks only: no poll to the network
        query = queries_service.create_query(
            session, unit=unit, name="Layanan KPPN", query="kppn OR antrean", actor=None
        )
        ids = (unit.id, channel.id, query.id)
    yield Setup(url, engine, *ids, queue=queue, env=env)
    engine.dispose()
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"*{queue}*"):
        client.delete(key)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _post_deliveries(base: str, channel_id: int, bodies: list[bytes], posted: list[int]) -> None:
    with httpx.Client(base_url=base, timeout=60) as client:
        for body in bodies:
            headers = {"content-type": "application/json", "x-hub-signature-256": sign(body, APP_SECRET)}
            answer = client.post(f"/webhooks/meta/{channel_id}", content=body, headers=headers)
            assert answer.status_code == 200, answer.text[:300]
            posted.append(1)


def _rollups_match(engine: Engine) -> tuple[int, int]:
    """Every rollup row equals the count of its mentions (all mentions, and per saved query)."""
    with session_scope(engine) as session:
        hour = lambda t: t.replace(minute=0, second=0, microsecond=0)  # noqa: E731
        expected: Counter[tuple[int, int, str, str, datetime]] = Counter()
        by_id = {}
        for mid, unit_id, platform, sentiment, created in session.execute(
            select(Mention.id, Mention.unit_id, Mention.platform, Mention.sentiment, Mention.created_at)
        ):
            key = (unit_id, platform, sentiment or "unknown", hour(created))
            by_id[mid] = key
            expected[(key[0], 0, *key[1:])] += 1
        for query_id, mid in session.execute(select(QueryMatch.query_id, QueryMatch.mention_id)):
            unit_id, platform, sentiment, when = by_id[mid]
            expected[(unit_id, query_id, platform, sentiment, when)] += 1
        stored = {
            (r.unit_id, r.query_id, r.platform, r.sentiment, r.hour): r.count
            for r in session.scalars(select(MentionRollup))
            if r.count
        }
    assert stored == dict(expected)
    return len(stored), sum(n for key, n in expected.items() if key[1] != 0)


def test_many_processes_lose_and_duplicate_nothing_when_a_worker_is_killed(
    setup: Setup, tmp_path: Path
) -> None:
    hooked = int(MENTIONS * WEBHOOK_SHARE) // PER_DELIVERY * PER_DELIVERY
    imported = MENTIONS - hooked
    bodies = [_delivery(n, PER_DELIVERY) for n in range(0, hooked, PER_DELIVERY)]
    replays = bodies[: max(1, len(bodies) // 10)]  # the platform retries some: acknowledged, ignored
    csv_path = tmp_path / "mentions.csv"
    csv_rows = _write_csv(csv_path, 0, imported) if imported else 0

    layout = Cluster(web_processes=2, workers=WORKERS, threads=2, port=_free_port(), env=setup.env,
                     log_dir=tmp_path / "logs")  # fmt: skip
    layout.start()
    try:
        layout.wait_ready()
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        posted: list[int] = []
        poster = threading.Thread(
            target=_post_deliveries, args=(layout.url, setup.channel_id, bodies + replays, posted)
        )
        poster.start()
        command = [
            sys.executable,
            "-m",
            "humas.cli.main",
            "import",
            str(csv_path),
            "--unit",
            str(setup.unit_id),
        ]
        importer = (
            subprocess.Popen(
                command, env={**os.environ, **setup.env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )  # fmt: skip
            if imported
            else None
        )
        # Kill a worker while tasks wait in the queue (and one is, most likely, in its hands).
        queue = RedisHuey(setup.queue, url=REDIS_URL)
        while len(posted) < len(bodies) // 3 and poster.is_alive():
            time.sleep(0.05)
        waiting = queue.pending_count()
        killed = layout.kill_worker(0, signal.SIGKILL)
        time.sleep(1)
        layout.start_worker(0)
        poster.join(timeout=DEADLINE_S)
        hooks_s, import_s = _wait_done(setup.engine, len(bodies), importer, started)
        elapsed = time.monotonic() - started
        load_after = os.getloadavg()[0]
        scrape = httpx.get(f"{layout.url}/metrics", timeout=30).text
    finally:
        layout.stop()

    with session_scope(setup.engine) as session:
        keys = set(session.execute(select(Mention.platform, Mention.external_id)).tuples())
        count = session.scalar(select(func.count()).select_from(Mention))
        job = session.scalars(select(IngestJob).where(IngestJob.kind == "import")).one_or_none()
        failed = session.scalar(
            select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.error.is_not(None))
        )
        deliveries = session.scalar(select(func.count()).select_from(WebhookDelivery))
    expected = {("instagram", f"c{n}") for n in range(hooked)}
    expected |= {("import", f"r{n}") for n in range(imported)}
    assert count == len(keys) == len(expected)  # nothing stored twice
    assert keys == expected  # nothing lost
    assert (deliveries, failed) == (len(bodies), 0)  # each replay acknowledged and ignored
    if imported:
        assert job is not None and (job.status, job.added, job.done) == ("done", imported, csv_rows)
    rollup_rows, matched = _rollups_match(setup.engine)
    assert matched > 0
    named = {"humas_http_request_duration_seconds", "humas_queue_tasks", "humas_outbox_messages"}
    assert named <= series_names(scrape)
    assert 'route="/webhooks/meta/{channel_id:int}"' in scrape

    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "load_avg_1m": [round(load_before, 1), round(load_after, 1)],
        "mentions": MENTIONS,
        "webhook_mentions": hooked,
        "imported": imported,
        "workers": WORKERS,
        "threads": 2,
        "web_processes": 2,
        "seconds": round(elapsed, 1),
        "mentions_per_s": round(MENTIONS / elapsed, 1),
        "webhook_seconds": round(hooks_s, 1),
        "webhook_mentions_per_s": round(hooked / hooks_s, 1) if hooks_s else None,
        "import_seconds": round(import_s, 1) if import_s else None,
        "killed_pid": killed,
        "queued_when_killed": waiting,
        "rollup_rows": rollup_rows,
    }
    print(json.dumps(result))
    if REPORT:
        with open(REPORT, "a", encoding="utf-8") as out:
            out.write(json.dumps(result) + "\n")


def _wait_done(
    engine: Engine, deliveries: int, importer: subprocess.Popen[bytes] | None, started: float
) -> tuple[float, float | None]:
    """Seconds from the start until every delivery was processed, and until the import finished."""
    deadline = time.monotonic() + DEADLINE_S
    hooks_s = import_s = None
    while time.monotonic() < deadline and (hooks_s is None or (importer is not None and import_s is None)):
        if hooks_s is None:
            with session_scope(engine) as session:
                done = session.scalar(
                    select(func.count())
                    .select_from(WebhookDelivery)
                    .where(WebhookDelivery.processed_at.is_not(None))
                )
            if done == deliveries:
                hooks_s = time.monotonic() - started
        if importer is not None and import_s is None and importer.poll() is not None:
            import_s = time.monotonic() - started
            output = importer.communicate()[0].decode()
            assert importer.returncode == 0, output[-2000:]
        time.sleep(0.5)
    assert hooks_s is not None, f"webhook deliveries not all processed after {DEADLINE_S} s"
    assert importer is None or import_s is not None, f"the import did not finish in {DEADLINE_S} s"
    return hooks_s, import_s
