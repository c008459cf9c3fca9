"""Pantauan (listening): the dashboard with its panels, CSV downloads, spikes, alerts and the hoax desk."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from humas.core.errors import Invalid, NotFound
from humas.core.i18n import _
from humas.listening.service import dashboard
from humas.listening.service import spikes as spikes_service
from humas.listening.service.scope import Scope, resolve_scope, visible_queries
from humas.org import service as org_service
from humas.org.service import Principal
from humas.web.deps import CurrentUser, DbSession
from humas.web.listening_panels import PANELS, csv_text
from humas.web.templating import JAKARTA, render

router = APIRouter(include_in_schema=False)
RANGES = (1, 7, 30, 90)
PARAMS = ("unit_id", "query_id", "days", "since", "until")


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def _day(value: str | None, field: str, *, end: bool = False) -> datetime | None:
    """A YYYY-MM-DD in WIB as a UTC instant (that day's start, or the next day's for the end)."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise Invalid(_("Enter a date as YYYY-MM-DD."), field=field) from None
    local = datetime.combine(day + timedelta(days=1) if end else day, time(0), tzinfo=JAKARTA)
    return local.astimezone(UTC)


def scope_params(request: Request) -> dict[str, str]:
    """The dashboard's own query parameters (kept across panels, links and CSV downloads)."""
    return {k: v for k, v in request.query_params.items() if k in PARAMS and v}


def scope_from(session: Session, user: Principal, params: dict[str, str]) -> Scope:
    days = _int(params.get("days"))
    return resolve_scope(
        session,
        user,
        unit_id=_int(params.get("unit_id")),
        query_id=_int(params.get("query_id")),
        since=_day(params.get("since"), "since"),
        until=_day(params.get("until"), "until", end=True),
        days=days if days in RANGES else None,
    )


@router.get("/listening", response_class=HTMLResponse)
def dashboard_page(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """The Pantauan dashboard of a unit's subtree or one saved query over a time range."""
    params = scope_params(request)
    scope = scope_from(session, user, params)
    return render(
        request,
        "listening/dashboard.html",
        scope=scope,
        params=params,
        qs=urlencode(params),
        panels=list(PANELS.values()),
        units=org_service.list_units(session, user),
        queries=visible_queries(session, user),
        ranges=RANGES,
        days=_int(params.get("days")) or (None if params.get("since") else 7),
    )


@router.get("/listening/pulse", response_class=HTMLResponse)
def pulse(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """Headline figures and the newest mentions; polled every few seconds by the open dashboard."""
    params = scope_params(request)
    scope = scope_from(session, user, params)
    return render(
        request,
        "listening/_pulse.html",
        summary=dashboard.summary(session, scope),
        latest=dashboard.latest(session, scope, limit=10),
        spikes=spikes_service.list_spikes(session, scope=scope, limit=5),
        explorer_qs=urlencode(_explorer_params(scope)),
        scope=scope,
    )


def _explorer_params(scope: Scope) -> dict[str, Any]:
    out: dict[str, Any] = {
        "unit_id": scope.unit.id,
        "since": scope.since.astimezone(JAKARTA).date().isoformat(),
        "until": (scope.until - timedelta(seconds=1)).astimezone(JAKARTA).date().isoformat(),
    }
    if scope.query is not None:
        out["query_id"] = scope.query.id
    return out


def _panel(name: str) -> Any:
    panel = PANELS.get(name)
    if panel is None:
        raise NotFound(_("Page not found."))
    return panel


@router.get("/listening/panels/{name}", response_class=HTMLResponse)
def panel_fragment(request: Request, session: DbSession, user: CurrentUser, name: str) -> HTMLResponse:
    """One dashboard panel: its chart (Vega-Lite spec), a table view and a CSV link."""
    panel = _panel(name)
    params = scope_params(request)
    scope = scope_from(session, user, params)
    rows = panel.read(session, user, scope)
    spec = panel.chart(rows, scope) if panel.chart and rows else None
    return render(
        request,
        "listening/_panel.html",
        panel=panel,
        rows=rows,
        spec_json=json.dumps(spec, ensure_ascii=False) if spec else None,
        qs=urlencode(params),
    )


@router.get("/listening/data/{name}.csv")
def panel_csv(request: Request, session: DbSession, user: CurrentUser, name: str) -> Response:
    """A panel's data as CSV."""
    panel = _panel(name)
    scope = scope_from(session, user, scope_params(request))
    body = csv_text(panel.read(session, user, scope), panel.columns)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{panel.name}.csv"'},
    )


@router.get("/listening/spikes", response_class=HTMLResponse)
def spikes_page(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """Spikes detected in the user's units, newest first."""
    params = scope_params(request)
    params.setdefault("days", "30")
    scope = scope_from(session, user, params)
    return render(
        request,
        "listening/spikes.html",
        spikes=spikes_service.list_spikes(session, scope=scope, limit=200),
        scope=scope,
    )


from humas.web import listening_desk  # noqa: E402 - the alert and hoax-desk pages share this router

router.include_router(listening_desk.router)
