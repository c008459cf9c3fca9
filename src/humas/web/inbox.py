"""The inbox list: filters, saved views, bulk actions, the live refresh, the navigation counts and CSV.

One conversation's page and its controls are in `humas.web.inbox_conversation`.
"""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from humas.core.errors import HumasError, Invalid
from humas.core.i18n import _
from humas.inbox.models import MessageType, Priority, Status
from humas.inbox.service import conversations as conversations_service
from humas.inbox.service import listing, privacy
from humas.inbox.service import views as views_service
from humas.inbox.service.listing import InboxFilters
from humas.org import service as org_service
from humas.org.models import User
from humas.web.deps import CurrentUser, DbSession, IdPath, safe_next
from humas.web.flash import N_, redirect
from humas.web.params import (
    DateTimeQuery,
    OptionalChoiceParam,
    OptionalIdParam,
    OptionalPageParam,
    OptionalPerPageParam,
)
from humas.web.templating import environment, render

router = APIRouter(include_in_schema=False)
# Pages show public text with phone numbers, e-mail addresses and NIK masked (inbox.service.privacy).
environment().filters["mask_personal"] = privacy.mask_personal

FILTER_KEYS = (
    "status", "mine", "unassigned", "sla", "platform", "channel_id", "message_type", "sentiment", "abusive",
    "team_id", "assignee_id", "unit_id", "q", "sort",
)  # fmt: skip

CHOICE_KEYS = (
    "status",
    "mine",
    "unassigned",
    "sla",
    "platform",
    "message_type",
    "sentiment",
    "abusive",
    "sort",
)


def _flag(value: str | None, field: str) -> bool | None:
    if value is None:
        return None
    if value in ("1", "true", "on", "yes"):
        return True
    if value in ("0", "false", "off", "no"):
        return False
    raise Invalid(_("Unknown value."), field=field)


def inbox_filters(
    status: OptionalChoiceParam = None,
    mine: OptionalChoiceParam = None,
    unassigned: OptionalChoiceParam = None,
    sla: OptionalChoiceParam = None,
    platform: OptionalChoiceParam = None,
    channel_id: OptionalIdParam = None,
    message_type: OptionalChoiceParam = None,
    sentiment: OptionalChoiceParam = None,
    abusive: OptionalChoiceParam = None,
    team_id: OptionalIdParam = None,
    assignee_id: OptionalIdParam = None,
    unit_id: OptionalIdParam = None,
    q: Annotated[str, Query(max_length=listing.SUBJECT_QUERY_MAX)] = "",
    sort: OptionalChoiceParam = None,
) -> InboxFilters:
    """The list's query string, typed and bounded; the listing service checks the choices."""
    return listing.check_filters(
        InboxFilters(
            status=status or "open", mine=bool(_flag(mine, "mine")),
            unassigned=bool(_flag(unassigned, "unassigned")), sla=sla,
            platform=platform, channel_id=channel_id, message_type=message_type, sentiment=sentiment,
            abusive=_flag(abusive, "abusive"), team_id=team_id, assignee_id=assignee_id, unit_id=unit_id, q=q,
            sort=sort or "activity",
        )
    )  # fmt: skip


Filters = Annotated[InboxFilters, Depends(inbox_filters)]


def filter_query(filters: InboxFilters) -> dict[str, str]:
    """The filters as link parameters (the defaults left out)."""
    out: dict[str, str] = {}
    for key, value in filters.to_dict().items():
        if isinstance(value, bool):
            out[key] = "1" if value else "0"
        elif value not in (None, ""):
            out[key] = str(value)
    return out


def _choices(session: Session, user: User) -> dict[str, Any]:
    teams = conversations_service.list_teams(session, user) if listing.can_read(user) else []
    return {
        "statuses": [s.value for s in Status],
        "priorities": [p.value for p in Priority],
        "types": [t.value for t in MessageType],
        "sentiments": listing.SENTIMENTS,
        "platforms": listing.platform_choices(),
        "teams": teams,
        "units": org_service.list_units(session, user),
        "workers": listing.workers(session, user),
        "views": views_service.list_views(session, user),
    }


def _list_context(
    session: Session, user: User, filters: InboxFilters, page: int | None, per_page: int | None
) -> dict[str, Any]:
    result = listing.list_conversations(session, user, filters=filters, page=page, size=per_page)
    cursor = listing.live_cursor(session)
    return {
        "page": result,
        "filters": filters,
        "query": filter_query(filters),
        "stamp": cursor.at.astimezone(UTC).isoformat(),
        "last_id": cursor.last_id,
        "can_read": listing.can_read(user),
        "can_work": listing.can_work(user),
        "may_see": {c.id for c in result.items if privacy.may_see_personal(user, c)},
    }


@router.get("/inbox", response_class=HTMLResponse)
def inbox(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    filters: Filters,
    page: OptionalPageParam = None,
    per_page: OptionalPerPageParam = None,
    view_id: OptionalIdParam = None,
) -> HTMLResponse:
    """The conversations of the user's units that need an answer, newest activity first (or by deadline)."""
    active_view = None
    if view_id is not None:
        active_view = views_service.access_view(session, user, view_id)
        filters = views_service.view_filters(active_view)
    context = _list_context(session, user, filters, page, per_page)
    return render(request, "inbox/index.html", active_view=active_view, **context, **_choices(session, user))


@router.get("/inbox/live", response_class=HTMLResponse)
def live(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    filters: Filters,
    after: DateTimeQuery = None,
    after_id: OptionalIdParam = None,
    page: OptionalPageParam = None,
    per_page: OptionalPerPageParam = None,
) -> Response:
    """The live list's poll: 204 while nothing came after `after` / `after_id`, else the list again."""
    # htmx swaps nothing on a 204; a browser opening the address itself gets the list (a 204 would abort it).
    polled = request.headers.get("hx-request") == "true"
    if (
        polled
        and after is not None
        and not listing.changed_since(session, user, after=after, after_id=after_id)
    ):
        return Response(status_code=204)
    context = _list_context(session, user, filters, page, per_page)
    return render(request, "inbox/_results.html", **context)


@router.get("/inbox/badge", response_class=HTMLResponse)
def badge(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """The navigation's counts: open, at risk, missed (refreshed by htmx)."""
    return render(request, "inbox/_badge.html", counts=listing.counts_for(session, user))


@router.get("/inbox/export.csv")
def export_csv(session: DbSession, user: CurrentUser, filters: Filters) -> StreamingResponse:
    """The filtered list as CSV (at most 50,000 rows); personal data masked unless the viewer may see it."""
    chunks = list(listing.export_csv(session, user, filters=filters))
    return StreamingResponse(
        iter(["\ufeff", *chunks]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="inbox.csv"'},
    )


def _form_filters(form: dict[str, str]) -> InboxFilters:
    """Filters sent as hidden form fields (the list's current ones), read like the query string."""
    values: dict[str, Any] = {k: (form.get(k) or None) for k in FILTER_KEYS}
    for key in ("channel_id", "team_id", "assignee_id", "unit_id"):
        raw = values[key]
        if raw is not None and (not raw.isascii() or not raw.isdigit() or len(raw) > 10):
            raise Invalid(_("Unknown value."), field=key)
        values[key] = int(raw) if raw else None
    for key in (
        "status",
        "mine",
        "unassigned",
        "sla",
        "platform",
        "message_type",
        "sentiment",
        "abusive",
        "sort",
    ):
        if values[key] is not None and len(values[key]) > 64:
            raise Invalid(_("Unknown value."), field=key)
    values["q"] = (values["q"] or "")[: listing.SUBJECT_QUERY_MAX]
    return inbox_filters(**values)


@router.post("/inbox/views")
async def save_view(request: Request, session: DbSession, user: CurrentUser) -> Response:
    """Save the list's current filters as a named view of the user's own."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    filters = _form_filters(form)
    view = views_service.create_view(session, actor=user, name=form.get("name", "")[:1000], filters=filters)
    return redirect(f"/inbox?view_id={view.id}", N_("View saved."))


@router.post("/inbox/views/{view_id}/delete")
def delete_view(session: DbSession, user: CurrentUser, view_id: IdPath) -> Response:
    """Remove one of the user's saved views."""
    view = views_service.access_view(session, user, view_id)
    views_service.delete_view(session, view=view, actor=user)
    return redirect("/inbox", N_("View removed."))


@router.post("/inbox/bulk")
def bulk(
    session: DbSession,
    user: CurrentUser,
    ids: Annotated[list[int], Form(max_length=500)] = [],  # noqa: B006 - FastAPI reads the default
    op: Annotated[str, Form(max_length=80)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/inbox",  # noqa: A002
) -> Response:
    """Apply one action (status, assignee, priority, type) to the chosen conversations."""
    action, _sep, value = op.partition(":")
    if not ids:
        raise Invalid(_("Choose at least one conversation."), field="ids")
    chosen = [conversations_service.access_conversation(session, user, i) for i in ids if 0 < i < 2**31]
    target: Any = value
    if action == "assign":
        target = _assignee(session, user, value)
    count = conversations_service.bulk_apply(
        session, conversations=chosen, action=action, value=target, actor=user
    )
    return redirect(safe_next(next, "/inbox"), N_("%(n)s conversations changed."), n=count)


def _assignee(session: Session, user: User, value: str) -> User | None:
    """`me`, `none` or a user id from a form: a person of the user's units."""
    if value == "me":
        return user
    if value in ("", "none"):
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        raise Invalid(_("Unknown value."), field="assignee_id")
    try:
        return org_service.access_user(session, user, int(value))
    except HumasError as error:
        error.field = "assignee_id"
        raise
