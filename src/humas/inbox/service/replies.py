"""Staff replies: written in a conversation, approved where the unit asks, sent through the outbox once.

A reply answers the conversation's latest item from the public: a threaded reply under it, or a direct
message to its author in a DM conversation. Its life: ``draf`` → (``menunggu_persetujuan`` → a reviewer
approves, or returns it ``dikembalikan`` with a note) → ``antre`` (an outbox row of kind ``channel.reply``,
idempotency key ``inbox-reply-<id>``: a double click, a retried request or a second run of the send task
finds the same row and the platform gets it once) → ``terkirim`` / ``gagal``.

The outcome comes back by ``sync_outcomes``: it reads the outbox rows of replies in ``antre`` (every minute,
and when a conversation is shown), moves each reply with a compare-and-set so two runs never record it twice,
and tells the deadline clock the time the platform took the reply (the outbox row's ``sent_at``), not the
time the sync ran. The outbox and the channel handler stay unaware of the inbox (decision 0088).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from humas.channels import service as channels_service
from humas.channels.models import Channel
from humas.connectors.registry import Capability, find_platform
from humas.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.inbox.models import Conversation, ConversationItem, Origin, Reply, ReplyStatus
from humas.inbox.service import guard, unit_settings
from humas.ingest.models import Mention
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit, User, UserRole
from humas.org.service import Principal
from humas.outbox import notify as notify_service
from humas.outbox.models import OutboxMessage
from humas.outbox.models import Status as OutboxStatus

WRITERS = (Role.admin, Role.responder)
REVIEWERS = (Role.admin, Role.reviewer)
TEXT_MAX = 10_000
NOTE_MAX = 2_000
KEY_PREFIX = "inbox-reply-"
EDITABLE = (ReplyStatus.draf.value, ReplyStatus.dikembalikan.value)
RESUBMIT_WINDOW = timedelta(minutes=2)


def reply_key(reply: Reply) -> str:
    """The outbox idempotency key of a reply: one reply, one platform write."""
    return f"{KEY_PREFIX}{reply.id}"


# --- what a reply answers, and whether it fits ------------------------------------------------------------


def channel_of(session: Session, conversation: Conversation) -> Channel:
    """The unit's channel the conversation came through (replies go out on it)."""
    channel = session.get(Channel, conversation.channel_id) if conversation.channel_id else None
    if channel is None:
        raise Invalid(_("This conversation came through no channel of the unit; it cannot be answered here."))
    return channel


def can_reply(session: Session, conversation: Conversation) -> bool:
    """Whether the conversation's channel lets humas answer on the platform."""
    channel = session.get(Channel, conversation.channel_id) if conversation.channel_id else None
    spec = find_platform(channel.platform) if channel is not None else None
    return spec is not None and spec.can(Capability.REPLY)


def target_mention(session: Session, conversation: Conversation) -> Mention:
    """The conversation's latest item from the public: what a new reply answers."""
    stmt = (
        select(Mention)
        .join(ConversationItem, ConversationItem.mention_id == Mention.id)
        .where(ConversationItem.conversation_id == conversation.id, ConversationItem.from_staff.is_(False))
        .order_by(ConversationItem.at.desc(), ConversationItem.id.desc())
        .limit(1)
    )
    mention = session.scalar(stmt)
    if mention is None:
        raise Invalid(_("There is no message from the public to answer yet."))
    return mention


def length_over(session: Session, conversation: Conversation, text: str) -> tuple[int, int]:
    """(count, over) of ``text`` as the channel's platform counts it; over is 0 when it fits."""
    channel = session.get(Channel, conversation.channel_id) if conversation.channel_id else None
    spec = find_platform(channel.platform) if channel is not None else None
    if spec is None:
        return len(text), max(0, len(text) - TEXT_MAX)
    return spec.limits.count_text(text), spec.limits.text_over(text)


def _clean_text(session: Session, conversation: Conversation, text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise Invalid(_("Write the reply first."), field="text")
    if len(text) > TEXT_MAX:
        raise Invalid(_("The reply is too long."), field="text")
    _count, over = length_over(session, conversation, text)
    if over:
        raise Invalid(_("The reply is %(n)s characters too long for this platform.", n=over), field="text")
    return text


# --- approval rules ---------------------------------------------------------------------------------------


def needs_approval(session: Session, *, conversation: Conversation, author: Principal) -> bool:
    """Whether the unit's rule (``InboxSettings.reply_approval``, inherited) wants a reviewer first."""
    rules = unit_settings.rules_for(session, conversation.unit)
    mode = rules.reply_approval
    if mode == "all":
        return True
    if mode == "sensitive":
        return conversation.sensitive
    if mode == "roles":
        mine = {r.value for r in author.roles}
        return bool(mine) and mine <= set(rules.reply_approval_roles)
    return False


def can_review(actor: Principal, reply: Reply, conversation: Conversation) -> bool:
    """A reviewer (or admin) over the conversation's unit, who did not write the reply."""
    return (
        org_service.has_role(actor, *REVIEWERS)
        and org_service.can_access(actor, conversation.unit)
        and reply.author_id != actor.id
    )


# --- fetching ----------------------------------------------------------------------------------------------


def access_reply(session: Session, actor: Principal, reply_id: int) -> tuple[Reply, Conversation]:
    """A reply the actor may see (through its conversation's access check), with its conversation."""
    from humas.inbox.service import conversations

    reply = session.get(Reply, reply_id)
    if reply is None:
        raise NotFound(_("Reply not found."))
    try:
        conversation = conversations.access_conversation(session, actor, reply.conversation_id)
    except NotFound:
        raise NotFound(_("Reply not found.")) from None
    return reply, conversation


def list_replies(session: Session, *, conversation: Conversation) -> list[Reply]:
    stmt = select(Reply).where(Reply.conversation_id == conversation.id).order_by(Reply.created_at, Reply.id)
    return list(session.scalars(stmt))


def approval_queue(
    session: Session, actor: Principal, *, limit: int = 200
) -> list[tuple[Reply, Conversation]]:
    """Replies waiting for a reviewer in the actor's units, oldest first (the actor's own ones included:
    the page shows them without the approve button)."""
    org_service.require_role(actor, *REVIEWERS)
    stmt = (
        select(Reply, Conversation)
        .join(Conversation, Conversation.id == Reply.conversation_id)
        .join(Unit, Unit.id == Conversation.unit_id)
        .where(Reply.status == ReplyStatus.menunggu_persetujuan.value, Unit.path.startswith(actor.unit.path))
        .order_by(Reply.submitted_at, Reply.id)
        .limit(limit)
    )
    return [(r, c) for r, c in session.execute(stmt).tuples()]


def count_waiting(session: Session, actor: Principal) -> int:
    """How many replies wait for this reviewer (0 for someone who cannot review)."""
    if not org_service.has_role(actor, *REVIEWERS):
        return 0
    return sum(1 for r, _c in approval_queue(session, actor) if r.author_id != actor.id)


# --- writing, submitting, reviewing -------------------------------------------------------------------------


def compose_reply(
    session: Session,
    *,
    conversation: Conversation,
    actor: Principal,
    text: str,
    template_id: int | None = None,
    submit: bool = True,
) -> Reply:
    """Write a reply to the conversation's latest public item; submitted at once unless kept as a draft.

    The same reply submitted again within ``RESUBMIT_WINDOW`` (a double click, a browser resending the form)
    returns the first one instead of writing a second reply that would be sent too."""
    org_service.require_role(actor, *WRITERS)
    if not can_reply(session, conversation):
        raise Invalid(_("This platform does not let humas reply."))
    channel_of(session, conversation)
    text = _clean_text(session, conversation, text)
    # NOTE: locks the conversation row (PostgreSQL) so two submissions of one form run one after the other
    # and the second finds the first; SQLite serialises writers anyway.
    session.execute(select(Conversation.id).where(Conversation.id == conversation.id).with_for_update())
    mention = target_mention(session, conversation)
    if submit:
        same = _same_reply(session, conversation=conversation, actor=actor, mention=mention, text=text)
        if same is not None:
            return same
    reply = Reply(
        conversation_id=conversation.id,
        author_id=actor.id,
        in_reply_to_mention_id=mention.id,
        template_id=template_id,
        text=text,
        status=ReplyStatus.draf.value,
    )
    session.add(reply)
    session.flush()
    _audit(session, actor, "inbox.reply.create", reply, conversation, after={"text": reply.text})
    if submit:
        submit_reply(session, reply=reply, conversation=conversation, actor=actor)
    return reply


def _same_reply(
    session: Session, *, conversation: Conversation, actor: Principal, mention: Mention, text: str
) -> Reply | None:
    stmt = select(Reply).where(
        Reply.conversation_id == conversation.id,
        Reply.author_id == actor.id,
        Reply.in_reply_to_mention_id == mention.id,
        Reply.text == text,
        Reply.status.notin_(EDITABLE),
        Reply.created_at >= utcnow() - RESUBMIT_WINDOW,
    )
    return session.scalars(stmt.order_by(Reply.id).limit(1)).first()


def revise_reply(
    session: Session,
    *,
    reply: Reply,
    conversation: Conversation,
    actor: Principal,
    text: str,
    submit: bool = True,
) -> Reply:
    """The author changes a draft or a returned reply, and (by default) submits it again."""
    if reply.author_id != actor.id:
        raise PermissionDenied(_("Only the author changes a reply; a reviewer edits it while approving."))
    if reply.status not in EDITABLE:
        raise Conflict(_("This reply can no longer be changed."))
    before = reply.text
    reply.text = _clean_text(session, conversation, text)
    _audit(
        session,
        actor,
        "inbox.reply.edit",
        reply,
        conversation,
        before={"text": before},
        after={"text": reply.text},
    )
    if submit:
        submit_reply(session, reply=reply, conversation=conversation, actor=actor)
    return reply


def submit_reply(session: Session, *, reply: Reply, conversation: Conversation, actor: Principal) -> Reply:
    """Send a draft on: to the reviewers when the unit's rule asks, else straight into the outbox."""
    org_service.require_role(actor, *WRITERS)
    if reply.status not in EDITABLE:
        raise Conflict(_("This reply was already submitted."))
    if guard.check_reply(session, reply=reply, conversation=conversation, stage="submit").blocked:
        return reply  # stays editable; the findings are recorded and shown to the author and the reviewers
    reply.submitted_at = utcnow()
    reply.needs_approval = needs_approval(session, conversation=conversation, author=actor)
    if reply.needs_approval:
        reply.status = ReplyStatus.menunggu_persetujuan.value
        _audit(session, actor, "inbox.reply.submit", reply, conversation, after={"status": reply.status})
        _tell_reviewers(session, reply=reply, conversation=conversation)
        return reply
    _queue(session, reply=reply, conversation=conversation, actor=actor)
    return reply


def approve_reply(
    session: Session, *, reply: Reply, conversation: Conversation, actor: Principal, text: str | None = None
) -> Reply:
    """A reviewer lets a waiting reply go out, edited first when ``text`` differs; never one's own."""
    _require_reviewer(actor, reply, conversation)
    before = reply.text
    if text is not None and text.strip() and text.strip() != reply.text:
        reply.text = _clean_text(session, conversation, text)
    if guard.check_reply(session, reply=reply, conversation=conversation, stage="send", resolve=True).blocked:
        return reply  # still waiting: the reviewer overrides the block (with a reason) or returns the reply
    reply.reviewer_id, reply.reviewed_at = actor.id, utcnow()
    edited = {"text": reply.text} if reply.text != before else {}
    _audit(
        session,
        actor,
        "inbox.reply.approve",
        reply,
        conversation,
        before={"text": before} if edited else None,
        after={"status": ReplyStatus.antre.value, **edited},
    )
    _queue(session, reply=reply, conversation=conversation, actor=actor, checked=True)
    return reply


def return_reply(
    session: Session, *, reply: Reply, conversation: Conversation, actor: Principal, note: str
) -> Reply:
    """A reviewer sends a waiting reply back to its author with a note (the author is told)."""
    _require_reviewer(actor, reply, conversation)
    note = (note or "").strip()
    if not note:
        raise Invalid(_("Say what the author should change."), field="note")
    if len(note) > NOTE_MAX:
        raise Invalid(_("The note is too long."), field="note")
    reply.status, reply.review_note = ReplyStatus.dikembalikan.value, note
    reply.reviewer_id, reply.reviewed_at = actor.id, utcnow()
    _audit(
        session,
        actor,
        "inbox.reply.return",
        reply,
        conversation,
        after={"status": reply.status, "note": note},
    )
    author = session.get(User, reply.author_id) if reply.author_id else None
    if author is not None:
        notify_service.notify(
            session,
            users=[author],
            kind="inbox.reply_returned",
            subject=str(_("A reply was returned: %(ticket)s", ticket=conversation.ticket)),
            text=note,
            link=f"/inbox/conversations/{conversation.id}",
            key=f"inbox-reply-returned-{reply.id}-{reply.reviewed_at.isoformat()}",
            unit=conversation.unit,
        )
    return reply


def retry_reply(session: Session, *, reply: Reply, conversation: Conversation, actor: Principal) -> Reply:
    """Send a failed reply again by hand (the same outbox row and key: it still goes out once)."""
    org_service.require_role(actor, *WRITERS)
    entry = session.get(OutboxMessage, reply.outbox_message_id) if reply.outbox_message_id else None
    stuck = (
        reply.status == ReplyStatus.antre.value
        and entry is not None
        and entry.status == OutboxStatus.unknown.value
    )
    if entry is None or not (reply.status == ReplyStatus.gagal.value or stuck):
        raise Conflict(_("Only a reply that failed can be sent again."))
    channels_service.retry_write(session, channel=channel_of(session, conversation), entry=entry, actor=actor)
    reply.status, reply.error = ReplyStatus.antre.value, None
    _audit(session, actor, "inbox.reply.retry", reply, conversation, after={"status": reply.status})
    return reply


def _require_reviewer(actor: Principal, reply: Reply, conversation: Conversation) -> None:
    if reply.status != ReplyStatus.menunggu_persetujuan.value:
        raise Conflict(_("This reply is not waiting for approval."))
    if reply.author_id == actor.id:
        raise PermissionDenied(_("You cannot approve your own reply."))
    if not can_review(actor, reply, conversation):
        raise PermissionDenied(_("Your role does not allow this."))


def _queue(
    session: Session, *, reply: Reply, conversation: Conversation, actor: Principal, checked: bool = False
) -> None:
    """Into the outbox, once: the key is the reply's, so a second call finds the same row. The guardrails
    check it just before (links resolved); a block keeps it a draft (``checked``: the caller just did)."""
    if not checked:
        result = guard.check_reply(
            session, reply=reply, conversation=conversation, stage="send", resolve=True
        )
        if result.blocked:
            reply.status = ReplyStatus.draf.value
            return
    channel = channel_of(session, conversation)
    mention = session.get(Mention, reply.in_reply_to_mention_id) if reply.in_reply_to_mention_id else None
    if mention is None:
        mention = target_mention(session, conversation)
        reply.in_reply_to_mention_id = mention.id
    is_dm = conversation.origin == Origin.dm.value
    sender = actor if org_service.has_role(actor, *WRITERS) else None  # a reviewer-only approver: system
    entry = channels_service.queue_reply(
        session,
        channel=channel,
        parent_external_id=mention.external_id,
        text=reply.text,
        actor=sender,
        idempotency_key=reply_key(reply),
        to=(mention.author_id or None) if is_dm else None,
    )
    reply.outbox_message_id, reply.status, reply.error = entry.id, ReplyStatus.antre.value, None
    _audit(session, actor, "inbox.reply.queue", reply, conversation, after={"outbox_message_id": entry.id})


def _tell_reviewers(session: Session, *, reply: Reply, conversation: Conversation) -> None:
    line = [int(x) for x in conversation.unit.path.strip("/").split("/") if x]
    stmt = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            User.unit_id.in_(line), User.is_active.is_(True), UserRole.role.in_([r.value for r in REVIEWERS])
        )
        .distinct()
    )
    reviewers = [u for u in session.scalars(stmt) if u.id != reply.author_id]
    if not reviewers:
        return
    notify_service.notify(
        session,
        users=reviewers,
        kind="inbox.reply_waiting",
        subject=str(_("A reply waits for your approval: %(ticket)s", ticket=conversation.ticket)),
        text=reply.text[:500],
        link="/inbox/approvals",
        key=f"inbox-reply-waiting-{reply.id}-{reply.submitted_at.isoformat() if reply.submitted_at else ''}",
        unit=conversation.unit,
    )


def _audit(
    session: Session,
    actor: Principal | None,
    action: str,
    reply: Reply,
    conversation: Conversation,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=action,
        obj=reply,
        unit=conversation.unit,
        label=conversation.ticket,
        before=before,
        after=after,
    )


# --- outcomes -----------------------------------------------------------------------------------------------


def sync_outcomes(
    session: Session, *, conversation_ids: Sequence[int] | None = None, limit: int = 500
) -> int:
    """Bring the outbox's outcome into replies in ``antre``; returns how many moved. Safe to run twice."""
    stmt = (
        select(Reply, OutboxMessage)
        .join(OutboxMessage, OutboxMessage.id == Reply.outbox_message_id)
        .where(
            Reply.status == ReplyStatus.antre.value,
            OutboxMessage.status.in_(
                [OutboxStatus.sent.value, OutboxStatus.failed.value, OutboxStatus.unknown.value]
            ),
        )
        .order_by(Reply.id)
        .limit(limit)
    )
    if conversation_ids is not None:
        stmt = stmt.where(Reply.conversation_id.in_(list(conversation_ids)))
    moved = 0
    for reply, entry in session.execute(stmt).tuples().all():
        if entry.status == OutboxStatus.unknown.value:
            reply.error = entry.last_error  # a person checks the platform, then retries
            continue
        moved += _settle(session, reply=reply, entry=entry)
    return moved


def _settle(session: Session, *, reply: Reply, entry: OutboxMessage) -> int:
    sent = entry.status == OutboxStatus.sent.value
    values: dict[str, Any] = (
        {"status": ReplyStatus.terkirim.value, "external_id": entry.external_id, "url": entry.url,
         "sent_at": entry.sent_at or utcnow(), "error": None}
        if sent
        else {"status": ReplyStatus.gagal.value, "error": entry.last_error}
    )  # fmt: skip
    result = cast(
        CursorResult[Any],
        session.execute(
            update(Reply)
            .where(Reply.id == reply.id, Reply.status == ReplyStatus.antre.value)
            .values(**values)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        return 0  # another run recorded it
    session.refresh(reply)
    conversation = session.get(Conversation, reply.conversation_id)
    if conversation is None:
        return 1
    action = "inbox.reply.sent" if sent else "inbox.reply.failed"
    _audit(session, None, action, reply, conversation, after={k: _plain(v) for k, v in values.items()})
    if sent:
        from humas.inbox.service import conversations

        conversations.record_staff_reply(session, conversation=conversation, at=reply.sent_at or utcnow())
    return 1


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
