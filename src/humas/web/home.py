"""Beranda (the dashboard placeholder) and the settings hub."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from humas.org import service as org_service
from humas.web.deps import CurrentUser, DbSession
from humas.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """The home page: for now, the units the user works for."""
    units = org_service.list_units(session, user)
    users = org_service.list_users(session, user)
    return render(request, "home.html", units=units, user_count=len(users))


@router.get("/settings", response_class=HTMLResponse)
def settings_hub(request: Request, user: CurrentUser) -> HTMLResponse:
    """Links to the organisation settings."""
    served: frozenset[str] = getattr(request.app.state, "served_get_paths", frozenset())
    return render(request, "settings.html", has_channels="/channels" in served)
