"""Guardrails on pages: the findings shown with their spans highlighted (live in the draft and reply editors,
on a post and a reply), a reviewer's override with a reason, and the admin page of a unit's rules and the
central election list. Rules are ``humas.compliance`` / the publishing and inbox guards'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from humas.channels import service as channels_service
from humas.compliance import service as compliance_service
from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.guardrails import BLOCK, RULES, WARN, Finding
from humas.guardrails.ruleset import DEFAULT_SEVERITIES
from humas.inbox.service import guard as inbox_guard
from humas.inbox.service import replies
from humas.org import service as org_service
from humas.org.models import Unit, User
from humas.publishing import service as publishing_service
from humas.web.deps import AdminUser, CurrentUser, DbSession, IdPath
from humas.web.errors import with_form
from humas.web.flash import N_, redirect
from humas.web.params import MAX_ID
from humas.web.templating import render

router = APIRouter(include_in_schema=False)
Reason = Annotated[str, Form(max_length=compliance_service.checks.REASON_MAX + 100)]
Words = Annotated[str, Form(max_length=60_000)]
UnitQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
BLOCKED_NOTICE = N_(
    "Blocked by the guardrails: see the findings; fix the text or ask a reviewer to override."
)
MEDIA_RULES = ("exif_gps",)  # findings about an attached file, not a span of the text


@dataclass(frozen=True)
class FindingView:
    number: int
    rule: str
    severity: str
    start: int
    end: int
    excerpt: str
    why: str
    what_to_do: str
    overridden: bool = False


@dataclass(frozen=True)
class Segment:
    text: str
    number: int | None = None  # the finding it belongs to (its mark), None for plain text
    severity: str = ""


def findings_view(text: str, findings: list[Finding], *, overridden: Any = None) -> dict[str, Any]:
    """The findings numbered, and the text cut into plain and marked segments (the first finding over a
    character marks it; the list names every finding)."""
    items = [
        FindingView(
            n, f.rule, f.severity, f.start, f.end, f.text[:120], str(f.why), str(f.what_to_do),
            bool(overridden and overridden(f)),
        )
        for n, f in enumerate(findings, start=1)
    ]  # fmt: skip
    segments, at = [], 0
    for item in sorted((i for i in items if i.rule not in MEDIA_RULES), key=lambda i: (i.start, -i.end)):
        if item.end <= at or item.start >= len(text):
            continue
        start = max(item.start, at)
        if start > at:
            segments.append(Segment(text[at:start]))
        segments.append(Segment(text[start : item.end], item.number, item.severity))
        at = item.end
    if at < len(text):
        segments.append(Segment(text[at:]))
    blocking = [i for i in items if i.severity == BLOCK and not i.overridden]
    return {"items": items, "segments": segments, "blocking": bool(blocking), "has_marks": len(segments) > 1}


# --- live checking -------------------------------------------------------------------------------------


@router.post("/guardrails/check/unit/{unit_id}", response_class=HTMLResponse)
def live_check(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: IdPath,
    text: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies the default
    platform: Annotated[str, Form(max_length=32)] = "",
    at: Annotated[int, Query(ge=0, le=100)] = 0,
) -> HTMLResponse:
    """The findings of a text as the drafter types (htmx, debounced): the unit's stored rules, spans marked.
    ``at`` picks the text of a form with several (a post's variants, in page order)."""
    unit = org_service.access_unit(session, user, unit_id)
    own = text[at] if at < len(text) else ""
    if len(own) > 60_000:
        raise Invalid(_("The text is too long."), field="text")
    findings = compliance_service.check_text(session, unit=unit, text=own, platform=platform or None)
    return render(request, "guardrails/_findings.html", gr=findings_view(own, findings))


# --- a stored post's or reply's findings, and the override form -----------------------------------------


@router.get("/publishing/posts/{post_id}/guardrails", response_class=HTMLResponse)
def post_guardrails(request: Request, session: DbSession, user: CurrentUser, post_id: IdPath) -> HTMLResponse:
    """The post's findings per variant, marked, and the override form for a reviewer who did not write it."""
    post = publishing_service.access_post(session, user, post_id)
    result = publishing_service.post_verdict(session, post=post)
    names = {str(v.channel_id): v for v in post.variants}
    channels = {v.channel_id: channels_service.get_channel(session, v.channel_id).name for v in post.variants}
    parts = []
    for part in result.parts:
        if part.findings:
            view = findings_view(part.part.text, part.findings, overridden=result.is_overridden)
            variant = names.get(part.part.key)
            parts.append({**view, "label": channels.get(variant.channel_id, "") if variant else ""})
    return render(
        request, "guardrails/_subject.html", parts=parts, blocking=result.blocked,
        can_override=publishing_service.can_override_post(user, post),
        override_url=f"/publishing/posts/{post.id}/override",
    )  # fmt: skip


@router.get("/inbox/replies/{reply_id}/guardrails", response_class=HTMLResponse)
def reply_guardrails(
    request: Request, session: DbSession, user: CurrentUser, reply_id: IdPath
) -> HTMLResponse:
    """A reply's findings, marked, and the override form for a reviewer who did not write it."""
    reply, conversation = replies.access_reply(session, user, reply_id)
    result = inbox_guard.reply_verdict(session, reply=reply, conversation=conversation)
    found = result.parts[0].findings
    parts = (
        [{**findings_view(reply.text, found, overridden=result.is_overridden), "label": ""}] if found else []
    )
    return render(
        request, "guardrails/_subject.html", parts=parts, blocking=result.blocked,
        can_override=inbox_guard.can_override(user, reply, conversation),
        override_url=f"/inbox/replies/{reply.id}/override",
    )  # fmt: skip


# --- overrides -----------------------------------------------------------------------------------------


@router.post("/publishing/posts/{post_id}/override")
def override_post(session: DbSession, user: CurrentUser, post_id: IdPath, reason: Reason = "") -> Response:
    """A reviewer lets a post's blocking findings through with a written reason (audited)."""
    post = publishing_service.access_post(session, user, post_id)
    publishing_service.override_post(session, post=post, reason=reason, actor=user)
    return redirect(f"/publishing/posts/{post.id}", N_("Block overridden; the reason is in the audit log."))


@router.post("/inbox/replies/{reply_id}/override")
def override_reply(session: DbSession, user: CurrentUser, reply_id: IdPath, reason: Reason = "") -> Response:
    """A reviewer lets a reply's blocking findings through with a written reason (audited)."""
    reply, conversation = replies.access_reply(session, user, reply_id)
    inbox_guard.override_reply(session, reply=reply, conversation=conversation, reason=reason, actor=user)
    return redirect(f"/inbox/{conversation.id}", N_("Block overridden; the reason is in the audit log."))


# --- the admin page ------------------------------------------------------------------------------------


def _settings_context(session: Session, user: User, unit: Unit) -> dict[str, Any]:
    own = compliance_service.own_rules(session, unit)
    parent = compliance_service.effective_rules(session, unit, upto_parent=True)
    effective = compliance_service.effective_rules(session, unit)
    election = compliance_service.election_row(session, unit)
    units = org_service.sort_tree(org_service.list_units(session, user))
    rows = []
    for rule in RULES:
        setting = own.severities.get(rule, "default") if rule in own.severities else "default"
        rows.append(
            {
                "rule": rule,
                "default": DEFAULT_SEVERITIES.get(rule),
                "parent": parent.severities.get(rule),
                "locked": parent.severities.get(rule) == BLOCK,
                "own": compliance_service.OFF if setting is None else setting,
                "effective": effective.severities.get(rule),
            }
        )
    return {
        "unit": unit,
        "units": [(u.id, u.name, u.depth) for u in units],
        "rows": rows,
        "words": {k: "\n".join(own.words.get(k, ())) for k in compliance_service.WORD_RULES},
        "inherited_words": {
            k: ", ".join(w for w in parent.words.get(k, ())) for k in compliance_service.WORD_RULES
        },
        "is_root": unit.parent_id is None,
        "election": election,
        "severities": (BLOCK, WARN, compliance_service.OFF),
        "values": {},
    }


@router.get("/settings/guardrails", response_class=HTMLResponse)
def settings_page(
    request: Request, session: DbSession, user: AdminUser, unit_id: UnitQuery = None
) -> HTMLResponse:
    """A unit's guardrail rules (its own, over what it inherits) and, at the top, the election list."""
    unit = org_service.access_unit(session, user, unit_id or user.unit_id)
    return render(request, "guardrails/settings.html", **_settings_context(session, user, unit))


@router.post("/settings/guardrails/{unit_id}")
async def save_rules(request: Request, session: DbSession, user: AdminUser, unit_id: IdPath) -> Response:
    """Save a unit's own severities and words; weakening a block set above is refused."""
    unit = org_service.access_unit(session, user, unit_id)
    form = await request.form(max_fields=200)
    severities = {r: str(form.get(f"severity-{r}") or "default")[:16] for r in RULES}
    words = {k: str(form.get(f"words-{k}") or "")[:60_000] for k in compliance_service.WORD_RULES}
    with_form(request, "guardrails/settings.html", **_settings_context(session, user, unit))
    compliance_service.save_rules(session, unit=unit, severities=severities, words=words, actor=user)
    return redirect(f"/settings/guardrails?unit_id={unit.id}", N_("Guardrail rules saved."))


def _date(value: str, field: str) -> date | None:
    """DD/MM/YYYY as the page's date field sends it, or YYYY-MM-DD."""
    value = value.strip()
    if not value:
        return None
    try:
        if "/" in value:
            day, month, year = (int(x) for x in value.split("/"))
            return date(year, month, day)
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(_("Give a date as DD/MM/YYYY."), field=field) from None


@router.post("/settings/guardrails/{unit_id}/election")
def save_election(
    request: Request,
    session: DbSession,
    user: AdminUser,
    unit_id: IdPath,
    candidates: Words = "",
    parties: Words = "",
    numbers: Words = "",
    slogans: Words = "",
    active_from: Annotated[str, Form(max_length=20)] = "",
    active_to: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """The central unit's election list and its campaign period."""
    unit = org_service.access_unit(session, user, unit_id)
    with_form(request, "guardrails/settings.html", **_settings_context(session, user, unit))
    data = compliance_service.ElectionInput(
        candidates=candidates, parties=parties, numbers=numbers, slogans=slogans,
        active_from=_date(active_from, "active_from"), active_to=_date(active_to, "active_to"),
    )  # fmt: skip
    compliance_service.save_election_list(session, unit=unit, data=data, actor=user)
    return redirect(f"/settings/guardrails?unit_id={unit.id}", N_("Election list saved."))
