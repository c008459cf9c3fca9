"""`humas spikes detect`: the spike detector as a command (a public contract).

Input: CSV with the header `timestamp,value`, one row per interval (any regular interval, ISO 8601
timestamps with or without an offset). Output: one JSON line per spike, in time order,
`{"start": ..., "peak": ..., "end": ..., "score": ...}`, each found using only the rows before it.
Bad input exits with status 2 and a message naming the row (row 1 is the header).
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TextIO

import typer

from humas.core.errors import Invalid
from humas.listening.spike_detector import Spike, SpikeDetector

app = typer.Typer(help="Spike detection on a time series.", no_args_is_help=True)


@app.callback()
def spikes() -> None:
    """Spike detection on a time series."""


class InputError(ValueError):
    """A row of the CSV is unusable; the message names it."""


def read_series(stream: TextIO) -> Iterator[tuple[datetime, float]]:
    """Yield (timestamp, value) rows, checking the header, types and the regular, increasing interval."""
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None or [h.strip().lstrip("\ufeff").lower() for h in header] != ["timestamp", "value"]:
        raise InputError("row 1: the header must be exactly 'timestamp,value'")
    previous: datetime | None = None
    interval = None
    for row_number, row in enumerate(reader, start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != 2:
            raise InputError(f"row {row_number}: expected 2 columns, got {len(row)}")
        ts, value = _timestamp(row[0], row_number), _value(row[1], row_number)
        if previous is not None:
            step = _utc(ts) - _utc(previous)
            if step.total_seconds() <= 0:
                raise InputError(f"row {row_number}: timestamp {row[0].strip()} is not after the row before")
            if interval is None:
                interval = step
            elif step != interval:
                raise InputError(
                    f"row {row_number}: timestamps are not regular "
                    f"(step {step} here, {interval} between the first rows)"
                )
        previous = ts
        yield ts, value


def _timestamp(text: str, row: int) -> datetime:
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"row {row}: bad timestamp {text.strip()!r} (expected ISO 8601)") from None


def _value(text: str, row: int) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise InputError(f"row {row}: value {text.strip()!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise InputError(f"row {row}: value {text.strip()!r} must be a finite number >= 0")
    return value


def _utc(ts: datetime) -> datetime:
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def run_detection(stream: TextIO) -> Iterator[Spike]:
    """Stream spikes as they close (and the one still open at the end), in time order."""
    detector: SpikeDetector | None = None
    first: datetime | None = None
    for ts, value in read_series(stream):
        if first is None:
            first = ts
            pending = (ts, value)
            continue
        if detector is None:
            detector = SpikeDetector(_utc(ts) - _utc(first))
            detector.update(*pending)
        ended = detector.update(ts, value).ended
        if ended is not None:
            yield ended
    if detector is not None and detector.current is not None:
        yield detector.current


@app.command()
def detect(
    input: Annotated[
        str, typer.Option("--input", "-i", help="CSV file with header timestamp,value; '-' for stdin.")
    ] = "-",
) -> None:
    """Detect spikes in a regular series; one JSON line per spike on stdout."""
    try:
        opened = nullcontext(sys.stdin) if input == "-" else Path(input).open(encoding="utf-8", newline="")
    except OSError as exc:
        typer.echo(f"error: cannot read {input}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    # Nothing is printed before the whole input is read: bad input gives an error and no partial output.
    out = io.StringIO()
    try:
        with opened as stream:
            for spike in run_detection(stream):
                out.write(json.dumps(spike.to_json()) + "\n")
    except (InputError, Invalid) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except UnicodeDecodeError:
        typer.echo("error: the input is not UTF-8 text", err=True)
        raise typer.Exit(2) from None
    typer.echo(out.getvalue(), nl=False)


def bench_spikes_command(
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the figures here.")] = None,
    seeds: Annotated[int, typer.Option(help="Generated series to evaluate on.")] = 200,
    first_seed: Annotated[
        int, typer.Option(help="First seed (seeds 0-29 were used to choose parameters).")
    ] = 1000,
) -> None:
    """Recall, false alarms per series-day, precision and delay on generated and real series."""
    from humas.bench.spikes import bench_spikes

    typer.echo(json.dumps(bench_spikes(json_out, seeds=seeds, first_seed=first_seed)))
