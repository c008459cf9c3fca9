"""Listening pages for alerts (rules and history) and the hoax desk (narratives, labels, clarifications)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from humas.core.errors import Invalid
from humas.core.i18n import _, use_locale
from humas.listening import charts
from humas.listening.models import AlertRule
from humas.listening.service import alerts as alerts_service
from humas.listening.service import deliveries as deliveries_service
from humas.listening.service import narratives as narratives_service
from humas.listening.service import rules as rules_service
from humas.listening.service.scope import visible_queries
from humas.org import service as org_service
from humas.web.corrections import label_context
from humas.web.deps import CurrentUser, DbSession
from humas.web.flash import N_, redirect
from humas.web.params import IdForm, IdPath, OptionalId, OptionalPageParam, WholeNumber, parse_field
from humas.web.templating import render

router = APIRouter(include_in_schema=False)
# Form fields are capped well above the service's limits: a megabyte is refused before it is read twice.
FIELD_MAX = 20_000


@dataclass(frozen=True)
class RuleFields:
    """An alert-rule form as typed (shown again as it was when the service refuses it)."""

    name: str
    kind: str
    query_id: str
    keyword: str
    threshold: str
    cooldown_min: str
    emails: str
    telegram_chat_id: str
    webhook_url: str
    webhook_secret: str

    def values(self) -> dict[str, str]:
        """What the form shows again (never the secret)."""
        return {k: v for k, v in asdict(self).items() if k != "webhook_secret"}

    def to_input(self) -> rules_service.RuleInput:
        try:
            threshold = float(self.threshold) if self.threshold.strip() else None
        except ValueError:
            raise Invalid(_("Enter a number."), field="threshold") from None
        return rules_service.RuleInput(
            name=self.name,
            kind=self.kind,
            keyword=self.keyword or None,
            threshold=threshold,
            cooldown_min=parse_field(WholeNumber, self.cooldown_min or "0", field="cooldown_min"),
            emails=tuple(e.strip() for e in self.emails.replace(";", ",").split(",") if e.strip()),
            telegram_chat_id=self.telegram_chat_id.strip() or None,
            webhook_url=self.webhook_url.strip() or None,
            webhook_secret=self.webhook_secret or None,
            query_id=parse_field(OptionalId, self.query_id, field="query_id"),
        )


def rule_fields(
    name: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    kind: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    query_id: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    keyword: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    threshold: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    cooldown_min: Annotated[str, Form(max_length=FIELD_MAX)] = "60",
    emails: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    telegram_chat_id: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    webhook_url: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    webhook_secret: Annotated[str, Form(max_length=FIELD_MAX)] = "",
) -> RuleFields:
    return RuleFields(
        name,
        kind,
        query_id,
        keyword,
        threshold,
        cooldown_min,
        emails,
        telegram_chat_id,
        webhook_url,
        webhook_secret,
    )


RuleForm = Annotated[RuleFields, Depends(rule_fields)]


def _alerts_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    error: Invalid | None = None,
    form: dict[str, str] | None = None,
    pages: tuple[int | None, int | None] = (None, None),
) -> HTMLResponse:
    rules = rules_service.page_rules(session, user, page=pages[0])
    events = alerts_service.page_events(session, user, page=pages[1])
    return render(
        request,
        "listening/alerts.html",
        rules=rules,
        events=events,
        hints={d.id: deliveries_service.error_hint(d) for e in events for d in e.deliveries},
        # Each list keeps the other's page in its links.
        rules_query={"page": events.number} if events.number > 1 else {},
        events_query={"rules_page": rules.number} if rules.number > 1 else {},
        units=org_service.list_units(session, user),
        queries=visible_queries(session, user),
        kinds=rules_service.KINDS,
        error=error,
        form=form or {},
        status_code=422 if error else 200,
    )


@router.get("/listening/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    page: OptionalPageParam = None,
    rules_page: OptionalPageParam = None,
) -> HTMLResponse:
    """Alert rules and the alert history with each delivery's status, a page of each at a time."""
    return _alerts_page(request, session, user, pages=(rules_page, page))


@router.post("/listening/alerts", response_class=HTMLResponse, response_model=None)
def create_rule(
    request: Request, session: DbSession, user: CurrentUser, unit_id: IdForm, fields: RuleForm
) -> HTMLResponse | RedirectResponse:
    """Add an alert rule."""
    unit = org_service.access_unit(session, user, unit_id)
    try:
        rules_service.create_rule(session, unit=unit, data=fields.to_input(), actor=user)
    except Invalid as exc:
        return _alerts_page(request, session, user, exc, fields.values())
    return redirect("/listening/alerts", N_("Alert rule saved."))


def _rule_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    rule: AlertRule,
    error: Invalid | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "listening/rule.html",
        rule=rule,
        queries=visible_queries(session, user),
        kinds=rules_service.KINDS,
        error=error,
        form=form if form is not None else _rule_values(rule),
        status_code=422 if error else 200,
    )


def _rule_values(rule: AlertRule) -> dict[str, str]:
    return {
        "name": rule.name,
        "kind": rule.kind,
        "query_id": str(rule.query_id or ""),
        "keyword": rule.keyword or "",
        "threshold": "" if rule.threshold is None else f"{rule.threshold:g}",
        "cooldown_min": str(rule.cooldown_min),
        "emails": ", ".join(rule.emails or []),
        "telegram_chat_id": rule.telegram_chat_id or "",
        "webhook_url": rule.webhook_url or "",
    }


@router.get("/listening/alerts/rules/{rule_id}", response_class=HTMLResponse)
def rule_page(request: Request, session: DbSession, user: CurrentUser, rule_id: IdPath) -> HTMLResponse:
    """One alert rule: change what it watches and whom it tells, pause or resume it."""
    rule = rules_service.access_rule(session, user, rule_id)
    return _rule_page(request, session, user, rule)


@router.post("/listening/alerts/rules/{rule_id}", response_class=HTMLResponse, response_model=None)
def update_rule(
    request: Request, session: DbSession, user: CurrentUser, rule_id: IdPath, fields: RuleForm
) -> HTMLResponse | RedirectResponse:
    """Change an alert rule (an empty webhook secret keeps the stored one)."""
    rule = rules_service.access_rule(session, user, rule_id)
    try:
        rules_service.update_rule(session, rule=rule, data=fields.to_input(), actor=user)
    except Invalid as exc:  # raised before the rule is touched: it still holds the stored values
        return _rule_page(request, session, user, rule, exc, fields.values())
    return redirect(f"/listening/alerts/rules/{rule.id}", N_("Alert rule saved."))


@router.post("/listening/alerts/rules/{rule_id}/pause")
def pause_rule(session: DbSession, user: CurrentUser, rule_id: IdPath) -> RedirectResponse:
    """Pause a rule: it sends nothing until it is resumed."""
    rule = rules_service.access_rule(session, user, rule_id)
    rules_service.set_rule_active(session, rule=rule, active=False, actor=user)
    return redirect("/listening/alerts", N_("Alert rule %(name)s paused."), name=rule.name)


@router.post("/listening/alerts/rules/{rule_id}/resume")
def resume_rule(session: DbSession, user: CurrentUser, rule_id: IdPath) -> RedirectResponse:
    """Resume a paused rule: it watches again from now on."""
    rule = rules_service.access_rule(session, user, rule_id)
    rules_service.set_rule_active(session, rule=rule, active=True, actor=user)
    return redirect("/listening/alerts", N_("Alert rule %(name)s resumed."), name=rule.name)


@router.post("/listening/alerts/deliveries/{delivery_id}/retry")
def retry_delivery(session: DbSession, user: CurrentUser, delivery_id: IdPath) -> RedirectResponse:
    """Send a failed delivery again."""
    delivery = alerts_service.access_delivery(session, user, delivery_id)
    deliveries_service.retry_delivery(session, delivery=delivery, actor=user)
    return redirect("/listening/alerts", N_("The delivery will be tried again."))


@router.get("/listening/narratives", response_class=HTMLResponse)
def narratives_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    label: Annotated[str, Query(max_length=64)] = "",
    page: OptionalPageParam = None,
) -> HTMLResponse:
    """Narratives of the user's units, a page at a time: the hoax desk."""
    found = narratives_service.page_narratives(session, user, label=label or None, page=page)
    return render(
        request,
        "listening/narratives.html",
        narratives=found,
        uniform=narratives_service.uniform_counts(session, [n.id for n in found]),
        uniform_min=narratives_service.UNIFORM_ACCOUNTS,
        labels=narratives_service.LABELS,
        label=label,
    )


def _narrative_page(
    request: Request, session: DbSession, user: CurrentUser, narrative_id: int, error: Invalid | None = None
) -> HTMLResponse:
    narrative = narratives_service.access_narrative(session, user, narrative_id)
    spread = narratives_service.spread(session, narrative)
    marker = narrative.clarified_at.isoformat() if narrative.clarified_at else None
    with use_locale(getattr(request.state, "locale", None)):
        spec = charts.spread_chart(spread["days"], marker=marker) if spread["days"] else None
    details = narratives_service.details(session, narrative)
    return render(
        request,
        "listening/narrative.html",
        narrative=narrative,
        spread=spread,
        spec_json=json.dumps(spec) if spec else None,
        labels=narratives_service.LABELS,
        uniform=narratives_service.uniform_counts(session, [narrative.id])[narrative.id],
        uniform_min=narratives_service.UNIFORM_ACCOUNTS,
        error=error,
        status_code=422 if error else 200,
        **details,
        **label_context(session, details.get("mentions", [])),
    )


@router.get("/listening/narratives/{narrative_id}", response_class=HTMLResponse)
def narrative_page(
    request: Request, session: DbSession, user: CurrentUser, narrative_id: IdPath
) -> HTMLResponse:
    """One narrative: its text, spread before and after the clarification, spreaders and mentions."""
    return _narrative_page(request, session, user, narrative_id)


@router.post("/listening/narratives/{narrative_id}/label", response_model=None)
def label_narrative(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    narrative_id: IdPath,
    label: Annotated[str, Form(max_length=FIELD_MAX)],
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
    narrative_id: IdPath,
    url: Annotated[str, Form(max_length=FIELD_MAX)],
    note: Annotated[str, Form(max_length=FIELD_MAX)] = "",
) -> HTMLResponse | RedirectResponse:
    """Link the official clarification that answers the narrative."""
    narrative = narratives_service.access_narrative(session, user, narrative_id)
    try:
        narratives_service.link_clarification(session, narrative=narrative, url=url, note=note, actor=user)
    except Invalid as exc:
        return _narrative_page(request, session, user, narrative_id, exc)
    return redirect(f"/listening/narratives/{narrative_id}", N_("Clarification linked."))
