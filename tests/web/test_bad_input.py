"""Bad input gets a clear message naming the field, and nothing changes."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from humas.org.models import AuditLog, Unit
from tests.factories import make_unit, make_user
from tests.web.conftest import WebClient, api_token


def _snapshot(session) -> list[tuple[int, str, str]]:
    session.expire_all()
    units = session.execute(select(Unit.id, Unit.name, Unit.path).order_by(Unit.id)).all()
    audit = session.scalar(select(func.count(AuditLog.id)))
    return [tuple(u) for u in units] + [(-1, "audit", str(audit))]


def _marked_field(html: str) -> tuple[str, str]:
    """The field marked invalid in a re-rendered form, and its message."""
    match = re.search(r'id="f-([\w]+)"[^>]*aria-invalid="true"', html) or re.search(
        r'class="field has-error">\s*<label for="f-([\w-]+)"', html
    )
    message = re.search(r'data-testid="field-error">([^<]*)<', html)
    assert match and message, html[:3000]
    return match.group(1), message.group(1)


def test_empty_unit_name(web: WebClient, session) -> None:
    admin = make_user(session)
    web.login(admin)
    before = _snapshot(session)
    response = web.post("/units", {"name": "   ", "parent_id": admin.unit_id})
    assert response.status_code == 422
    assert _marked_field(response.text) == ("name", "Nama tidak boleh kosong.")
    assert _snapshot(session) == before


def test_ten_thousand_character_name(web: WebClient, session) -> None:
    admin = make_user(session)
    child = make_unit(session, parent=admin.unit, name="Anak")
    web.login(admin)
    before = _snapshot(session)
    response = web.post("/units", {"name": "x" * 10_000, "parent_id": admin.unit_id})
    assert response.status_code == 422
    assert _marked_field(response.text) == ("name", "Nama terlalu panjang (paling banyak 200 karakter).")
    rename = web.post(f"/units/{child.id}/rename", {"name": "y" * 10_000})
    assert rename.status_code == 422 and _marked_field(rename.text)[0] == "name"
    # The submitted value is kept in the form (escaped), the page still works.
    assert 'value="xxxxxxxxxx' in response.text
    assert _snapshot(session) == before


def test_move_under_own_child(web: WebClient, session) -> None:
    admin = make_user(session)
    parent = make_unit(session, parent=admin.unit, name="Induk")
    child = make_unit(session, parent=parent, name="Anak")
    web.login(admin)
    before = _snapshot(session)
    response = web.post(f"/units/{parent.id}/move", {"parent_id": child.id})
    assert response.status_code == 422
    field, message = _marked_field(response.text)
    assert field == "move-parent"
    assert message == "Unit tidak dapat dipindahkan ke bawah dirinya sendiri atau unit turunannya."
    itself = web.post(f"/units/{parent.id}/move", {"parent_id": parent.id})
    assert itself.status_code == 422
    assert _snapshot(session) == before


def test_duplicate_sibling_name(web: WebClient, session) -> None:
    admin = make_user(session)
    make_unit(session, parent=admin.unit, name="Biro Humas")
    web.login(admin)
    before = _snapshot(session)
    response = web.post("/units", {"name": "biro humas", "parent_id": admin.unit_id})
    assert response.status_code == 409
    assert _marked_field(response.text) == ("name", "Unit dengan nama ini sudah ada di sini.")
    assert _snapshot(session) == before


def test_non_numeric_id_names_the_field(web: WebClient, session) -> None:
    admin = make_user(session)
    web.login(admin)
    response = web.post(f"/units/{admin.unit_id}/move", {"parent_id": "abc"})
    assert response.status_code == 422 and "parent_id" in response.text


def test_invite_with_bad_email_keeps_the_form(web: WebClient, session) -> None:
    admin = make_user(session)
    web.login(admin)
    response = web.post(
        "/users", {"email": "bukan-email", "name": "Budi", "unit_id": admin.unit_id, "roles": ["drafter"]}
    )
    assert response.status_code == 422
    assert _marked_field(response.text) == ("email", "Masukkan alamat e-mail yang valid.")
    assert 'value="Budi"' in response.text


def test_malformed_api_body_names_the_field(web: WebClient, session) -> None:
    admin = make_user(session)
    token = api_token(session, admin)
    before = _snapshot(session)
    cases = [
        ({"name": "Tanpa Induk"}, "parent_id"),
        ({"name": ["bukan", "teks"], "parent_id": admin.unit_id}, "name"),
        ({"name": "X", "parent_id": "satu"}, "parent_id"),
        ({"name": "X", "parent_id": admin.unit_id, "extra": 1}, "extra"),
    ]
    for body, field in cases:
        response = web.api("POST", "/api/v1/units", token, json=body)
        assert response.status_code == 422, body
        assert response.json()["field"] == field, response.json()
        assert field in response.json()["message"]
    not_json = web.api(
        "POST", "/api/v1/units", token, content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 422 and not_json.json()["error"] == "invalid"
    empty = web.api("POST", "/api/v1/units", token, json={"name": "", "parent_id": admin.unit_id})
    assert empty.status_code == 422 and empty.json() == {
        "error": "invalid",
        "message": "Nama tidak boleh kosong.",
        "field": "name",
    }
    long = web.api("POST", "/api/v1/units", token, json={"name": "x" * 10_000, "parent_id": admin.unit_id})
    assert long.status_code == 422 and long.json()["field"] == "name"
    assert _snapshot(session) == before


def test_api_move_under_own_child(web: WebClient, session) -> None:
    admin = make_user(session)
    parent = make_unit(session, parent=admin.unit)
    child = make_unit(session, parent=parent)
    token = api_token(session, admin)
    before = _snapshot(session)
    response = web.api("POST", f"/api/v1/units/{parent.id}/move", token, json={"parent_id": child.id})
    assert response.status_code == 422 and response.json()["field"] == "parent_id"
    assert _snapshot(session) == before


def test_api_error_is_in_the_callers_language(web: WebClient, session) -> None:
    admin = make_user(session, locale="en")
    token = api_token(session, admin)
    # A token carries no cookie; the message follows Accept-Language, Indonesian by default.
    response = web.api(
        "POST",
        "/api/v1/units",
        token,
        json={"name": "", "parent_id": admin.unit_id},
        headers={"Accept-Language": "en"},
    )
    assert response.json()["message"] == "The name must not be empty."


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=300), parent=st.one_of(st.integers(), st.text(max_size=5), st.none()))
def test_any_unit_body_gets_a_clear_answer(web: WebClient, session, name: str, parent: object) -> None:
    """Whatever the body, the API answers 201 or a 4xx naming a field, never a 500."""
    if "fuzz_token" not in session.info:  # one admin per test, not per example (argon2 is slow on purpose)
        session.info["fuzz_token"] = api_token(session, make_user(session))
    token = session.info["fuzz_token"]
    response = web.api("POST", "/api/v1/units", token, json={"name": name, "parent_id": parent})
    assert response.status_code in (201, 404, 409, 422), response.text
    if response.status_code != 201:
        assert response.json()["field"] in ("name", "parent_id"), response.json()


def test_ids_past_32_bits_are_refused_not_crashed(web: WebClient, session) -> None:
    admin = make_user(session)
    token = api_token(session, admin)
    web.login(admin)
    huge = 2**31
    assert web.get(f"/units/{huge}").status_code == 422
    assert web.api("GET", f"/api/v1/units/{huge}", token).json()["field"] == "unit_id"
    body = web.api("POST", "/api/v1/units", token, json={"name": "X", "parent_id": huge})
    assert body.status_code == 422 and body.json()["field"] == "parent_id"
    form = web.post(f"/units/{admin.unit_id}/move", {"parent_id": huge})
    assert form.status_code == 422 and "parent_id" in form.text
