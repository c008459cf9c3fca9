"""TestClient fixtures for pages and the API, on both engines (through the rolled-back `session` fixture).

`web` gives a `WebClient`: `web.login(user)` starts a browser session for a user (no password round trip),
`web.post(url, data)` adds the CSRF token, `web.api(method, url, token, json=...)` calls /api/v1 with a bearer
token. Every request runs in its own savepoint, so a failing request rolls back only its own changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from humas.org import auth as auth_service
from humas.org.models import User
from humas.web.app import create_app
from humas.web.deps import SESSION_COOKIE, get_db, sign

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class WebClient:
    def __init__(self, client: TestClient, session: Session) -> None:
        self.client = client
        self.session = session
        self.csrf: str | None = None

    def login(self, user: User) -> WebClient:
        token, web_session = auth_service.start_session(self.session, user=user)
        self.session.commit()
        self.client.cookies.set(SESSION_COOKIE, sign(token, salt="humas.session"))
        self.csrf = web_session.csrf_token
        return self

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any) -> Any:
        data = dict(data or {})
        if csrf and self.csrf:
            data.setdefault("csrf_token", self.csrf)
        kwargs.setdefault("follow_redirects", False)
        return self.client.post(url, data=data, **kwargs)

    def api(self, method: str, url: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.request(method, url, headers=headers, **kwargs)

    def login_form_token(self) -> str:
        """The pre-login CSRF token (sets its cookie)."""
        match = CSRF_RE.search(self.client.get("/login").text)
        assert match
        return match.group(1)


@pytest.fixture
def app(session: Session) -> Iterator[FastAPI]:
    application = create_app()

    def db() -> Iterator[Session]:
        # Like the real dependency, but on the test's session: commit releases a savepoint, rollback
        # returns to the last one; the test's outer transaction is rolled back at the end.
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
def web(app: FastAPI, session: Session) -> Iterator[WebClient]:
    with TestClient(app, base_url="http://testserver") as client:
        yield WebClient(client, session)


def api_token(session: Session, user: User, *, role: str = "admin", unit: Any = None) -> str:
    """A bearer token for `user` scoped to `unit` (default: the user's own) and `role`."""
    _token, plaintext = auth_service.create_api_token(
        session, user=user, unit=unit or user.unit, role=role, name="test", actor=user
    )
    session.commit()
    return plaintext
