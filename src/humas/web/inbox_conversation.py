"""One conversation: the thread with its original post, the author and their earlier conversations, notes,
and the status, priority, type and assignment controls; "send to inbox" from the explorer and a saved query
feeding the inbox. Other parts of the page (reply composer, moderation, LAPOR!, deadlines) are includes of
their own modules' templates (see templates/inbox/detail.html)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.inbox.models import Conversation, MessageType, Priority, Status
from humas.inbox.service import conversations as conversations_service
from humas.inbox.service import intake as intake_service
from humas.inbox.service import listing, privacy
from humas.ingest.service import queries as queries_service
from humas.ingest.service import search as search_service
from humas.org import service as org_service
from humas.web import inbox as _inbox_pages  # noqa: F401 - registers the mask_personal filter
from humas.web.deps import CurrentUser, DbSession, IdPath, OptionalIdForm, safe_next
from humas.web.flash import N_, redirect
from humas.web.templating import render, viewer_zone

router = APIRouter(include_in_schema=False)

NEXT_MAX = 2000
Next = Annotated[str, Form(max_length=NEXT_MAX)]


def _back(conversation: Conversation, next_url: str) -> str:
    return safe_next(next_url, f"/inbox/{conversation.id}")


@router.get("/inbox/{conversation_id}", response_class=HTMLResponse)
def conversation_page(
    request: Request, session: DbSession, user: CurrentUser, conversation_id: IdPath
) -> HTMLResponse:
    """The whole conversation and what can be done with it."""
    conversation = conversations_service.access_conversation(session, user, conversation_id)
    may_see = privacy.may_see_personal(user, conversation)
    return render(
        request,
        "inbox/detail.html",
        conversation=conversation,
        thread=conversations_service.thread_of(session, conversation=conversation),
        root=conversations_service.root_post(session, conversation=conversation),
        history=conversations_service.author_history(session, conversation=conversation),
        replying=conversations_service.replying_now(session, conversation, user),
        may_see=may_see,
        can_work=listing.can_work(user),
        statuses=[s.value for s in Status],
        priorities=[p.value for p in Priority],
        types=[t.value for t in MessageType],
        teams=conversations_service.list_teams(session, user),
        workers=listing.workers(session, user),
        sla_badge=listing.sla_badge(conversation),
    )


@router.get("/inbox/{conversation_id}/replying", response_class=HTMLResponse)
def replying_marker(
    request: Request, session: DbSession, user: CurrentUser, conversation_id: IdPath
) -> HTMLResponse:
    """The "someone else is replying" marker (polled by the page)."""
    conversation = conversations_service.access_conversation(session, user, conversation_id)
    name = conversations_service.replying_now(session, conversation, user)
    return render(request, "inbox/_replying.html", replying=name, conversation=conversation)


@router.post("/inbox/{conversation_id}/replying")
def mark_replying(session: DbSession, user: CurrentUser, conversation_id: IdPath) -> Response:
    """The user started writing a reply: others see the marker for a short while."""
    conversation = conversations_service.access_conversation(session, user, conversation_id)
    conversations_service.mark_replying(session, conversation=conversation, actor=user)
    return Response(status_code=204)


def _snooze_time(request: Request, value: str) -> datetime | None:
    """A `datetime-local` value, in the viewer's zone, as a UTC instant."""
    if not value:
        return None
    try:
        local = datetime.strptime(value.strip()[:16], "%Y-%m-%dT%H:%M")
    except ValueError:
        raise Invalid(_("Enter a date and time."), field="snoozed_until") from None
    return local.replace(tzinfo=viewer_zone(request)).astimezone(UTC)


@router.post("/inbox/{conversation_id}/status")
def change_status(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    conversation_id: IdPath,
    status: Annotated[str, Form(max_length=32)] = "",
    snoozed_until: Annotated[str, Form(max_length=32)] = "",
    next: Next = "",  # noqa: A002
) -> Response:
    """Open, wait on the public, snooze or close the conversation."""
    conversation = conversations_service.access_conversation(session, user, conversation_id)
    conversations_service.set_status(
        session,
        conversation=conversation,
        status=status,
        actor=user,
        snoozed_until=_snooze_time(request, snoozed_until),
    )
    return redirect(_back(conversation, next), N_("Status changed."))


@router.post("/inbox/{conversation_id}/take")
def take(session: DbSession, user: CurrentUser, conversation_id: IdPath, next: Next = "") -> Response:  # noqa: A002
    """Assign the conversation to oneself."""
    conversation = conversations_service.access_conversation(session, user, conversation_id)
    conversations_service.assign(session, conversation=conversation, assignee=user, actor=user)
    return redirect(_back(conversation, next), N_("The conversation is yours."))


@router.post("/inbox/{conversation_id}/assign")
def assign(
    session: DbSession,
    user: CurrentUser,
    conversation_id: IdPath,
    assignee_id: OptionalIdForm = None,
    team_id: OptionalIdForm = None,
    round_robin: Annotated[str, Form(max_length=16)] = "",
    next: Next = "",  # noqa: A002
) -> Response:
    """Give the conversation to a person (or nobody), a team, or the next team member on duty."""
    conversation = conversations_service.access_conversation(session, user, conversation_id)
    team = conversations_service.access_team(session, user, team_id) if team_id is not None else None
    if round_robin and team is not None:
        conversations_service.assign_round_robin(session, conversation=conversation, team=team, actor=user)
    else:
        assignee = org_service.access_user(session, user, assignee_id) if assignee_id is not None else None
        conversations_service.assign(
            session, conversation=conversation, assignee=assignee, actor=user, team=team
        )
    return redirect(_back(conversation, next), N_("Assignment changed."))


@router.post("/inbox/{conversation_id}/priority")
def change_priority(
    session: DbSession,
    user: CurrentUser,
    conversation_id: IdPath,
    priority: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Change the priority."""
    conversation = conversations_service.access_conversation(session, user, conversation_id)
    conversations_service.set_priority(session, conversation=conversation, priority=priority, actor=user)
    return redirect(f"/inbox/{conversation.id}", N_("Priority changed."))


@router.post("/inbox/{conversation_id}/type")
def change_type(
    session: DbSession,
    user: CurrentUser,
    conversation_id: IdPath,
    message_type: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Correct the message type (kept so the models learn the institution's own language)."""
    conversation = conversations_service.access_conversation(session, user, conversation_id)
    conversations_service.set_type(session, conversation=conversation, message_type=message_type, actor=user)
    return redirect(f"/inbox/{conversation.id}", N_("Type changed."))


@router.post("/inbox/{conversation_id}/notes")
def add_note(
    session: DbSession,
    user: CurrentUser,
    conversation_id: IdPath,
    text: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """Add an internal note; colleagues named with @ are told."""
    conversation = conversations_service.access_conversation(session, user, conversation_id)
    conversations_service.add_note(session, conversation=conversation, text=text, actor=user)
    return redirect(f"/inbox/{conversation.id}#notes", N_("Note added."))


@router.post("/mentions/{mention_id}/inbox")
def send_to_inbox(session: DbSession, user: CurrentUser, mention_id: IdPath) -> Response:
    """Send a mention from the explorer to the inbox (its thread's conversation, or a new one)."""
    mention = search_service.access_mention(session, user, mention_id)
    conversation = intake_service.send_to_inbox(session, mention=mention, actor=user)
    return redirect(f"/inbox/{conversation.id}", N_("Sent to the inbox."))


@router.get("/listening/queries/{query_id}/inbox-feed", response_class=HTMLResponse)
def query_feed_toggle(
    request: Request, session: DbSession, user: CurrentUser, query_id: IdPath
) -> HTMLResponse:
    """Whether a saved query feeds the inbox, and the switch (loaded into the saved query's page)."""
    query = queries_service.access_query(session, user, query_id)
    feeding = query.id in intake_service.query_feeds(session, query_ids=[query.id])
    return render(
        request, "inbox/_query_feed.html", query=query, feeding=feeding,
        can_manage=queries_service.can_manage(user),
    )  # fmt: skip


@router.post("/listening/queries/{query_id}/inbox-feed")
def query_feed(
    session: DbSession,
    user: CurrentUser,
    query_id: IdPath,
    enabled: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Make a saved query feed its unit's inbox, or stop."""
    query = queries_service.access_query(session, user, query_id)
    on = intake_service.set_query_feed(session, query=query, enabled=enabled == "1", actor=user)
    message = (
        N_("Matches of this query now enter the inbox.")
        if on
        else N_("This query no longer feeds the inbox.")
    )
    return redirect(f"/listening/queries/{query.id}", message)


def conversation_context(conversation: Conversation, user: Any) -> dict[str, Any]:
    """What a row or an include needs to know about the viewer (for the other inbox page modules)."""
    return {"may_see": privacy.may_see_personal(user, conversation), "can_work": listing.can_work(user)}
