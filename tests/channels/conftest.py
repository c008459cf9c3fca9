"""Channel test helpers: a Fernet key, recorded platform answers, channels made without a network probe."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.ingest.helpers import fake_analyze

HERE = Path(__file__).parent
CONNECTOR_FIXTURES = HERE.parent / "connectors" / "fixtures"
BOT_TOKEN = "7012345678:AAH-rahasia-bot-token-XYZ987"
BOT = f"https://api.telegram.org/bot{BOT_TOKEN}"
GRAPH = "https://graph.facebook.com/v24.0"
PAGE_TOKEN = "EAAG-rahasia-page-token-1234567890"
APP_SECRET = "meta-app-secret-9f8e7d"
VERIFY_TOKEN = "verify-token-5a4b3c"
TG_WEBHOOK_SECRET = "tg-webhook-secret-77aa"


def load(platform: str, name: str) -> Any:
    folder = HERE / "fixtures" if (HERE / "fixtures" / platform / name).exists() else CONNECTOR_FIXTURES
    return json.loads((folder / platform / name).read_text(encoding="utf-8"))


def raw(platform: str, name: str) -> bytes:
    return (CONNECTOR_FIXTURES / platform / name).read_bytes()


@pytest.fixture(autouse=True)
def _fernet_key(fernet_key: str) -> str:
    return fernet_key


@pytest.fixture(autouse=True)
def fast_analyzer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipeline's analysis replaced by the ingest tests' deterministic stand-in (the models are slow)."""
    monkeypatch.setattr("humas.ingest.service.pipeline.default_analyzer", fake_analyze)


@pytest.fixture
def app_db(use_database: str) -> Iterator[Engine]:
    """The app's own database (settings point at it), migrated: jobs run by huey (immediate) use it too."""
    from humas.core import migrations
    from humas.core.db import get_engine

    engine = get_engine()
    migrations.upgrade(engine)
    yield engine


class AppClient:
    """A TestClient over the real app and database (jobs run against it too), logged in as one user."""

    def __init__(self, client: Any, engine: Engine) -> None:
        self.client, self.engine, self.csrf = client, engine, ""

    def login(self, user_id: int) -> AppClient:
        from humas.core.db import session_scope
        from humas.org import auth as auth_service
        from humas.org.models import User
        from humas.web.deps import SESSION_COOKIE, sign

        with session_scope(self.engine) as session:
            user = session.get(User, user_id)
            token, web_session = auth_service.start_session(session, user=user)
            self.csrf = web_session.csrf_token
        self.client.cookies.set(SESSION_COOKIE, sign(token, salt="humas.session"))
        return self

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        kwargs.setdefault("follow_redirects", True)
        return self.client.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)


@pytest.fixture
def app_client(app_db: Engine) -> Iterator[AppClient]:
    from fastapi.testclient import TestClient

    from humas.web.app import create_app

    with TestClient(create_app(), base_url="http://testserver") as client:
        yield AppClient(client, app_db)
