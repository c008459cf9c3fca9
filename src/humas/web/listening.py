"""Pantauan (listening): the dashboard with its panels, CSV downloads, spikes, alerts and the hoax desk."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from humas.core.errors import NotFound
from humas.core.i18n import _, use_locale
from humas.listening.service import dashboard
from humas.listening.service import spikes as spikes_service
from humas.listening.service.scope import Scope, resolve_scope, visible_queries
from humas.org import service as org_service
from humas.org.service import Principal
from humas.web.deps import CurrentUser, DbSession, request_locale
from humas.web.flash import FLASH_COOKIE
from humas.web.listening_panels import (
    PANELS,
    cache_headers,
    cache_inputs,
    cached_unit_facts,
    csv_text,
    fragment_cache,
    fragment_key,
    not_modified,
    panel_cache,
)
from humas.web.params import OptionalDateParam, OptionalDaysParam, OptionalIdParam
from humas.web.templating import render

router = APIRouter(include_in_schema=False)
RANGES = (1, 7, 30, 90)


@dataclass(frozen=True)
class ScopeQuery:
    """The dashboard's own query parameters, typed and bounded (humas.web.params); kept across panels,
    links and CSV downloads."""

    unit_id: int | None = None
    query_id: int | None = None
    days: int | None = None
    since: date | None = None
    until: date | None = None

    def params(self) -> dict[str, str]:
        return {k: str(v) for k, v in asdict(self).items() if v is not None}


async def scope_query(  # async: pure parsing, no worker thread needed (decision 0101)
    unit_id: OptionalIdParam = None,
    query_id: OptionalIdParam = None,
    days: OptionalDaysParam = None,
    since: OptionalDateParam = None,
    until: OptionalDateParam = None,
) -> ScopeQuery:
    return ScopeQuery(unit_id, query_id, days, since, until)


ScopeQueryDep = Annotated[ScopeQuery, Depends(scope_query)]


def scope_from(request: Request, session: Session, user: Principal, query: ScopeQuery) -> Scope:
    return resolve_scope(
        session,
        user,
        unit_id=query.unit_id,
        query_id=query.query_id,
        since_on=query.since,  # whole days in the unit's zone
        until_on=query.until,
        days=query.days if query.days in RANGES else None,
        facts=cached_unit_facts(request),
    )


@router.get("/listening", response_class=HTMLResponse)
def dashboard_page(
    request: Request, session: DbSession, user: CurrentUser, query: ScopeQueryDep
) -> HTMLResponse:
    """The Pantauan dashboard of a unit's subtree or one saved query over a time range."""
    params = query.params()
    scope = scope_from(request, session, user, query)
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
        days=query.days or (None if query.since else 7),
    )


@router.get("/listening/pulse", response_class=HTMLResponse)
def pulse(request: Request, session: DbSession, user: CurrentUser, query: ScopeQueryDep) -> Response:
    """Headline figures and the newest mentions; polled every few seconds by the open dashboard (ETag, 304).

    Its ETag: the summary's key and live version (a new mention, a label correction, a saved-query edit,
    a backfill), the spikes shown (read on every request: the detector updates them in place), the
    language and the viewer's zone (times are shown in it)."""
    scope = scope_from(request, session, user, query)
    summary = panel_cache(request).lookup(session, scope, "summary")
    spikes = spikes_service.list_spikes(session, scope=scope, limit=5)
    locale = getattr(request.state, "locale", None) or request_locale(request)
    zone = getattr(getattr(request.state, "user_view", None), "zone", None)
    shown = [
        (s.id, s.unit.name, s.metric, str(s.start_at), str(s.end_at), s.peak_value, s.expected)
        for s in spikes
    ]
    etag = summary.etag(json.dumps(["pulse", locale, zone, shown], default=str))
    if not_modified(request, etag):
        return Response(status_code=304, headers=cache_headers(etag))
    return _cached_fragment(
        request,
        etag,
        lambda: render(
            request,
            "listening/_pulse.html",
            summary=summary.value(lambda: dashboard.summary(session, scope)),
            latest=dashboard.latest(session, scope, limit=10),
            spikes=spikes,
            explorer_qs=urlencode(_explorer_params(scope)),
            scope=scope,
        ),
    )


def _cached_fragment(request: Request, etag: str, make: Callable[[], Response]) -> Response:
    """The fragment this ETag names, rendered once per web process (decision 0101); a request carrying a
    notice to show (flash cookie) is rendered afresh, as the render clears that cookie."""
    cache = fragment_cache(request)
    zone = getattr(getattr(request.state, "user_view", None), "zone", None)
    key = fragment_key(etag, zone)
    if FLASH_COOKIE not in request.cookies:
        body = cache.get(key)
        if body is not None:
            return HTMLResponse(body, headers=cache_headers(etag))
    response = make()
    response.headers.update(cache_headers(etag))
    if response.status_code == 200 and FLASH_COOKIE not in request.cookies:
        cache.put(key, bytes(response.body))
    return response


def _explorer_params(scope: Scope) -> dict[str, Any]:
    out: dict[str, Any] = {
        "unit_id": scope.unit.id,
        "since": scope.local(scope.since).date().isoformat(),
        "until": scope.local(scope.until - timedelta(seconds=1)).date().isoformat(),
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
def panel_fragment(
    request: Request, session: DbSession, user: CurrentUser, name: str, query: ScopeQueryDep
) -> Response:
    """One dashboard panel: its chart (Vega-Lite spec), a table view and a CSV link (ETag, 304)."""
    panel = _panel(name)
    params = query.params()
    scope = scope_from(request, session, user, query)
    lookup = panel_cache(request).lookup(session, scope, panel.name, extra=cache_inputs(session, user, name))
    locale = getattr(request.state, "locale", None) or request_locale(request)
    etag = lookup.etag(f"html:{locale}:{urlencode(params)}")
    if not_modified(request, etag):
        return Response(status_code=304, headers=cache_headers(etag))

    def view() -> dict[str, Any]:
        rows = lookup.value(lambda: panel.read(session, user, scope))
        with use_locale(locale):  # the chart's titles and number formats
            spec = panel.chart(rows, scope) if panel.chart and rows else None
        return {"rows": rows, "spec": json.dumps(spec, ensure_ascii=False) if spec else None}

    def make() -> Response:
        # The chart spec costs more than most panels' query (Altair): it is kept per language beside the rows.
        shown = lookup.derived(f"chart:{locale}").value(view)
        return render(
            request, "listening/_panel.html", panel=panel, rows=shown["rows"], spec_json=shown["spec"],
            qs=urlencode(params),
        )  # fmt: skip

    return _cached_fragment(request, etag, make)


@router.get("/listening/data/{name}.csv")
def panel_csv(
    request: Request, session: DbSession, user: CurrentUser, name: str, query: ScopeQueryDep
) -> Response:
    """A panel's data as CSV."""
    panel = _panel(name)
    scope = scope_from(request, session, user, query)
    lookup = panel_cache(request).lookup(session, scope, panel.name, extra=cache_inputs(session, user, name))
    body = csv_text(lookup.value(lambda: panel.read(session, user, scope)), panel.columns)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{panel.name}.csv"'},
    )


@router.get("/listening/spikes", response_class=HTMLResponse)
def spikes_page(
    request: Request, session: DbSession, user: CurrentUser, query: ScopeQueryDep
) -> HTMLResponse:
    """Spikes detected in the user's units, newest first."""
    if query.days is None:
        query = replace(query, days=30)
    scope = scope_from(request, session, user, query)
    return render(
        request,
        "listening/spikes.html",
        spikes=spikes_service.list_spikes(session, scope=scope, limit=200),
        scope=scope,
    )


from humas.web import listening_desk  # noqa: E402 - the alert and hoax-desk pages share this router

router.include_router(listening_desk.router)
