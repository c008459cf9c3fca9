"""Listening pages for alerts (rules and history) and the hoax desk (narratives, labels, clarifications)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.listening import charts
from humas.listening.service import alerts as alerts_service
from humas.listening.service import deliveries as deliveries_service
from humas.listening.service import narratives as narratives_service
from humas.listening.service.scope import visible_queries
from humas.org import service as org_service
from humas.web.deps import CurrentUser, DbSession
from humas.web.flash import N_, redirect
from humas.web.templating import render

router = APIRouter(include_in_schema=False)


def _alerts_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    error: Invalid | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "listening/alerts.html",
        rules=alerts_service.list_rules(session, user),
        events=alerts_service.list_events(session, user),
        units=org_service.list_units(session, user),
        queries=visible_queries(session, user),
        kinds=alerts_service.KINDS,
        error=error,
        form=form or {},
        status_code=422 if error else 200,
    )


@router.get("/listening/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """Alert rules and the alert history with each delivery's status."""
    return _alerts_page(request, session, user)


@router.post("/listening/alerts", response_class=HTMLResponse, response_model=None)
def create_rule(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    name: Annotated[str, Form()],
    kind: Annotated[str, Form()],
    unit_id: Annotated[int, Form()],
    query_id: Annotated[str, Form()] = "",
    keyword: Annotated[str, Form()] = "",
    threshold: Annotated[str, Form()] = "",
    cooldown_min: Annotated[str, Form()] = "60",
    emails: Annotated[str, Form()] = "",
    telegram_chat_id: Annotated[str, Form()] = "",
    webhook_url: Annotated[str, Form()] = "",
    webhook_secret: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """Add an alert rule."""
    unit = org_service.access_unit(session, user, unit_id)
    form = dict(
        name=name,
        kind=kind,
        keyword=keyword,
        threshold=threshold,
        cooldown_min=cooldown_min,
        emails=emails,
        telegram_chat_id=telegram_chat_id,
        webhook_url=webhook_url,
    )
    try:
        data = alerts_service.RuleInput(
            name=name,
            kind=kind,
            keyword=keyword or None,
            threshold=float(threshold) if threshold.strip() else None,
            cooldown_min=int(cooldown_min) if cooldown_min.strip().isdigit() else 0,
            emails=tuple(e.strip() for e in emails.replace(";", ",").split(",") if e.strip()),
            telegram_chat_id=telegram_chat_id.strip() or None,
            webhook_url=webhook_url.strip() or None,
            webhook_secret=webhook_secret or None,
            query_id=int(query_id) if query_id.isdigit() else None,
        )
        alerts_service.create_rule(session, unit=unit, data=data, actor=user)
    except ValueError:
        return _alerts_page(request, session, user, Invalid(_("Enter a number."), field="threshold"), form)
    except Invalid as exc:
        return _alerts_page(request, session, user, exc, form)
    return redirect("/listening/alerts", N_("Alert rule saved."))


@router.post("/listening/alerts/deliveries/{delivery_id}/retry")
def retry_delivery(session: DbSession, user: CurrentUser, delivery_id: int) -> RedirectResponse:
    """Send a failed delivery again."""
    delivery = alerts_service.access_delivery(session, user, delivery_id)
    deliveries_service.retry_delivery(session, delivery=delivery, actor=user)
    return redirect("/listening/alerts", N_("The delivery will be tried again."))


@router.get("/listening/narratives", response_class=HTMLResponse)
def narratives_page(request: Request, session: DbSession, user: CurrentUser, label: str = "") -> HTMLResponse:
    """Narratives of the user's units: the hoax desk."""
    return render(
        request,
        "listening/narratives.html",
        narratives=narratives_service.list_narratives(session, user, label=label or None),
        labels=narratives_service.LABELS,
        label=label,
    )


def _narrative_page(
    request: Request, session: DbSession, user: CurrentUser, narrative_id: int, error: Invalid | None = None
) -> HTMLResponse:
    narrative = narratives_service.access_narrative(session, user, narrative_id)
    spread = narratives_service.spread(session, narrative)
    marker = narrative.clarified_at.isoformat() if narrative.clarified_at else None
    spec = charts.spread_chart(spread["days"], marker=marker) if spread["days"] else None
    return render(
        request,
        "listening/narrative.html",
        narrative=narrative,
        spread=spread,
        spec_json=json.dumps(spec) if spec else None,
        labels=narratives_service.LABELS,
        error=error,
        status_code=422 if error else 200,
        **narratives_service.details(session, narrative),
    )


@router.get("/listening/narratives/{narrative_id}", response_class=HTMLResponse)
def narrative_page(
    request: Request, session: DbSession, user: CurrentUser, narrative_id: int
) -> HTMLResponse:
    """One narrative: its text, spread before and after the clarification, spreaders and mentions."""
    return _narrative_page(request, session, user, narrative_id)


@router.post("/listening/narratives/{narrative_id}/label", response_model=None)
def label_narrative(
    request: Request, session: DbSession, user: CurrentUser, narrative_id: int, label: Annotated[str, Form()]
) -> HTMLResponse | RedirectResponse:
    """Label a narrative (hoaks / disinformasi / keluhan / lainnya)."""
    narrative = narratives_service.access_narrative(session, user, narrative_id)
    try:
        narratives_service.label_narrative(session, narrative=narrative, label=label, actor=user)
    except Invalid as exc:
        return _narrative_page(request, session, user, narrative_id, exc)
    return redirect(f"/listening/narratives/{narrative_id}", N_("Label saved."))


@router.post("/listening/narratives/{narrative_id}/clarification", response_model=None)
def link_clarification(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    narrative_id: int,
    url: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """Link the official clarification that answers the narrative."""
    narrative = narratives_service.access_narrative(session, user, narrative_id)
    try:
        narratives_service.link_clarification(session, narrative=narrative, url=url, note=note, actor=user)
    except Invalid as exc:
        return _narrative_page(request, session, user, narrative_id, exc)
    return redirect(f"/listening/narratives/{narrative_id}", N_("Clarification linked."))
