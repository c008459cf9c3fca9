"""SP4N-LAPOR! forwards (the conversation's card, the form, the printable page, JSON and CSV exports, the
list) and the inbox settings page (reply approval, auto-hide, DM retention and gap, escalation chat).

Rules are the inbox services' (``inbox.service.lapor``, ``inbox.service.unit_settings``); every route that
takes an id fetches through ``access_conversation`` / ``lapor.access_forward`` / ``org_service.access_unit``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.inbox.models import Conversation, LaporForward
from humas.inbox.service import conversations as conversations_service
from humas.inbox.service import lapor, unit_settings
from humas.org import service as org_service
from humas.org.models import Role
from humas.web.deps import AdminUser, CurrentUser, DbSession, IdPath
from humas.web.errors import with_form
from humas.web.flash import N_, redirect
from humas.web.params import MAX_ID
from humas.web.templating import render

router = APIRouter(include_in_schema=False)
Short = Annotated[str, Form(max_length=400)]
Long = Annotated[str, Form(max_length=lapor.TEXT_MAX + 1000)]
Flag = Annotated[bool, Form()]  # a checkbox: sent ("1") when ticked, absent otherwise
UnitQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def _page(conversation: Conversation) -> str:
    return f"/inbox/{conversation.id}"


def _form_values(data: lapor.LaporInput) -> dict[str, Any]:
    return {
        "title": data.title,
        "description": data.description,
        "category": data.category,
        "location": data.location,
        "occurred_on": data.occurred_on.isoformat() if data.occurred_on else "",
        "attachments": "\n".join(data.attachments),
        "contact_consent": data.contact_consent,
        "reporter_contact": data.reporter_contact or "",
        "tier": data.tier,
    }


def _values_of(forward: LaporForward, conversation: Conversation, session: DbSession) -> dict[str, Any]:
    zone = org_service.unit_zone(session, conversation.unit)
    return {
        "title": forward.title,
        "description": forward.description,
        "category": forward.category,
        "location": forward.location,
        "occurred_on": forward.occurred_at.astimezone(zone).date().isoformat() if forward.occurred_at else "",
        "attachments": "\n".join(str(a) for a in forward.attachments or []),
        "contact_consent": forward.contact_consent,
        "reporter_contact": forward.reporter_contact or "",
        "tier": forward.tier,
    }


@router.get("/inbox/{conversation_id}/lapor", response_class=HTMLResponse)
def lapor_card(
    request: Request, session: DbSession, user: CurrentUser, conversation_id: IdPath
) -> HTMLResponse:
    """The conversation's LAPOR! card: its forward's state, or the button to prepare one."""
    conversation = conversations_service.access_conversation(session, user, conversation_id)
    forward = lapor.find_forward(session, conversation)
    return render(
        request,
        "inbox/_lapor.html",
        conversation=conversation,
        forward=forward,
        first_due=lapor.due_times(session, conversation, forward.tier)[0] if forward else None,
        statuses=lapor.STATUSES,
        can_forward=org_service.has_role(user, *lapor.FORWARDERS),
    )


@router.get("/inbox/{conversation_id}/lapor/form", response_class=HTMLResponse)
def lapor_form(
    request: Request, session: DbSession, user: CurrentUser, conversation_id: IdPath
) -> HTMLResponse:
    """The LAPOR! report form, prefilled from the conversation (or the saved forward)."""
    conversation = conversations_service.access_conversation(session, user, conversation_id)
    forward = lapor.find_forward(session, conversation)
    values = (
        _values_of(forward, conversation, session)
        if forward
        else _form_values(lapor.draft_for(session, conversation))
    )
    return render(request, "inbox/lapor_form.html", values=values, **_form_context(conversation))


def _form_context(conversation: Conversation) -> dict[str, Any]:
    return {"conversation_id": conversation.id, "ticket": conversation.ticket, "tiers": lapor.TIERS}


def _day(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(_("Give the date as YYYY-MM-DD."), field="occurred_on") from None


@router.post("/inbox/{conversation_id}/lapor")
def save_lapor(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    conversation_id: IdPath,
    title: Short,
    description: Long,
    category: Short = "",
    location: Short = "",
    occurred_on: Short = "",
    attachments: Long = "",
    contact_consent: Flag = False,
    reporter_contact: Short = "",
    tier: Short = "keluhan",
) -> Response:
    """Save the LAPOR! report (the first save creates the forward; later saves correct it)."""
    conversation = conversations_service.access_conversation(session, user, conversation_id)
    values = {
        "title": title, "description": description, "category": category, "location": location,
        "occurred_on": occurred_on, "attachments": attachments, "contact_consent": contact_consent,
        "reporter_contact": reporter_contact, "tier": tier,
    }  # fmt: skip
    with_form(request, "inbox/lapor_form.html", values=values, **_form_context(conversation))
    data = lapor.LaporInput(
        title=title,
        description=description,
        category=category,
        location=location,
        occurred_on=_day(occurred_on),
        attachments=tuple(line for line in attachments.splitlines() if line.strip()),
        contact_consent=contact_consent,
        reporter_contact=reporter_contact,
        tier=tier,
    )
    forward = lapor.find_forward(session, conversation)
    if forward is None:
        lapor.create_forward(session, conversation=conversation, data=data, actor=user)
    else:
        lapor.update_forward(session, forward=forward, conversation=conversation, data=data, actor=user)
    return redirect(_page(conversation), N_("LAPOR! report saved."))


@router.post("/inbox/lapor/{forward_id}/tracking")
def record_tracking(
    session: DbSession, user: CurrentUser, forward_id: IdPath, tracking_number: Short
) -> Response:
    """Record the tracking number LAPOR! gave (the manual adapter)."""
    forward, conversation = lapor.access_forward(session, user, forward_id)
    lapor.submit_forward(
        session,
        forward=forward,
        conversation=conversation,
        actor=user,
        adapter=lapor.ManualAdapter(tracking_number),
    )
    return redirect(_page(conversation), N_("Tracking number recorded."))


@router.post("/inbox/lapor/{forward_id}/status")
def record_status(session: DbSession, user: CurrentUser, forward_id: IdPath, lapor_status: Short) -> Response:
    """Record the status LAPOR! shows for the report."""
    forward, conversation = lapor.access_forward(session, user, forward_id)
    lapor.set_lapor_status(
        session, forward=forward, conversation=conversation, status=lapor_status, actor=user
    )
    return redirect(_page(conversation), N_("LAPOR! status recorded."))


@router.get("/inbox/lapor/{forward_id}/print", response_class=HTMLResponse)
def print_page(request: Request, session: DbSession, user: CurrentUser, forward_id: IdPath) -> HTMLResponse:
    """The report as a printable page (personal data masked for viewers who may not see it)."""
    forward, conversation = lapor.access_forward(session, user, forward_id)
    report = lapor.report_of(session, forward, conversation, viewer=user)
    return render(request, "inbox/lapor_print.html", report=report, forward_id=forward.id)


@router.get("/inbox/lapor/{forward_id}/report.json")
def report_json(session: DbSession, user: CurrentUser, forward_id: IdPath) -> Response:
    """The report as JSON, as an adapter or a person submitting it gets it."""
    forward, conversation = lapor.access_forward(session, user, forward_id)
    body = lapor.report_json(lapor.report_of(session, forward, conversation, viewer=user))
    name = f"lapor-{conversation.ticket}.json"
    return Response(
        body,
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/inbox/lapor", response_class=HTMLResponse)
def lapor_list(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """Every LAPOR! forward of the user's units, newest first."""
    rows = lapor.list_forwards(session, user)
    return render(request, "inbox/lapor_list.html", rows=rows)


@router.get("/inbox/lapor.csv")
def lapor_csv(session: DbSession, user: CurrentUser) -> Response:
    """Every LAPOR! forward of the user's units as CSV (masked for viewers without personal-data access)."""
    reports = [lapor.report_of(session, f, c, viewer=user) for f, c in lapor.list_forwards(session, user)]
    return Response(
        "\ufeff" + lapor.reports_csv(reports),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="lapor.csv"'},
    )


# --- inbox settings --------------------------------------------------------------------------------------


def _settings_context(session: DbSession, user: AdminUser, unit_id: int) -> dict[str, Any]:
    unit = org_service.access_unit(session, user, unit_id)
    rules = unit_settings.rules_for(session, unit)
    units = org_service.sort_tree(org_service.list_units(session, user))
    return {
        "unit_id": unit.id,
        "unit_name": unit.name,
        "own": rules.unit_id == unit.id,
        "inherited_from": next((u.name for u in units if u.id == rules.unit_id), None),
        "rules": rules,
        "units": [(u.id, u.name, u.depth) for u in units],
        "modes": unit_settings.APPROVAL_MODES,
        "roles": [r.value for r in Role],
    }


@router.get("/inbox/settings", response_class=HTMLResponse)
def settings_page(
    request: Request, session: DbSession, user: AdminUser, unit_id: UnitQuery = None
) -> HTMLResponse:
    """A unit's inbox rules (admins): its own, or those it inherits."""
    return render(request, "inbox/settings.html", **_settings_context(session, user, unit_id or user.unit_id))


@router.post("/inbox/settings")
def save_settings(
    request: Request,
    session: DbSession,
    user: AdminUser,
    unit_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    reply_approval: Short = "none",
    reply_approval_roles: Annotated[list[str], Form(max_length=10)] = [],  # noqa: B006 - FastAPI copies
    auto_hide_abuse: Flag = False,
    auto_hide_threshold: Short = "0.9",
    dm_retention_days: Short = "",
    dm_gap_hours: Short = "24",
    escalation_telegram_chat_id: Short = "",
) -> Response:
    """Set a unit's inbox rules (its descendants without their own follow them)."""
    unit = org_service.access_unit(session, user, unit_id)
    with_form(request, "inbox/settings.html", **_settings_context(session, user, unit.id))
    data = unit_settings.RulesInput(
        reply_approval=reply_approval,
        reply_approval_roles=tuple(reply_approval_roles),
        auto_hide_abuse=auto_hide_abuse,
        auto_hide_threshold=_number(auto_hide_threshold, "auto_hide_threshold", float),
        dm_retention_days=_number(dm_retention_days, "dm_retention_days", int)
        if dm_retention_days.strip()
        else None,
        dm_gap_hours=_number(dm_gap_hours, "dm_gap_hours", int),
        escalation_telegram_chat_id=escalation_telegram_chat_id,
    )
    unit_settings.set_rules(session, unit=unit, data=data, actor=user)
    return redirect(f"/inbox/settings?unit_id={unit.id}", N_("Inbox settings saved."))


def _number(value: str, field: str, kind: type[int] | type[float]) -> Any:
    try:
        return kind(value.strip().replace(",", "."))
    except ValueError:
        raise Invalid(_("Give a number."), field=field) from None
