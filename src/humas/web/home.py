"""Beranda (what the user can open, and their units) and the settings hub."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from humas.core.pages import paginate_list
from humas.org import service as org_service
from humas.web.deps import CurrentUser, DbSession
from humas.web.nav import NAV
from humas.web.params import OptionalPageParam
from humas.web.templating import render

router = APIRouter(include_in_schema=False)


def _served(request: Request) -> frozenset[str]:
    return getattr(request.app.state, "served_get_paths", frozenset())


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request, session: DbSession, user: CurrentUser, page: OptionalPageParam = None
) -> HTMLResponse:
    """The home page: the parts of humas the user can open, and the units they work for (a page of them)."""
    units = paginate_list(org_service.list_units(session, user), page=page)
    unit_count, user_count = org_service.count_visible(session, user)
    return render(
        request,
        "home.html",
        units=units,
        base_depth=user.unit.depth,
        unit_count=unit_count,
        user_count=user_count,
        served=_served(request),
        unbuilt=[item for item in NAV if item.key in getattr(request.app.state, "unbuilt_sections", ())],
    )


@router.get("/settings", response_class=HTMLResponse)
def settings_hub(request: Request, user: CurrentUser) -> HTMLResponse:
    """Links to the organisation settings."""
    return render(
        request,
        "settings.html",
        has_channels="/channels" in _served(request),
    )
