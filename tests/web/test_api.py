"""The JSON API: bearer tokens, scope, the same services as the pages, OpenAPI."""

from __future__ import annotations

from sqlalchemy import select

from humas.org.models import ApiToken
from tests.factories import make_unit, make_user
from tests.web.conftest import WebClient, api_token


def test_requires_a_token(web: WebClient) -> None:
    response = web.api("GET", "/api/v1/units")
    assert response.status_code == 401 and response.json()["error"] == "authentication_failed"
    assert web.api("GET", "/api/v1/units", "hms_not-a-token").status_code == 401


def test_units_and_users_round_trip(web: WebClient, session) -> None:
    admin = make_user(session)
    token = api_token(session, admin)
    created = web.api("POST", "/api/v1/units", token, json={"name": "Kanwil API", "parent_id": admin.unit_id})
    assert created.status_code == 201
    unit = created.json()
    assert unit["parent_id"] == admin.unit_id and unit["path"].endswith(f"/{unit['id']}/")
    other = web.api(
        "POST", "/api/v1/units", token, json={"name": "KPPN API", "parent_id": admin.unit_id}
    ).json()
    moved = web.api("POST", f"/api/v1/units/{other['id']}/move", token, json={"parent_id": unit["id"]})
    assert moved.status_code == 200 and moved.json()["parent_id"] == unit["id"] and moved.json()["depth"] == 2
    renamed = web.api("POST", f"/api/v1/units/{unit['id']}/rename", token, json={"name": "Kanwil Baru"})
    assert renamed.json()["name"] == "Kanwil Baru"
    names = [u["name"] for u in web.api("GET", "/api/v1/units", token).json()]
    assert names.index("Kanwil Baru") < names.index("KPPN API")
    invited = web.api(
        "POST",
        "/api/v1/users",
        token,
        json={"email": "baru@contoh.go.id", "name": "Baru", "unit_id": unit["id"], "roles": ["responder"]},
    )
    assert invited.status_code == 201 and len(invited.json()["one_time_password"]) >= 12
    user_id = invited.json()["user"]["id"]
    roles = web.api("PUT", f"/api/v1/users/{user_id}/roles", token, json={"roles": ["analyst", "drafter"]})
    assert roles.json()["roles"] == ["analyst", "drafter"]
    archived = web.api("POST", f"/api/v1/units/{unit['id']}/archive", token)
    assert archived.json()["archived_at"] is not None
    actions = [e["action"] for e in web.api("GET", "/api/v1/audit", token).json()]
    assert {"unit.create", "unit.move", "unit.rename", "user.create", "user.roles", "unit.archive"} <= set(
        actions
    )


def test_token_scope_is_its_unit_and_role(web: WebClient, session) -> None:
    root = make_unit(session)
    branch = make_unit(session, parent=root)
    admin = make_user(session, unit=root, roles=("admin", "analyst"))
    token = api_token(session, admin, role="analyst", unit=branch)
    me = web.api("GET", "/api/v1/me", token).json()
    assert me["acting_unit_id"] == branch.id and me["acting_roles"] == ["analyst"]
    assert [u["id"] for u in web.api("GET", "/api/v1/units", token).json()] == [branch.id]
    refused = web.api("POST", "/api/v1/units", token, json={"name": "Tidak Boleh", "parent_id": branch.id})
    assert refused.status_code == 403
    escalate = web.api(
        "POST", "/api/v1/tokens", token, json={"name": "lebih", "role": "admin", "unit_id": branch.id}
    )
    assert escalate.status_code == 403


def test_token_last_used_and_revoke(web: WebClient, session) -> None:
    admin = make_user(session)
    token = api_token(session, admin)
    assert web.api("GET", "/api/v1/me", token).status_code == 200
    row = session.scalar(select(ApiToken).where(ApiToken.user_id == admin.id))
    session.refresh(row)
    assert row.last_used_at is not None
    listed = web.api("GET", "/api/v1/tokens", token).json()
    assert listed[0]["last_used_at"] is not None and "token_hash" not in listed[0]
    assert web.api("POST", f"/api/v1/tokens/{row.id}/revoke", token).status_code == 200
    assert web.api("GET", "/api/v1/me", token).status_code == 401


def test_profile_page_token_shown_once_and_revoked(web: WebClient, session) -> None:
    admin = make_user(session)
    web.login(admin)
    response = web.post("/profile/tokens", {"name": "Sinkron", "role": "admin", "unit_id": admin.unit_id})
    assert response.status_code == 200 and 'data-testid="new-token"' in response.text
    secret = response.text.split('id="token-value">')[1].split("<")[0]
    assert secret.startswith("hms_")
    assert secret not in web.get("/profile").text
    assert web.api("GET", "/api/v1/me", secret).status_code == 200
    token_id = session.scalar(select(ApiToken.id).where(ApiToken.user_id == admin.id))
    assert web.post(f"/profile/tokens/{token_id}/revoke").status_code == 303
    assert web.api("GET", "/api/v1/me", secret).status_code == 401


def test_openapi_document(web: WebClient) -> None:
    doc = web.get("/api/v1/openapi.json").json()
    assert doc["info"]["title"] == "humas API"
    assert "/api/v1/units" in doc["paths"] and "/api/v1/tokens/{token_id}/revoke" in doc["paths"]
    assert not any(not p.startswith("/api/") for p in doc["paths"]), "pages must not be in the API document"
    assert "UnitCreate" in doc["components"]["schemas"]


def test_user_pages_invite_roles_reset(web: WebClient, session) -> None:
    admin = make_user(session)
    web.login(admin)
    response = web.post(
        "/users",
        {
            "email": "tamu@contoh.go.id",
            "name": "Tamu",
            "unit_id": admin.unit_id,
            "roles": ["responder", "analyst"],
        },
    )
    assert response.status_code == 200 and 'data-testid="one-time-password"' in response.text
    assert response.headers["cache-control"] == "no-store"
    from humas.org.service import find_user_by_email

    user = find_user_by_email(session, "tamu@contoh.go.id")
    assert (
        user is not None
        and user.must_change_password
        and {r.value for r in user.roles} == {"responder", "analyst"}
    )
    assert web.post(f"/users/{user.id}/roles", {"roles": ["pimpinan"]}).status_code == 303
    session.refresh(user)
    assert {r.value for r in user.roles} == {"pimpinan"}
    reset = web.post(f"/users/{user.id}/reset-password")
    assert reset.status_code == 200 and 'data-testid="one-time-password"' in reset.text
    last_admin = web.post(f"/users/{admin.id}/roles", {"roles": ["analyst"]})
    assert last_admin.status_code == 409 and "admin terakhir" in last_admin.text
