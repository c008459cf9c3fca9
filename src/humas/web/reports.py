"""Laporan: choose a unit and a period, read the live draft of its evaluation report, drill down from a figure
to the rows behind it, write the evaluation text, finalise, and download it (PDF, XLSX, CSV).

Every number comes from `humas.reports.service` (the builder); the archive, texts and schedules from
`humas.reports.service.archive`. The pages only show them (decision 0095).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import Field
from sqlalchemy.orm import Session

from humas.core.i18n import use_locale
from humas.org import service as org_service
from humas.org.models import Unit, User
from humas.org.service import Principal
from humas.reports.document import Report
from humas.reports.render.fmt import format_value
from humas.reports.service import archive as archive_service
from humas.reports.service import logo as logo_service
from humas.reports.service import texts as texts_service
from humas.reports.service.build import build_report
from humas.reports.service.drill import archived_drill_rows, drill_rows
from humas.web.deps import CurrentUser, DbSession
from humas.web.flash import N_, redirect
from humas.web.params import OptionalIdParam, OptionalPageParam
from humas.web.report_files import FileKindParam, download_labels, live_file
from humas.web.report_view import ReportQuery, ReportQueryDep, drill_view, report_view
from humas.web.templating import render, viewer_zone

router = APIRouter(include_in_schema=False)

FigureParam = Annotated[str, Field(max_length=80), Query()]
SectionForm = Annotated[str, Field(max_length=40), Form()]
# Longer than the service's limit, so an over-long text reaches the service and is refused by name there.
TextForm = Annotated[str, Field(max_length=texts_service.TEXT_MAX * 2), Form()]
DRILL_PER_PAGE = 50
# Who opens the report pages: the roles that write and finalise a report (admins, leaders, analysts).
REPORT_ROLES = texts_service.EDITORS


def can_open(actor: Principal) -> bool:
    """Whether the actor may open the report pages (the nav's `reports` permission)."""
    return org_service.has_role(actor, *REPORT_ROLES)


def page_locale(request: Request) -> str:
    return str(getattr(request.state, "locale", None) or "id")


def report_unit(session: Session, user: Principal, unit_id: int | None) -> Unit:
    """The unit asked for (one of the viewer's), or the viewer's own; report roles only."""
    org_service.require_role(user, *REPORT_ROLES)
    if unit_id is None:
        return user.unit
    return org_service.access_unit(session, user, unit_id)


def build_draft(session: Session, *, unit: Unit, query: ReportQuery, locale: str, actor: Principal) -> Report:
    """The live report with the analysts' saved texts applied (what finalising would archive now)."""
    report = build_report(
        session,
        unit=unit,
        period=query.period,
        include_descendants=query.include_descendants,
        locale=locale,
        actor=actor,
    )
    texts = texts_service.section_texts(
        session,
        unit=unit,
        period=query.period,
        include_descendants=query.include_descendants,
        locale=report.locale,
    )
    return texts_service.apply_texts(report, texts)


def build(session: Session, request: Request, user: User, query: ReportQuery) -> tuple[Unit, Report]:
    unit = report_unit(session, user, query.unit_id)
    return unit, build_draft(session, unit=unit, query=query, locale=page_locale(request), actor=user)


def report_page(
    request: Request,
    report: Report,
    *,
    query: ReportQuery,
    user: User,
    downloads: list[tuple[str, str]],
    archived: Any = None,
) -> HTMLResponse:
    """The report page, for the live draft (archived=None) and a finalised version alike."""
    locale = report.locale
    live = archived is None
    return render(
        request,
        "reports/report.html",
        report=report,
        sections=report_view(
            report,
            query=query,
            locale=locale,
            zone=viewer_zone(request),
            links=can_open(user),
            archive_id=archived.id if archived is not None else None,
        ),  # fmt: skip
        query_params=query.params(report.unit_id),
        period_label=report.period.label(locale),
        previous_label=report.previous.label(locale),
        live=live,
        archived=archived,
        downloads=downloads,
        may_edit=live and org_service.has_role(user, *texts_service.EDITORS),
        may_finalise=live and org_service.has_role(user, *archive_service.FINALISERS),
        text_max=texts_service.TEXT_MAX,
    )


@router.get("/laporan/draf", response_class=HTMLResponse)
def draft(request: Request, session: DbSession, user: CurrentUser, query: ReportQueryDep) -> HTMLResponse:
    """The live draft of a unit's evaluation report for a period, built from today's data."""
    unit, report = build(session, request, user, query)
    qs = query.qs(unit.id)
    downloads = [(label, f"/laporan/draf/unduh?{qs}&berkas={kind}") for kind, label in download_labels()]
    return report_page(request, report, query=query, user=user, downloads=downloads)


@router.get("/laporan/draf/unduh")
def draft_file(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    query: ReportQueryDep,
    berkas: FileKindParam = "pdf",
) -> Response:
    """The live draft as PDF, XLSX or a ZIP of CSV tables (one per table)."""
    unit, report = build(session, request, user, query)
    with use_locale(report.locale):
        return live_file(report, berkas, logo=logo_service.effective_logo(session, unit))


@router.get("/laporan/rincian", response_class=HTMLResponse)
def drill(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    query: ReportQueryDep,
    figure: FigureParam,
    page: OptionalPageParam = None,
    post: OptionalIdParam = None,
    arsip: OptionalIdParam = None,
) -> HTMLResponse:
    """The conversations, posts or mentions behind one figure of a report; with ``arsip``, of a finalised
    version: its snapshot's units and period, the frozen figure, and the rows changed since named."""
    filters = {"post": str(post)} if post is not None else {}
    if arsip is not None:
        return _archived_drill(request, session, user, query, figure, page, filters, arsip)
    unit = report_unit(session, user, query.unit_id)
    rows = drill_rows(
        session,
        actor=user,
        unit=unit,
        period=query.period,
        include_descendants=query.include_descendants,
        figure=figure,
        page=page or 1,
        per_page=DRILL_PER_PAGE,
        filters=filters,
    )
    columns, items = drill_view(rows.target, list(rows.page.items), user)
    return render(
        request,
        "reports/drill.html",
        unit=unit,
        rows=rows,
        columns=columns,
        items=items,
        period_label=query.period.label(page_locale(request)),
        back=f"/laporan/draf?{query.qs(unit.id)}",
        pager_query={**query.params(unit.id), "figure": figure, **filters},
        frozen=None,
    )


def _archived_drill(
    request: Request, session: Session, user: User, query: ReportQuery, figure: str, page: int | None,
    filters: dict[str, str], report_id: int,
) -> HTMLResponse:  # fmt: skip
    org_service.require_role(user, *REPORT_ROLES)
    row = archive_service.access_archived_report(session, user, report_id)
    report = archive_service.read_archived_report(session, row)
    rows, frozen = archived_drill_rows(
        session, actor=user, archived=row, report=report, figure=figure, unit_id=query.unit_id,
        page=page or 1, per_page=DRILL_PER_PAGE, filters=filters,
    )  # fmt: skip
    columns, items = drill_view(rows.target, list(rows.page.items), user, frozen.changed_ids)
    f = frozen.figure
    zone = viewer_zone(request)
    where = {"arsip": str(row.id), **({"unit": str(query.unit_id)} if query.unit_id is not None else {})}
    return render(
        request,
        "reports/drill.html",
        unit=rows.unit,
        rows=rows,
        columns=columns,
        items=items,
        period_label=report.period.label(page_locale(request)),
        back=f"/laporan/arsip/{row.id}",
        pager_query={**where, "figure": figure, **filters},
        frozen=frozen,
        frozen_value=format_value(f.value, f.kind, locale=report.locale, zone=zone) if f else None,
    )


@router.post("/laporan/teks")
def save_text(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    query: ReportQueryDep,
    section: SectionForm,
    text: TextForm = "",
) -> Response:
    """Save the analyst's evaluation text of one section of the draft."""
    unit = report_unit(session, user, query.unit_id)
    texts_service.save_section_text(
        session,
        unit=unit,
        period=query.period,
        include_descendants=query.include_descendants,
        locale=page_locale(request),
        section=section,
        text=text,
        actor=user,
    )
    return redirect(f"/laporan/draf?{query.qs(unit.id)}#s-{section}", N_("The text is saved."))


@router.post("/laporan/final")
def finalise(request: Request, session: DbSession, user: CurrentUser, query: ReportQueryDep) -> Response:
    """Finalise the draft: a new version in the archive, with its files and checksum."""
    unit = report_unit(session, user, query.unit_id)
    archived = archive_service.finalise_report(
        session,
        unit=unit,
        period=query.period,
        include_descendants=query.include_descendants,
        locale=page_locale(request),
        actor=user,
    )
    return redirect(
        f"/laporan/arsip/{archived.id}", N_("Finalised as version %(version)s."), version=archived.version
    )
