"""``humas nlp corrections export``: analysts' label corrections as JSON lines (or CSV) for retraining."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from humas.cli.common import fail, handle_errors

app = typer.Typer(help="Label corrections made by analysts.", no_args_is_help=True)

FIELDS = ("text", "task", "label", "unit", "unit_id", "mention_id", "corrected_by", "corrected_at",
          "previous_label", "model_label")  # fmt: skip


def _write(rows: Iterable[dict[str, Any]], out: TextIO, fmt: str) -> int:
    n = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=FIELDS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            n += 1
        return n
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        n += 1
    return n


@app.command("export")
@handle_errors
def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="file to write; stdout if left out")
    ] = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="unit id or name: its corrections and its descendants'")
    ] = None,
    task: Annotated[
        list[str] | None,
        typer.Option(
            "--task", "-t", help="only this task (repeatable); default: every task retraining takes"
        ),
    ] = None,
) -> None:
    """Write the current label corrections (text, task, label, unit, who, when) for `humas nlp train`."""
    from humas.core.db import session_scope
    from humas.ingest.service import corrections as corrections_service
    from humas.org import service as org_service

    tasks = list(task or corrections_service.TRAINABLE)
    unknown = [t for t in tasks if t not in corrections_service.TASKS]
    if unknown:
        choices = ", ".join(corrections_service.TASKS)
        raise fail(f"--task: unknown task {unknown[0]!r}; choose from {choices}", code=2)
    fmt = "csv" if output is not None and output.suffix.lower() == ".csv" else "jsonl"
    with session_scope() as session:
        unit_ids = None
        if unit is not None:
            from humas.cli.ingest import resolve_unit

            unit_ids = org_service.subtree_ids(session, resolve_unit(session, unit))
        rows = corrections_service.export_rows(session, unit_ids=unit_ids, tasks=tasks)
        if output is None:
            n = _write(rows, sys.stdout, fmt)
        else:
            try:
                with output.open("w", encoding="utf-8", newline="") as out:
                    n = _write(rows, out, fmt)
            except OSError as exc:
                raise fail(f"--output: {exc}", code=2) from None
    typer.echo(f"{n} corrections written", err=True)
