"""`humas bench load`: bounded, loopback only, and a short real run against the live server."""

from __future__ import annotations

import asyncio
import concurrent.futures

import pytest
from typer.testing import CliRunner

from humas.bench import load
from humas.cli.main import app


@pytest.mark.parametrize(
    "args",
    [
        ["--users", "501"],
        ["--users", "0"],
        ["--seconds", "601"],
        ["--url", "http://10.0.0.5:8000", "--login", "a@b.go.id:x"],
        ["--url", "http://example.go.id", "--login", "a@b.go.id:x"],
        ["--url", "http://127.0.0.1:8000"],  # no --login
    ],
)
def test_load_is_bounded_and_loopback_only(args):
    result = CliRunner().invoke(app, ["bench", "load", *args])
    assert result.exit_code == 2, result.output


def test_every_dashboard_panel_is_replayed():
    from humas.web.listening_panels import PANELS

    page = load.dashboard(30)
    kinds = {f.kind for f in page.fragments}
    assert kinds == {"pulse", *(f"panel:{name}" for name in PANELS)}
    assert all(f.path.endswith("days=30") for f in page.fragments)


def test_a_short_run_logs_users_in_and_replays_the_pages(live_server):
    from humas.demo.listening import _fallback_analyzer, seed_demo_mentions

    seed_demo_mentions(live_server.engine, only_if_empty=True, analyzer=_fallback_analyzer)  # shared server
    users = [live_server.add_user("root", "analyst") for _ in range(3)]
    accounts = [(u.email, u.password, None) for u in users]  # through the login form
    # NOTE: a browser test earlier in the run leaves Playwright's event loop on this thread: drive in another
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        result = pool.submit(asyncio.run, load._drive(live_server.url, accounts, seconds=7, dwell=6)).result()
    assert result["users"] == 3 and result["errors"] == 0, result["error_examples"]
    kinds = set(result["by_kind"])
    assert {"dashboard:30d", "pulse", "panel:authors", "panel:volume", "explorer"} <= kinds
    assert result["by_kind"]["pulse"]["requests"] >= 3
    assert sum(v["requests"] for v in result["by_kind"].values()) == sum(
        int(n) for n in result["statuses"].values()
    )
    assert result["p95_ms"] > 0 and result["requests_per_s"] > 0
