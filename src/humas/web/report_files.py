"""A report's files as downloads: the live draft rendered now, a finalised version's files as stored."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from humas.core.i18n import _
from humas.reports.document import Report
from humas.reports.models import ArchivedReport
from humas.reports.service import archive as archive_service

# The three files of a report, by the archive's kinds: "csv" is a ZIP with one CSV per table.
FileKind = Literal["pdf", "xlsx", "csv"]
FileKindParam = Annotated[FileKind, Query(description="pdf, xlsx or csv (a ZIP with one CSV per table).")]
KINDS: tuple[FileKind, ...] = ("pdf", "xlsx", "csv")


def download_labels() -> list[tuple[FileKind, str]]:
    """Each file kind with what a button says."""
    return [("pdf", "PDF"), ("xlsx", "XLSX"), ("csv", str(_("CSV (ZIP)")))]


def _attachment(data: bytes, *, filename: str, content_type: str, sha256: str | None = None) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if sha256:
        headers["X-Checksum-SHA256"] = sha256
    return Response(data, media_type=content_type, headers=headers)


def live_file(report: Report, kind: FileKind, *, logo: bytes | None) -> Response:
    """The live draft rendered now (PDF with the unit's logo, XLSX, or the ZIP of CSV tables)."""
    # NOTE: imported here: WeasyPrint and openpyxl load only when someone downloads a file.
    if kind == "pdf":
        from humas.reports.render.pdf import render_pdf

        data = render_pdf(report, logo=logo)
    elif kind == "xlsx":
        from humas.reports.render.xlsx import render_xlsx

        data = render_xlsx(report)
    else:
        from humas.reports.render.csv import render_csv_zip

        data = render_csv_zip(report)
    filename = f"{archive_service.file_stem(report)}.{archive_service.EXTENSIONS[kind]}"
    return _attachment(data, filename=filename, content_type=archive_service.CONTENT_TYPES[kind])


def stored_file(session: Session, archived: ArchivedReport, kind: FileKind) -> Response:
    """A finalised version's file exactly as archived, with its SHA-256 in a header."""
    row, data = archive_service.report_file(session, archived, kind)
    return _attachment(data, filename=row.filename, content_type=row.content_type, sha256=row.sha256)
