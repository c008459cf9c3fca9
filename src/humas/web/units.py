"""Units: the tree, create, rename, move, archive."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from humas.org import service as org_service
from humas.org.models import Unit, User
from humas.web.deps import CurrentUser, DbSession, IdForm, IdPath, OptionalIdForm, error_field
from humas.web.errors import with_form
from humas.web.flash import N_, redirect
from humas.web.templating import render

router = APIRouter(include_in_schema=False)

# Form fields are capped well above the service's own limit, so an over-long name reaches the service and
# gets its clear message, while a megabyte of text is refused before it is read into memory twice.
FIELD_MAX = 20_000


@dataclass(frozen=True)
class UnitRow:
    """Plain data for templates (survives the rollback that precedes an error page)."""

    id: int
    name: str
    depth: int
    parent_id: int | None
    path: str
    archived: bool


def unit_rows(units: list[Unit]) -> list[UnitRow]:
    base = min((u.depth for u in units), default=0)
    return [
        UnitRow(u.id, u.name, u.depth - base, u.parent_id, u.path, u.archived_at is not None) for u in units
    ]


def _tree(session: Session, user: User, *, archived: bool = False) -> list[UnitRow]:
    return unit_rows(org_service.list_units(session, user, include_archived=archived))


@router.get("/units", response_class=HTMLResponse)
def units_page(
    request: Request, session: DbSession, user: CurrentUser, archived: bool = False
) -> HTMLResponse:
    """The unit tree of the user's subtree."""
    return render(
        request,
        "units/index.html",
        rows=_tree(session, user, archived=archived),
        show_archived=archived,
        error=None,
        values={},
    )


@router.post("/units")
def create_unit(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    name: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    parent_id: OptionalIdForm = None,
) -> Response:
    """Add a unit under a parent of the user's subtree."""
    rows = _tree(session, user)
    with_form(
        request,
        "units/index.html",
        values={"name": name, "parent_id": parent_id},
        rows=rows,
        show_archived=False,
    )
    with error_field("parent_id"):
        parent = org_service.access_unit(session, user, parent_id if parent_id is not None else user.unit_id)
    unit = org_service.create_unit(session, name=name, parent=parent, actor=user)
    return redirect("/units", N_("Unit %(name)s created."), name=unit.name)


@router.get("/units/{unit_id}", response_class=HTMLResponse)
def unit_page(request: Request, session: DbSession, user: CurrentUser, unit_id: IdPath) -> HTMLResponse:
    """One unit: rename, move, archive, and its people."""
    unit = org_service.access_unit(session, user, unit_id)
    return render(request, "units/detail.html", **_detail_context(session, user, unit), error=None, values={})


def _detail_context(session: Session, user: User, unit: Unit) -> dict[str, Any]:
    rows = _tree(session, user)
    # Possible new parents: anything outside the unit's own subtree.
    targets = [r for r in rows if not r.path.startswith(unit.path)]
    members = [u for u in org_service.list_users(session, user) if u.unit_id == unit.id]
    return {
        "unit": unit_rows([unit])[0],
        "unit_depth": unit.depth,
        "parent_name": unit.parent.name if unit.parent else None,
        "targets": targets,
        "members": [(m.id, m.name, m.email) for m in members],
        "is_own_unit": unit.id == user.unit_id,
    }


def _mutation_form(request: Request, session: DbSession, user: User, unit: Unit, **values: object) -> None:
    with_form(request, "units/detail.html", values=values, **_detail_context(session, user, unit))


@router.post("/units/{unit_id}/rename")
def rename_unit(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: IdPath,
    name: Annotated[str, Form(max_length=FIELD_MAX)] = "",
) -> Response:
    """Give a unit a new name."""
    unit = org_service.access_unit(session, user, unit_id)
    _mutation_form(request, session, user, unit, name=name)
    org_service.rename_unit(session, unit=unit, name=name, actor=user)
    return redirect(f"/units/{unit.id}", N_("Unit renamed."))


@router.post("/units/{unit_id}/move")
def move_unit(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: IdPath,
    parent_id: IdForm,
) -> Response:
    """Move a unit with its whole subtree under another unit."""
    unit = org_service.access_unit(session, user, unit_id)
    _mutation_form(request, session, user, unit, parent_id=parent_id)
    with error_field("parent_id"):
        new_parent = org_service.access_unit(session, user, parent_id)
    org_service.move_unit(session, unit=unit, new_parent=new_parent, actor=user)
    return redirect(f"/units/{unit_id}", N_("Unit moved."))


@router.post("/units/{unit_id}/archive")
def archive_unit(request: Request, session: DbSession, user: CurrentUser, unit_id: IdPath) -> Response:
    """Archive a unit and everything below it."""
    unit = org_service.access_unit(session, user, unit_id)
    _mutation_form(request, session, user, unit)
    org_service.archive_unit(session, unit=unit, actor=user)
    return redirect("/units", N_("Unit %(name)s archived."), name=unit.name)
