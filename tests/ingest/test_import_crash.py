"""`kill -9` in the middle of a 100,000-row import, then a re-run: exactly 100,000 mentions."""

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
from humas.ingest.models import IngestJob, Mention
from tests.factories import make_unit

ROWS = 100_000
ROOT = Path(__file__).resolve().parents[2]


def _write_file(path: Path) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("external_id,text,created_at,author_handle,likes\n")
        for i in range(ROWS):
            f.write(f"m{i},Keluhan nomor {i} tentang layanan kppn {i % 97} dan pajak {i % 13},")
            f.write(f"2026-11-{1 + i % 28:02d} {i % 24:02d}:00,warga{i % 500},{i % 50}\n")


def _worker(url: str, path: Path, unit_id: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}"}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.ingest.import_worker", url, str(path), str(unit_id)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM mentions")).scalar_one()


@pytest.mark.slow
def test_kill_9_mid_import_then_rerun(tmp_path):
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    engine = make_engine(url)
    migrations.upgrade(engine)
    with session_scope(engine) as session:
        unit_id = make_unit(session, name="Kanwil").id
    path = tmp_path / "big.csv"
    _write_file(path)

    proc = _worker(url, path, unit_id)
    deadline = time.monotonic() + 60
    while _count(engine) < 20_000:  # wait until a good part is committed, then pull the plug
        assert proc.poll() is None, proc.communicate()[0]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = _count(engine)
    assert 0 < killed_at < ROWS

    rerun = _worker(url, path, unit_id)
    out, _ = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, out
    assert "resumed_after=" in out and "resumed_after=0" not in out
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Mention)) == ROWS
        assert session.scalar(select(func.count(func.distinct(Mention.external_id)))) == ROWS
        jobs = session.scalars(select(IngestJob).order_by(IngestJob.id)).all()
        assert [j.status for j in jobs] == ["done"]
    engine.dispose()
