"""The mention explorer: query-language search, filters, sort, pages, detail, CSV / XLSX export."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from humas.core.errors import Invalid
from humas.ingest.service import feeds as feeds_service
from humas.ingest.service import search as search_service
from humas.ingest.service.querylang import QuerySyntaxError
from humas.org import service as org_service
from humas.web import labels
from humas.web.corrections import label_context
from humas.web.deps import CurrentUser, DbSession, OptionalAuth
from humas.web.errors import with_form
from humas.web.flash import N_, redirect
from humas.web.params import (
    IdPath,
    OptionalChoiceParam,
    OptionalDateParam,
    OptionalIdForm,
    OptionalIdParam,
    OptionalPageParam,
    OptionalPerPageParam,
)
from humas.web.templating import render, viewer_zone

router = APIRouter(include_in_schema=False)

QUERY_MAX = 4000


def _day(value: date | None, zone: ZoneInfo, *, end: bool = False) -> datetime | None:
    """A day in the viewer's zone as a UTC instant (the start of that day, or of the next one for `until`)."""
    if value is None:
        return None
    local = datetime.combine(value + timedelta(days=1) if end else value, time(0), tzinfo=zone)
    return local.astimezone(UTC)


def explorer_filters(
    request: Request,
    _auth: OptionalAuth,  # resolved first: it sets the viewer's zone the dates are read in
    q: Annotated[str, Query(max_length=QUERY_MAX)] = "",
    since: OptionalDateParam = None,
    until: OptionalDateParam = None,
    unit_id: OptionalIdParam = None,
    query_id: OptionalIdParam = None,
    platform: OptionalChoiceParam = None,
    kind: OptionalChoiceParam = None,
    sentiment: OptionalChoiceParam = None,
    emotion: OptionalChoiceParam = None,
    abuse: OptionalChoiceParam = None,
    sort: OptionalChoiceParam = None,
    page: OptionalPageParam = None,
    per_page: OptionalPerPageParam = None,
) -> search_service.MentionFilters:
    """The explorer's query string, typed and bounded; the search service checks the filter values."""
    zone = viewer_zone(request)
    return search_service.MentionFilters(
        q=q, since=_day(since, zone), until=_day(until, zone, end=True), unit_id=unit_id, query_id=query_id,
        platform=platform, kind=kind, sentiment=sentiment, emotion=emotion, abuse=abuse,
        sort=sort or "newest", page=page or 1, per_page=per_page or 50,
    )  # fmt: skip


Filters = Annotated[search_service.MentionFilters, Depends(explorer_filters)]


def _raw_params(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if v}


def _choices(session: Session, user: CurrentUser) -> dict[str, Any]:
    options = {name: labels.choices(name, values) for name, values in search_service.filter_choices().items()}
    return {
        "units": org_service.list_units(session, user),
        "queries": search_service.list_query_choices(session, user),
        "platforms": options["platform"],
        "kinds": options["kind"],
        "sentiments": options["sentiment"],
        "emotions": options["emotion"],
        "abuse_labels": options["abuse"],
        "sorts": search_service.SORTS,
    }


@router.get("/mentions", response_class=HTMLResponse)
def explorer(request: Request, session: DbSession, user: CurrentUser, filters: Filters) -> HTMLResponse:
    """Search every mention the user's units may see, with the query language and filters."""
    params = _raw_params(request)
    error = None
    page = None
    try:
        page = search_service.search_mentions(session, actor=user, filters=filters)
    except (QuerySyntaxError, Invalid) as exc:
        error = exc
    query = {k: v for k, v in params.items() if k != "page"}
    labelled = label_context(session, page.items if page else [])
    return render(
        request, "mentions/index.html", page=page, error=error, query=query, **_choices(session, user),
        **labelled,
    )  # fmt: skip


@router.get("/mentions/export.csv")
def export_csv(session: DbSession, user: CurrentUser, filters: Filters) -> StreamingResponse:
    """The current result as CSV (all pages, at most 50,000 rows)."""
    chunks = list(search_service.export_csv(session, actor=user, filters=filters))
    return StreamingResponse(
        iter(["\ufeff", *chunks]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="mentions.csv"'},
    )


@router.get("/mentions/export.xlsx")
def export_xlsx(session: DbSession, user: CurrentUser, filters: Filters) -> Response:
    """The current result as an Excel workbook, streamed."""
    chunks = search_service.export_xlsx_chunks(session, actor=user, filters=filters)
    # NOTE: the first chunk is taken here, while the request's session is open: by then every row is read and
    # the workbook written; the rest comes from its temporary file.
    first = next(chunks, b"")
    return StreamingResponse(
        itertools.chain([first], chunks),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="mentions.xlsx"'},
    )


@router.get("/mentions/feeds", response_class=HTMLResponse)
def feeds_page(
    request: Request, session: DbSession, user: CurrentUser, page: OptionalPageParam = None
) -> HTMLResponse:
    """News feeds of the user's units with their health (a page at a time), and the form to add one."""
    context = _feeds_context(session, user, page)
    return render(request, "mentions/feeds.html", **context, values={}, error=None)


def _feeds_context(session: Session, user: Any, page: int | None = None) -> dict[str, Any]:
    return {
        "feeds": feeds_service.page_feeds(session, user, page=page),
        "units": org_service.list_units(session, user),
    }


@router.post("/mentions/feeds", response_class=HTMLResponse)
def add_feed(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    url: Annotated[str, Form(max_length=4000)] = "",
    unit_id: OptionalIdForm = None,
) -> Response:
    """Add an RSS/Atom feed for one of the user's units (admins and analysts); it is polled from now on."""
    values = {"url": url, "unit_id": unit_id}
    with_form(request, "mentions/feeds.html", values=values, **_feeds_context(session, user))
    unit = org_service.access_unit(session, user, unit_id if unit_id is not None else user.unit_id)
    feeds_service.add_feed(session, unit=unit, url=url, actor=user)
    return redirect("/mentions/feeds", N_("Feed added: it is polled from now on."))


@router.get("/mentions/{mention_id}", response_class=HTMLResponse)
def mention_detail(
    request: Request, session: DbSession, user: CurrentUser, mention_id: IdPath
) -> HTMLResponse:
    """One mention: its text, author, metrics, analysis, matched queries and the raw payload."""
    mention = search_service.access_mention(session, user, mention_id)
    return render(
        request,
        "mentions/detail.html",
        mention=mention,
        queries=search_service.matched_queries(session, mention=mention, actor=user),
        near_duplicates=search_service.near_duplicates(session, mention=mention, actor=user),
        **label_context(session, [mention]),
        raw_json=json.dumps(mention.raw or {}, ensure_ascii=False, indent=2, sort_keys=True),
    )
