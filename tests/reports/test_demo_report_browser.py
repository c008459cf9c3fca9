"""The demo's own report, as a newcomer meets it: `humas demo --no-serve` in an empty folder, `humas serve` on
what it built, then Chromium: the demo's leader (pimpinan, with the password the command printed) opens last
month's report of the ministry with its units, clicks the responsiveness figure and lands on the
conversations behind it — the same ones, in the same number, as the drill-down service lists from the same
database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from humas.bench.load import serving
from humas.core.db import make_engine, session_scope
from humas.core.time import utcnow
from humas.org.calendars import unit_zone
from humas.org.models import Unit, User
from humas.reports.period import Period
from humas.reports.service import drill_rows

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LEADER = "pimpinan@demo.go.id"


@dataclass
class DemoServer:
    url: str
    database_url: str
    password: str


def _clean_env(folder: Path) -> dict[str, str]:
    """The environment of a newcomer's shell: none of the test run's HUMAS_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUMAS_")}
    return env | {"COLUMNS": "200", "HOME": str(folder)}


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    folder = tmp_path_factory.mktemp("demo")
    env = _clean_env(folder)
    built = subprocess.run(  # noqa: S603 (our own command, fixed arguments)
        [sys.executable, "-m", "humas.cli.main", "demo", "--no-serve"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-3000:]
    found = re.search(rf"pimpinan\s*│\s*{re.escape(LEADER)}\s*│\s*(\S+)\s*│", built.stdout)
    assert found, built.stdout[-2000:]
    database_url = f"sqlite:///{folder / 'humas-demo.db'}"
    serve_env = env | {
        "HUMAS_DATABASE_URL": database_url,
        "HUMAS_QUEUE_PATH": str(folder / "queue.db"),
        "HUMAS_WEB_WORKERS": "1",
    }
    with serving(serve_env, folder, cwd=folder) as (base, _server, _command):
        yield DemoServer(base, database_url, found.group(1))


def test_the_demo_leader_drills_from_last_months_report_to_its_conversations(
    demo_server: DemoServer, page: Any
) -> None:
    page.goto(f"{demo_server.url}/login")
    page.fill("input[name=email]", LEADER)
    page.fill("input[name=password]", demo_server.password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{demo_server.url}/")

    engine = make_engine(demo_server.database_url)
    with session_scope(engine) as session:
        leader = session.scalars(select(User).where(User.email == LEADER)).one()
        ministry = session.get(Unit, leader.unit_id)
        assert ministry is not None and ministry.parent_id is None
        today = utcnow().astimezone(unit_zone(session, ministry)).date()
        last_month = Period.month(today.year, today.month).previous()
        ministry_id = ministry.id

    page.click("a[data-nav=reports]")
    page.wait_for_url(f"{demo_server.url}/laporan")
    page.select_option("#f-unit", str(ministry_id))
    page.select_option("#f-period", last_month.key)
    assert page.is_checked("[data-testid=include-descendants]")
    page.click("[data-testid=open-report]")
    page.wait_for_url("**/laporan/draf?**")
    page.wait_for_selector(".vl-chart svg", state="attached")  # the local Vega bundle drew the charts

    figure = page.locator("[data-section=responsiveness][data-figure='inbox.received']")
    received = int(figure.get_attribute("data-value") or 0)
    assert received > 0  # the demo's history: the month before this one has closed conversations
    figure.locator("a[data-testid=drill]").click()
    page.wait_for_url("**/laporan/rincian?**")
    query = parse_qs(urlparse(page.url).query)
    assert query["period"] == [last_month.key]
    rows = page.locator("[data-testid=drill-row]")
    shown = {int(rows.nth(i).get_attribute("data-id") or 0) for i in range(rows.count())}

    with session_scope(engine) as session:
        actor = session.get(User, leader.id)
        unit = session.get(Unit, ministry_id)
        found = drill_rows(
            session, actor=actor, unit=unit, period=last_month, include_descendants=True,
            figure="inbox.received", page=1, per_page=len(shown) or 1,
        )  # fmt: skip
        want = {c.id for c in found.page.items}
        total = found.page.total
    engine.dispose()
    assert total == received  # the figure is the number of conversations behind it
    assert shown and shown == want
