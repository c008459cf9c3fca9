"""Every `/api/v1` operation, fuzzed by schemathesis on both databases: no server error, no schema violation.

Schemathesis reads the app's own OpenAPI document and sends, for every operation, schema-valid and
schema-invalid requests (examples, coverage and fuzzing phases), as an admin with an API token over a small
seeded institution. Every check runs (`--checks all` in the CLI), except `positive_data_acceptance`: a
request valid by the schema may still break a business rule (a range whose start is after its end, a name
that already exists) and is then rightly refused with a documented 4xx.

Bounded: `SCHEMATHESIS_MAX_EXAMPLES` (default 8) examples per operation and phase; about a minute per engine
on two cores. Run it alone with more: `SCHEMATHESIS_MAX_EXAMPLES=50 pytest tests/web/test_api_schema.py`.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy.orm import Session

from humas.web.app import API_PREFIX
from tests.factories import make_unit, make_user
from tests.web.conftest import api_token

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8"))
STATS: Counter[str] = Counter()


@pytest.fixture
def api_schema(web_app: Any, session: Session) -> schemathesis.BaseSchema:
    """The app's OpenAPI document, served by the app under test (ASGI, no network)."""
    schema = schemathesis.openapi.from_asgi(f"{API_PREFIX}/openapi.json", web_app)
    schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True)
    return schema


@pytest.fixture
def auth_headers(session: Session) -> dict[str, str]:
    """An admin's token over a small institution (units, a user), so some generated ids exist."""
    root = make_unit(session, name="Kementerian Skema")
    for name in ("Ditjen Satu", "Ditjen Dua"):
        make_unit(session, parent=root, name=name)
    admin = make_user(session, unit=root, roles=("admin", "analyst"))
    make_user(session, unit=root, roles=("drafter",))
    return {"Authorization": f"Bearer {api_token(session, admin)}"}


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    started = time.monotonic()
    yield
    operations = len({key.split(" ", 1)[1] for key in STATS})
    print(
        f"\nschemathesis: {operations} operations, {sum(STATS.values())} requests, "
        f"{time.monotonic() - started:.1f} s, max_examples={MAX_EXAMPLES}"
    )


schema = schemathesis.pytest.from_fixture("api_schema")
EXCLUDED = [positive_data_acceptance]


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
    ],
)
def test_api_conforms_to_its_schema(case: Any, auth_headers: dict[str, str], session: Session) -> None:
    STATS[f"{session.bind.dialect.name} {case.operation.label}"] += 1  # type: ignore[union-attr]
    case.call_and_validate(headers=auth_headers, excluded_checks=EXCLUDED)
