"""`humas import`, `humas query add|list|test`, `humas source add-feed|list|poll`, `humas bench ingest`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import select

from humas.cli.common import fail, handle_errors
from humas.core.db import get_engine, session_scope
from humas.core.errors import Invalid
from humas.ingest.models import Mention
from humas.ingest.runner import poll_feed_by_id, run_import
from humas.ingest.service import feeds as feeds_service
from humas.ingest.service import importer
from humas.ingest.service import queries as queries_service
from humas.org.models import Unit

console = Console()
import_app = typer.Typer(help="Import mentions from a file.", no_args_is_help=True)
query_app = typer.Typer(help="Saved queries (topik pantauan).", no_args_is_help=True)
source_app = typer.Typer(help="News feeds and other sources.", no_args_is_help=True)

UnitOption = Annotated[
    str | None, typer.Option("--unit", help="Unit id or name (default: the only root unit).")
]


def resolve_unit(session, unit: str | None) -> Unit:
    """A unit by id or exact name; without one, the single root unit."""
    if unit is None:
        roots = list(
            session.scalars(select(Unit).where(Unit.parent_id.is_(None), Unit.archived_at.is_(None)))
        )
        if len(roots) != 1:
            raise Invalid("--unit is required (there is not exactly one root unit)", field="unit")
        return roots[0]
    found = session.get(Unit, int(unit)) if unit.isdigit() else None
    found = found or session.scalar(select(Unit).where(Unit.name == unit))
    if found is None:
        raise Invalid(f"unknown unit {unit!r}", field="unit")
    return found


@handle_errors
def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV, JSON lines or XLSX.")],
    map_: Annotated[
        list[str] | None, typer.Option("--map", help="our_field=TheirColumn, repeatable.")
    ] = None,
    unit: UnitOption = None,
    errors: Annotated[Path | None, typer.Option("--errors", help="Where bad rows are listed.")] = None,
    platform: Annotated[str, typer.Option(help="Platform for rows without one.")] = "import",
    tz: Annotated[
        str | None, typer.Option(help="Time zone of dates written without one (default: the unit's).")
    ] = None,
    encoding: Annotated[str, typer.Option(help="Text encoding of CSV / JSONL.")] = "utf-8",
    batch_size: Annotated[int, typer.Option(help="Rows per transaction.")] = 1000,
    workers: Annotated[
        int, typer.Option(help="Processes analysing ahead of the database writes (0: none).")
    ] = (1 if (os.cpu_count() or 1) > 1 else 0),
) -> None:
    """Import mentions from a file; bad rows are listed with row number and reason, good rows are kept."""
    mapping = importer.parse_mapping(map_)
    with session_scope() as session:
        unit_id = resolve_unit(session, unit).id
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(file.name, total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=max(total, done))

        report = run_import(
            file, unit_id=unit_id, mapping=mapping, platform=platform, tz=tz, encoding=encoding,
            errors_path=errors, batch_size=batch_size, progress=progress, workers=workers,
        )  # fmt: skip
    resumed = f", resumed after row {report.resumed_after}" if report.resumed_after else ""
    console.print(f"{report.rows} rows: {report.added} added, {report.updated} already known{resumed}.")
    if report.errors:
        console.print(f"[yellow]{len(report.errors)} bad rows[/yellow] listed in {report.errors_path}")
        for row, reason, _excerpt in report.errors[:10]:
            console.print(f"  row {row}: {reason}", markup=False)


import_app.command("import")(import_command)


@query_app.command("add")
@handle_errors
def query_add(
    name: Annotated[str, typer.Argument(help="Name of the topic.")],
    query: Annotated[str, typer.Argument(help='e.g. "pajak" AND (kppn OR djpb) -promo lang:id')],
    unit: UnitOption = None,
) -> None:
    """Save a query for a unit; its matches over stored mentions are backfilled as a job."""
    with session_scope() as session:
        saved = queries_service.create_query(
            session, unit=resolve_unit(session, unit), name=name, query=query, actor=None
        )
        console.print(f"query {saved.id} saved: {saved.query}", markup=False)


@query_app.command("list")
@handle_errors
def query_list() -> None:
    """List active saved queries."""
    with session_scope() as session:
        table = Table("id", "unit", "name", "query")
        for q in queries_service.list_queries(session):
            table.add_row(str(q.id), q.unit.name, q.name, q.query)
        console.print(table)


@query_app.command("test")
@handle_errors
def query_test(
    query: Annotated[str, typer.Argument(help="A query to try on stored mentions.")],
    limit: Annotated[int, typer.Option(help="How many matches to show.")] = 20,
) -> None:
    """Parse a query and show the stored mentions it matches (newest first)."""
    with session_scope() as session:
        tree = queries_service.check_query(query)
        from humas.ingest.service.querylang import to_text

        console.print(f"parsed: {to_text(tree)}", markup=False)
        ids = queries_service.search_ids(session, query, limit=limit)
        for mention in session.scalars(
            select(Mention).where(Mention.id.in_(ids)).order_by(Mention.id.desc())
        ):
            console.print(
                f"[{mention.id}] {mention.platform} {mention.created_at:%Y-%m-%d %H:%M}", markup=False
            )
            console.print(f"    {mention.text[:160]}", markup=False, highlight=False)
        console.print(f"{len(ids)} shown")


@source_app.command("add-feed")
@handle_errors
def add_feed(
    url: Annotated[str, typer.Argument(help="RSS 2.0 or Atom feed URL.")],
    unit: UnitOption = None,
    interval: Annotated[int, typer.Option(help="Seconds between polls.")] = 900,
    extract: Annotated[
        bool, typer.Option(help="Fetch each article's page when the feed has only a summary.")
    ] = True,
) -> None:
    """Add a news feed polled on a schedule."""
    with session_scope() as session:
        feed = feeds_service.add_feed(
            session, unit=resolve_unit(session, unit), url=url, interval_s=interval, extract_articles=extract,
            actor=None,
        )  # fmt: skip
        console.print(f"feed {feed.id} added: {feed.url}", markup=False)


@source_app.command("list")
@handle_errors
def list_feeds() -> None:
    """List feeds with their health."""
    with session_scope() as session:
        table = Table("id", "unit", "url", "healthy", "failures", "last error", "next poll")
        for f in feeds_service.list_feeds(session):
            table.add_row(
                str(f.id), f.unit.name, f.url, "yes" if f.healthy else "NO", str(f.failures),
                (f.last_error or "")[:60], f"{f.next_poll_at:%Y-%m-%d %H:%M}",
            )  # fmt: skip
        console.print(table)


@source_app.command("poll")
@handle_errors
def poll_feeds(
    all_: Annotated[bool, typer.Option("--all", help="Poll every feed, due or not.")] = False,
) -> None:
    """Poll due feeds now (what the scheduled job does)."""
    with session_scope() as session:
        ids = feeds_service.due_feed_ids(session, all_feeds=all_)
    for feed_id in ids:
        outcome = poll_feed_by_id(get_engine(), feed_id)  # its own transaction, like the job
        console.print(f"feed {feed_id}: {outcome}", markup=False)


def bench_ingest(
    n: Annotated[int, typer.Option(help="Mentions to generate.")] = 200_000,
    engine: Annotated[str, typer.Option(help="sqlite or postgresql.")] = "sqlite",
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the figures here.")] = None,
    queries: Annotated[int, typer.Option(help="Saved queries.")] = 1000,
    search_n: Annotated[int, typer.Option(help="Stored mentions for the search benchmark.")] = 1_000_000,
    pg_url: Annotated[str | None, typer.Option(help="PostgreSQL URL for --engine postgresql.")] = None,
    workers: Annotated[int, typer.Option(help="Analysis worker processes beside the writer.")] = 1,
) -> None:
    """End-to-end ingest, matching and search benchmark (targets in issue 5)."""
    from humas.bench import ingest as bench

    if engine not in ("sqlite", "postgresql"):
        raise fail("--engine must be sqlite or postgresql", code=2)
    figures = bench.run(
        n=n,
        engine=engine,
        queries=queries,
        search_n=search_n,
        pg_url=pg_url,
        console=console,
        workers=workers,
    )
    console.print_json(json.dumps(figures))
    if json_out:
        json_out.write_text(json.dumps(figures, indent=2) + "\n")


cli = typer.Typer(help="Ingest commands (also mounted in `humas`).", no_args_is_help=True)
cli.command("import")(import_command)
cli.add_typer(query_app, name="query")
cli.add_typer(source_app, name="source")
cli.command("bench")(bench_ingest)

if __name__ == "__main__":
    cli()
