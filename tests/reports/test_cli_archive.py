"""`humas reports generate` and `humas reports schedule` on the app's database, with the real builder: the
files written are the archived ones (same SHA-256). The renderers are the quick stand-ins (a real one-page
PDF): WeasyPrint's own output is tested in test_render_pdf.py, and takes 10-20 s on a busy CI machine."""

from __future__ import annotations

import hashlib
import zipfile
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from typer.testing import CliRunner

from humas.cli.main import app
from humas.core import migrations
from humas.core.db import get_engine, session_scope
from humas.reports.models import ArchivedReport, ReportFile, ReportSchedule
from humas.reports.service import archive
from tests.factories import make_unit
from tests.inbox.factories import make_mention
from tests.reports.archive_fakes import FAKE_RENDERERS

runner = CliRunner()


def test_generate_finalises_a_new_version_and_writes_its_files(
    use_database, fernet_key, tmp_path, monkeypatch
):
    monkeypatch.setattr(archive, "default_renderers", lambda: FAKE_RENDERERS)
    migrations.upgrade(get_engine())
    with session_scope() as session:
        kanwil = make_unit(session, parent=make_unit(session, name="Kementerian"), name="Kanwil A")
        for day in (3, 17):
            make_mention(
                session, unit=kanwil, at=datetime(2026, 11, day, 3, tzinfo=UTC), sentiment="positive"
            )
    out = tmp_path / "laporan"
    args = ["reports", "generate", "--unit", "Kanwil A", "--period", "2026-11", "--descendants"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "version 1" in result.output

    written = {p.suffix: p for p in out.iterdir()}
    assert set(written) == {".pdf", ".xlsx", ".zip"}
    with session_scope() as session:
        row = session.scalars(select(ArchivedReport)).one()
        stored = {f.filename: f.sha256 for f in row.files}
    for path in written.values():
        assert stored[path.name] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert written[".pdf"].read_bytes().startswith(b"%PDF-")
    assert written[".pdf"].name.startswith("laporan-kanwil-a-all-2026-11-id-v1")
    with zipfile.ZipFile(written[".zip"]) as archived_csv:
        assert "listening.mentions,2" in archived_csv.read("figures.csv").decode()  # the real builder's count
    bad = runner.invoke(app, ["reports", "generate", "--unit", "Kanwil A", "--period", "2026-13"])
    assert bad.exit_code == 1 and "period" in bad.output
    not_ended = runner.invoke(app, ["reports", "generate", "--unit", "Kanwil A", "--period", "2099-01"])
    assert not_ended.exit_code == 1 and "2099-01" in not_ended.output
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(ReportFile)) == 3
    checked = runner.invoke(app, ["reports", "verify", str(row.id)])
    assert checked.exit_code == 0 and "pdf: ok" in checked.output and "snapshot: ok" in checked.output
    with session_scope() as session:  # what only someone with direct database access could do
        session.execute(update(ReportFile).where(ReportFile.kind == "xlsx").values(content=b"PK changed"))
    tampered = runner.invoke(app, ["reports", "verify", str(row.id)])
    assert tampered.exit_code == 1 and "xlsx: CHANGED" in tampered.output and "pdf: ok" in tampered.output


def test_schedule_add_list_remove(use_database):
    migrations.upgrade(get_engine())
    with session_scope() as session:
        make_unit(session, parent=make_unit(session, name="Kementerian"), name="Kanwil B")
    bad = runner.invoke(app, ["reports", "schedule", "add", "--unit", "Kanwil B", "--to", "kepala@kemenkeu"])
    assert bad.exit_code == 1 and "kepala@kemenkeu" in bad.output and "recipients" in bad.output
    args = [
        "reports",
        "schedule",
        "add",
        "--unit",
        "Kanwil B",
        "--kind",
        "quarter",
        "--to",
        "a@kemenkeu.go.id",
    ]
    made = runner.invoke(app, args)
    assert made.exit_code == 0, made.output
    with session_scope() as session:
        schedule = session.scalars(select(ReportSchedule)).one()
        assert schedule.period_kind == "quarter" and schedule.recipients == ["a@kemenkeu.go.id"]
        assert schedule.next_run_at > datetime(2026, 1, 1, tzinfo=UTC)
        schedule_id = schedule.id
    listed = runner.invoke(app, ["reports", "schedule", "list"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0 and "a@kemenkeu.go.id" in listed.output and "Kanwil B" in listed.output
    assert runner.invoke(app, ["reports", "schedule", "remove", str(schedule_id)]).exit_code == 0
    missing = runner.invoke(app, ["reports", "schedule", "remove", str(schedule_id)])
    assert missing.exit_code == 1 and "not found" in missing.output
