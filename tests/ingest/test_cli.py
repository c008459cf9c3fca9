"""The CLI through Typer's runner on a real database file: import, query add/list/test, feeds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from humas.cli import ingest as ingest_cli
from humas.core import db as core_db
from humas.core import migrations
from humas.core.db import session_scope
from humas.core.settings import get_settings
from humas.ingest.models import IngestJob, QueryMatch
from humas.ingest.service import pipeline
from tests.factories import make_unit
from tests.ingest.helpers import fake_analyze

runner = CliRunner()


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("HUMAS_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("HUMAS_IMMEDIATE_JOBS", "1")
    get_settings.cache_clear()
    core_db.get_engine.cache_clear()
    migrations.upgrade(core_db.get_engine())
    with session_scope() as session:
        make_unit(session, name="Biro Humas")
    monkeypatch.setattr(pipeline, "default_analyzer", fake_analyze)
    yield tmp_path
    core_db.get_engine().dispose()
    get_settings.cache_clear()
    core_db.get_engine.cache_clear()


def test_import_then_query_add_list_test(cli_db: Path) -> None:
    path = cli_db / "posts.csv"
    path.write_text(
        "Tweet,Tanggal\nPajak daerah naik lagi,2026-11-20 10:00\n,2026-11-20 11:00\nKPPN ramah,x\n"
    )
    args = ["import", str(path), "--map", "text=Tweet", "--map", "created_at=Tanggal", "--workers", "0"]
    result = runner.invoke(ingest_cli.cli, args)
    assert result.exit_code == 0, result.output
    assert "3 rows: 1 added" in result.output
    assert "row 3: teks kosong" in result.output and "row 4: tanggal tidak dikenali" in result.output
    assert (cli_db / "posts.csv.errors.csv").exists()
    again = runner.invoke(ingest_cli.cli, args)
    assert "0 added, 1 already known" in again.output

    added = runner.invoke(ingest_cli.cli, ["query", "add", "Pajak", "pajak* -promo"])
    assert added.exit_code == 0, added.output
    with session_scope() as session:  # the backfill ran as a job (huey in immediate mode here)
        job = session.scalars(select(IngestJob).where(IngestJob.kind == "backfill")).one()
        assert (job.status, job.added) == ("done", 1)
        assert session.scalar(select(func.count()).select_from(QueryMatch)) == 1
    listed = runner.invoke(ingest_cli.cli, ["query", "list"])
    assert "pajak* AND NOT promo" in listed.output
    tested = runner.invoke(ingest_cli.cli, ["query", "test", "pajak*"])
    assert "Pajak daerah naik lagi" in tested.output and "1 shown" in tested.output
    bad = runner.invoke(ingest_cli.cli, ["query", "test", "pajak AND (kppn"])
    assert bad.exit_code == 1 and "kolom 11: tanda kurung tidak ditutup" in bad.output


def test_add_feed_and_list(cli_db: Path) -> None:
    result = runner.invoke(
        ingest_cli.cli, ["source", "add-feed", "https://www.antaranews.com/rss/ekonomi.xml"]
    )
    assert result.exit_code == 0, result.output
    listed = runner.invoke(ingest_cli.cli, ["source", "list"])
    assert listed.exit_code == 0 and "yes" in listed.output  # healthy
    bad = runner.invoke(ingest_cli.cli, ["source", "add-feed", "ftp://x"])
    assert bad.exit_code == 1
