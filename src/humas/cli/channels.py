"""`humas channels list|poll|send`: channel health, a poll now, the outbox now (what the jobs do)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from humas.channels import service as channels_service
from humas.cli.common import handle_errors
from humas.core.db import session_scope

console = Console()
app = typer.Typer(help="Channels: official accounts on the platforms.", no_args_is_help=True)


def _when(value: object) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value is not None else "-"


@app.command("list")
@handle_errors
def list_command() -> None:
    """List channels with their health (credentials are never shown)."""
    with session_scope() as session:
        table = Table("id", "unit", "platform", "name", "health", "last success", "last error", "next poll")
        for c in channels_service.list_channels(session):
            table.add_row(
                str(c.id), c.unit.name, c.platform, c.name, c.status, _when(c.last_success_at),
                (c.last_error or "")[:60], _when(c.next_poll_at),
            )  # fmt: skip
        console.print(table)


@app.command("poll")
@handle_errors
def poll_command(
    channel_id: Annotated[
        int | None, typer.Argument(help="One channel; without it, every due channel.")
    ] = None,
) -> None:
    """Poll channels now, each on its own."""
    from humas.channels import runner
    from humas.core.db import get_engine

    if channel_id is not None:
        outcomes = {channel_id: runner.poll_channel_by_id(get_engine(), channel_id)}
    else:
        outcomes = runner.poll_due(get_engine())
    for cid, outcome in outcomes.items():
        console.print(f"channel {cid}: {outcome}", markup=False)


@app.command("send")
@handle_errors
def send_command() -> None:
    """Send every due outbox row (channel writes, alerts) and reconcile uncertain ones, at most once each."""
    from humas.core.db import get_engine
    from humas.outbox import runner

    for message_id, status in runner.send_due(get_engine()).items():
        console.print(f"outbox {message_id}: {status}", markup=False)
