"""Deadlines on pages: the policies page (admins: a unit's own policies or those it inherits, create, edit,
delete, the LAPOR! preset) and a conversation's deadlines card (each target's due time, time used and left,
paused or not). Rules are `inbox.service.sla_policies` / `inbox.service.sla`; every route that takes an id
fetches through ``org_service.access_unit`` / ``sla_policies.access_policy`` / ``access_conversation``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.inbox import sla
from humas.inbox.models import MessageType, Priority, SlaPolicy
from humas.inbox.service import conversations as conversations_service
from humas.inbox.service import sla as sla_service
from humas.inbox.service import sla_policies
from humas.org import service as org_service
from humas.org.models import Unit, User
from humas.web.deps import AdminUser, CurrentUser, DbSession, IdPath
from humas.web.errors import with_form
from humas.web.flash import N_, redirect
from humas.web.params import MAX_ID
from humas.web.templating import render

router = APIRouter(include_in_schema=False)
Short = Annotated[str, Form(max_length=200)]
UnitQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
NUMBER_FIELDS = sla_policies.TARGET_FIELDS


def _values(policy: SlaPolicy | None) -> dict[str, Any]:
    if policy is None:
        return {"clock": sla.Clock.working.value, "at_risk_percent": 75}
    values = {k: getattr(policy, k) for k in sla_policies.PolicyFields.__dataclass_fields__}
    values["at_risk_percent"] = round(policy.at_risk_share * 100)
    return values


def _choices() -> dict[str, Any]:
    return {
        "types": [t.value for t in MessageType],
        "priorities": [p.value for p in Priority],
        "clocks": [c.value for c in sla.Clock],
    }


def _context(session: Session, user: User, unit: Unit) -> dict[str, Any]:
    owner, effective = sla_policies.effective_policies(session, unit)
    units = org_service.sort_tree(org_service.list_units(session, user))
    return {
        "unit_id": unit.id,
        "unit_name": unit.name,
        "own": owner is not None and owner.id == unit.id,
        "owner_name": owner.name if owner is not None else None,
        "policies": sorted(effective, key=lambda p: (sla_policies.policy_of(p).specificity, p.id)),
        "units": [(u.id, u.name, u.depth) for u in units],
        "values": _values(None),
        **_choices(),
    }


def _number(value: str, field: str) -> int | None:
    text = value.strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit():
        raise Invalid(_("Give a whole number."), field=field)
    return int(text)


def _fields(form: dict[str, str]) -> sla_policies.PolicyFields:
    percent = _number(form.get("at_risk_percent", ""), "at_risk_share")
    return sla_policies.PolicyFields(
        name=form.get("name", ""),
        clock=form.get("clock", ""),
        message_type=form.get("message_type") or None,
        priority=form.get("priority") or None,
        **{name: _number(form.get(name, ""), name) for name in NUMBER_FIELDS},
        at_risk_share=(percent if percent is not None else 75) / 100,
        escalate_to_parent=form.get("escalate_to_parent") == "1",
    )


@router.get("/inbox/policies", response_class=HTMLResponse)
def policies_page(
    request: Request, session: DbSession, user: AdminUser, unit_id: UnitQuery = None
) -> HTMLResponse:
    """A unit's deadline policies: its own, or those it inherits from the nearest unit above."""
    unit = org_service.access_unit(session, user, unit_id or user.unit_id)
    return render(request, "inbox/policies.html", **_context(session, user, unit))


@dataclass
class PolicyForm:
    """The policy form as typed (numbers are text until the service checks them)."""

    name: Short = ""
    clock: Short = "working"
    message_type: Short = ""
    priority: Short = ""
    first_response_minutes: Short = ""
    next_response_minutes: Short = ""
    resolution_minutes: Short = ""
    first_response_days: Short = ""
    resolution_days: Short = ""
    at_risk_percent: Short = "75"
    escalate_to_parent: Short = ""


PolicyFormDep = Annotated[PolicyForm, Depends()]


@router.post("/inbox/policies")
def create_policy(
    request: Request,
    session: DbSession,
    user: AdminUser,
    unit_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    form: PolicyFormDep,
) -> Response:
    """Add a deadline policy to a unit (its descendants without their own follow it)."""
    unit = org_service.access_unit(session, user, unit_id)
    values = asdict(form)
    with_form(request, "inbox/policies.html", **{**_context(session, user, unit), "values": values})
    policy = sla_policies.create_policy(session, unit=unit, fields=_fields(values), actor=user)
    return redirect(f"/inbox/policies?unit_id={unit.id}", N_("Policy %(name)s saved."), name=policy.name)


@router.post("/inbox/policies/lapor-preset")
def apply_lapor(
    request: Request, session: DbSession, user: AdminUser, unit_id: Annotated[int, Form(ge=1, le=MAX_ID)]
) -> Response:
    """Set the LAPOR! tiers on a unit (a policy for the same type and priority is replaced)."""
    unit = org_service.access_unit(session, user, unit_id)
    with_form(request, "inbox/policies.html", **_context(session, user, unit))
    sla_policies.apply_lapor_preset(session, unit=unit, actor=user)
    return redirect(f"/inbox/policies?unit_id={unit.id}", N_("LAPOR! deadlines applied."))


@router.get("/inbox/policies/{policy_id}", response_class=HTMLResponse)
def policy_page(request: Request, session: DbSession, user: AdminUser, policy_id: IdPath) -> HTMLResponse:
    """Edit one deadline policy."""
    policy = sla_policies.access_policy(session, user, policy_id)
    unit = session.get_one(Unit, policy.unit_id)
    return render(
        request,
        "inbox/policy_form.html",
        policy=policy,
        unit_name=unit.name,
        values=_values(policy),
        error=None,
        **_choices(),
    )


@router.post("/inbox/policies/{policy_id}")
def update_policy(
    request: Request, session: DbSession, user: AdminUser, policy_id: IdPath, form: PolicyFormDep
) -> Response:
    """Change a policy's targets or what it applies to."""
    policy = sla_policies.access_policy(session, user, policy_id)
    unit = session.get_one(Unit, policy.unit_id)
    values = asdict(form)
    with_form(
        request, "inbox/policy_form.html", values=values, policy=policy, unit_name=unit.name, **_choices()
    )
    sla_policies.update_policy(session, policy=policy, fields=_fields(values), actor=user)
    return redirect(f"/inbox/policies?unit_id={unit.id}", N_("Policy %(name)s saved."), name=policy.name)


@router.post("/inbox/policies/{policy_id}/delete")
def delete_policy(request: Request, session: DbSession, user: AdminUser, policy_id: IdPath) -> Response:
    """Remove a policy; its conversations follow the next policy that fits."""
    policy = sla_policies.access_policy(session, user, policy_id)
    unit_id, name = policy.unit_id, policy.name
    sla_policies.delete_policy(session, policy=policy, actor=user)
    return redirect(f"/inbox/policies?unit_id={unit_id}", N_("Policy %(name)s removed."), name=name)


# --- a conversation's deadlines card -------------------------------------------------------------------


@dataclass(frozen=True)
class TargetRow:
    key: str  # first_response | next_response | resolution
    due_at: datetime | None
    used: str
    left: str
    state: str


def _span(amount: timedelta) -> str:
    minutes = int(amount.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return str(_("%(d)s d %(h)s h %(m)s min", d=days, h=hours, m=minutes))
    return str(_("%(h)s h %(m)s min", h=hours, m=minutes))


@router.get("/inbox/{conversation_id}/deadlines", response_class=HTMLResponse)
def deadlines_card(
    request: Request, session: DbSession, user: CurrentUser, conversation_id: IdPath
) -> HTMLResponse:
    """A conversation's deadlines as of now: due times, time used and left, and whether the clock runs."""
    conversation = conversations_service.access_conversation(session, user, conversation_id)
    deadlines = sla_service.current(session, conversation=conversation)
    policy = session.get(SlaPolicy, conversation.sla_policy_id) if conversation.sla_policy_id else None
    rows = []
    if deadlines is not None:
        for key in ("first_response", "next_response", "resolution"):
            target: sla.TargetStatus | None = getattr(deadlines, key)
            if target is not None:
                used, left = _span(target.elapsed), _span(target.remaining)
                rows.append(TargetRow(key, target.due_at, used, left, target.state.value))
    return render(
        request,
        "inbox/_deadlines.html",
        conversation=conversation,
        deadlines=deadlines,
        rows=rows,
        policy_name=policy.name if policy is not None else None,
    )
