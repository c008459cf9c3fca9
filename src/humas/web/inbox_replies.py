"""Replies in a conversation (composer with canned replies and the platform's live count, delivery state,
retry), the reviewers' approval queue, the canned-reply admin page and the moderation buttons.

The conversation page (``humas.web.inbox_conversation``) includes ``inbox/parts/composer.html``,
``parts/reply_state.html`` and ``parts/moderation.html``; the composer loads itself from here. Every route
that takes an id fetches through ``access_conversation`` / ``access_reply`` / ``access_template``; the rules
are the inbox services'. LAPOR! and the inbox settings are in ``humas.web.inbox_lapor``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from humas.compliance import service as compliance_service
from humas.connectors.registry import Capability, find_platform
from humas.inbox.models import Conversation, MessageType, Template
from humas.inbox.service import conversations as conversations_service
from humas.inbox.service import guard as inbox_guard
from humas.inbox.service import moderation, replies, templates
from humas.org import service as org_service
from humas.org.models import Unit
from humas.web.deps import CurrentUser, DbSession, IdPath, OptionalIdForm
from humas.web.errors import with_form
from humas.web.flash import N_, redirect
from humas.web.guardrails import BLOCKED_NOTICE, findings_view
from humas.web.params import MAX_ID
from humas.web.templating import environment, render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=replies.TEXT_MAX + 1000)]
Note = Annotated[str, Form(max_length=replies.NOTE_MAX + 100)]
Reason = Annotated[str, Form(max_length=moderation.REASON_MAX + 100)]
Action = Annotated[str, Form(max_length=16)]
TemplateQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def _can_hide(conversation: Conversation, unhide: bool = False) -> bool:
    """For the moderation buttons: whether the conversation's platform lets humas hide (or show) comments."""
    spec = find_platform(conversation.platform)
    return spec is not None and spec.can(Capability.UNHIDE if unhide else Capability.HIDE)


environment().globals["inbox_can_hide"] = _can_hide


def _page(conversation: Conversation) -> str:
    return f"/inbox/{conversation.id}"


def _limit(session: DbSession, conversation: Conversation) -> int | None:
    channel = replies.channel_of(session, conversation) if conversation.channel_id else None
    spec = find_platform(channel.platform) if channel is not None else None
    return spec.limits.text_limit() if spec is not None else None


# --- the composer --------------------------------------------------------------------------------------


@router.get("/inbox/{conversation_id}/composer", response_class=HTMLResponse)
def composer(
    request: Request, session: DbSession, user: CurrentUser, conversation_id: IdPath
) -> HTMLResponse:
    """The reply composer of a conversation, with its canned replies (loaded into the page)."""
    conversation = conversations_service.access_conversation(session, user, conversation_id)
    replies.sync_outcomes(session, conversation_ids=[conversation.id])
    return render(
        request,
        "inbox/_reply.html",
        conversation=conversation,
        can_write=org_service.has_role(user, *replies.WRITERS),
        can_reply=replies.can_reply(session, conversation),
        needs_approval=replies.needs_approval(session, conversation=conversation, author=user),
        templates=templates.for_conversation(session, conversation),
        limit=_limit(session, conversation),
        text="",
    )


@router.post("/inbox/{conversation_id}/replies/count", response_class=HTMLResponse)
def count(
    request: Request, session: DbSession, user: CurrentUser, conversation_id: IdPath, text: Text = ""
) -> HTMLResponse:
    """The live length counter: the text as the channel's platform counts it."""
    conversation = conversations_service.access_conversation(session, user, conversation_id)
    counted, over = replies.length_over(session, conversation, text)
    channel = replies.channel_of(session, conversation) if conversation.channel_id else None
    findings = compliance_service.check_text(
        session, unit=conversation.unit, text=text, platform=channel.platform if channel else None
    )  # the guardrails as the responder types, with the unit's stored rules
    return render(
        request, "inbox/_counter.html", count=counted, over=over, limit=_limit(session, conversation),
        gr=findings_view(text, findings),
    )  # fmt: skip


@router.get("/inbox/{conversation_id}/replies/template", response_class=HTMLResponse)
def use_template(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    conversation_id: IdPath,
    template_id: TemplateQuery = None,
) -> HTMLResponse:
    """The composer's text area filled with a canned reply rendered for this conversation."""
    conversation = conversations_service.access_conversation(session, user, conversation_id)
    text = ""
    if template_id is not None:
        text = templates.render(templates.usable_template(session, conversation, template_id), conversation)
    return render(request, "inbox/_reply_text.html", conversation=conversation, text=text)


@router.post("/inbox/{conversation_id}/replies")
def send_reply(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    conversation_id: IdPath,
    text: Text,
    template_id: OptionalIdForm = None,
    action: Action = "send",
) -> Response:
    """Write a reply: sent (or given to a reviewer) at once, or kept as a draft."""
    conversation = conversations_service.access_conversation(session, user, conversation_id)
    if template_id is not None:
        templates.usable_template(session, conversation, template_id)
    reply = replies.compose_reply(
        session,
        conversation=conversation,
        actor=user,
        text=text,
        template_id=template_id,
        submit=action != "draft",
    )
    if reply.error == inbox_guard.BLOCKED_MESSAGE:
        return redirect(
            _page(conversation),
            BLOCKED_NOTICE,
        )
    notice = {
        "menunggu_persetujuan": N_("The reply waits for a reviewer's approval."),
        "draf": N_("Draft saved."),
    }.get(reply.status, N_("The reply is on its way."))
    return redirect(_page(conversation), notice)


@router.post("/inbox/replies/{reply_id}/revise")
def revise(
    session: DbSession, user: CurrentUser, reply_id: IdPath, text: Text, action: Action = "send"
) -> Response:
    """The author rewrites a draft or a returned reply and submits it again."""
    reply, conversation = replies.access_reply(session, user, reply_id)
    replies.revise_reply(
        session, reply=reply, conversation=conversation, actor=user, text=text, submit=action != "draft"
    )
    if reply.error == inbox_guard.BLOCKED_MESSAGE:
        return redirect(
            _page(conversation),
            BLOCKED_NOTICE,
        )
    return redirect(_page(conversation), N_("Reply changed."))


@router.post("/inbox/replies/{reply_id}/retry")
def retry(session: DbSession, user: CurrentUser, reply_id: IdPath) -> Response:
    """Send a failed reply again (the same outbox row: it still goes out once)."""
    reply, conversation = replies.access_reply(session, user, reply_id)
    replies.retry_reply(session, reply=reply, conversation=conversation, actor=user)
    return redirect(_page(conversation), N_("The reply is on its way."))


# --- approval ------------------------------------------------------------------------------------------


@router.get("/inbox/approvals", response_class=HTMLResponse)
def approvals(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """Replies waiting for a reviewer in the user's units, oldest first."""
    waiting = replies.approval_queue(session, user)
    return render(request, "inbox/approvals.html", waiting=waiting, limits={
        c.id: _limit(session, c) for _r, c in waiting
    })  # fmt: skip


@router.post("/inbox/replies/{reply_id}/approve")
def approve(
    session: DbSession, user: CurrentUser, reply_id: IdPath, text: Text = "", back: Action = ""
) -> Response:
    """Approve a waiting reply (edited first when the text was changed); it goes out once."""
    reply, conversation = replies.access_reply(session, user, reply_id)
    replies.approve_reply(session, reply=reply, conversation=conversation, actor=user, text=text or None)
    if reply.error == inbox_guard.BLOCKED_MESSAGE:
        return redirect(
            _page(conversation),
            BLOCKED_NOTICE,
        )
    target = "/inbox/approvals" if back == "queue" else _page(conversation)
    return redirect(target, N_("Reply approved; it is on its way."))


@router.post("/inbox/replies/{reply_id}/return")
def return_to_author(
    session: DbSession, user: CurrentUser, reply_id: IdPath, note: Note, back: Action = ""
) -> Response:
    """Send a waiting reply back to its author with a note."""
    reply, conversation = replies.access_reply(session, user, reply_id)
    replies.return_reply(session, reply=reply, conversation=conversation, actor=user, note=note)
    target = "/inbox/approvals" if back == "queue" else _page(conversation)
    return redirect(target, N_("Reply returned to its author."))


# --- moderation ----------------------------------------------------------------------------------------


@router.post("/inbox/{conversation_id}/items/{item_id}/hide")
def hide(
    session: DbSession, user: CurrentUser, conversation_id: IdPath, item_id: IdPath, reason: Reason
) -> Response:
    """Hide a comment on the platform, with a reason; it stays here, marked hidden."""
    conversation = conversations_service.access_conversation(session, user, conversation_id)
    item = moderation.access_item(session, conversation=conversation, item_id=item_id)
    moderation.hide_item(session, conversation=conversation, item=item, actor=user, reason=reason)
    return redirect(_page(conversation), N_("The comment will be hidden on the platform."))


@router.post("/inbox/{conversation_id}/items/{item_id}/unhide")
def unhide(
    session: DbSession, user: CurrentUser, conversation_id: IdPath, item_id: IdPath, reason: Reason = ""
) -> Response:
    """Show a hidden comment on the platform again."""
    conversation = conversations_service.access_conversation(session, user, conversation_id)
    item = moderation.access_item(session, conversation=conversation, item_id=item_id)
    moderation.unhide_item(session, conversation=conversation, item=item, actor=user, reason=reason)
    return redirect(_page(conversation), N_("The comment will be shown on the platform again."))


# --- canned replies ------------------------------------------------------------------------------------

Name = Annotated[str, Form(max_length=templates.NAME_MAX + 100)]
TemplateText = Annotated[str, Form(max_length=templates.TEXT_MAX + 1000)]
Kind = Annotated[str, Form(max_length=32)]
Flag = Annotated[bool, Form()]  # a checkbox: sent ("1") when ticked, absent otherwise


def _templates_context(session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """Plain data (a failed save shows the page again after the rollback)."""

    def row(template: Template, unit: Unit) -> dict[str, object]:
        return {
            "id": template.id,
            "name": template.name,
            "text": template.text,
            "message_type": template.message_type or "",
            "shared_down": template.shared_down,
            "unit": unit.name,
            "fits": templates.platform_fit(template.text),
            "unknown": templates.unknown_variables(template.text),
        }

    return {
        "mine": [row(t, u) for t, u in templates.list_manageable(session, user)],
        "inherited": [row(t, u) for t, u in templates.list_inherited(session, user)],
        "units": [
            (u.id, u.name, u.depth) for u in org_service.sort_tree(org_service.list_units(session, user))
        ],
        "types": [t.value for t in MessageType],
        "variables": templates.VARIABLES,
        "can_manage": org_service.has_role(user, *templates.MANAGERS),
    }


@router.get("/inbox/templates", response_class=HTMLResponse)
def templates_page(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """Canned replies of the user's units (editable) and those shared from above (read only)."""
    return render(request, "inbox/templates_list.html", **_templates_context(session, user))


def _input(name: str, text: str, message_type: str, shared_down: bool) -> templates.TemplateInput:
    return templates.TemplateInput(
        name=name, text=text, message_type=message_type or None, shared_down=shared_down
    )


@router.post("/inbox/templates")
def create_template(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    name: Name,
    text: TemplateText,
    message_type: Kind = "",
    shared_down: Flag = False,
) -> Response:
    """Add a canned reply to one of the user's units."""
    unit = org_service.access_unit(session, user, unit_id)
    values = {"name": name, "text": text, "message_type": message_type, "unit_id": unit_id}
    with_form(request, "inbox/templates_list.html", values=values, **_templates_context(session, user))
    templates.create_template(
        session, unit=unit, data=_input(name, text, message_type, shared_down), actor=user
    )
    return redirect("/inbox/templates", N_("Template saved."))


@router.post("/inbox/templates/{template_id}")
def update_template(
    session: DbSession,
    user: CurrentUser,
    template_id: IdPath,
    name: Name,
    text: TemplateText,
    message_type: Kind = "",
    shared_down: Flag = False,
) -> Response:
    """Change a canned reply."""
    template = templates.access_template(session, user, template_id)
    templates.update_template(
        session, template=template, data=_input(name, text, message_type, shared_down), actor=user
    )
    return redirect("/inbox/templates", N_("Template saved."))


@router.post("/inbox/templates/{template_id}/archive")
def archive_template(session: DbSession, user: CurrentUser, template_id: IdPath) -> Response:
    """Take a canned reply out of use."""
    template = templates.access_template(session, user, template_id)
    templates.archive_template(session, template=template, actor=user)
    return redirect("/inbox/templates", N_("Template archived."))
