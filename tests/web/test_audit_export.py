"""The audit page's CSV download (TestClient, both engines): the filtered entries of the user's subtree."""

from __future__ import annotations

import csv
import io

from humas.org import service as org_service
from tests.factories import make_unit, make_user


def _rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))


def test_the_download_holds_the_filtered_entries_of_the_subtree(web, session):
    root = make_unit(session, name="Kementerian")
    boss = make_user(session, unit=root)
    mine = org_service.create_unit(session, name='=HYPERLINK("http://x")', parent=root, actor=boss)
    org_service.create_unit(session, name="Ditjen Tetangga", parent=root, actor=boss)
    admin = make_user(session, unit=mine, roles=("admin",))
    child = org_service.create_unit(session, name="Kanwil", parent=mine, actor=admin)
    org_service.rename_unit(session, unit=child, name="Kanwil Satu", actor=admin)
    web.login(admin)
    page = web.get("/audit", params={"action": "unit.rename"})
    assert 'href="/audit/export.csv?action=unit.rename"' in page.text
    response = web.get("/audit/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="audit.csv"' in response.headers["content-disposition"]
    rows = _rows(response)
    assert {r["unit_id"] for r in rows} <= {str(mine.id), str(child.id)}
    assert "Tetangga" not in response.text
    assert {r["action"] for r in rows} >= {"unit.create", "unit.rename"}
    renamed = _rows(web.get("/audit/export.csv", params={"action": "unit.rename"}))
    assert [(r["action"], r["object_label"]) for r in renamed] == [("unit.rename", "Kanwil Satu")]
    bad = web.get("/audit/export.csv", params={"since": "kemarin"})
    assert bad.status_code == 422


def test_formulas_are_defused_and_other_roles_refused(web, session):
    root = make_unit(session, name="Kementerian")
    boss = make_user(session, unit=root)
    org_service.create_unit(session, name='=HYPERLINK("http://x")', parent=root, actor=boss)
    web.login(boss)
    rows = _rows(web.get("/audit/export.csv", params={"object_type": "unit"}))
    assert any(r["object_label"] == '\'=HYPERLINK("http://x")' for r in rows)
    drafter = make_user(session, unit=root, roles=("drafter",))
    web.login(drafter)
    assert web.get("/audit/export.csv").status_code == 403
    assert web.get("/audit").status_code == 403
