"""Guardrails on an inbox reply: checked with the unit's stored rules when submitted and again just before it
is queued for the platform (links resolved then); a block keeps it from the outbox until the author fixes the
text or a reviewer (not its author) overrides the block with a written reason, audited."""

from __future__ import annotations

from sqlalchemy.orm import Session

from humas.channels.models import Channel
from humas.compliance import service as compliance_service
from humas.compliance.service import Part, Verdict
from humas.compliance.service.checks import Resolver
from humas.inbox.models import Conversation, Reply
from humas.org import audit as audit_service
from humas.org.service import Principal

SUBJECT = "reply"
BLOCKED_MESSAGE = "Diblokir oleh pemeriksaan kepatuhan"
RESOLVER: Resolver = compliance_service.resolve


def _platform(session: Session, conversation: Conversation) -> str | None:
    channel = session.get(Channel, conversation.channel_id) if conversation.channel_id else None
    return channel.platform if channel is not None else None


def reply_verdict(
    session: Session, *, reply: Reply, conversation: Conversation, resolve: Resolver | None = None
) -> Verdict:
    """The reply's findings with its unit's rules, and the overrides it already has."""
    part = Part("", reply.text, _platform(session, conversation))
    return compliance_service.verdict(
        session, unit=conversation.unit, subject_type=SUBJECT, subject_id=reply.id, parts=[part],
        resolve=resolve,
    )  # fmt: skip


def check_reply(
    session: Session, *, reply: Reply, conversation: Conversation, stage: str, resolve: bool = False
) -> Verdict:
    """Check and record (submit or send); a block not overridden is audited and noted on the reply."""
    result = reply_verdict(
        session, reply=reply, conversation=conversation, resolve=RESOLVER if resolve else None
    )
    compliance_service.record(
        session, unit=conversation.unit, subject_type=SUBJECT, subject_id=reply.id, stage=stage, result=result
    )
    if result.blocked:
        reply.error = BLOCKED_MESSAGE
        audit_service.record(
            session, actor=None, action="inbox.reply.guardrail_blocked", obj=reply, unit=conversation.unit,
            label=conversation.ticket,
            after={"stage": stage, "rules": sorted({f.rule for _p, f in result.blocking})},
        )  # fmt: skip
    elif reply.error == BLOCKED_MESSAGE:
        reply.error = None
    return result


def authors(reply: Reply) -> set[int]:
    return {reply.author_id} if reply.author_id is not None else set()


def can_override(actor: Principal, reply: Reply, conversation: Conversation) -> bool:
    return compliance_service.can_override(actor, unit=conversation.unit, author_ids=authors(reply))


def override_reply(
    session: Session, *, reply: Reply, conversation: Conversation, reason: str, actor: Principal
) -> Verdict:
    """A reviewer (not the author) lets the reply's current blocks through, audited with the reason."""
    result = reply_verdict(session, reply=reply, conversation=conversation)
    compliance_service.override(
        session, unit=conversation.unit, subject_type=SUBJECT, subject_id=reply.id, author_ids=authors(reply),
        result=result, reason=reason, actor=actor, obj=reply, label=conversation.ticket,
    )  # fmt: skip
    if reply.error == BLOCKED_MESSAGE:
        reply.error = None
    return result
