"""Users: invite with a one-time password, roles, password reset, deactivation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from humas.org import service as org_service
from humas.org.models import Role, User
from humas.web.deps import CurrentUser, DbSession, IdPath, OptionalIdForm, error_field
from humas.web.errors import with_form
from humas.web.flash import N_, redirect
from humas.web.params import OptionalPageParam
from humas.web.templating import render
from humas.web.units import FIELD_MAX, unit_rows

router = APIRouter(include_in_schema=False)
ROLES = [r.value for r in Role]


@dataclass(frozen=True)
class UserRow:
    id: int
    name: str
    email: str
    unit_id: int
    unit_name: str
    roles: tuple[str, ...]
    is_active: bool
    must_change_password: bool
    last_login_at: object


def user_row(u: User) -> UserRow:
    return UserRow(
        u.id,
        u.name,
        u.email,
        u.unit_id,
        u.unit.name,
        tuple(sorted(r.value for r in u.roles)),
        u.is_active,
        u.must_change_password,
        u.last_login_at,
    )


def _list_context(session: Session, user: User, page: int | None = None) -> dict[str, Any]:
    found = org_service.page_users(session, user, page=page)
    return {
        "rows": [user_row(u) for u in found],
        "page": found,
        "units": [r for r in unit_rows(org_service.list_units(session, user))],
        "roles": ROLES,
    }


@router.get("/users", response_class=HTMLResponse)
def users_page(
    request: Request, session: DbSession, user: CurrentUser, page: OptionalPageParam = None
) -> HTMLResponse:
    """Everyone in the user's subtree, a page at a time, and the invite form."""
    return render(request, "users/index.html", **_list_context(session, user, page), error=None, values={})


@router.post("/users", response_class=HTMLResponse)
def invite_user(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    email: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    name: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    unit_id: OptionalIdForm = None,
    roles: Annotated[list[str], Form()] = [],  # noqa: B006
) -> HTMLResponse:
    """Invite a user; the one-time password is shown once, on this answer only."""
    with_form(
        request,
        "users/index.html",
        values={"email": email, "name": name, "unit_id": unit_id, "roles": roles},
        **_list_context(session, user),
    )
    with error_field("unit_id"):
        unit = org_service.access_unit(session, user, unit_id if unit_id is not None else user.unit_id)
    new_user, one_time = org_service.create_user(
        session, email=email, name=name, unit=unit, roles=roles, actor=user
    )
    return render(
        request, "users/password_once.html", target=user_row(new_user), password=one_time, invited=True
    )


@router.get("/users/{user_id}", response_class=HTMLResponse)
def user_page(request: Request, session: DbSession, user: CurrentUser, user_id: IdPath) -> HTMLResponse:
    """One user: roles, password reset, deactivation."""
    target = org_service.access_user(session, user, user_id)
    return render(request, "users/detail.html", target=user_row(target), roles=ROLES, error=None, values={})


@router.post("/users/{user_id}/roles")
def set_roles(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    user_id: IdPath,
    roles: Annotated[list[str], Form()] = [],  # noqa: B006
) -> Response:
    """Replace a user's roles."""
    target = org_service.access_user(session, user, user_id)
    with_form(request, "users/detail.html", target=user_row(target), roles=ROLES, values={"roles": roles})
    org_service.set_roles(session, user=target, roles=roles, actor=user)
    return redirect(f"/users/{user_id}", N_("Roles saved."))


@router.post("/users/{user_id}/reset-password", response_class=HTMLResponse)
def reset_password(request: Request, session: DbSession, user: CurrentUser, user_id: IdPath) -> HTMLResponse:
    """Give the user a new one-time password, shown once."""
    target = org_service.access_user(session, user, user_id)
    with_form(request, "users/detail.html", target=user_row(target), roles=ROLES)
    password = org_service.reset_password(session, user=target, actor=user)
    return render(
        request, "users/password_once.html", target=user_row(target), password=password, invited=False
    )


@router.post("/users/{user_id}/deactivate")
def deactivate_user(request: Request, session: DbSession, user: CurrentUser, user_id: IdPath) -> Response:
    """Stop a user from logging in (history is kept)."""
    target = org_service.access_user(session, user, user_id)
    with_form(request, "users/detail.html", target=user_row(target), roles=ROLES)
    org_service.deactivate_user(session, user=target, actor=user)
    return redirect(f"/users/{user_id}", N_("User deactivated."))
