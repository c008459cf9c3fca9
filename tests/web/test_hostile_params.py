"""No page answers a hostile parameter with a server error (issue: `/listening?days=²` was a bare 500).

Every page route of the app is enumerated (like test_isolation.py, decision 0016): a new route or parameter is
covered without touching this file. Each query, path and form parameter gets, one at a time, each value of
`HOSTILE`, as an admin with a valid CSRF token; the answer must be below 500. A form post that declares no
fields (it reads the raw form, like the channel forms) gets `EXTRA_FORM_FIELDS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from fastapi.dependencies.models import Dependant
from fastapi.testclient import TestClient

from humas.org.models import Role
from humas.web.app import iter_routes
from tests.factories import make_unit, make_user
from tests.web.conftest import WebClient

HOSTILE = (
    "²",
    "-1",
    "0",
    "99999999999999999999999",
    "1e3",
    "' OR 1=1--",
    "<script>alert(1)</script>",
    "",
    "9" * 5000,
    "a\x00b",
    "١٢",
)
# Each value runs on one engine, or on both where the engines differ, to keep the suite fast. The values that
# never reach the database as they are (parsing, escaping, bounds) run on SQLite, the faster one, with a
# 23-digit number that overflows SQLite's INTEGER binding; PostgreSQL, the stricter engine, gets what it
# refuses where SQLite does not: NUL bytes, a 5,000-digit number, the overflow, a quote in a string.
SQLITE_HOSTILE = (
    "²",
    "-1",
    "0",
    "1e3",
    "' OR 1=1--",
    "<script>alert(1)</script>",
    "",
    "١٢",
    "99999999999999999999999",
)
PG_HOSTILE = ("99999999999999999999999", "9" * 5000, "a\x00b", "' OR 1=1--")
assert set(SQLITE_HOSTILE) | set(PG_HOSTILE) == set(HOSTILE)

PATH_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
# Fields the routes that read the raw form (channels) may look at.
EXTRA_FORM_FIELDS = ("unit_id", "query_id", "cooldown_min", "threshold", "days", "page", "platform")
# Posts that end the test's own session or need a multipart file are exercised elsewhere.
SKIP_POSTS = {"/logout"}


def _params(dependant: Dependant) -> Iterator[tuple[str, str]]:
    """(location, name) of every parameter a route reads, its dependencies' included."""
    for param in dependant.query_params:
        yield "query", param.alias
    for param in dependant.body_params:
        yield "form", param.alias
    for sub in dependant.dependencies:
        yield from _params(sub)


def _path(template: str, name: str | None, value: str, own: dict[str, int]) -> str:
    def fill(match: re.Match[str]) -> str:
        param = match.group(1)
        return quote(value, safe="") if param == name else str(own.get(param, 1))

    return PATH_PARAM.sub(fill, template)


def _requests(
    web_app: Any, own: dict[str, int], values: tuple[str, ...] = HOSTILE
) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(method, url, form) for every page route, parameter and hostile value."""
    for info in iter_routes(web_app):
        if info.path.startswith(("/api/", "/static")):
            continue
        params = set(_params(info.route.dependant))
        path_names = PATH_PARAM.findall(info.path)
        for method in sorted(info.methods & {"GET", "POST"}):
            if method == "POST" and info.path in SKIP_POSTS:
                continue
            fields = {n for loc, n in params if loc == "form"} or set(EXTRA_FORM_FIELDS)
            for value in values:
                for name in path_names:
                    if value:  # an empty path segment is another route
                        yield method, _path(info.path, name, value, own), {}
                base = _path(info.path, None, "", own)
                for loc, name in params:
                    if loc == "query":
                        yield method, f"{base}?{name}={quote(value, safe='')}", {}
                for name in fields if method == "POST" else ():
                    yield method, base, {name: value}


def test_no_page_answers_a_hostile_parameter_with_a_server_error(web_app, session) -> None:
    root = make_unit(session, name="Kementerian Uji Parameter")
    admin = make_user(session, unit=root, roles=tuple(r.value for r in Role))
    # A server error is an answer to count here, not an exception that ends the test at the first one.
    client = TestClient(web_app, base_url="http://testserver", raise_server_exceptions=False)
    web = WebClient(client, session).login(admin)
    own = {"unit_id": root.id, "user_id": admin.id}

    failures, count = [], 0
    values = SQLITE_HOSTILE if session.get_bind().dialect.name == "sqlite" else PG_HOSTILE
    for method, url, form in _requests(web_app, own, values):
        count += 1
        if method == "GET":
            response = web.get(url, follow_redirects=False)
        else:
            response = web.post(url, form, csrf=True)
        if response.status_code >= 500:
            failures.append(f"{method} {url[:120]} {form!r:.80} -> {response.status_code}")
    least = 45 * len(values)  # about 50 parameters of page routes take each value
    assert count > least, f"route enumeration found too few requests ({count})"
    assert not failures, f"{len(failures)} of {count} requests failed:\n" + "\n".join(failures[:60])


def test_a_bad_number_is_a_styled_indonesian_page(web: WebClient, session) -> None:
    admin = make_user(session, roles=("admin",))
    web.login(admin)
    response = web.get("/listening?days=²")
    assert response.status_code == 422
    assert "Periksa isian days: masukkan bilangan bulat" in response.text
    assert 'data-testid="error-page"' in response.text
    big = web.get("/mentions?unit_id=99999999999999999999999")
    assert big.status_code == 422 and "angkanya terlalu besar" in big.text


def test_a_bad_form_number_marks_its_field(web: WebClient, session) -> None:
    admin = make_user(session, roles=("admin",))
    web.login(admin)
    response = web.post(
        "/listening/alerts",
        {"unit_id": admin.unit_id, "name": "Aturan", "kind": "keyword", "keyword": "x", "cooldown_min": "²"},
    )
    assert response.status_code == 422
    assert "Periksa isian cooldown_min: masukkan bilangan bulat" in response.text


def test_head_answers_like_get_and_channels_new_without_platform_goes_to_the_chooser(
    web: WebClient, session
) -> None:
    assert web.client.head("/login").status_code == 200
    admin = make_user(session, roles=("admin",))
    web.login(admin)
    assert web.client.head("/mentions").status_code == 200
    chooser = web.get("/channels/new", follow_redirects=False)
    assert chooser.status_code == 303 and chooser.headers["location"].startswith("/channels")
    assert web.get("/channels/new").status_code == 200
