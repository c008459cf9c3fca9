"""Laporan: the chooser (unit, period, descendants), the archive of finalised versions with their files, a
finalised version's page (read from its snapshot, never recomputed) and the report schedules."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import Field
from sqlalchemy.orm import Session

from humas.core.errors import HumasError, Invalid
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.org import service as org_service
from humas.org.models import Unit, User
from humas.reports.models import ArchivedReport
from humas.reports.period import Period
from humas.reports.service import archive as archive_service
from humas.reports.service import logo as logo_service
from humas.reports.service import schedules as schedules_service
from humas.web.deps import CurrentUser, DbSession, IdPath, OptionalIdForm
from humas.web.flash import N_, redirect
from humas.web.params import OptionalIdParam
from humas.web.report_files import FileKindParam, download_labels, stored_file
from humas.web.report_view import PeriodParam, ReportQuery, default_period, period_choices
from humas.web.reports import page_locale, report_page
from humas.web.templating import render, viewer_zone

router = APIRouter(include_in_schema=False)

KindForm = Annotated[str, Field(max_length=16), Form()]
LocaleForm = Annotated[str, Field(max_length=8), Form()]
RecipientsForm = Annotated[str, Field(max_length=schedules_service.RECIPIENTS_MAX * 260), Form()]
FlagForm = Annotated[str | None, Field(max_length=1), Form()]


@dataclass(frozen=True)
class ArchiveRow:
    """One finalised version as the archive table shows it."""

    id: int
    label: str
    include_descendants: bool
    locale: str
    version: int
    finalised_by: str
    finalised_at: datetime
    sha256: str
    downloads: list[tuple[str, str]]


def _archive_rows(rows: list[ArchivedReport], locale: str) -> list[ArchiveRow]:
    labels: dict[str, str] = dict(download_labels())
    out = []
    for a in rows:
        period = Period(a.first_on, a.last_on, a.period_kind)  # type: ignore[arg-type]
        out.append(
            ArchiveRow(
                id=a.id, label=period.label(locale), include_descendants=a.include_descendants,
                locale=a.locale, version=a.version, finalised_by=a.finalised_by_label,
                finalised_at=a.finalised_at, sha256=a.sha256,
                downloads=[(f.kind, labels.get(f.kind, f.kind)) for f in a.files],
            )
        )  # fmt: skip
    return out


def kind_labels() -> dict[str, str]:
    return {
        "month": str(_("Month")),
        "quarter": str(_("Quarter")),
        "half": str(_("Half-year")),
        "year": str(_("Year")),
    }


def _index(
    request: Request, session: Session, user: User, unit: Unit, period: str | None, **extra: Any
) -> HTMLResponse:
    locale = page_locale(request)
    today = utcnow().astimezone(viewer_zone(request)).date()
    chosen = Period.parse(period) if period else None
    everything = archive_service.list_archive(session, user, unit=unit)
    shown = [a for a in everything if chosen is None or a.period_key == chosen.key]
    periods = {a.period_key: Period(a.first_on, a.last_on, a.period_kind) for a in everything}  # type: ignore[arg-type]
    may_schedule = org_service.has_role(user, *schedules_service.MANAGERS)
    logo = logo_service.effective_logo_row(session, unit)
    logo_from = None if logo is None or logo.unit_id == unit.id else session.get(Unit, logo.unit_id)
    return render(
        request,
        "reports/index.html",
        unit=unit,
        units=org_service.list_units(session, user),
        base_depth=user.unit.depth,
        period_groups=period_choices(today),
        selected_period=default_period(today).key,
        archive=_archive_rows(shown, locale),
        archive_periods=[
            (k, p.label(locale)) for k, p in sorted(periods.items(), key=lambda kv: kv[1], reverse=True)
        ],
        archive_period=chosen.key if chosen else "",
        schedules=schedules_service.list_schedules(session, user, unit=unit),
        may_schedule=may_schedule,
        kind_labels=kind_labels(),
        logo=logo,
        logo_src=_data_url(logo.content) if logo is not None else None,
        logo_from=logo_from,
        may_logo=org_service.has_role(user, *logo_service.MANAGERS),
        logo_max_kb=logo_service.LOGO_MAX_BYTES // 1024,
        **{"error": None, "values": {}, **extra},
    )


def _data_url(png: bytes) -> str:
    """The stored logo (a clean PNG, re-encoded on upload) inline: the page's CSP allows `data:` images."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@router.get("/laporan", response_class=HTMLResponse)
def index(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit: OptionalIdParam = None,
    period: PeriodParam = None,
) -> HTMLResponse:
    """Open a report (unit, period, descendants); the unit's archive and report schedules."""
    chosen = org_service.access_unit(session, user, unit) if unit is not None else user.unit
    return _index(request, session, user, chosen, period)


@router.get("/reports")
def old_reports_link(user: CurrentUser) -> Response:
    """The English address of this section (the navigation's before the pages were built)."""
    return redirect("/laporan")


@router.get("/laporan/arsip/{report_id}", response_class=HTMLResponse)
def archived(request: Request, session: DbSession, user: CurrentUser, report_id: IdPath) -> HTMLResponse:
    """A finalised version as it was finalised: its snapshot, its checksum, its stored files."""
    row = archive_service.access_archived_report(session, user, report_id)
    report = archive_service.read_archived_report(session, row)
    query = ReportQuery(report.unit_id, report.period, report.include_descendants)
    labels: dict[str, str] = dict(download_labels())
    downloads = [
        (labels.get(f.kind, f.kind), f"/laporan/arsip/{row.id}/unduh?berkas={f.kind}") for f in row.files
    ]
    return report_page(request, report, query=query, user=user, downloads=downloads, archived=row)


@router.get("/laporan/arsip/{report_id}/unduh")
def archived_file(
    session: DbSession, user: CurrentUser, report_id: IdPath, berkas: FileKindParam = "pdf"
) -> Response:
    """A finalised version's file exactly as archived (its SHA-256 in `X-Checksum-SHA256`)."""
    return stored_file(session, archive_service.access_archived_report(session, user, report_id), berkas)


async def _read_logo(file: UploadFile) -> bytes:
    """The upload's bytes, reading no more than one byte past the logo's limit."""
    limit = logo_service.LOGO_MAX_BYTES
    data = await file.read(limit + 1)
    if len(data) > limit:  # the service's own message, with the whole file's size rather than what was read
        size = max(file.size or 0, len(data)) // 1024
        raise Invalid(
            _("The logo is %(size)s KB; at most %(limit)s KB is taken.", size=size, limit=limit // 1024),
            field="logo",
        )
    return data


@router.post("/laporan/logo", response_class=HTMLResponse)
async def upload_logo(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    logo: Annotated[UploadFile, File()],
    unit: OptionalIdForm = None,
) -> Response:
    """Upload (or replace) the unit's logo for the report cover; unit admins only."""
    chosen = org_service.access_unit(session, user, unit) if unit is not None else user.unit
    org_service.require_role(user, *logo_service.MANAGERS)
    try:
        data = await _read_logo(logo)
        logo_service.set_unit_logo(session, unit=chosen, data=data, actor=user)
    except Invalid as error:
        # NOTE: set_unit_logo checks the file before it writes, so the session holds nothing to undo.
        response = _index(request, session, user, chosen, None, error=error)
        response.status_code = error.status_code
        return response
    return redirect(
        f"/laporan?unit={chosen.id}#logo", N_("The logo is saved: it is on the next report cover.")
    )


@router.post("/laporan/logo/hapus")
def remove_logo(session: DbSession, user: CurrentUser, unit: OptionalIdForm = None) -> Response:
    """Remove the unit's own logo: its nearest ancestor's (if any) is used again."""
    chosen = org_service.access_unit(session, user, unit) if unit is not None else user.unit
    logo_service.remove_unit_logo(session, unit=chosen, actor=user)
    return redirect(f"/laporan?unit={chosen.id}#logo", N_("The unit's own logo is removed."))


@router.post("/laporan/jadwal", response_class=HTMLResponse)
def add_schedule(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit: OptionalIdForm = None,
    kind: KindForm = "month",
    locale: LocaleForm = "id",
    recipients: RecipientsForm = "",
    turunan: FlagForm = None,
) -> Response:
    """Schedule the unit's report for every period, sent by e-mail on the first working day after it."""
    chosen = org_service.access_unit(session, user, unit) if unit is not None else user.unit
    try:
        schedules_service.create_schedule(
            session, unit=chosen, period_kind=kind, include_descendants=turunan == "1", locale=locale,
            recipients=recipients, actor=user,
        )  # fmt: skip
    except HumasError as error:
        # NOTE: create_schedule checks everything before it writes, so the session holds nothing to undo.
        response = _index(
            request, session, user, chosen, None, error=error, values={"recipients": recipients}
        )
        response.status_code = error.status_code
        return response
    return redirect(f"/laporan?unit={chosen.id}#schedules", N_("The report is scheduled."))


@router.post("/laporan/jadwal/{schedule_id}/hapus")
def remove_schedule(session: DbSession, user: CurrentUser, schedule_id: IdPath) -> Response:
    """Remove a report schedule (its finalised reports stay in the archive)."""
    schedule = schedules_service.access_schedule(session, user, schedule_id)
    unit_id = schedule.unit_id
    schedules_service.remove_schedule(session, schedule=schedule, actor=user)
    return redirect(f"/laporan?unit={unit_id}#schedules", N_("The schedule is removed."))
