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
    if channel_id is not None:
        outcomes = {channel_id: channels_service.poll_channel_by_id(channel_id)}
    else:
        outcomes = channels_service.poll_due()
    for cid, outcome in outcomes.items():
        console.print(f"channel {cid}: {outcome}", markup=False)


@app.command("send")
@handle_errors
def send_command() -> None:
    """Send due outbox rows and reconcile uncertain ones (at most once each)."""
    with session_scope() as session:
        ids = channels_service.due_entry_ids(session)
    for entry_id in ids:
        console.print(f"outbox {entry_id}: {channels_service.send_entry(entry_id)}", markup=False)
