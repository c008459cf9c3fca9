"""Run a file import as a resumable job: one committed transaction per batch, progress on the job row.

Like a task, this owns its transactions (it is called from `humas import` and from jobs, never inside a
request). The job's key is the file's digest plus the options, so running the same import again after a crash
resumes after the last committed row, and running it after it finished adds nothing (rows are found by
(platform, external_id) and only their metrics refresh). Bad rows are re-read on every run, so the error file
is always complete.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from humas.connectors.base import SourceItem
from humas.core.db import session_scope
from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.ingest.models import IngestJob
from humas.ingest.service import importer
from humas.ingest.service.pipeline import Analyzer, IngestResult
from humas.ingest.service.stream import analysis_pool, ingest_stream
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Unit

Progress = Callable[[int, int], None]  # (rows read, rows expected)
TABULAR = (".csv", ".tsv", ".txt", ".xlsx")


@dataclass
class ImportReport:
    job_id: int
    rows: int = 0
    added: int = 0
    updated: int = 0
    resumed_after: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, reason, excerpt)
    errors_path: Path | None = None


def _job_key(digest: str, unit_id: int, mapping: dict[str, str], platform: str, tz: str) -> str:
    options = f"{digest}|{unit_id}|{sorted(mapping.items())}|{platform}|{tz}"
    return "file:" + hashlib.sha256(options.encode()).hexdigest()[:40]


def _unit_zone_name(engine: Engine | None, unit_id: int) -> str:
    with session_scope(engine) as session:
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise Invalid(_("Unit not found."), field="unit")
        return org_service.unit_zone_name(session, unit)


def _open_job(engine: Engine | None, *, path: Path, unit_id: int, key: str, total: int) -> tuple[int, int]:
    """Find or start the job for this file and options; returns (job id, rows already committed)."""
    with session_scope(engine) as session:
        job = session.scalar(
            select(IngestJob)
            .where(IngestJob.kind == "import", IngestJob.key == key)
            .order_by(IngestJob.id.desc())
        )
        if job is None or job.status == "done":
            job = IngestJob(kind="import", unit_id=unit_id, key=key, label=path.name, total=total)
            session.add(job)
        job.status, job.updated_at = "running", utcnow()
        session.flush()
        return job.id, job.cursor


def run_import(
    path: Path,
    *,
    unit_id: int,
    mapping: dict[str, str] | None = None,
    platform: str = "import",
    tz: str | None = None,
    encoding: str = "utf-8",
    errors_path: Path | None = None,
    engine: Engine | None = None,
    batch_size: int = 1000,
    progress: Progress | None = None,
    analyzer: Analyzer | None = None,
    workers: int = 0,
) -> ImportReport:
    """Import a CSV / JSONL / XLSX file for a unit; bad rows go to the error file with row and reason.
    Dates written without a zone are read in `tz`, by default the unit's zone (WIB, WITA or WIT)."""
    mapping = mapping or {}
    zone = importer.zone(tz or _unit_zone_name(engine, unit_id))
    total = importer.estimate_rows(path)
    key = _job_key(importer.file_digest(path), unit_id, mapping, platform, str(zone))
    job_id, resume_after = _open_job(engine, path=path, unit_id=unit_id, key=key, total=total)
    report = ImportReport(job_id=job_id, resumed_after=resume_after)
    last_rows: dict[int, int] = {}  # id(batch) -> file row of its last record

    def batches() -> Iterator[list[SourceItem]]:
        batch: list[SourceItem] = []
        checked = False
        last_seen = resume_after
        for record in importer.read_records(path, encoding=encoding):
            report.rows += 1
            last_seen = max(last_seen, record.row)
            if record.values is not None and not checked and path.suffix.lower() in TABULAR:
                importer.check_columns(list(record.values), mapping)
                checked = True
            item = _item(record, mapping=mapping, platform=platform, zone=zone, report=report)
            if item is None or record.row <= resume_after:
                continue
            batch.append(item)
            if len(batch) >= batch_size:
                last_rows[id(batch)] = record.row
                yield batch
                batch = []
        last_rows[id(batch)] = last_seen
        yield batch

    def on_batch(session: Session, result: IngestResult, batch: list[SourceItem]) -> None:
        _record_progress(session, job_id, last_rows.pop(id(batch), 0), result, report)
        if progress:
            progress(report.rows, total)

    with analysis_pool(workers if analyzer is None else 0) as pool:
        ingest_stream(
            batches(), unit_id=unit_id, engine=engine, pool=pool, analyzer=analyzer, on_batch=on_batch
        )
    _finish_job(engine, job_id, report)
    if progress:
        progress(report.rows, report.rows)
    report.errors_path = _write_errors(
        report.errors, errors_path or path.with_name(path.name + ".errors.csv")
    )
    return report


def _item(record: importer.Record, *, mapping: dict[str, str], platform: str, zone, report: ImportReport):  # type: ignore[no-untyped-def]
    if record.values is None:
        report.errors.append((record.row, record.error or "", record.excerpt))
        return None
    try:
        return importer.to_item(record.values, mapping=mapping, platform=platform, tz=zone)
    except importer.RowError as exc:
        report.errors.append((record.row, str(exc.args[0]), record.excerpt))
        return None


def _record_progress(
    session: Session, job_id: int, last_row: int, result: IngestResult, report: ImportReport
) -> None:
    """Committed with the batch: the rows before `last_row` never need reading into the database again."""
    job = session.get(IngestJob, job_id)
    assert job is not None
    job.cursor = max(job.cursor, last_row)
    job.done = report.rows
    job.added += result.added
    job.failed = len(report.errors)
    job.updated_at = utcnow()
    report.added += result.added
    report.updated += result.updated


def _finish_job(engine: Engine | None, job_id: int, report: ImportReport) -> None:
    with session_scope(engine) as session:
        job = session.get(IngestJob, job_id)
        assert job is not None
        unit = session.get(Unit, job.unit_id)
        job.status, job.finished_at, job.total = "done", utcnow(), report.rows
        audit_service.record(
            session, actor=None, action="mentions.import", obj=job, unit=unit, label=job.label,
            after={"rows": report.rows, "added": job.added, "errors": len(report.errors)},
        )  # fmt: skip


def _write_errors(errors: list[tuple[int, str, str]], path: Path) -> Path | None:
    if not errors:
        if path.exists():
            path.unlink()
        return None
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["row", "reason", "excerpt"])
        for row, reason, excerpt in sorted(errors):
            writer.writerow([row, reason, importer.csv_safe(excerpt)])
    return path
