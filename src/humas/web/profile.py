"""The user's own profile: password, language, API tokens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from humas.org import auth as auth_service
from humas.org import service as org_service
from humas.org.models import User
from humas.web.deps import CurrentUser, DbSession, IdPath, OptionalIdForm, error_field
from humas.web.errors import with_form
from humas.web.flash import N_, redirect
from humas.web.params import OptionalPageParam
from humas.web.templating import render
from humas.web.units import FIELD_MAX, unit_rows

router = APIRouter(include_in_schema=False)


def _context(session: Session, user: User, page: int | None = None) -> dict[str, Any]:
    tokens = auth_service.page_api_tokens(session, user=user, page=page)
    return {
        "page": tokens,
        "tokens": [
            {
                "id": t.id,
                "name": t.name,
                "prefix": t.prefix,
                "role": t.role,
                "unit_name": t.unit.name,
                "created_at": t.created_at,
                "last_used_at": t.last_used_at,
                "revoked": t.revoked_at is not None,
            }
            for t in tokens
        ],
        "units": unit_rows(org_service.list_units(session, user)),
        "my_roles": sorted(r.value for r in user.roles),
    }


@router.get("/profile", response_class=HTMLResponse)
def profile_page(
    request: Request, session: DbSession, user: CurrentUser, page: OptionalPageParam = None
) -> HTMLResponse:
    """Password, language and API tokens (a page at a time) of the logged-in user."""
    return render(
        request, "profile/index.html", **_context(session, user, page), error=None, values={}, new_token=None
    )


@router.post("/profile/password")
def change_password(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    current_password: Annotated[str, Form(max_length=1000)] = "",
    new_password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Change one's own password (the current one is asked again)."""
    with_form(request, "profile/index.html", new_token=None, **_context(session, user))
    auth_service.change_password(session, user=user, current=current_password, new=new_password)
    return redirect("/profile", N_("Your password has been changed."))


@router.post("/profile/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    name: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
    unit_id: OptionalIdForm = None,
) -> HTMLResponse:
    """Make an API token; its secret is shown once, on this answer only."""
    with_form(
        request,
        "profile/index.html",
        values={"name": name, "role": role, "unit_id": unit_id},
        new_token=None,
        **_context(session, user),
    )
    with error_field("unit_id"):
        unit = org_service.access_unit(session, user, unit_id if unit_id is not None else user.unit_id)
    _token, plaintext = auth_service.create_api_token(
        session, user=user, unit=unit, role=role, name=name, actor=user
    )
    return render(
        request, "profile/index.html", **_context(session, user), error=None, values={}, new_token=plaintext
    )


@router.post("/profile/tokens/{token_id}/revoke")
def revoke_token(request: Request, session: DbSession, user: CurrentUser, token_id: IdPath) -> Response:
    """Revoke an API token at once."""
    token = auth_service.access_api_token(session, user, token_id)
    auth_service.revoke_api_token(session, token=token, actor=user)
    return redirect("/profile", N_("Token revoked."))
