from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from humas.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import AuditLog, Unit
from tests.factories import make_unit, make_user


def test_create_move_rename_and_subtree(session):
    root = make_unit(session, name="Kementerian")
    admin = make_user(session, unit=root)
    dg = org_service.create_unit(session, name="Ditjen A", parent=root, actor=admin)
    office = org_service.create_unit(session, name="Kanwil 1", parent=dg, actor=admin)
    kppn = org_service.create_unit(session, name="KPPN 1", parent=office, actor=admin)
    dg2 = org_service.create_unit(session, name="Ditjen B", parent=root, actor=admin)

    org_service.move_unit(session, unit=office, new_parent=dg2, actor=admin)
    session.refresh(kppn)
    assert kppn.path == f"{dg2.path}{office.id}/{kppn.id}/"
    assert kppn.depth == 3
    assert set(org_service.subtree_ids(session, dg2)) == {dg2.id, office.id, kppn.id}

    org_service.rename_unit(session, unit=office, name="Kanwil Satu", actor=admin)
    actions = [a.action for a in session.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert actions[-2:] == ["unit.move", "unit.rename"]


def test_refusals_change_nothing(session):
    root = make_unit(session)
    admin = make_user(session, unit=root)
    child = org_service.create_unit(session, name="Anak", parent=root, actor=admin)
    grandchild = org_service.create_unit(session, name="Cucu", parent=child, actor=admin)
    with pytest.raises(Conflict) as err:
        org_service.create_unit(session, name="anak", parent=root, actor=admin)
    assert err.value.field == "name"
    with pytest.raises(Invalid) as err:
        org_service.move_unit(session, unit=child, new_parent=grandchild, actor=admin)
    assert err.value.field == "parent_id"
    with pytest.raises(Invalid):
        org_service.create_unit(session, name="   ", parent=root, actor=admin)
    with pytest.raises(Invalid) as err:
        org_service.create_unit(session, name="x" * 10_000, parent=root, actor=admin)
    assert "200" in str(err.value)
    session.refresh(child)
    assert child.parent_id == root.id
    assert session.scalar(select(Unit).where(Unit.name == "x" * 10_000)) is None


def test_last_admin_cannot_lose_role(session):
    root = make_unit(session)
    admin = make_user(session, unit=root)
    with pytest.raises(Conflict):
        org_service.set_roles(session, user=admin, roles=["analyst"], actor=admin)
    other = make_user(session, unit=root)
    org_service.set_roles(session, user=admin, roles=["analyst"], actor=other)
    assert {r.value for r in admin.roles} == {"analyst"}


def test_access_is_limited_to_subtree(session):
    root = make_unit(session)
    a = make_unit(session, parent=root, name="A")
    b = make_unit(session, parent=root, name="B")
    user_a = make_user(session, unit=a)
    user_b = make_user(session, unit=b)
    assert org_service.access_unit(session, user_a, a.id) is a
    with pytest.raises(NotFound):
        org_service.access_unit(session, user_a, b.id)
    with pytest.raises(NotFound):
        org_service.access_user(session, user_a, user_b.id)
    with pytest.raises(NotFound):
        org_service.create_unit(session, name="X", parent=b, actor=user_a)
    drafter = make_user(session, unit=a, roles=("drafter",))
    with pytest.raises(PermissionDenied):
        org_service.create_unit(session, name="X", parent=a, actor=drafter)


def test_audit_rows_cannot_be_changed(session, engine):
    root = make_unit(session)
    row = session.scalar(select(AuditLog).where(AuditLog.unit_id == root.id))
    row.action = "tampered"
    with pytest.raises(Conflict):
        session.flush()
    session.rollback()
    # The database refuses it too, whatever the code path.
    root = make_unit(session)
    session.flush()
    with pytest.raises(DBAPIError), session.begin_nested():
        session.execute(text("UPDATE audit_log SET action = 'x'"))
    with pytest.raises(DBAPIError), session.begin_nested():
        session.execute(text("DELETE FROM audit_log"))


def test_audit_export_csv_defuses_formulas(session):
    root = make_unit(session, name="=HYPERLINK(1)")
    text_out = "".join(audit_service.export_csv(session, filters=audit_service.AuditFilter()))
    assert "'=HYPERLINK(1)" in text_out
    assert text_out.splitlines()[0].startswith("id,at,actor,action")
    assert str(root.id) in text_out


def test_audit_export_keeps_to_the_subtree_and_defuses_every_text_cell(session):
    import csv
    import io

    root = make_unit(session, name="Kementerian")
    admin = make_user(session, unit=root, email="=cmd@contoh.go.id")
    mine = org_service.create_unit(session, name="@SUM(A1)", parent=root, actor=admin)
    other = org_service.create_unit(session, name="Ditjen Lain", parent=root, actor=admin)
    org_service.rename_unit(session, unit=mine, name="+Ditjen Saya", actor=admin)
    org_service.rename_unit(session, unit=other, name="Ditjen Lain Sekali", actor=admin)
    leader = make_user(session, unit=mine, roles=("pimpinan",))
    drafter = make_user(session, unit=mine, roles=("drafter",))
    with pytest.raises(PermissionDenied):
        org_service.audit_unit_ids(session, drafter)
    unit_ids = org_service.audit_unit_ids(session, leader)
    text_out = "".join(
        audit_service.export_csv(session, filters=audit_service.AuditFilter(), unit_ids=unit_ids)
    )
    rows = list(csv.DictReader(io.StringIO(text_out)))
    assert rows and {r["unit_id"] for r in rows} == {str(mine.id)}
    assert "Ditjen Lain" not in text_out
    for row in rows:
        for column in ("actor", "action", "object_type", "object_id", "object_label", "before", "after"):
            assert row[column][:1] not in ("=", "+", "-", "@"), (column, row[column])
    assert any(r["actor"] == "'=cmd@contoh.go.id" for r in rows)
    assert any(r["object_label"] == "'+Ditjen Saya" for r in rows)
    renamed = audit_service.AuditFilter(action="unit.rename")
    only = list(
        csv.DictReader(
            io.StringIO("".join(audit_service.export_csv(session, filters=renamed, unit_ids=unit_ids)))
        )
    )
    assert [r["action"] for r in only] == ["unit.rename"]
