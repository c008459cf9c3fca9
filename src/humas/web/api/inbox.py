"""The inbox: conversations of the caller's units (list, one with its thread), status, assignment, notes,
and the open / at-risk / overdue counts. Personal data in text is masked unless the caller may see it."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from humas.inbox.models import Conversation
from humas.inbox.schemas import (
    AssignUpdate,
    ConversationDetail,
    ConversationPageRead,
    ConversationRead,
    CountsRead,
    NoteCreate,
    NoteRead,
    StatusUpdate,
    ThreadEntryRead,
)
from humas.inbox.service import conversations as conversations_service
from humas.inbox.service import listing, privacy
from humas.inbox.service.listing import InboxFilters
from humas.ingest.service.threads import display_text
from humas.org import service as org_service
from humas.org.service import Principal
from humas.web.deps import ApiActor, DbSession, error_field
from humas.web.params import IdPath, IdQuery, PageQuery, PerPageQuery

router = APIRouter(prefix="/inbox", tags=["inbox"])
Choice = Annotated[str | None, Query(max_length=64)]


def _read(actor: Principal, c: Conversation) -> ConversationRead:
    see = privacy.may_see_personal(actor, c)
    return ConversationRead(
        id=c.id, ticket=c.ticket, unit_id=c.unit_id, channel_id=c.channel_id, platform=c.platform,
        origin=c.origin, subject=c.subject if see else privacy.mask_personal(c.subject),
        author_name=c.author_name, author_handle=c.author_handle, status=c.status,
        snoozed_until=c.snoozed_until, priority=c.priority, message_type=c.message_type,
        suggested_type=c.suggested_type, sentiment=c.sentiment, abusive=c.abusive, sensitive=c.sensitive,
        assignee_id=c.assignee_id, team_id=c.team_id, item_count=c.item_count, sla_state=c.sla_state,
        next_deadline_at=c.next_deadline_at,
        first_response_due_at=c.first_response_due_at, resolution_due_at=c.resolution_due_at,
        last_activity_at=c.last_activity_at, opened_at=c.opened_at, personal_data_masked=not see,
    )  # fmt: skip


@router.get("/conversations", response_model=ConversationPageRead)
def list_conversations(
    session: DbSession,
    actor: ApiActor,
    status: Annotated[
        Literal["open", "all", "baru", "terbuka", "menunggu", "ditunda", "selesai"], Query()
    ] = "open",
    mine: bool = False,
    unassigned: bool = False,
    sla: Annotated[Literal["at_risk", "missed"] | None, Query()] = None,
    platform: Choice = None,
    channel_id: IdQuery = None,
    message_type: Choice = None,
    sentiment: Annotated[Literal["positive", "neutral", "negative"] | None, Query()] = None,
    abusive: bool | None = None,
    team_id: IdQuery = None,
    assignee_id: IdQuery = None,
    unit_id: IdQuery = None,
    q: Annotated[str, Query(max_length=listing.SUBJECT_QUERY_MAX)] = "",
    sort: Annotated[Literal["activity", "deadline"], Query()] = "activity",
    page: PageQuery = 1,
    per_page: PerPageQuery = 25,
) -> ConversationPageRead:
    """Conversations of the caller's units, newest activity first (or soonest deadline), filtered."""
    filters = InboxFilters(
        status=status, mine=mine, unassigned=unassigned, sla=sla, platform=platform, channel_id=channel_id,
        message_type=message_type, sentiment=sentiment, abusive=abusive, team_id=team_id,
        assignee_id=assignee_id, unit_id=unit_id, q=q, sort=sort,
    )  # fmt: skip
    with error_field("unit_id"):
        result = listing.list_conversations(session, actor, filters=filters, page=page, size=per_page)
    return ConversationPageRead(
        items=[_read(actor, c) for c in result.items],
        total=result.total,
        capped=result.capped,
        page=result.number,
        per_page=result.size,
        has_next=result.has_next,
    )


@router.get("/counts", response_model=CountsRead)
def counts(session: DbSession, actor: ApiActor) -> CountsRead:
    """Open, at-risk and overdue conversations of the caller's units."""
    found = listing.counts_for(session, actor)
    return CountsRead(open=found.open, at_risk=found.at_risk, missed=found.missed)


def _detail(session: Session, actor: Principal, c: Conversation) -> ConversationDetail:
    see = privacy.may_see_personal(actor, c)

    def shown(text: str | None) -> str:
        return (text or "") if see else privacy.mask_personal(text)

    entries = []
    for e in conversations_service.thread_of(session, conversation=c):
        if e.mention is not None:
            entries.append(ThreadEntryRead(
                kind="staff_item" if e.kind == "staff_item" else "item", at=e.at,
                text=shown(display_text(e.mention)), mention_id=e.mention.id,
                author=e.mention.author_name or e.mention.author_handle, url=e.mention.url,
                hidden=bool(e.item and e.item.hidden_at),
            ))  # fmt: skip
        elif e.reply is not None:
            author = e.reply.author.name if e.reply.author else None
            entries.append(
                ThreadEntryRead(
                    kind="reply", at=e.at, text=e.reply.text, author=author, reply_status=e.reply.status
                )
            )
        elif e.note is not None:
            author = e.note.author.name if e.note.author else None
            entries.append(ThreadEntryRead(kind="note", at=e.at, text=shown(e.note.text), author=author))
    history = conversations_service.author_history(session, conversation=c)
    return ConversationDetail(
        **_read(actor, c).model_dump(),
        thread=entries,
        earlier_conversation_ids=[h.id for h in history],
        replying_now=conversations_service.replying_now(session, c, actor),
    )


@router.get("/conversations/{conversation_id}", response_model=ConversationDetail)
def get_conversation(session: DbSession, actor: ApiActor, conversation_id: IdPath) -> ConversationDetail:
    """One conversation with its thread (items, staff replies, notes) in time order."""
    conversation = conversations_service.access_conversation(session, actor, conversation_id)
    return _detail(session, actor, conversation)


@router.post("/conversations/{conversation_id}/status", response_model=ConversationRead)
def set_status(
    session: DbSession, actor: ApiActor, conversation_id: IdPath, body: StatusUpdate
) -> ConversationRead:
    """Open, wait on the public (the deadline clock pauses), snooze until a time, or close."""
    conversation = conversations_service.access_conversation(session, actor, conversation_id)
    conversations_service.set_status(
        session, conversation=conversation, status=body.status, actor=actor, snoozed_until=body.snoozed_until
    )
    return _read(actor, conversation)


@router.post("/conversations/{conversation_id}/assign", response_model=ConversationRead)
def assign(
    session: DbSession, actor: ApiActor, conversation_id: IdPath, body: AssignUpdate
) -> ConversationRead:
    """Give the conversation to a person of the caller's units (or nobody), optionally with a team."""
    conversation = conversations_service.access_conversation(session, actor, conversation_id)
    with error_field("assignee_id"):
        assignee = org_service.access_user(session, actor, body.assignee_id) if body.assignee_id else None
    with error_field("team_id"):
        team = conversations_service.access_team(session, actor, body.team_id) if body.team_id else None
    conversations_service.assign(
        session, conversation=conversation, assignee=assignee, actor=actor, team=team
    )
    return _read(actor, conversation)


@router.post("/conversations/{conversation_id}/notes", response_model=NoteRead, status_code=201)
def add_note(session: DbSession, actor: ApiActor, conversation_id: IdPath, body: NoteCreate) -> NoteRead:
    """An internal note; colleagues named with @ (their e-mail or its part before @) are told."""
    conversation = conversations_service.access_conversation(session, actor, conversation_id)
    note = conversations_service.add_note(session, conversation=conversation, text=body.text, actor=actor)
    return NoteRead(
        id=note.id, conversation_id=note.conversation_id, author_id=note.author_id, text=note.text,
        mentioned_user_ids=[int(i) for i in note.mentioned_user_ids or []], created_at=note.created_at,
    )  # fmt: skip
