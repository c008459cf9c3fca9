"""Publishing settings pages: a unit's approval chains (ordered steps, any or all of a role or of named
people, by channel or content kind, keeping approvals on a new time or not) and each channel's posting
slots. Rules are the publishing service's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from humas.channels import service as channels_service
from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.org import service as org_service
from humas.org.models import Role, User
from humas.publishing import service as publishing_service
from humas.publishing.service import StepInput
from humas.publishing.service.approvals import CHAIN_ADMINS
from humas.web.deps import CurrentUser, DbSession, IdForm, IdPath
from humas.web.errors import with_form
from humas.web.flash import N_, redirect
from humas.web.templating import render
from humas.web.units import unit_rows

router = APIRouter(include_in_schema=False)
STEP_ROWS = 4  # empty step rows on the form; a chain may have up to the service's maximum
Short = Annotated[str, Form(max_length=200)]
Lines = Annotated[list[str], Form(max_length=200)]


def _chains_context(session: Session, user: User) -> dict[str, Any]:
    channels = channels_service.list_channels(session, user)
    return {
        "chains": publishing_service.list_chains(session, user),
        "units": unit_rows(org_service.list_units(session, user)),
        "channels": channels,
        "channel_names": {c.id: c.name for c in channels},
        "roles": [r.value for r in Role],
        "step_rows": range(STEP_ROWS),
        "values": {},
        "may_manage": org_service.has_role(user, *CHAIN_ADMINS),
    }


@router.get("/publishing/chains", response_class=HTMLResponse)
def chains_page(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """The approval chains of the user's units and the form for a new one."""
    return render(request, "publishing/chains.html", **_chains_context(session, user), error=None)


def _steps(names: list[str], modes: list[str], roles: list[str], people: list[str]) -> list[StepInput]:
    """Form rows to steps; a row without a name is unused. People are user ids separated by commas."""
    if not (len(names) == len(modes) == len(roles) == len(people)):
        raise Invalid(_("The form is not complete; reload the page."), field="steps")
    steps = []
    for name, mode, role, ids in zip(names, modes, roles, people, strict=True):
        if not name.strip():
            continue
        try:
            user_ids = [int(i) for i in ids.replace(" ", "").split(",") if i]
        except ValueError:
            raise Invalid(_("People are user numbers separated by commas."), field="steps") from None
        steps.append(StepInput(name=name, mode=mode, role=role or None, user_ids=user_ids or None))
    return steps


@router.post("/publishing/chains")
def create_chain(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: IdForm,
    name: Short = "",
    channel_id: Annotated[int, Form(ge=0)] = 0,
    content_kind: Annotated[str, Form(max_length=40)] = "",
    keep_on_reschedule: Annotated[bool, Form()] = False,
    step_name: Lines = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    step_mode: Lines = [],  # noqa: B006
    step_role: Lines = [],  # noqa: B006
    step_people: Lines = [],  # noqa: B006
) -> Response:
    """Create an approval chain for a unit."""
    with_form(request, "publishing/chains.html", **_chains_context(session, user))
    publishing_service.create_chain(
        session, unit_id=unit_id, name=name, actor=user, channel_id=channel_id or None,
        content_kind=content_kind or None, keep_on_reschedule=keep_on_reschedule,
        steps=_steps(step_name, step_mode, step_role, step_people),
    )  # fmt: skip
    return redirect("/publishing/chains", N_("Approval chain saved."))


@router.post("/publishing/chains/{chain_id}/deactivate")
def deactivate_chain(request: Request, session: DbSession, user: CurrentUser, chain_id: IdPath) -> Response:
    """Stop using a chain (posts already in it keep their record)."""
    chain = publishing_service.access_chain(session, user, chain_id)
    publishing_service.deactivate_chain(session, chain=chain, actor=user)
    return redirect("/publishing/chains", N_("Approval chain turned off."))


@router.get("/publishing/slots", response_class=HTMLResponse)
def slots_page(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """Each channel's regular posting times, in its unit's zone, and the next free one."""
    rows = [
        (
            c,
            publishing_service.list_slots(session, channel=c),
            publishing_service.next_free_slot(session, channel=c),
        )
        for c in channels_service.list_channels(session, user)
        if c.is_active
    ]
    return render(request, "publishing/slots.html", rows=rows, error=None)


@router.post("/publishing/channels/{channel_id}/slots")
def add_slot(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    channel_id: IdPath,
    weekday: Annotated[int, Form()] = 0,  # the service refuses a day outside Monday (0) to Sunday (6)
    at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Add a posting time to a channel."""
    channel = channels_service.access_channel(session, user, channel_id)
    publishing_service.add_slot(session, channel=channel, weekday=weekday, at=at, actor=user)
    return redirect("/publishing/slots", N_("Posting time added."))


@router.post("/publishing/channels/{channel_id}/slots/remove")
def remove_slot(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    channel_id: IdPath,
    slot_id: Annotated[int, Form(ge=0)] = 0,
) -> Response:
    """Remove a posting time from a channel."""
    channel = channels_service.access_channel(session, user, channel_id)
    publishing_service.remove_slot(session, channel=channel, slot_id=slot_id, actor=user)
    return redirect("/publishing/slots", N_("Posting time removed."))
