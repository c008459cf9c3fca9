"""`humas bench reports`: the monthly report of a ministry with its descendants, built and rendered."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()


def bench_reports(
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the figures here.")] = None,
    engine: Annotated[str, typer.Option(help="sqlite or postgresql.")] = "sqlite",
    units: Annotated[int, typer.Option(help="Descendant units of the ministry.", min=1)] = 50,
    mentions: Annotated[int, typer.Option(help="Mentions in the reported month.", min=0)] = 1_000_000,
    posts: Annotated[int, typer.Option(help="Posts published in the reported month.", min=0)] = 20_000,
    conversations: Annotated[int, typer.Option(help="Inbox conversations (90 days).", min=0)] = 100_000,
    pg_url: Annotated[str | None, typer.Option(help="PostgreSQL URL for --engine postgresql.")] = None,
    pdf: Annotated[Path | None, typer.Option(help="Also keep the rendered PDF here.")] = None,
) -> None:
    """Seconds to build a monthly report with descendants, render its PDF and XLSX; peak RSS."""
    from humas.bench import reports as bench

    if engine not in ("sqlite", "postgresql"):
        console.print("--engine must be sqlite or postgresql", style="red")
        raise typer.Exit(2)
    with console.status(f"Generating the ministry's data on {engine} and timing its monthly report…"):
        result = bench.run(
            engine_name=engine,
            units=units,
            mentions=mentions,
            posts=posts,
            conversations=conversations,
            pg_url=pg_url,
            pdf_out=pdf,
        )
    text = json.dumps(result, indent=2)
    console.print_json(text)
    if json_out is not None:
        json_out.write_text(text + "\n", encoding="utf-8")
