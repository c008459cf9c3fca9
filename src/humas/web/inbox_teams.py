"""Responder teams (/inbox/teams): create a team, add people, say who is on duty for round-robin.

The rules are the inbox service's (``inbox.service.conversations``: create_team, set_member, remove_member);
every route that takes an id fetches through ``access_team`` (the actor's unit and below).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.inbox.service import conversations as conversations_service
from humas.org import service as org_service
from humas.org.models import Role
from humas.web.deps import CurrentUser, DbSession, IdPath
from humas.web.errors import with_form
from humas.web.flash import N_, redirect
from humas.web.params import MAX_ID
from humas.web.templating import render

router = APIRouter(include_in_schema=False)
Name = Annotated[str, Form(max_length=300)]
FormId = Annotated[int, Form(ge=1, le=MAX_ID)]
OptionalFormId = Annotated[int | None, Form(ge=1, le=MAX_ID)]
Cap = Annotated[int, Form(ge=1, le=500)]
Flag = Annotated[str, Form(max_length=16)]


def _context(session: DbSession, user: CurrentUser) -> dict[str, Any]:
    teams = conversations_service.list_teams(session, user)
    rows = []
    for team in teams:
        members = conversations_service.team_members(session, team=team)
        load = conversations_service.open_load(session, [u.id for _m, u in members])
        rows.append(
            {
                "team": team,
                "members": [(m, u, load.get(u.id, 0)) for m, u in members],
                "candidates": conversations_service.team_candidates(session, team=team),
                "unit": next(
                    (u for u in org_service.list_units(session, user) if u.id == team.unit_id), None
                ),
            }
        )
    units = [
        (u.id, u.name, u.depth - user.unit.depth)
        for u in org_service.sort_tree(org_service.list_units(session, user))
    ]
    may_create = org_service.has_role(user, Role.admin)
    return {
        "teams": rows,
        "units": units,
        "may_manage": conversations_service.can_manage_teams(user),
        "may_create": may_create,
    }


@router.get("/inbox/teams", response_class=HTMLResponse)
def teams_page(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """The teams of the user's units, their members, load and duty."""
    return render(request, "inbox/teams.html", **_context(session, user))


@router.post("/inbox/teams")
def create_team(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: FormId,
    name: Name,
    per_person_cap: Cap = 20,
) -> Response:
    """Create a team in one of the user's units."""
    with_form(
        request,
        "inbox/teams.html",
        values={"name": name, "per_person_cap": per_person_cap},
        **_context(session, user),
    )
    conversations_service.create_team(
        session, unit_id=unit_id, name=name, actor=user, per_person_cap=per_person_cap
    )
    return redirect("/inbox/teams", N_("Team created."))


@router.post("/inbox/teams/{team_id}/members")
def set_member(
    session: DbSession, user: CurrentUser, team_id: IdPath, user_id: OptionalFormId = None, on_duty: Flag = ""
) -> Response:
    """Add a person to a team or change their duty."""
    team = conversations_service.access_team(session, user, team_id)  # a sibling's team is 404 first
    if user_id is None:
        raise Invalid(_("Choose a person."), field="user_id")
    person = org_service.access_user(session, user, user_id)
    conversations_service.set_member(session, team=team, user=person, on_duty=on_duty == "1", actor=user)
    return redirect("/inbox/teams", N_("Team updated."))


@router.post("/inbox/teams/{team_id}/members/{user_id}/remove")
def remove_member(session: DbSession, user: CurrentUser, team_id: IdPath, user_id: IdPath) -> Response:
    """Take a person out of a team."""
    team = conversations_service.access_team(session, user, team_id)
    person = org_service.access_user(session, user, user_id)
    conversations_service.remove_member(session, team=team, user=person, actor=user)
    return redirect("/inbox/teams", N_("Team updated."))
