"""The mention explorer: query-language search, filters, sort, pages, detail, CSV / XLSX export."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from humas.connectors.registry import mention_platforms
from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.ingest.service import feeds as feeds_service
from humas.ingest.service import search as search_service
from humas.ingest.service.querylang import QuerySyntaxError
from humas.org import service as org_service
from humas.web.deps import CurrentUser, DbSession
from humas.web.templating import JAKARTA, render

router = APIRouter(include_in_schema=False)

PLATFORMS = mention_platforms()
KINDS = ("post", "comment", "reply", "message", "article", "mention")
SENTIMENTS = ("positive", "negative", "neutral")
EMOTIONS = ("anger", "fear", "joy", "love", "sadness", "surprise", "neutral")
ABUSE = ("any", "abusive", "hate_speech", "insult", "threat", "profanity")


def _day(value: str | None, field: str, *, end: bool = False) -> datetime | None:
    """A YYYY-MM-DD in WIB as a UTC instant (the start of that day, or of the next one for `until`)."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise Invalid(_("Enter a date as YYYY-MM-DD."), field=field) from None
    local = datetime.combine(day + timedelta(days=1) if end else day, time(0), tzinfo=JAKARTA)
    return local.astimezone(UTC)


def _choice(value: str | None, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None


def _filters(params: dict[str, Any]) -> search_service.MentionFilters:
    def number(name: str) -> int | None:
        raw = params.get(name)
        return int(raw) if isinstance(raw, str) and raw.isdigit() else None

    sort = params.get("sort") or "newest"
    return search_service.MentionFilters(
        q=(params.get("q") or "")[:4000],
        since=_day(params.get("since"), "since"),
        until=_day(params.get("until"), "until", end=True),
        unit_id=number("unit_id"),
        query_id=number("query_id"),
        platform=params.get("platform") or None,
        kind=_choice(params.get("kind"), KINDS),
        sentiment=_choice(params.get("sentiment"), SENTIMENTS),
        emotion=params.get("emotion") or None,
        abuse=params.get("abuse") or None,
        sort=sort if sort in search_service.SORTS else "newest",
        page=min(number("page") or 1, 10_000),
        per_page=min(number("per_page") or 50, search_service.PER_PAGE_MAX),
    )


def _raw_params(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if v}


def _choices(session: Session, user: CurrentUser) -> dict[str, Any]:
    return {
        "units": org_service.list_units(session, user),
        "queries": search_service.list_query_choices(session, user),
        "platforms": PLATFORMS,
        "kinds": KINDS,
        "sentiments": SENTIMENTS,
        "emotions": EMOTIONS,
        "abuse_labels": ABUSE,
        "sorts": search_service.SORTS,
    }


@router.get("/mentions", response_class=HTMLResponse)
def explorer(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """Search every mention the user's units may see, with the query language and filters."""
    params = _raw_params(request)
    error = None
    page = None
    try:
        filters = _filters(params)
        page = search_service.search_mentions(session, actor=user, filters=filters)
    except (QuerySyntaxError, Invalid) as exc:
        error = exc
    query = {k: v for k, v in params.items() if k != "page"}
    return render(
        request, "mentions/index.html", page=page, error=error, query=query, **_choices(session, user)
    )


@router.get("/mentions/export.csv")
def export_csv(request: Request, session: DbSession, user: CurrentUser) -> StreamingResponse:
    """The current result as CSV (all pages, at most 50,000 rows)."""
    filters = _filters(_raw_params(request))
    chunks = list(search_service.export_csv(session, actor=user, filters=filters))
    return StreamingResponse(
        iter(["\ufeff", *chunks]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="mentions.csv"'},
    )


@router.get("/mentions/export.xlsx")
def export_xlsx(request: Request, session: DbSession, user: CurrentUser) -> Response:
    """The current result as an Excel workbook."""
    filters = _filters(_raw_params(request))
    body = search_service.export_xlsx(session, actor=user, filters=filters)
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="mentions.xlsx"'},
    )


@router.get("/mentions/feeds", response_class=HTMLResponse)
def feeds_page(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """News feeds of the user's units with their health: last error, failures, next poll."""
    return render(request, "mentions/feeds.html", feeds=feeds_service.list_feeds(session, user))


@router.get("/mentions/{mention_id}", response_class=HTMLResponse)
def mention_detail(request: Request, session: DbSession, user: CurrentUser, mention_id: int) -> HTMLResponse:
    """One mention: its text, author, metrics, analysis, matched queries and the raw payload."""
    mention = search_service.access_mention(session, user, mention_id)
    return render(
        request,
        "mentions/detail.html",
        mention=mention,
        queries=search_service.matched_queries(session, mention=mention, actor=user),
        near_duplicates=search_service.near_duplicates(session, mention=mention, actor=user),
        raw_json=json.dumps(mention.raw or {}, ensure_ascii=False, indent=2, sort_keys=True),
    )
