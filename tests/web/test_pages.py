"""Pages over TestClient on both engines: login, navigation, the shell, locale, static assets."""

from __future__ import annotations

from sqlalchemy import select

from humas.org.models import User
from tests.factories import PASSWORD, make_unit, make_user
from tests.web.conftest import WebClient


def test_login_page_is_indonesian_by_default(web: WebClient) -> None:
    response = web.get("/login")
    assert response.status_code == 200
    assert "Masuk" in response.text and 'lang="id"' in response.text


def test_login_page_follows_accept_language(web: WebClient) -> None:
    response = web.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Log in" in response.text and 'lang="en"' in response.text


def test_login_sets_a_signed_httponly_cookie_and_redirects(web: WebClient, session) -> None:
    user = make_user(session)
    session.commit()
    token = web.login_form_token()
    response = web.client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token, "next": "/units"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/units"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("humas_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert web.get("/units").status_code == 200


def test_login_refuses_offsite_next(web: WebClient, session) -> None:
    user = make_user(session)
    session.commit()
    token = web.login_form_token()
    response = web.client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_pages_need_login(web: WebClient) -> None:
    response = web.get("/units?archived=true", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/units%3Farchived%3Dtrue"
    htmx = web.get("/units", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.headers["HX-Redirect"].startswith("/login")


def test_dashboard_lists_only_the_users_subtree(web: WebClient, session) -> None:
    root = make_unit(session, name="Kementerian Uji")
    mine = make_unit(session, parent=root, name="Ditjen Saya")
    make_unit(session, parent=mine, name="Kanwil Saya")
    make_unit(session, parent=root, name="Ditjen Lain")
    web.login(make_user(session, unit=mine))
    page = web.get("/").text
    assert "Ditjen Saya" in page and "Kanwil Saya" in page
    assert "Ditjen Lain" not in page and "Kementerian Uji" not in page
    assert "Beranda" in page and "Pantauan" in page and "Kotak Masuk" in page
    assert "Publikasi" in page and "Laporan" in page and "Pengaturan" in page


def test_every_page_renders(web: WebClient, session) -> None:
    user = make_user(session)
    web.login(user)
    for url in [
        "/",
        "/settings",
        "/units",
        f"/units/{user.unit_id}",
        "/users",
        f"/users/{user.id}",
        "/audit",
        "/audit?action=unit.&since=2020-01-01&until=2100-01-01",
        "/profile",
        "/password",
    ]:
        response = web.get(url)
        assert response.status_code == 200, url
        assert "text/html" in response.headers["content-type"]


def test_every_section_is_built_and_the_old_reports_link_leads_to_laporan(web: WebClient, session) -> None:
    web.login(make_user(session))
    response = web.get("/reports", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/laporan"
    assert 'data-testid="home-not-built"' not in web.get("/").text


def test_home_links_what_exists_as_the_role_allows(web: WebClient, session) -> None:
    unit = make_unit(session)
    web.login(make_user(session, unit=unit, roles=("pimpinan",)))
    page = web.get("/").text
    for href in ("/listening", "/inbox", "/publishing", "/laporan", "/mentions", "/channels", "/audit"):
        assert f'class="tile" href="{href}"' in page, href
    assert "Pantauan, kotak masuk" not in page
    web.login(make_user(session, unit=unit, roles=("drafter",)))
    page = web.get("/").text
    assert 'class="tile" href="/listening"' in page and 'class="tile" href="/audit"' not in page
    assert 'href="/audit"' not in web.get("/settings").text.split("<main", 1)[-1]


def test_unknown_page_is_a_404_page(web: WebClient, session) -> None:
    web.login(make_user(session))
    response = web.get("/no-such-page")
    assert response.status_code == 404 and "Halaman tidak ditemukan." in response.text


def test_security_headers(web: WebClient) -> None:
    response = web.get("/login")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


def test_static_assets_are_served_by_humas(web: WebClient) -> None:
    for path, kind in [
        ("/static/vendor/htmx/htmx.min.js", "javascript"),
        ("/static/css/humas.css", "css"),
        ("/static/vendor/inter/inter-latin-400-normal.woff2", "font"),
        ("/static/vendor/lucide/sprite.svg", "svg"),
        ("/static/js/humas.js", "javascript"),
    ]:
        response = web.get(path)
        assert response.status_code == 200, path
        assert kind in response.headers["content-type"], path
    page = web.get("/login").text
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page


def test_forced_password_change(web: WebClient, session) -> None:
    user = make_user(session, must_change_password=True)
    web.login(user)
    response = web.get("/units", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/password"
    bad = web.post("/password", {"current_password": PASSWORD, "new_password": "short"})
    assert bad.status_code == 422 and "minimal 10 karakter" in bad.text and 'aria-invalid="true"' in bad.text
    ok = web.post("/password", {"current_password": PASSWORD, "new_password": "kata-sandi-baru-123"})
    assert ok.status_code == 303 and ok.headers["location"] == "/"
    assert web.get("/units").status_code == 200


def test_locale_switch_persists_for_the_user(web: WebClient, session) -> None:
    user = make_user(session)
    web.login(user)
    response = web.post("/locale", {"locale": "en", "next": "/units"})
    assert response.status_code == 303 and response.headers["location"] == "/units"
    session.expire_all()
    assert session.scalar(select(User.locale).where(User.id == user.id)) == "en"
    # Another browser (no language cookie) gets the user's language too.
    web.client.cookies.delete("humas_locale")
    assert "Unit tree" in web.get("/units").text
    web.post("/locale", {"locale": "id", "next": "/units"})
    assert "Struktur unit" in web.get("/units").text
    assert web.post("/locale", {"locale": "xx"}).status_code == 422


def test_logout_ends_the_server_session(web: WebClient, session) -> None:
    web.login(make_user(session))
    cookie = web.client.cookies.get("humas_session")
    response = web.post("/logout")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    web.client.cookies.set("humas_session", cookie)  # replaying the old cookie does not work
    assert web.get("/units", follow_redirects=False).status_code == 303


def test_tampered_cookie_is_ignored(web: WebClient, session) -> None:
    web.login(make_user(session))
    web.client.cookies.set("humas_session", web.client.cookies.get("humas_session") + "x")
    assert web.get("/", follow_redirects=False).status_code == 303


def test_cookie_is_secure_when_configured(web: WebClient, session, monkeypatch) -> None:
    from humas.core.settings import get_settings

    monkeypatch.setenv("HUMAS_COOKIE_SECURE", "true")
    get_settings.cache_clear()
    try:
        user = make_user(session)
        session.commit()
        web.client.base_url = "https://testserver"  # the browser keeps Secure cookies for https only
        token = web.login_form_token()
        response = web.client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("humas_session="))
        assert "Secure" in cookie
    finally:
        monkeypatch.delenv("HUMAS_COOKIE_SECURE")
        get_settings.cache_clear()
