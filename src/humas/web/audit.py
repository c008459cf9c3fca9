"""The audit log: browse, filter and download (CSV) the changes in the user's subtree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.web import audit_text
from humas.web.deps import CurrentUser, DbSession, OptionalAuth
from humas.web.params import OptionalDateParam, OptionalPageParam
from humas.web.templating import render, viewer_zone

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
FIELD_MAX = 1000


@dataclass(frozen=True)
class AuditQuery:
    """The page's filters: parsed for the service, and as typed for the links (pages, CSV download)."""

    filters: audit_service.AuditFilter
    params: dict[str, str]


def audit_query(
    request: Request,
    _auth: OptionalAuth,  # resolved first: it sets the viewer's zone the days are read in
    action: Annotated[str | None, Query(max_length=FIELD_MAX)] = None,
    actor: Annotated[str | None, Query(max_length=FIELD_MAX)] = None,
    object_type: Annotated[str | None, Query(max_length=FIELD_MAX)] = None,
    since: OptionalDateParam = None,
    until: OptionalDateParam = None,
) -> AuditQuery:
    filters = audit_service.AuditFilter(
        action=(action or "").strip()[:80] or None,
        actor=(actor or "").strip()[:254] or None,
        object_type=(object_type or "").strip()[:60] or None,
        since=since,
        until=until,
        zone=viewer_zone(request),
    )
    days = {"since": since.isoformat() if since else None, "until": until.isoformat() if until else None}
    typed = {"action": action, "actor": actor, "object_type": object_type, **days}
    return AuditQuery(filters, {k: v for k, v in typed.items() if v})


# NOTE: after CurrentUser in each route, so a visitor who is not logged in goes to the login page first.
AuditParams = Annotated[AuditQuery, Depends(audit_query)]


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    query: AuditParams,
    page: OptionalPageParam = None,
) -> HTMLResponse:
    """Who changed what, newest first (admins and leaders)."""
    unit_ids = org_service.audit_unit_ids(session, user)
    entries = audit_service.page_entries(
        session, unit_ids=unit_ids, filters=query.filters, page=page, size=PAGE_SIZE
    )
    names = audit_service.actor_names(session, entries)
    return render(
        request,
        "audit/index.html",
        entries=entries,
        rows=[
            (e, audit_text.sentence(e, names.get(e.actor_id or 0)), audit_text.changes(e)) for e in entries
        ],
        query=query.params,
    )


@router.get("/audit/export.csv")
def audit_csv(session: DbSession, user: CurrentUser, query: AuditParams) -> StreamingResponse:
    """The entries the page's filters select, every page of them, oldest first, as CSV."""
    unit_ids = org_service.audit_unit_ids(session, user)
    # NOTE: read in full before returning: the request's session closes when the route returns.
    chunks = list(audit_service.export_csv(session, filters=query.filters, unit_ids=unit_ids))
    return StreamingResponse(
        iter(["\ufeff", *chunks]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
