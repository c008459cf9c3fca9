"""A bulk import and the minute jobs together on one SQLite file: nobody meets "database is locked".

The import runs in one thread (one committed transaction per batch), the periodic listening jobs (facet
rollups and keyword rules, spike detection, narratives) in another, as a worker does while an import runs.
"""

from __future__ import annotations

import csv
import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from humas.core import migrations
from humas.core.db import get_engine, session_scope
from humas.demo.listening import _fallback_analyzer
from humas.ingest import runner as ingest_runner
from humas.ingest.service import queries as queries_service
from tests.factories import make_unit

ROWS = 6_000
QUERIES = 40


def _write_csv(path: Path) -> None:
    start = datetime.now(UTC) - timedelta(hours=30)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["external_id", "created_at", "text", "author_handle"])
        for i in range(ROWS):
            at = start + timedelta(seconds=17 * i)
            text = f"Antrean layanan pajak nomor {i % 97} lambat sekali #kppn{i % 5}"
            writer.writerow([f"c{i}", at.isoformat(), text, f"warga{i % 311}"])


@pytest.mark.parametrize("empty_db_url", ["sqlite"], indirect=True)
def test_import_and_minute_jobs_never_meet_a_locked_database(
    use_database, tmp_path, caplog, monkeypatch
) -> None:
    from humas.listening import tasks as listening_tasks

    # Each spike run sees one more closed hour, as the hourly job does: every scope reads, then writes.
    clock = {"now": datetime.now(UTC)}

    def next_hour() -> datetime:
        clock["now"] += timedelta(hours=1)
        return clock["now"]

    monkeypatch.setattr(listening_tasks, "utcnow", next_hour)

    engine = get_engine()
    migrations.upgrade(engine)
    with session_scope() as session:
        unit = make_unit(session, name="Kanwil Uji")
        for i in range(QUERIES):
            # Each saved query is one more scope the spike job reads and writes while the import commits.
            queries_service.create_query(
                session, unit=unit, name=f"Topik {i}", query=f"nomor {i}", actor=None
            )
        unit_id = unit.id
    path = tmp_path / "bulk.csv"
    _write_csv(path)
    errors: list[BaseException] = []
    done = threading.Event()
    runs = {"jobs": 0}

    def importer() -> None:
        try:
            ingest_runner.run_import(path, unit_id=unit_id, analyzer=_fallback_analyzer, batch_size=500)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            done.set()

    def jobs() -> None:
        while not done.is_set() or runs["jobs"] < 2:
            for task in (
                listening_tasks.rollup_facets_task,
                listening_tasks.detect_spikes_task,
                listening_tasks.build_narratives_task,
            ):
                try:
                    task.call_local()
                except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                    errors.append(exc)
            runs["jobs"] += 1

    caplog.set_level(logging.WARNING)
    threads = [threading.Thread(target=importer), threading.Thread(target=jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not any(t.is_alive() for t in threads), "the import or the jobs hung"
    logged = [f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records if r.levelno >= logging.WARNING]
    locked = [line for line in logged if "locked" in line]
    assert not errors, [repr(e)[:300] for e in errors]
    assert not locked, locked[:5]
    assert runs["jobs"] >= 2
    with session_scope() as session:
        from sqlalchemy import func, select

        from humas.ingest.models import Mention

        assert session.scalar(select(func.count()).select_from(Mention)) == ROWS
