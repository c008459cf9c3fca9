"""Saved queries (topik pantauan) of the user's units: list, create, edit, archive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from humas.ingest.models import SavedQuery
from humas.ingest.service import queries as queries_service
from humas.org import service as org_service
from humas.org.models import User
from humas.web.deps import CurrentUser, DbSession, IdForm, IdPath, error_field
from humas.web.errors import with_form
from humas.web.flash import N_, redirect
from humas.web.params import OptionalIdParam, OptionalPageParam
from humas.web.templating import render
from humas.web.units import UnitRow, unit_rows

router = APIRouter(include_in_schema=False)

# Capped above the service's own limits (name 200, query 4000 characters), so an over-long value gets the
# service's clear message, while a megabyte is refused before it is read twice.
FIELD_MAX = 20_000
BASE = "/listening/queries"


@dataclass(frozen=True)
class QueryRow:
    """Plain data for templates (survives the rollback that precedes an error page)."""

    id: int
    unit_id: int
    unit_name: str
    name: str
    query: str
    created_at: datetime
    updated_at: datetime | None


def query_row(query: SavedQuery) -> QueryRow:
    return QueryRow(
        query.id,
        query.unit_id,
        query.unit.name,
        query.name,
        query.query,
        query.created_at,
        query.updated_at,
    )


def _units(session: Session, user: User) -> list[UnitRow]:
    return unit_rows(org_service.list_units(session, user))


@router.get(BASE, response_class=HTMLResponse)
def queries_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: OptionalIdParam = None,
    page: OptionalPageParam = None,
) -> HTMLResponse:
    """The saved queries of the user's units (or of one unit), a page at a time."""
    unit = org_service.access_unit(session, user, unit_id) if unit_id else None
    found = queries_service.page_queries(session, user, unit=unit, page=page)
    return render(
        request,
        "queries/index.html",
        rows=[query_row(q) for q in found],
        page=found,
        units=_units(session, user),
        unit_id=unit.id if unit else None,
        can_manage=queries_service.can_manage(user),
    )


def _new_context(session: Session, user: User) -> dict[str, Any]:
    return {"units": _units(session, user), "saved": None, "archived": False, "can_manage": True}


@router.get(f"{BASE}/new", response_class=HTMLResponse)
def new_query_page(
    request: Request, session: DbSession, user: CurrentUser, unit_id: OptionalIdParam = None
) -> HTMLResponse:
    """The form for a new saved query."""
    org_service.require_role(user, *queries_service.MANAGERS)
    return render(
        request,
        "queries/form.html",
        **_new_context(session, user),
        error=None,
        values={"unit_id": unit_id or user.unit_id},
    )


@router.post(BASE)
def create_query(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: IdForm,
    name: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    query: Annotated[str, Form(max_length=FIELD_MAX)] = "",
) -> Response:
    """Save a query for a unit; its matches over stored mentions are backfilled as a job."""
    values = {"unit_id": unit_id, "name": name, "query": query}
    with_form(request, "queries/form.html", values=values, **_new_context(session, user))
    with error_field("unit_id"):
        unit = org_service.access_unit(session, user, unit_id)
    saved = queries_service.create_query(session, unit=unit, name=name, query=query, actor=user)
    return redirect(f"{BASE}?unit_id={unit.id}", N_("Query %(name)s saved."), name=saved.name)


@router.get(BASE + "/{query_id}", response_class=HTMLResponse)
def query_page(request: Request, session: DbSession, user: CurrentUser, query_id: IdPath) -> HTMLResponse:
    """One saved query: its text, and the forms to edit or archive it."""
    saved = queries_service.access_query(session, user, query_id)
    row = query_row(saved)
    return render(
        request,
        "queries/form.html",
        saved=row,
        archived=saved.archived_at is not None,
        can_manage=queries_service.can_manage(user),
        error=None,
        values={"name": row.name, "query": row.query},
    )


def _edit_form(request: Request, saved: SavedQuery, user: User, **values: Any) -> None:
    with_form(
        request,
        "queries/form.html",
        values=values,
        saved=query_row(saved),
        archived=saved.archived_at is not None,
        can_manage=queries_service.can_manage(user),
    )


@router.post(BASE + "/{query_id}")
def update_query(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    query_id: IdPath,
    name: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    query: Annotated[str, Form(max_length=FIELD_MAX)] = "",
) -> Response:
    """Rename a saved query or change its text (a new text re-matches stored mentions)."""
    saved = queries_service.access_query(session, user, query_id)
    _edit_form(request, saved, user, name=name, query=query)
    queries_service.update_query(session, query=saved, name=name, text=query, actor=user)
    return redirect(f"{BASE}/{saved.id}", N_("Query saved."))


@router.post(BASE + "/{query_id}/archive")
def archive_query(request: Request, session: DbSession, user: CurrentUser, query_id: IdPath) -> Response:
    """Archive a saved query: it tags no new mention; what it tagged keeps the tag."""
    saved = queries_service.access_query(session, user, query_id)
    _edit_form(request, saved, user, name=saved.name, query=saved.query)
    queries_service.archive_query(session, query=saved, actor=user)
    return redirect(f"{BASE}?unit_id={saved.unit_id}", N_("Query %(name)s archived."), name=saved.name)
