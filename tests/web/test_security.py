"""CSRF on every state-changing request, login lockout without user enumeration."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from humas.org.models import LoginThrottle, Unit
from humas.web.app import iter_routes
from tests.factories import PASSWORD, make_unit, make_user
from tests.web.conftest import WebClient, api_token

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _unit_count(session) -> int:
    return session.scalar(select(func.count(Unit.id))) or 0


def test_post_without_csrf_token_is_refused(web: WebClient, session) -> None:
    user = make_user(session)
    web.login(user)
    before = _unit_count(session)
    response = web.post("/units", {"name": "Tanpa Token", "parent_id": user.unit_id}, csrf=False)
    assert response.status_code == 403
    assert "Formulir sudah kedaluwarsa" in response.text
    wrong = web.post("/units", {"name": "Token Salah", "parent_id": user.unit_id, "csrf_token": "nope"})
    assert wrong.status_code == 403
    assert _unit_count(session) == before


def test_every_unsafe_route_needs_the_token(web: WebClient, web_app, session) -> None:
    """Each state-changing page route answers 403 without the token (and changes nothing)."""
    user = make_user(session)
    web.login(user)
    checked = 0
    for route in iter_routes(web_app):
        if route.path.startswith("/api/") or not (route.methods & UNSAFE):
            continue
        path = route.path.replace("{unit_id}", str(user.unit_id)).replace("{user_id}", str(user.id))
        path = path.replace("{token_id}", "1")
        for method in route.methods & UNSAFE:
            response = web.client.request(method, path, data={"name": "x"}, follow_redirects=False)
            assert response.status_code == 403, f"{method} {route.path}"
            checked += 1
    assert checked >= 10


def test_htmx_header_token_is_accepted(web: WebClient, session) -> None:
    user = make_user(session)
    web.login(user)
    response = web.client.post(
        "/units",
        data={"name": "Lewat Header", "parent_id": user.unit_id},
        headers={"X-CSRF-Token": web.csrf, "HX-Request": "true"},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_htmx_error_becomes_a_toast(web: WebClient, session) -> None:
    user = make_user(session)
    web.login(user)
    response = web.client.post(
        "/units",
        data={"name": "", "parent_id": user.unit_id},
        headers={"X-CSRF-Token": web.csrf, "HX-Request": "true"},
    )
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#toasts"
    assert 'data-testid="toast"' in response.text and "<html" not in response.text


def test_api_with_session_cookie_needs_the_header(web: WebClient, session) -> None:
    user = make_user(session)
    web.login(user)
    body = {"name": "Lewat API", "parent_id": user.unit_id}
    assert web.client.post("/api/v1/units", json=body).status_code == 403
    ok = web.client.post("/api/v1/units", json=body, headers={"X-CSRF-Token": web.csrf})
    assert ok.status_code == 201


def test_bearer_token_api_needs_no_csrf(web: WebClient, session) -> None:
    user = make_user(session)
    token = api_token(session, user)
    response = web.api(
        "POST", "/api/v1/units", token, json={"name": "Lewat Token", "parent_id": user.unit_id}
    )
    assert response.status_code == 201


def test_login_form_needs_its_csrf_token(web: WebClient, session) -> None:
    user = make_user(session)
    session.commit()
    response = web.client.post(
        "/login", data={"email": user.email, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403


def _attempt(web: WebClient, token: str, email: str, password: str):
    return web.client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}, follow_redirects=False
    )


def _message(response) -> str:
    import re

    match = re.search(r'data-testid="login-error">.*?<span>([^<]*)</span>', response.text, re.S)
    assert match, response.text[:500]
    return match.group(1)


@pytest.mark.parametrize("known", [True, False])
def test_five_wrong_passwords_lock_the_login(web: WebClient, session, known: bool) -> None:
    user = make_user(session)
    email = user.email if known else "tidak.ada@contoh.go.id"
    session.commit()
    token = web.login_form_token()
    messages = []
    for _ in range(4):
        response = _attempt(web, token, email, "salah-salah-salah")
        assert response.status_code == 401
        messages.append(_message(response))
    assert set(messages) == {"E-mail atau kata sandi salah."}
    fifth = _attempt(web, token, email, "salah-salah-salah")
    assert fifth.status_code == 429
    assert _message(fifth) == "Terlalu banyak percobaan gagal. Coba lagi dalam 15 menit."
    # Locked: even the right password is refused now, with the same words.
    after = _attempt(web, token, email, PASSWORD)
    assert after.status_code == 429 and "Terlalu banyak percobaan gagal" in _message(after)
    session.expire_all()
    throttle = session.get(LoginThrottle, email)
    assert throttle is not None and throttle.locked_until is not None


def test_unknown_and_known_emails_read_the_same(web: WebClient, session) -> None:
    user = make_user(session)
    session.commit()
    token = web.login_form_token()
    known = _attempt(web, token, user.email, "salah-salah-salah")
    unknown = _attempt(web, token, "siapa@contoh.go.id", "salah-salah-salah")
    assert known.status_code == unknown.status_code == 401
    assert _message(known) == _message(unknown)


def test_deactivated_user_cannot_log_in(web: WebClient, session) -> None:
    root = make_unit(session)
    admin = make_user(session, unit=root)
    other = make_user(session, unit=root, roles=("drafter",))
    web.login(admin)
    response = web.post(f"/users/{other.id}/deactivate")
    assert response.status_code == 303
    web.client.cookies.delete("humas_session")
    token = web.login_form_token()
    assert _attempt(web, token, other.email, PASSWORD).status_code == 401
