"""Real Chromium against a real server: what a person clicks."""

from __future__ import annotations

import re

import pytest

from humas.org.models import Unit
from tests.live import LiveServer, login, unique

pytestmark = pytest.mark.browser


def _tree_row(page, name: str):
    return page.locator("[data-testid=unit-tree] li", has_text=name)


def test_admin_journey(page, live_server: LiveServer) -> None:
    """Log in, create a unit, move it, add a user with a role, switch to English and back, log out."""
    url = live_server.url
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    login(page, live_server, "admin")
    assert page.locator("h1").inner_text().startswith("Selamat datang")
    assert page.locator("[data-nav=home]").get_attribute("aria-current") == "page"

    # Create a unit under Direktorat Jenderal Alfa.
    name = unique("Biro Humas")
    page.click("[data-nav=settings]")
    page.click("a.tile[href='/units']")
    page.fill("[data-testid=unit-create] input[name=name]", name)
    page.select_option("[data-testid=unit-create] select[name=parent_id]", str(live_server.units["dg_a"]))
    page.click("[data-testid=unit-create] button[type=submit]")
    page.wait_for_url(f"{url}/units")
    assert f"Unit {name} dibuat." in page.locator(".notice.success").inner_text()
    row = _tree_row(page, name)
    assert row.get_attribute("data-depth") == "2"

    # Move it under Direktorat Jenderal Beta.
    row.locator("a").click()
    page.select_option("[data-testid=unit-move] select", str(live_server.units["dg_b"]))
    page.click("[data-testid=unit-move] button[type=submit]")
    assert "Unit dipindahkan." in page.locator(".notice.success").inner_text()
    assert "Direktorat Jenderal Beta" in page.locator(".page-head .muted").inner_text()
    unit_id = int(re.search(r"/units/(\d+)", page.url).group(1))
    parent = live_server.run(lambda s: s.get(Unit, unit_id).parent_id)
    assert parent == live_server.units["dg_b"]

    # Invite a user into it as a responder.
    email = f"{unique('petugas').replace(' ', '.').lower()}@contoh.go.id"
    page.goto(f"{url}/users")
    form = page.locator("[data-testid=user-invite]")
    form.locator("input[name=name]").fill("Petugas Jawab")
    form.locator("input[name=email]").fill(email)
    form.locator("select[name=unit_id]").select_option(str(unit_id))
    form.locator("input[name=roles][value=responder]").check()
    form.locator("button[type=submit]").click()
    one_time = page.locator("[data-testid=one-time-password] code").inner_text()
    assert len(one_time) >= 12
    page.goto(f"{url}/users")
    user_row = page.locator("[data-testid=user-table] tr", has_text=email)
    assert "Penjawab" in user_row.inner_text() and name in user_row.inner_text()

    # Switch to English and back.
    page.click("[data-testid=user-chip]")
    page.click("[data-testid=locale-en]")
    page.wait_for_url(f"{url}/profile")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("[data-nav=home]").inner_text() == "Home"
    page.goto(f"{url}/units")
    assert page.locator("h1").inner_text() == "Units" and page.locator("text=Unit tree").is_visible()
    page.goto(f"{url}/profile")
    page.click("[data-testid=locale-id]")
    page.wait_for_url(f"{url}/profile")
    assert page.locator("[data-nav=home]").inner_text() == "Beranda"

    # Log out: back at the login page, and the pages are closed again.
    page.click("[data-testid=logout]")
    page.wait_for_url(f"{url}/login")
    assert "Anda telah keluar." in page.content()
    page.goto(f"{url}/units")
    assert page.url.startswith(f"{url}/login")
    assert not dialogs
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_hostile_unit_name_is_text(page, live_server: LiveServer) -> None:
    """A unit named like an XSS payload shows as text, and no dialog ever opens."""
    payload = "<img src=x onerror=alert(1)>"
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(page, live_server, "admin_b")
    # Through the form, like an admin would type it.
    page.goto(f"{live_server.url}/units")
    page.fill("[data-testid=unit-create] input[name=name]", payload)
    page.click("[data-testid=unit-create] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/units")
    row = _tree_row(page, payload)
    assert row.count() == 1
    assert row.locator(".tree-name span").inner_text() == payload
    assert page.locator("[data-testid=unit-tree] img").count() == 0
    row.locator("a").click()
    assert page.locator("[data-testid=unit-name]").inner_text() == payload
    assert page.locator("main img").count() == 0
    for path in ["/", "/audit", "/users", "/profile"]:
        page.goto(live_server.url + path)
        assert page.locator("main img").count() == 0, path
    page.wait_for_timeout(300)
    assert dialogs == []


def test_login_errors_in_the_browser(page, live_server: LiveServer) -> None:
    """Wrong password: the message, the e-mail kept, no hint whether the account exists."""
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=email]", live_server.users["analyst"].email)
    page.fill("input[name=password]", "salah-sekali-ini")
    page.click("form[action='/login'] button[type=submit]")
    assert page.locator("[data-testid=login-error]").inner_text().strip() == "E-mail atau kata sandi salah."
    assert page.input_value("input[name=email]") == live_server.users["analyst"].email
    page.click("button[name=locale][value=en]")
    assert page.locator("h1").inner_text() == "Log in"


def test_audit_filter_updates_in_place_with_htmx(page, live_server: LiveServer) -> None:
    """htmx runs under the strict CSP: filtering swaps the table and pushes the URL, without a reload."""
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    login(page, live_server, "admin")
    page.goto(f"{live_server.url}/audit")
    page.evaluate("window.__sameDocument = true")
    page.fill("[data-testid=audit-filter] input[name=action]", "auth.login")
    page.click("[data-testid=audit-filter] button[type=submit]")
    page.wait_for_url(re.compile(r".*/audit\?.*action=auth\.login.*"))
    rows = page.locator("[data-testid=audit-table] tbody tr")
    assert rows.count() >= 1
    assert all(text == "auth.login" for text in rows.locator("td code").all_inner_texts())
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded instead of swapping"
    assert not [c for c in console if "Content Security Policy" in c or "htmx" in c.lower()], console


def test_non_admin_sees_the_tree_read_only(page, live_server: LiveServer) -> None:
    """A drafter of a directorate sees its subtree, no create form, and 404 for a sibling's unit."""
    user = live_server.add_user("dg_a", "drafter")
    login(page, live_server, user.key)
    page.goto(f"{live_server.url}/units")
    names = page.locator("[data-testid=unit-tree] .tree-name span").all_inner_texts()
    assert names[0] == "Direktorat Jenderal Alfa" and "Direktorat Jenderal Beta" not in names
    assert page.locator("[data-testid=unit-create]").count() == 0
    response = page.goto(f"{live_server.url}/units/{live_server.units['dg_b']}")
    assert response is not None and response.status == 404
    assert page.locator("[data-testid=error-page]").is_visible()


def test_invited_user_must_choose_a_password(page, live_server: LiveServer) -> None:
    """A first login with a one-time password leads to the password page, and nowhere else until changed."""
    from humas.org import service as org_service

    email = f"{unique('baru').replace(' ', '.').lower()}@contoh.go.id"

    def invite(session):
        unit = session.get(Unit, live_server.units["kanwil_a"])
        _user, one_time = org_service.create_user(
            session, email=email, name="Pegawai Baru", unit=unit, roles=["analyst"], actor=None
        )
        return one_time

    one_time = live_server.run(invite)
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", one_time)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/password")
    page.goto(f"{live_server.url}/units")
    assert page.url == f"{live_server.url}/password"
    page.fill("input[name=current_password]", one_time)
    page.fill("input[name=new_password]", "pendek")
    page.click("main form button[type=submit]")
    assert "Kata sandi minimal 10 karakter." in page.locator("[data-testid=field-error]").inner_text()
    page.fill("input[name=current_password]", one_time)
    page.fill("input[name=new_password]", "kata-sandi-pilihan-sendiri")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "Kata sandi Anda telah diubah." in page.locator(".notice.success").inner_text()
    assert "Kanwil Alfa Jakarta" in page.locator("[data-testid=home-units]").inner_text()
