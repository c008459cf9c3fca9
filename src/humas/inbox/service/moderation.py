"""Hiding and showing a public comment on the platform, by hand with a reason, or by the unit's abuse rule.

Only where the channel's platform spec declares the capability (``Capability.HIDE`` / ``UNHIDE``). The
platform write goes through the channel outbox (``queue_hide`` / ``queue_unhide``); humas keeps the item,
its hidden state and reason (``ConversationItem.hidden_*``), a conversation event and an audit row. The key
of each write is ``inbox-hide-<item>-<n>`` / ``inbox-unhide-<item>-<n>``, ``n`` the item's moderation count so
far: two clicks on the same button (two requests seeing the same state) make one platform write, while
hide → show → hide again makes three.

The automatic rule (``InboxSettings.auto_hide_abuse``, off by default) hides a new comment whose abuse score
reaches ``auto_hide_threshold``; it is marked ``hidden_automatically`` and anyone who may moderate shows it
again with one click.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.channels import service as channels_service
from humas.channels.models import Channel
from humas.connectors.registry import Capability, find_platform
from humas.core.errors import Conflict, Invalid, NotFound
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.inbox.models import Conversation, ConversationEvent, ConversationItem
from humas.inbox.service import unit_settings
from humas.ingest.models import Mention
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role
from humas.org.service import Principal

MODERATORS = (Role.admin, Role.responder)
REASON_MAX = 500
# The abuse model's labels that mean an attack (the intake takes their highest score for the rule).
ABUSIVE_LABELS = ("HS", "Abusive")


def _channel(session: Session, conversation: Conversation) -> Channel | None:
    return session.get(Channel, conversation.channel_id) if conversation.channel_id else None


def can_moderate(session: Session, conversation: Conversation, *, unhide: bool = False) -> bool:
    """Whether the conversation's platform lets humas hide (or show again) a comment."""
    channel = _channel(session, conversation)
    spec = find_platform(channel.platform) if channel is not None else None
    return spec is not None and spec.can(Capability.UNHIDE if unhide else Capability.HIDE)


def access_item(session: Session, *, conversation: Conversation, item_id: int) -> ConversationItem:
    """An item of this conversation (the conversation was fetched through its access check)."""
    item = session.get(ConversationItem, item_id)
    if item is None or item.conversation_id != conversation.id:
        raise NotFound(_("Item not found."))
    return item


def _moderations(session: Session, item: ConversationItem) -> int:
    """How many times this item was hidden or shown through humas (the next write's key counts on it)."""
    rows = session.scalars(
        select(ConversationEvent.data).where(
            ConversationEvent.conversation_id == item.conversation_id, ConversationEvent.kind == "hide"
        )
    )
    return sum(1 for data in rows if (data or {}).get("item_id") == item.id)


def _write(
    session: Session,
    *,
    conversation: Conversation,
    item: ConversationItem,
    hide: bool,
    actor: Principal | None,
    reason: str,
    automatic: bool = False,
) -> ConversationItem:
    channel = _channel(session, conversation)
    if channel is None or not can_moderate(session, conversation, unhide=not hide):
        raise Invalid(_("This platform does not let humas hide or show comments."))
    if item.from_staff:
        raise Invalid(_("The unit's own messages are not hidden here."))
    mention = session.get(Mention, item.mention_id)
    if mention is None:
        raise NotFound(_("Item not found."))
    action = "hide" if hide else "unhide"
    key = f"inbox-{action}-{item.id}-{_moderations(session, item)}"
    queue = channels_service.queue_hide if hide else channels_service.queue_unhide
    entry = queue(session, channel=channel, external_id=mention.external_id, actor=actor, idempotency_key=key)
    before = {"hidden": item.hidden_at is not None, "reason": item.hidden_reason}
    if hide:
        item.hidden_at, item.hidden_reason = utcnow(), reason
        item.hidden_by_id, item.hidden_automatically = (actor.id if actor else None), automatic
    else:
        item.hidden_at, item.hidden_by_id, item.hidden_automatically = None, None, False
        item.hidden_reason = reason or None  # why it was shown again; the hide's reason is in the audit log
    session.add(
        ConversationEvent(
            conversation_id=conversation.id,
            kind="hide",
            actor_id=actor.id if actor else None,
            data={"item_id": item.id, "hidden": hide, "reason": reason, "automatic": automatic},
        )
    )
    audit_service.record(
        session,
        actor=actor,
        action=f"inbox.item.{action}",
        obj=item,
        unit=conversation.unit,
        label=conversation.ticket,
        before=before,
        after={"hidden": hide, "reason": reason, "automatic": automatic, "outbox_message_id": entry.id},
    )
    return item


def _reason(reason: str | None, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise Invalid(_("Give a reason."), field="reason")
    if len(reason) > REASON_MAX:
        raise Invalid(_("The reason is too long."), field="reason")
    return reason


def hide_item(
    session: Session, *, conversation: Conversation, item: ConversationItem, actor: Principal, reason: str
) -> ConversationItem:
    """Hide a comment on the platform with a reason; it stays in humas, marked hidden."""
    org_service.require_role(actor, *MODERATORS)
    if item.hidden_at is not None:
        raise Conflict(_("This comment is already hidden."))
    return _write(
        session,
        conversation=conversation,
        item=item,
        hide=True,
        actor=actor,
        reason=_reason(reason, required=True),
    )


def unhide_item(
    session: Session,
    *,
    conversation: Conversation,
    item: ConversationItem,
    actor: Principal,
    reason: str | None = None,
) -> ConversationItem:
    """Show a hidden comment again (hidden by a person or by the rule); the reason is optional."""
    org_service.require_role(actor, *MODERATORS)
    if item.hidden_at is None:
        raise Conflict(_("This comment is not hidden."))
    return _write(
        session,
        conversation=conversation,
        item=item,
        hide=False,
        actor=actor,
        reason=_reason(reason, required=False),
    )


def auto_moderate(
    session: Session, *, conversation: Conversation, item: ConversationItem, abuse_score: float | None = None
) -> bool:
    """Hide a new comment when the unit's rule is on and its abuse score reaches the threshold; returns
    whether it was hidden. ``abuse_score``: the abuse model's highest attack score (HS, Abusive).

    NOTE: without a score nothing is hidden. The stored abuse labels are no substitute: they pass the
    model's low per-label cuts (a plain complaint can carry HS), and hiding a citizen's comment on a guess
    is worse than leaving it for a person."""
    if abuse_score is None:
        return False
    rules = unit_settings.rules_for(session, conversation.unit)
    if not rules.auto_hide_abuse or item.from_staff or item.hidden_at is not None:
        return False
    if not can_moderate(session, conversation) or abuse_score < rules.auto_hide_threshold:
        return False
    conversation.abusive = True
    reason = str(_("Hidden automatically: abuse score %(score)s", score=f"{abuse_score:.2f}"))
    _write(
        session, conversation=conversation, item=item, hide=True, actor=None, reason=reason, automatic=True
    )
    return True
