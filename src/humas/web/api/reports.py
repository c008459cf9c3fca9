"""Reports: the evaluation report of a unit and period (live figures, tables and charts), the archive of
finalised versions (each one's snapshot, as it was finalised), and a finalised version's files.

The numbers are the builder's (`humas.reports.service.build_report`), the same the page shows; a finalised
version is read from its snapshot, never recomputed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from humas.core.i18n import get_locale
from humas.core.time import utcnow
from humas.org import service as org_service
from humas.reports import service as reports_service
from humas.reports.document import Drill, Figure, Report, Section, Table
from humas.reports.period import Period
from humas.reports.service import archive as archive_service
from humas.web.deps import ApiActor, DbSession, error_field
from humas.web.params import IdPath, IdQuery
from humas.web.report_files import FileKindParam, stored_file
from humas.web.report_view import PERIOD_MAX, ReportQuery, default_period, drill_href, resolve_period
from humas.web.reports import report_unit

router = APIRouter(prefix="/reports", tags=["reports"])

PeriodQuery = Annotated[
    str | None,
    Query(
        max_length=PERIOD_MAX,
        description="2026-11 (month), 2026-Q4, 2026-H2, 2026 or 2026-11-03..2026-11-20; default: last month.",
    ),
]


class PeriodRead(BaseModel):
    key: str
    kind: str
    first: date
    last: date
    label: str


class DrillRead(BaseModel):
    """Where a figure leads: the rows behind it (`url`: the page that lists them)."""

    target: str
    params: dict[str, str]
    url: str


class FigureRead(BaseModel):
    key: str
    label: str
    value: float | int | None
    kind: str
    previous: float | int | None
    better: str
    change: float | None = Field(description="Relative change against the previous period (0.12 = +12 %).")
    delta: float | None
    direction: str | None
    improved: bool | None
    note: str
    drill: DrillRead | None


class ColumnRead(BaseModel):
    key: str
    label: str
    kind: str


class TableRead(BaseModel):
    key: str
    title: str
    columns: list[ColumnRead]
    rows: list[list[Any]]
    definition: str


class ChartRead(BaseModel):
    key: str
    title: str
    spec: dict[str, Any] = Field(description="A Vega-Lite spec with inline data.")


class SectionRead(BaseModel):
    key: str
    title: str
    figures: list[FigureRead]
    tables: list[TableRead]
    charts: list[ChartRead]
    draft: list[str]
    text: str


class ReportRead(BaseModel):
    """A report: live (`version` 0) or a finalised version read from its snapshot."""

    unit_id: int
    unit_name: str
    institution: str
    period: PeriodRead
    previous: PeriodRead
    include_descendants: bool
    unit_ids: list[int]
    zone: str
    locale: str
    generated_at: datetime
    title: str
    version: int
    finalised_at: datetime | None
    finalised_by: str
    sections: list[SectionRead]


class ArchivedFileRead(BaseModel):
    kind: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    url: str


class ArchivedReportRead(BaseModel):
    id: int
    unit_id: int
    period: str
    include_descendants: bool
    locale: str
    version: int
    title: str
    sha256: str
    finalised_at: datetime
    finalised_by: str
    files: list[ArchivedFileRead]


def _period(period: Period, locale: str) -> PeriodRead:
    return PeriodRead(
        key=period.key, kind=period.kind, first=period.first, last=period.last, label=period.label(locale)
    )


def _drill(
    drill: Drill | None, query: ReportQuery, unit_id: int, archive_id: int | None = None
) -> DrillRead | None:
    if drill is None:
        return None
    url = drill_href(drill, query, unit_id, archive_id) or ""
    return DrillRead(target=drill.target, params=dict(drill.params), url=url)


def _figure(f: Figure, query: ReportQuery, unit_id: int, archive_id: int | None = None) -> FigureRead:
    return FigureRead(
        key=f.key, label=f.label, value=f.value, kind=f.kind, previous=f.previous, better=f.better,
        change=f.change, delta=f.delta, direction=f.direction, improved=f.improved, note=f.note,
        drill=_drill(f.drill, query, unit_id, archive_id),
    )  # fmt: skip


def _table(t: Table) -> TableRead:
    return TableRead(
        key=t.key,
        title=t.title,
        columns=[ColumnRead(key=c.key, label=c.label, kind=c.kind) for c in t.columns],
        rows=[list(r) for r in t.rows],
        definition=t.definition,
    )


def _section(s: Section, query: ReportQuery, unit_id: int, archive_id: int | None = None) -> SectionRead:
    return SectionRead(
        key=s.key, title=s.title, figures=[_figure(f, query, unit_id, archive_id) for f in s.figures],
        tables=[_table(t) for t in s.tables],
        charts=[ChartRead(key=c.key, title=c.title, spec=c.spec) for c in s.charts],
        draft=list(s.draft), text=s.text,
    )  # fmt: skip


def report_read(report: Report, archive_id: int | None = None) -> ReportRead:
    """A report document as the API's JSON (the same document the page renders); a finalised version's
    drill URLs lead to that version's drill-down (``archive_id``)."""
    query = ReportQuery(report.unit_id, report.period, report.include_descendants)
    return ReportRead(
        unit_id=report.unit_id, unit_name=report.unit_name, institution=report.institution,
        period=_period(report.period, report.locale), previous=_period(report.previous, report.locale),
        include_descendants=report.include_descendants, unit_ids=list(report.unit_ids), zone=report.zone,
        locale=report.locale, generated_at=report.generated_at, title=report.title, version=report.version,
        finalised_at=report.finalised_at, finalised_by=report.finalised_by,
        sections=[_section(s, query, report.unit_id, archive_id) for s in report.sections],
    )  # fmt: skip


def archived_read(archived: Any) -> ArchivedReportRead:
    files = [
        ArchivedFileRead(
            kind=f.kind,
            filename=f.filename,
            content_type=f.content_type,
            size_bytes=f.size_bytes,
            sha256=f.sha256,
            url=f"/api/v1/reports/archive/{archived.id}/file?format={f.kind}",
        )  # fmt: skip
        for f in archived.files
    ]
    return ArchivedReportRead(
        id=archived.id, unit_id=archived.unit_id, period=archived.period_key,
        include_descendants=archived.include_descendants, locale=archived.locale, version=archived.version,
        title=archived.title, sha256=archived.sha256, finalised_at=archived.finalised_at,
        finalised_by=archived.finalised_by_label, files=files,
    )  # fmt: skip


@router.get("", response_model=ReportRead)
def live_report(
    session: DbSession,
    actor: ApiActor,
    unit_id: IdQuery = None,
    period: PeriodQuery = None,
    include_descendants: bool = False,
) -> ReportRead:
    """The live report of a unit (default: the caller's) and period, built from today's data."""
    with error_field("unit_id"):
        unit = report_unit(session, actor, unit_id)
    # "Last month" counted in the unit's zone, like the period itself.
    today = utcnow().astimezone(org_service.unit_zone(session, unit)).date()
    chosen = resolve_period(period, None, None, today=today) if period else default_period(today)
    report = reports_service.build_report(
        session, unit=unit, period=chosen, include_descendants=include_descendants, locale=get_locale(),
        actor=actor,
    )  # fmt: skip
    return report_read(report)


@router.get("/archive", response_model=list[ArchivedReportRead])
def archive(
    session: DbSession, actor: ApiActor, unit_id: IdQuery = None, period: PeriodQuery = None
) -> list[ArchivedReportRead]:
    """Finalised versions of a unit's reports (default: the caller's unit), newest period first."""
    with error_field("unit_id"):
        unit = org_service.access_unit(session, actor, unit_id) if unit_id is not None else actor.unit
    chosen = Period.parse(period) if period else None
    rows = archive_service.list_archive(session, actor, unit=unit, period=chosen)
    return [archived_read(a) for a in rows]


@router.get("/archive/{report_id}", response_model=ReportRead)
def archived_report(session: DbSession, actor: ApiActor, report_id: IdPath) -> ReportRead:
    """A finalised version as it was finalised (its snapshot; later data never changes it)."""
    archived = archive_service.access_archived_report(session, actor, report_id)
    return report_read(archive_service.read_archived_report(session, archived), archived.id)


@router.get(
    "/archive/{report_id}/file",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "application/octet-stream": {}}}},
)
def archived_file(
    session: DbSession, actor: ApiActor, report_id: IdPath, format: FileKindParam = "pdf"
) -> Response:
    """A finalised version's file as stored when it was finalised: PDF, XLSX or the ZIP of CSV tables."""
    archived = archive_service.access_archived_report(session, actor, report_id)
    return stored_file(session, archived, format)
