"""`humas bench dashboard` and `humas bench load`: dashboard latency, many users at once (BENCHMARKS.md)."""

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
    reuse: Annotated[
        bool,
        typer.Option(help="PostgreSQL: time the data a previous run left if it holds exactly --n mentions."),
    ] = False,
) -> None:
    """Dashboard endpoints' p50/p95 for a 30-day range on a unit with 50 descendants, and arrival latency."""
    from humas.bench import dashboard as bench

    if engine not in ("sqlite", "postgresql"):
        console.print("--engine must be sqlite or postgresql", style="red")
        raise typer.Exit(2)
    with console.status(f"Generating {n:,} mentions on {engine} and timing the dashboard…"):
        result = bench.run(n, engine, pg_url=pg_url, runs=runs, reuse=reuse)
    text = json.dumps(result, indent=2)
    console.print_json(text)
    if json_out is not None:
        json_out.write_text(text + "\n", encoding="utf-8")


def bench_load(
    users: Annotated[int, typer.Option(help="Logged-in users (at most 500).")] = 100,
    seconds: Annotated[int, typer.Option(help="Seconds of load (at most 600).")] = 60,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the figures here.")] = None,
    engine: Annotated[
        str, typer.Option(help="sqlite or postgresql (the demo built for the run).")
    ] = "sqlite",
    pg_url: Annotated[str | None, typer.Option(help="PostgreSQL URL for --engine postgresql.")] = None,
    url: Annotated[
        str | None, typer.Option(help="Target a running server instead (loopback only); needs --login.")
    ] = None,
    login: Annotated[
        str | None, typer.Option(help="EMAIL:PASSWORD every user logs in as with --url.")
    ] = None,
    dwell: Annotated[
        float, typer.Option(help="Seconds each page stays open (0: closed loop, stress).")
    ] = 15.0,
) -> None:
    """Many users on the dashboard and explorer at once: requests/s, errors, p50/p95/p99 latency."""
    from humas.bench import load as bench

    if engine not in ("sqlite", "postgresql"):
        console.print("--engine must be sqlite or postgresql", style="red")
        raise typer.Exit(2)
    credentials = tuple(login.split(":", 1)) if login and ":" in login else None
    try:
        bench.bounded(users, seconds)
        if url is not None:
            bench.check_loopback(url)
            if credentials is None:
                raise ValueError("--login EMAIL:PASSWORD is needed with --url")
    except ValueError as exc:
        console.print(str(exc), style="red")
        raise typer.Exit(2) from exc
    result = bench.run(
        users, seconds, engine=engine, url=url, login=credentials, pg_url=pg_url, dwell=dwell,  # type: ignore[arg-type]
        log=lambda text: console.print(text, style="dim"),
    )  # fmt: skip
    text = json.dumps(result, indent=2)
    console.print_json(text)
    if json_out is not None:
        json_out.write_text(text + "\n", encoding="utf-8")
