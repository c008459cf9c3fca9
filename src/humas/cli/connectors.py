"""``humas connectors``: check connectors against saved platform answers."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from humas.connectors.errors import ErrorPayload, UnrecognisedPayload
from humas.connectors.parse import PARSERS, parse_payload

app = typer.Typer(help="Platform connectors.", no_args_is_help=True)
PLATFORMS = tuple(PARSERS)  # every registered platform, and each webhook kind ("meta": any Meta body)


@app.callback()
def main() -> None:
    """Platform connectors."""


@app.command()
def parse(
    platform: str = typer.Argument(..., help=f"one of: {', '.join(PLATFORMS)}"),
    file: Path = typer.Argument(..., help="a saved API response body or webhook payload"),
) -> None:
    """Print one JSON line per public item in a saved API answer or webhook payload."""
    if platform not in PARSERS:
        typer.echo(f"error: unknown platform {platform!r}; expected one of {', '.join(PLATFORMS)}", err=True)
        raise typer.Exit(2)
    try:
        body = file.read_bytes()
    except OSError as exc:
        typer.echo(f"error: cannot read {file}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    try:
        items = parse_payload(platform, body)
    except ErrorPayload as exc:
        typer.echo(f"error: {file} is a platform error answer, not data: {exc}", err=True)
        raise typer.Exit(2) from None
    except UnrecognisedPayload as exc:
        typer.echo(f"error: {file} is not a recognised {platform} body: {exc}", err=True)
        raise typer.Exit(2) from None
    for item in items:
        typer.echo(json.dumps(item.public_dict(), ensure_ascii=False))
