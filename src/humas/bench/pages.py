"""Page latency with a large organisation: 1,000 saved queries, 1,000 alert rules and 10,000 users.

Builds a fresh database (SQLite file by default, or `--url` PostgreSQL), a ministry with 50 units, the users,
queries and rules bulk-inserted (one INSERT per table, a shared password hash), a few hundred audit entries,
then renders every list page through the whole HTTP stack (FastAPI TestClient, logged in as the ministry's
admin) and reports the median and worst of `repeat` runs per page, and the total each page states.

    python -m humas.bench.pages [--url URL] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select

PAGES = (
    "/",
    "/units",
    "/users",
    "/users?page=400",
    "/profile",
    "/listening/queries",
    "/listening/queries?page=40",
    "/listening/alerts",
    "/listening/alerts?rules_page=40",
    "/listening/narratives",
    "/mentions/feeds",
    "/audit",
    "/listening/panels/share_of_voice?days=30",
)
USERS, QUERIES, RULES, UNITS = 10_000, 1_000, 1_000, 50


def _seed(engine: Engine) -> int:
    """The organisation in bulk; returns the admin's id."""
    from humas.core.db import session_scope
    from humas.ingest.models import SavedQuery
    from humas.listening.models import AlertRule
    from humas.org import service as org_service
    from humas.org.models import Unit, User, UserRole
    from humas.org.passwords import hash_password

    with session_scope(engine) as session:
        root = org_service.create_root_unit(session, name="Kementerian Bench")
        admin, _ = org_service.create_user(
            session, email="admin@bench.go.id", name="Admin Bench", unit=root, roles=["admin"], actor=None,
            password="rahasia-yang-panjang",
        )  # fmt: skip
        units = [root]
        for i in range(UNITS):
            parent = units[1 + (i - 1) // 9] if i > 0 and i % 10 else root
            unit = Unit(
                name=f"Unit {i:02d}", parent_id=parent.id, parent_key=parent.id, depth=parent.depth + 1
            )
            session.add(unit)
            session.flush()
            unit.path = f"{parent.path}{unit.id}/"
            units.append(unit)
        session.flush()
        unit_ids = [u.id for u in units]
        shared_hash = hash_password("rahasia-yang-panjang")
        session.execute(
            insert(User),
            [
                {"email": f"pegawai{i:05d}@bench.go.id", "name": f"Pegawai {i:05d}",
                 "unit_id": unit_ids[i % len(unit_ids)], "password_hash": shared_hash, "locale": "id"}
                for i in range(USERS)
            ],
        )  # fmt: skip
        ids = session.scalars(select(User.id).where(User.email.like("pegawai%"))).all()
        roles = ("analyst", "drafter", "responder", "reviewer")
        session.execute(insert(UserRole), [{"user_id": u, "role": roles[u % 4]} for u in ids])
        session.execute(
            insert(SavedQuery),
            [{"unit_id": unit_ids[i % len(unit_ids)], "name": f"Topik {i:04d}", "query": f"pajak kata{i}"}
             for i in range(QUERIES)],
        )  # fmt: skip
        session.execute(
            insert(AlertRule),
            [{"unit_id": unit_ids[i % len(unit_ids)], "name": f"Aturan {i:04d}", "kind": "spike",
              "emails": []}
             for i in range(RULES)],
        )  # fmt: skip
        for i in range(300):
            org_service.rename_unit(
                session, unit=units[1 + i % UNITS], name=f"Unit {i % UNITS:02d} r{i}", actor=admin
            )
        return int(admin.id)


def _total(html: str) -> str:
    found = re.findall(r'data-testid="pager-total" data-total="(\d+)"', html)
    return " / ".join(found) or "—"


def run(url: str | None = None, *, repeat: int = 5) -> list[dict[str, Any]]:
    """Time every page in `PAGES`; returns one row per page (median and max in ms, the stated total)."""
    from fastapi.testclient import TestClient

    from humas.core import db as core_db
    from humas.core import migrations
    from humas.core.settings import get_settings
    from humas.org import auth as auth_service
    from humas.org.models import User
    from humas.web.app import create_app
    from humas.web.deps import SESSION_COOKIE, sign

    folder = Path(tempfile.mkdtemp(prefix="humas-bench-pages-"))
    os.environ["HUMAS_DATABASE_URL"] = url or f"sqlite:///{folder / 'pages.db'}"
    os.environ.setdefault("HUMAS_QUEUE_PATH", str(folder / "queue.db"))
    get_settings.cache_clear()
    core_db.get_engine.cache_clear()
    engine = core_db.get_engine()
    migrations.upgrade(engine)
    admin_id = _seed(engine)
    with core_db.session_scope(engine) as session:
        admin = session.get(User, admin_id)
        assert admin is not None
        token, _web = auth_service.start_session(session, user=admin)
    rows = []
    with TestClient(create_app(), base_url="http://testserver") as client:
        client.cookies.set(SESSION_COOKIE, sign(token, salt="humas.session"))
        for page in PAGES:
            client.get(page)  # warm caches, as a second visitor would
            times, body, status = [], "", 0
            for _ in range(repeat):
                start = time.perf_counter()
                response = client.get(page)
                times.append((time.perf_counter() - start) * 1000)
                body, status = response.text, response.status_code
            median, worst = round(statistics.median(times)), round(max(times))
            rows.append({"page": page, "status": status, "median_ms": median, "max_ms": worst,
                         "total": _total(body), "kb": round(len(body) / 1024)})  # fmt: skip
    engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("| page | status | median ms | max ms | stated total | HTML KiB |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in run(args.url, repeat=args.repeat):
        cells = [f"`{row['page']}`", row["status"], row["median_ms"], row["max_ms"], row["total"], row["kb"]]
        print("| " + " | ".join(str(c) for c in cells) + " |")


if __name__ == "__main__":
    main()
