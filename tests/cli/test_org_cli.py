from __future__ import annotations

import csv
import io

from sqlalchemy import func, select
from typer.testing import CliRunner

from humas.cli.main import app
from humas.core.db import get_engine, session_scope
from humas.demo.org import build_demo
from humas.org import auth
from humas.org import service as org_service
from humas.org.models import AuditLog, Unit, User

runner = CliRunner()


def test_init_creates_admin_and_is_rerunnable(use_database, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HUMAS_SECRET_KEY", raising=False)
    result = runner.invoke(
        app,
        [
            "init",
            "--admin-email",
            "Boss@Example.go.id",
            "--admin-password",
            "sangat-rahasia-1",
            "--institution",
            "Kementerian X",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "HUMAS_SECRET_KEY=" in (tmp_path / ".env").read_text()
    again = runner.invoke(app, ["init"])
    assert again.exit_code == 0 and "already exist" in again.output
    with session_scope() as session:
        user = session.scalar(select(User))
        assert user.email == "boss@example.go.id"
        assert isinstance(
            auth.authenticate(session, email="boss@example.go.id", password="sangat-rahasia-1"), User
        )
    check = runner.invoke(app, ["migrate", "--check"])
    assert check.exit_code == 0, check.output


def test_init_writes_no_key_the_environment_already_sets(use_database, tmp_path, monkeypatch):
    """The keys come from a service's EnvironmentFile (docs/deploy.md): .env gets no second, unused pair."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HUMAS_SECRET_KEY", "from-the-environment-file")
    monkeypatch.setenv("HUMAS_FERNET_KEY", "n3JxPZ0sCj1c1y0n9Nq3sBvqgY5KpX2c0m4Jt7Wf1aE=")
    result = runner.invoke(
        app, ["init", "--admin-email", "a@example.go.id", "--admin-password", "rahasia-123456"]
    )
    assert result.exit_code == 0, result.output
    assert not (tmp_path / ".env").exists()


def test_user_add_and_audit_export(use_database, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner.invoke(app, ["init", "--admin-email", "a@x.go.id", "--admin-password", "sangat-rahasia-1"])
    with session_scope() as session:
        unit_id = session.scalar(select(Unit.id))
    result = runner.invoke(
        app,
        [
            "user",
            "add",
            "r@x.go.id",
            "--name",
            "Responder",
            "--unit-id",
            str(unit_id),
            "--role",
            "responder",
            "--role",
            "analyst",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "One-time password" in result.output
    bad = runner.invoke(
        app, ["user", "add", "r@x.go.id", "--name", "Dup", "--unit-id", str(unit_id), "--role", "responder"]
    )
    assert bad.exit_code == 1 and "(email)" in bad.output
    bad_role = runner.invoke(
        app, ["user", "add", "z@x.go.id", "--name", "Z", "--unit-id", str(unit_id), "--role", "king"]
    )
    assert bad_role.exit_code == 1 and "king" in bad_role.output

    out = tmp_path / "audit.csv"
    export = runner.invoke(app, ["audit", "export", "--output", str(out)])
    assert export.exit_code == 0, export.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["action"] for r in rows] == ["unit.create", "user.create", "user.create"]
    assert rows[-1]["object_label"] == "r@x.go.id"


def test_demo_builds_the_institution_once(use_database):
    engine = get_engine()
    credentials = build_demo(engine)
    assert sorted(c.role for c in credentials) == sorted(
        ["admin", "pimpinan", "reviewer", "drafter", "responder", "analyst"]
    )
    with session_scope() as session:
        depths = session.execute(
            select(Unit.depth, func.count()).group_by(Unit.depth).order_by(Unit.depth)
        ).all()
        assert [tuple(r) for r in depths] == [(0, 1), (1, 2), (2, 4), (3, 7)]
        by_name = {u.name: u for u in session.scalars(select(Unit))}
        zones = {name: org_service.unit_zone_name(session, by_name[name]) for name in by_name}
        assert zones["KPKNL Makassar"] == "Asia/Makassar" and zones["KPPN Jayapura"] == "Asia/Jayapura"
        assert zones["KPPN Bandung I"] == "Asia/Jakarta"
        responder = next(c for c in credentials if c.role == "responder")
        user = auth.authenticate(session, email=responder.email, password=responder.password)
        assert isinstance(user, User) and user.unit.name == "KPPN Bandung I"
        assert session.scalar(select(func.count(AuditLog.id))) > 12
    assert build_demo(engine) == []
