"""File imports as resumable jobs: the rules, on a session the caller owns (``ingest.runner.run_import``
opens one committed transaction per batch, like a task).

The job's key is the file's digest plus the options, so running the same import again after a crash
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
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.connectors.base import SourceItem
from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.ingest.models import IngestJob
from humas.ingest.service import importer
from humas.ingest.service.pipeline import IngestResult
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


def job_key(digest: str, unit_id: int, mapping: dict[str, str], platform: str, tz: str) -> str:
    options = f"{digest}|{unit_id}|{sorted(mapping.items())}|{platform}|{tz}"
    return "file:" + hashlib.sha256(options.encode()).hexdigest()[:40]


def unit_zone_name(session: Session, unit_id: int) -> str:
    """The zone an import reads dates without one in: the unit's (WIB, WITA or WIT)."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise Invalid(_("Unit not found."), field="unit")
    return org_service.unit_zone_name(session, unit)


def open_job(session: Session, *, path: Path, unit_id: int, key: str, total: int) -> tuple[int, int]:
    """Find or start the job for this file and options; returns (job id, rows already committed)."""
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


class BatchReader:
    """A file's records as batches of items; bad rows go on the report, each batch remembers its last row."""

    def __init__(
        self, path: Path, *, mapping: dict[str, str], platform: str, zone: Any, encoding: str
    ) -> None:
        self.path, self.mapping, self.platform, self.zone, self.encoding = (
            path,
            mapping,
            platform,
            zone,
            encoding,
        )
        self._last_rows: dict[int, int] = {}  # id(batch) -> file row of its last record

    def last_row_of(self, batch: list[SourceItem]) -> int:
        return self._last_rows.pop(id(batch), 0)

    def batches(self, report: ImportReport, *, resume_after: int, size: int) -> Iterator[list[SourceItem]]:
        batch: list[SourceItem] = []
        checked = False
        last_seen = resume_after
        for record in importer.read_records(self.path, encoding=self.encoding):
            report.rows += 1
            last_seen = max(last_seen, record.row)
            if record.values is not None and not checked and self.path.suffix.lower() in TABULAR:
                importer.check_columns(list(record.values), self.mapping)
                checked = True
            item = _item(record, mapping=self.mapping, platform=self.platform, zone=self.zone, report=report)
            if item is None or record.row <= resume_after:
                continue
            batch.append(item)
            if len(batch) >= size:
                self._last_rows[id(batch)] = record.row
                yield batch
                batch = []
        self._last_rows[id(batch)] = last_seen
        yield batch


def _item(record: importer.Record, *, mapping: dict[str, str], platform: str, zone, report: ImportReport):
    if record.values is None:
        report.errors.append((record.row, record.error or "", record.excerpt))
        return None
    try:
        return importer.to_item(record.values, mapping=mapping, platform=platform, tz=zone)
    except importer.RowError as exc:
        report.errors.append((record.row, str(exc.args[0]), record.excerpt))
        return None


def record_progress(
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


def finish_job(session: Session, job_id: int, report: ImportReport) -> None:
    """Mark the job done with its totals, audited."""
    job = session.get(IngestJob, job_id)
    assert job is not None
    unit = session.get(Unit, job.unit_id)
    job.status, job.finished_at, job.total = "done", utcnow(), report.rows
    audit_service.record(
        session, actor=None, action="mentions.import", obj=job, unit=unit, label=job.label,
        after={"rows": report.rows, "added": job.added, "errors": len(report.errors)},
    )  # fmt: skip


def write_errors(errors: list[tuple[int, str, str]], path: Path) -> Path | None:
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
