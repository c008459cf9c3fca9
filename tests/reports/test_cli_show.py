"""`humas reports show`: a unit's report figures, or its JSON, built from the database (both engines)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from humas.cli.main import app
from humas.core import migrations
from humas.core.db import get_engine, session_scope
from humas.reports.document import Report
from tests.reports.world import build_world

runner = CliRunner()


def test_show_prints_figures_and_json(use_database, fernet_key):
    migrations.upgrade(get_engine())
    with session_scope() as session:
        build_world(session)
    result = runner.invoke(
        app, ["reports", "show", "--unit", "Kanwil A", "--period", "2026-11", "--descendants"]
    )
    assert result.exit_code == 0, result.output
    assert "Percakapan masuk" in result.output and "inbox.received" in result.output
    raw = runner.invoke(
        app, ["reports", "show", "--unit", "KPPN A1", "--period", "2026-11", "--json", "--locale", "en"]
    )
    assert raw.exit_code == 0, raw.output
    report = Report.from_json(raw.stdout)
    assert (report.unit_name, report.locale, report.period.key) == ("KPPN A1", "en", "2026-11")
    assert report.figures()["inbox.received"].value == 2
    assert json.loads(raw.stdout)["institution"] == "Kementerian Contoh"
    bad = runner.invoke(app, ["reports", "show", "--unit", "Kanwil A", "--period", "2026-13"])
    assert bad.exit_code == 1 and "Periode 2026-13 tidak dikenal" in bad.output  # the CLI speaks Indonesian
