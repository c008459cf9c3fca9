"""`humas bench dashboard`: listening dashboard latency (figures in docs/BENCHMARKS.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()


def bench_dashboard(
    n: Annotated[int, typer.Option(help="Mentions to generate.")] = 1_000_000,
    engine: Annotated[str, typer.Option(help="sqlite or postgresql.")] = "sqlite",
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the figures here.")] = None,
    pg_url: Annotated[str | None, typer.Option(help="PostgreSQL URL for --engine postgresql.")] = None,
    runs: Annotated[int, typer.Option(help="Timed requests per endpoint.")] = 30,
) -> None:
    """Dashboard endpoints' p50/p95 for a 30-day range on a unit with 50 descendants, and arrival latency."""
    from humas.bench import dashboard as bench

    if engine not in ("sqlite", "postgresql"):
        console.print("--engine must be sqlite or postgresql", style="red")
        raise typer.Exit(2)
    with console.status(f"Generating {n:,} mentions on {engine} and timing the dashboard…"):
        result = bench.run(n, engine, pg_url=pg_url, runs=runs)
    text = json.dumps(result, indent=2)
    console.print_json(text)
    if json_out is not None:
        json_out.write_text(text + "\n", encoding="utf-8")
