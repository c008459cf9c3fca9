"""Live server and browser fixtures, shared by every domain's page tests (a pytest plugin, see conftest.py).

- `live_server` (session): humas served by a real uvicorn in a background thread on 127.0.0.1 and a free
  port, over a fresh, migrated SQLite *file* database, seeded with a small institution (see `SEED_UNITS`) and
  one user per role at the top unit plus an admin in each directorate general. It yields a `LiveServer`:
  `.url`, `.units` (name key -> id), `.users` (key -> `SeedUser` with email/password/id), `.add_user(unit,
  *roles)`, `.session()`
  (a context manager committing on exit, for seeding your own data) and `.run(fn)` (calls `fn(session)` in
  one committed transaction and returns its result; ORM objects come back detached, so return ids or plain
  values).
- `browser` (session): Playwright's sync Chromium driving Debian's /usr/bin/chromium (skipped with a clear
  reason only when that binary is missing: `apt-get install chromium`).
- `page` (function): a fresh browser context (no cookies) and page; `login(page, live_server, "admin")`
  logs it in as a seeded user.

For TestClient tests on both engines: `web_app` (the app with `get_db` bound to the rolled-back `session`
fixture) and `web` (a `WebClient`: `.login(user)`, `.post(url, data)` with the CSRF token, `.api(method, url,
token)`), and `api_token(session, user)` for a bearer token.

Mark browser tests with `@pytest.mark.browser`. The server is shared by the whole run: give what you
create unique names (`unique("Unit")`).
"""

from __future__ import annotations

import itertools
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "rahasia-yang-panjang"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "src" / "humas" / "locale"

# (key, name, parent key): a ministry, two directorates general, a regional office, a service office.
SEED_UNITS = [
    ("root", "Kementerian Contoh", None),
    ("dg_a", "Direktorat Jenderal Alfa", "root"),
    ("dg_b", "Direktorat Jenderal Beta", "root"),
    ("kanwil_a", "Kanwil Alfa Jakarta", "dg_a"),
    ("kppn_a", "KPPN Jakarta I", "kanwil_a"),
]
T = TypeVar("T")
_counter = itertools.count(1)


def unique(prefix: str) -> str:
    """A name no other test on the shared server uses."""
    return f"{prefix} {os.getpid()}-{next(_counter)}"


def ensure_catalogs() -> None:
    """Compile the .po catalogs when the .mo files are missing or stale (a checkout not reinstalled)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in LOCALE_DIR.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
    from humas.core.i18n import translations

    translations.cache_clear()


ensure_catalogs()


@dataclass(frozen=True)
class SeedUser:
    key: str
    email: str
    password: str
    id: int
    unit_id: int
    roles: tuple[str, ...]


@dataclass
class LiveServer:
    url: str
    engine: Engine
    units: dict[str, int] = field(default_factory=dict)
    users: dict[str, SeedUser] = field(default_factory=dict)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session on the live database; commits on exit (the server sees the data at once)."""
        from humas.core.db import session_scope

        with session_scope(self.engine) as session:
            yield session

    def run(self, fn: Callable[[Session], T]) -> T:
        with self.session() as session:
            return fn(session)

    def add_user(self, unit: str | int, *roles: str, key: str | None = None) -> SeedUser:
        """A new user (password `PASSWORD`) at a seeded unit key or unit id; then `login(page, live, key)`."""
        from humas.org import service as org_service
        from humas.org.models import Unit

        key = key or unique("user").replace(" ", "-")
        unit_id = self.units[unit] if isinstance(unit, str) else unit
        role_list = roles or ("admin",)

        def create(session: Session) -> SeedUser:
            target = session.get(Unit, unit_id)
            assert target is not None, f"no unit {unit!r}"
            email = f"{key.lower()}@contoh.go.id"
            user, _ = org_service.create_user(
                session, email=email, name=key, unit=target, roles=role_list, actor=None, password=PASSWORD
            )
            return SeedUser(key, email, PASSWORD, user.id, unit_id, tuple(role_list))

        self.users[key] = self.run(create)
        return self.users[key]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _seed(session: Session, server: LiveServer) -> None:
    from humas.org import service as org_service
    from humas.org.models import Role, Unit

    for key, name, parent_key in SEED_UNITS:
        if parent_key is None:
            unit = org_service.create_root_unit(session, name=name)
        else:
            parent = session.get(Unit, server.units[parent_key])
            assert parent is not None
            unit = Unit(name=name, parent_id=parent.id, parent_key=parent.id, depth=parent.depth + 1)
            session.add(unit)
            session.flush()
            unit.path = f"{parent.path}{unit.id}/"
            session.flush()
        server.units[key] = unit.id
    people = [(role.value, "root", (role.value,)) for role in Role]
    people += [
        ("admin_a", "dg_a", ("admin",)),
        ("admin_b", "dg_b", ("admin",)),
        ("drafter_a", "dg_a", ("drafter",)),
    ]
    for key, unit_key, roles in people:
        unit = session.get(Unit, server.units[unit_key])
        assert unit is not None
        email = f"{key.replace('_', '.')}@contoh.go.id"
        user, _ = org_service.create_user(
            session,
            email=email,
            name=f"{key.replace('_', ' ').title()} Contoh",
            unit=unit,
            roles=roles,
            actor=None,
            password=PASSWORD,
        )
        server.users[key] = SeedUser(key, email, PASSWORD, user.id, unit.id, roles)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """humas on a real uvicorn over a fresh SQLite file database (see the module docstring)."""
    import uvicorn

    from humas.core import db as core_db
    from humas.core import migrations
    from humas.core.models_registry import import_all
    from humas.core.settings import get_settings

    tmp = tmp_path_factory.mktemp("live")
    saved = {k: os.environ.get(k) for k in ("HUMAS_DATABASE_URL", "HUMAS_QUEUE_PATH", "HUMAS_IMMEDIATE_JOBS")}
    os.environ["HUMAS_DATABASE_URL"] = f"sqlite:///{tmp / 'humas.db'}"
    os.environ["HUMAS_QUEUE_PATH"] = str(tmp / "queue.db")
    os.environ["HUMAS_IMMEDIATE_JOBS"] = "1"
    get_settings.cache_clear()
    core_db.get_engine.cache_clear()
    import_all()
    engine = core_db.get_engine()
    migrations.upgrade(engine)

    from humas.web.app import create_app

    port = _free_port()
    live = LiveServer(url=f"http://127.0.0.1:{port}", engine=engine)
    live.run(lambda session: _seed(session, live))

    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, name="humas-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    try:
        yield live
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()
        core_db.get_engine.cache_clear()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (sync API), shared by the run."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh context (no cookies, Indonesian browser) and page; closed after the test."""
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


def login(page: Any, live: LiveServer, key: str = "admin") -> SeedUser:
    """Log the page in as a seeded user (see `SEED_UNITS` and `_seed`) and wait for the home page."""
    user = live.users[key]
    page.goto(f"{live.url}/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", user.password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{live.url}/")
    return user


# --- TestClient fixtures (both engines) ---------------------------------------------------------------


class WebClient:
    """A TestClient with helpers. Each request runs in its own savepoint of the test's session, so a failing
    request rolls back only its own changes; data the test made before is committed to the savepoint first."""

    def __init__(self, client: Any, session: Session) -> None:
        self.client = client
        self.session = session
        self.csrf: str | None = None

    def login(self, user: Any) -> WebClient:
        """Start a browser session for `user` (no password round trip) and remember its CSRF token."""
        from humas.org import auth as auth_service
        from humas.web.deps import SESSION_COOKIE, sign

        token, web_session = auth_service.start_session(self.session, user=user)
        self.session.commit()
        self.client.cookies.set(SESSION_COOKIE, sign(token, salt="humas.session"))
        self.csrf = web_session.csrf_token
        return self

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any) -> Any:
        """A form POST carrying the session's CSRF token (unless `csrf=False`); redirects are not followed."""
        data = dict(data or {})
        if csrf and self.csrf:
            data.setdefault("csrf_token", self.csrf)
        kwargs.setdefault("follow_redirects", False)
        return self.client.post(url, data=data, **kwargs)

    def api(self, method: str, url: str, token: str | None = None, **kwargs: Any) -> Any:
        """A JSON API call with `Authorization: Bearer <token>`."""
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.request(method, url, headers=headers, **kwargs)

    def login_form_token(self) -> str:
        """The pre-login CSRF token (sets its cookie)."""
        match = CSRF_RE.search(self.client.get("/login").text)
        assert match
        return match.group(1)


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def web_app(session: Session) -> Iterator[Any]:
    """`create_app()` with `get_db` bound to the rolled-back `session` fixture (both engines)."""
    from humas.web.app import create_app
    from humas.web.deps import get_db

    application = create_app()

    def db() -> Iterator[Session]:
        # Like the real dependency, on the test's session: commit releases a savepoint, rollback returns to
        # the last one; the test's outer transaction is rolled back at the end.
        session.commit()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    application.dependency_overrides[get_db] = db
    yield application
    application.dependency_overrides.clear()


@pytest.fixture
def web(web_app: Any, session: Session) -> Iterator[WebClient]:
    """A `WebClient` over `web_app`."""
    from fastapi.testclient import TestClient

    with TestClient(web_app, base_url="http://testserver") as client:
        yield WebClient(client, session)


def api_token(session: Session, user: Any, *, role: str = "admin", unit: Any = None) -> str:
    """A bearer token for `user` scoped to `unit` (default: the user's own) and `role`."""
    from humas.org import auth as auth_service

    _token, plaintext = auth_service.create_api_token(
        session, user=user, unit=unit or user.unit, role=role, name="test", actor=user
    )
    session.commit()
    return plaintext
