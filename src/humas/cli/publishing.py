"""`humas bench publishing`: the calendar month of a large subtree and a minute's hand-out (BENCHMARKS.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()


def bench_publishing(
    units: Annotated[int, typer.Option(help="Descendants under the root unit.")] = 50,
    posts: Annotated[int, typer.Option(help="Scheduled posts in the month.")] = 20_000,
    variants: Annotated[int, typer.Option(help="Variants due in the same minute (0: skip).")] = 1_000,
    runs: Annotated[int, typer.Option(help="Timed calls per calendar measure.")] = 20,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the figures here.")] = None,
) -> None:
    """Calendar month p50/p95 (target p95 <= 200 ms) and the seconds to hand 1,000 due variants out."""
    from humas.bench import publishing as bench

    with console.status(f"Building {posts:,} posts over {units + 1} units and timing publishing…"):
        result = bench.run(units=units, posts=posts, variants=variants, runs=runs, progress=json_out)
    text = json.dumps(result, indent=2, default=str)
    console.print_json(text)
    if json_out is not None:
        json_out.write_text(text + "\n", encoding="utf-8")
