"""`humas demo`: a demo institution in ./humas-demo.db, then serve it."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

console = Console()
DEMO_DB = Path("humas-demo.db")


def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    reset: Annotated[bool, typer.Option(help="Rebuild the demo database from scratch.")] = False,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Build only, do not serve.")] = False,
) -> None:
    """Build a demo institution and serve it at http://127.0.0.1:8000."""
    from humas.core.db import make_engine
    from humas.demo.org import build_demo

    if reset:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DEMO_DB}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{DEMO_DB.resolve()}"
    engine = make_engine(url)
    credentials = build_demo(engine)
    if credentials:
        from humas.demo.listening import seed_demo_mentions

        with console.status("Adding a month of demo mentions…"):
            seed_demo_mentions(engine)
        from humas.demo.listening import seed_demo_mention_history

        with console.status("Adding the two months before it…"):
            seed_demo_mention_history(engine)
    _seed_inbox(engine)
    _seed_publishing(engine)
    _seed_followers(engine)
    engine.dispose()
    if credentials:
        table = Table(title="Demo users (passwords are shown once)")
        for column in ("role", "e-mail", "password", "unit"):
            table.add_column(column)
        for row in credentials:
            table.add_row(row.role, row.email, row.password, row.unit)
        console.print(table)
    else:
        console.print(f"Using the existing {DEMO_DB} (run with --reset to rebuild and get new passwords).")
    if no_serve:
        return
    env = dict(
        os.environ,
        HUMAS_DATABASE_URL=url,
        HUMAS_QUEUE_PATH=str(DEMO_DB.resolve().with_name("humas-demo-queue.db")),
    )
    # A fresh process, so settings, engine and task queue all start from the demo configuration.
    os.execvpe(
        sys.executable,
        [sys.executable, "-m", "humas.cli.main", "serve", "--host", host, "--port", str(port)],
        env,
    )


def _seed_inbox(engine: Engine) -> None:
    """A week of conversations on demo channels (once); their credentials need the encryption key in .env."""
    from humas.cli.org import ensure_env_file
    from humas.core.settings import get_settings
    from humas.demo.inbox import seed_demo_inbox

    if ensure_env_file():  # keys for connecting channels and webhook alerts, as `humas init` writes them
        console.print("Wrote a new secret key and encryption key to .env")
        get_settings.cache_clear()
    with console.status("Adding a week of inbox conversations…"):
        seed_demo_inbox(engine)
    from humas.demo.inbox_history import seed_demo_history

    with console.status("Adding two months of closed conversations…"):
        seed_demo_history(engine)


def _seed_publishing(engine: Engine) -> None:
    """A month of the office's posts around today (once); nothing is sent to a platform."""
    from humas.demo.publishing import seed_demo_publishing

    with console.status("Adding a month of planned and published posts…"):
        seed_demo_publishing(engine)
    from humas.demo.kits import seed_demo_kits

    with console.status("Issuing the ministry's content kit…"):
        seed_demo_kits(engine)


def _seed_followers(engine: Engine) -> None:
    """The demo channels' daily follower counts over the demo's months (once); no platform is asked."""
    from humas.demo.followers import seed_demo_followers

    with console.status("Adding daily follower counts…"):
        seed_demo_followers(engine)
