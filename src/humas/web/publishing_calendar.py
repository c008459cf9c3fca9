"""The content calendar: a week or a month of a unit's subtree, counted per day in the viewer's zone with a
short list per day, holidays and *cuti bersama* marked, and a post moved to another day by drag (JS) or by
the plain form under each post (without JS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from babel.dates import format_date, format_time
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from humas.channels import service as channels_service
from humas.core.errors import Invalid
from humas.core.i18n import _, get_locale
from humas.org import service as org_service
from humas.org.models import User
from humas.publishing import service as publishing_service
from humas.web.deps import CurrentUser, DbSession, IdPath
from humas.web.flash import N_, redirect
from humas.web.templating import render, viewer_zone
from humas.web.units import unit_rows

router = APIRouter(include_in_schema=False)
BASE = "/publishing/calendar"
PALETTE = 8  # channel colours: ch-0 .. ch-7 in publishing.css
CAP = {"month": 4, "week": 25}


@dataclass(frozen=True)
class Chip:
    post_id: int
    title: str
    status: str
    time: str
    colours: tuple[int, ...]
    channels: tuple[str, ...]


def _range(view: str, anchor: date) -> tuple[date, date, date, date]:
    """(first shown, last shown, previous anchor, next anchor); weeks start on Monday."""
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        return first, first + timedelta(days=6), anchor - timedelta(days=7), anchor + timedelta(days=7)
    start = anchor.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    first = start - timedelta(days=start.weekday())
    last = end + timedelta(days=6 - end.weekday())
    return first, last, (start - timedelta(days=1)).replace(day=1), end + timedelta(days=1)


def _channel_names(session: Session, user: User) -> dict[int, str]:
    return {c.id: c.name for c in channels_service.list_channels(session, user)}


@router.get(BASE, response_class=HTMLResponse)
def calendar_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    view: Literal["month", "week"] = "month",
    day: Annotated[date | None, Query(alias="date")] = None,
    unit_id: int | None = None,
) -> HTMLResponse:
    """A week or a month of planned, waiting, published, failed and expired posts of a unit's subtree."""
    unit = org_service.access_unit(session, user, unit_id or user.unit_id)
    zone = viewer_zone(request)
    anchor = day or datetime.now(zone).date()
    first, last, previous, following = _range(view, anchor)
    days = publishing_service.calendar_days(
        session, user, unit=unit, first=first, last=last, zone=zone, cap=CAP[view]
    )
    names = _channel_names(session, user)
    locale = get_locale()
    chips = {
        d.day: [
            Chip(
                e.post_id, e.title, e.status, format_time(e.at, "HH:mm", tzinfo=zone, locale=locale),
                tuple(cid % PALETTE for cid in e.channel_ids),
                tuple(names.get(cid, "") for cid in e.channel_ids),
            )
            for e in d.entries
        ]
        for d in days
    }  # fmt: skip
    title_format = "d MMMM y" if view == "week" else "MMMM y"
    return render(
        request,
        "publishing/calendar.html",
        view=view, unit=unit, units=unit_rows(org_service.list_units(session, user)),
        days=days, chips=chips, anchor=anchor, previous=previous, following=following,
        month=anchor.month, today=datetime.now(zone).date(),
        heading=format_date(first if view == "week" else anchor, title_format, locale=locale),
        weekdays=[format_date(first + timedelta(days=i), "EEE", locale=locale) for i in range(7)],
        day_label=lambda d: format_date(d, "d MMM", locale=locale),
        long_label=lambda d: format_date(d, "EEEE, d MMMM y", locale=locale),
    )  # fmt: skip


@router.post("/publishing/posts/{post_id}/move")
def move_post(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    post_id: IdPath,
    day: Annotated[str, Form(alias="date", max_length=20)] = "",
    back: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Move a post to another day at the same time (the calendar's drag, or its form without JS)."""
    post = publishing_service.access_post(session, user, post_id)
    try:
        target = date.fromisoformat(day.strip())
    except ValueError:
        raise Invalid(_("Enter a date."), field="date") from None
    publishing_service.move_post(session, post=post, day=target, actor=user)
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    target_url = back if back.startswith(BASE) and "//" not in back else f"/publishing/posts/{post.id}"
    return redirect(target_url, N_("Moved."))
