"""`kill -9` of a file import whose analysis runs in a worker process (decision 0102), then a re-run.

The mirror of test_import_crash.py with the real models in an analysis process, on both engines: the writer is
killed while batches are analysed ahead of it; the re-run resumes after the last committed batch. Exactly the
file's rows are stored, once each, and every rollup equals a count over the stored mentions and matches.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from humas.core import migrations
from humas.core.db import make_engine, session_scope
from humas.ingest.models import IngestJob, Mention, MentionRollup, QueryMatch, SavedQuery
from tests.factories import make_unit

ROWS = 8_000
ROOT = Path(__file__).resolve().parents[2]


def _write_file(path: Path) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("external_id,text,created_at,author_handle,likes\n")
        for i in range(ROWS):
            f.write(f"m{i},Keluhan nomor {i} tentang layanan kppn {i % 97} dan pajak {i % 13} lambat,")
            f.write(f"2026-11-{1 + i % 28:02d} {i % 24:02d}:00,warga{i % 500},{i % 50}\n")


def _worker(url: str, path: Path, unit_id: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}"}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.ingest.import_worker", url, str(path), str(unit_id), "1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,  # its own process group: the kill reaches the analysis process too
    )  # fmt: skip


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM mentions")).scalar_one()


@pytest.mark.slow
def test_kill_9_mid_import_with_analysis_process_then_rerun(empty_db_url, tmp_path):
    engine = make_engine(empty_db_url)
    migrations.upgrade(engine)
    with session_scope(engine) as session:
        unit_id = make_unit(session, name="Kanwil").id
        session.add(SavedQuery(unit_id=unit_id, name="kppn", query='"kppn 7" OR "pajak 3"'))
        session.add(SavedQuery(unit_id=unit_id, name="negatif", query="sentiment:negative"))
    path = tmp_path / "big.csv"
    _write_file(path)

    proc = _worker(empty_db_url, path, unit_id)
    deadline = time.monotonic() + 300
    while _count(engine) < 2_000:  # a few batches committed, more analysed ahead: pull the plug
        assert proc.poll() is None, proc.communicate()[0]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the writer and its analysis process
    proc.wait()
    killed_at = _count(engine)
    assert 0 < killed_at < ROWS

    rerun = _worker(empty_db_url, path, unit_id)
    out, _ = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, out
    assert "resumed_after=" in out and "resumed_after=0" not in out
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Mention)) == ROWS
        assert session.scalar(select(func.count(func.distinct(Mention.external_id)))) == ROWS
        assert [j.status for j in session.scalars(select(IngestJob))] == ["done"]
        assert (
            session.scalar(select(func.sum(MentionRollup.count)).where(MentionRollup.query_id == 0)) == ROWS
        )
        matches = dict(
            session.execute(select(QueryMatch.query_id, func.count()).group_by(QueryMatch.query_id)).all()
        )
        rolled = dict(
            session.execute(
                select(MentionRollup.query_id, func.sum(MentionRollup.count))
                .where(MentionRollup.query_id != 0)
                .group_by(MentionRollup.query_id)
            ).all()
        )
        assert rolled == matches and len(matches) == 2 and all(matches.values())
        per_sentiment = dict(
            session.execute(select(Mention.sentiment, func.count()).group_by(Mention.sentiment)).all()
        )
        rolled_sentiment = dict(
            session.execute(
                select(MentionRollup.sentiment, func.sum(MentionRollup.count))
                .where(MentionRollup.query_id == 0)
                .group_by(MentionRollup.sentiment)
            ).all()
        )
        assert rolled_sentiment == per_sentiment
    engine.dispose()
