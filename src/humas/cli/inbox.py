"""`humas bench inbox`: inbox pages at scale, webhook-to-inbox time, the deadline sweep (BENCHMARKS.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()


def bench_inbox(
    n: Annotated[int, typer.Option(help="Conversations to generate.")] = 200_000,
    engine: Annotated[str, typer.Option(help="sqlite or postgresql.")] = "sqlite",
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the figures here.")] = None,
    pg_url: Annotated[str | None, typer.Option(help="PostgreSQL URL for --engine postgresql.")] = None,
    runs: Annotated[int, typer.Option(help="Timed requests per page.")] = 30,
    trials: Annotated[int, typer.Option(help="Webhook arrivals timed per consumer setting (0: skip).")] = 8,
    gap_s: Annotated[float, typer.Option(help="Longest random pause between arrivals, seconds.")] = 15.0,
    sweep_n: Annotated[int, typer.Option(help="Open conversations to sweep (0: skip).")] = 100_000,
) -> None:
    """Inbox pages p50/p95 for a unit with 50 descendants, webhook to open inbox, deadline sweep."""
    from humas.bench import inbox as bench

    if engine not in ("sqlite", "postgresql"):
        console.print("--engine must be sqlite or postgresql", style="red")
        raise typer.Exit(2)
    with console.status(f"Generating {n:,} conversations on {engine} and timing the inbox…"):
        result = bench.run(
            n, engine, pg_url=pg_url, runs=runs, trials=trials, gap_s=gap_s, sweep_n=sweep_n,
            progress=json_out,
        )  # fmt: skip
    text = json.dumps(result, indent=2, default=str)
    console.print_json(text)
    if json_out is not None:
        json_out.write_text(text + "\n", encoding="utf-8")
