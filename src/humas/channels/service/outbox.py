"""Channel writes (post, reply, hide, unhide) as outbox rows, and the sender the outbox calls for them.

Queueing checks the rule (who may write, what a write needs) and adds an outbox row of kind
``channel.<action>`` in the caller's transaction (``humas.outbox``); the outbox claims it under a lease and
calls ``_send``. A row whose previous outcome is unknown (a worker died mid-call, or the call timed out) is
reconciled on the platform (``Publisher.reconcile``) before anything is sent again; where absence proves
nothing (the platform spec's ``absence_is_proof``: a bot that cannot read back, a receipt not yet come) it
stays ``unknown`` for a person to check instead of being resent.
"""

from __future__ import annotations

import inspect
import logging
import secrets as pysecrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from humas.channels import platforms
from humas.channels.models import Channel
from humas.channels.redact import scrub
from humas.channels.service.channels import channel_values
from humas.channels.service.polling import record_needs_reauth
from humas.connectors.base import PublishResult
from humas.connectors.errors import AuthExpired, DeliveryUnknown, RateLimited
from humas.connectors.registry import Capability, Reconcile, get_platform
from humas.core.errors import Invalid, NotFound
from humas.core.i18n import _
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role
from humas.org.service import Principal
from humas.outbox import handlers
from humas.outbox import service as outbox_service
from humas.outbox.models import OutboxMessage
from humas.outbox.policy import Permanent, Retry, SendError, Sent, Unknown

log = logging.getLogger(__name__)
OWNER = "channel"
ACTIONS = ("post", "reply", "hide", "unhide")
MODERATION = {"hide": Capability.HIDE, "unhide": Capability.UNHIDE}
REPLY_CONTEXT = ("to", "reply_token")
POST_EXTRAS = ("media", "options")
TEXT_MAX = 10_000


def list_outbox(session: Session, *, channel: Channel, limit: int = 50) -> list[OutboxMessage]:
    return outbox_service.list_for(session, owner_type=OWNER, owner_id=channel.id, limit=limit)


def find_entry(session: Session, idempotency_key: str) -> OutboxMessage | None:
    return outbox_service.find(session, idempotency_key)


def _queue(
    session: Session,
    *,
    channel: Channel,
    action: str,
    payload: dict[str, Any],
    actor: Principal | None,
    idempotency_key: str | None,
) -> OutboxMessage:
    key = (idempotency_key or pysecrets.token_urlsafe(24)).strip()
    existing = outbox_service.find(session, key) if key else None
    entry = outbox_service.enqueue(
        session,
        kind=f"channel.{action}",
        key=key,
        owner_type=OWNER,
        owner_id=channel.id,
        target=f"{channel.platform}:{channel.name}",
        payload=payload,
        created_by_id=actor.id if actor is not None else None,
    )
    if existing is None:
        audit_service.record(
            session,
            actor=actor,
            action=f"outbox.{action}",
            obj=entry,
            unit=channel.unit,
            label=f"{channel.platform}:{channel.name}",
            after={"channel_id": channel.id, "action": action},
        )
    return entry


def _clean_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise Invalid(_("The text must not be empty."), field="text")
    if len(text) > TEXT_MAX:
        raise Invalid(_("The text is too long."), field="text")
    return text


def queue_reply(
    session: Session,
    *,
    channel: Channel,
    parent_external_id: str,
    text: str,
    actor: Principal | None,
    idempotency_key: str | None = None,
    to: str | None = None,
    reply_token: str | None = None,
) -> OutboxMessage:
    """Queue a reply to an item on the channel's platform; the same key twice queues it once.

    ``to``: the person a direct-message answer goes to (the item's author) where the platform needs it;
    ``reply_token``: a short-lived answer handle the platform gave with the item (LINE), tried first.
    """
    if actor is not None:
        org_service.require_role(actor, Role.admin, Role.responder)
    parent = (parent_external_id or "").strip()
    if not parent:
        raise Invalid(_("Say which item to reply to."), field="parent_external_id")
    payload: dict[str, Any] = {"parent_external_id": parent, "text": _clean_text(text)}
    if to:
        payload["to"] = to.strip()
    if reply_token:
        payload["reply_token"] = reply_token.strip()
    return _queue(
        session,
        channel=channel,
        action="reply",
        payload=payload,
        actor=actor,
        idempotency_key=idempotency_key,
    )


def queue_post(
    session: Session,
    *,
    channel: Channel,
    text: str,
    actor: Principal | None,
    idempotency_key: str | None = None,
    image_url: str | None = None,
) -> OutboxMessage:
    """Queue a post on the channel; the same key twice queues it once."""
    if actor is not None:
        org_service.require_role(actor, Role.admin, Role.drafter)
    payload: dict[str, Any] = {"text": _clean_text(text)}
    if image_url:
        payload["image_url"] = image_url.strip()
    return _queue(
        session, channel=channel, action="post", payload=payload, actor=actor, idempotency_key=idempotency_key
    )


def queue_hide(
    session: Session,
    *,
    channel: Channel,
    external_id: str,
    actor: Principal | None,
    idempotency_key: str | None = None,
) -> OutboxMessage:
    """Queue hiding a public comment (where the platform allows it)."""
    return _queue_moderation(
        session, channel=channel, action="hide", external_id=external_id, actor=actor, key=idempotency_key
    )


def queue_unhide(
    session: Session,
    *,
    channel: Channel,
    external_id: str,
    actor: Principal | None,
    idempotency_key: str | None = None,
) -> OutboxMessage:
    """Queue showing a hidden comment again (where the platform allows it)."""
    return _queue_moderation(
        session, channel=channel, action="unhide", external_id=external_id, actor=actor, key=idempotency_key
    )


def _queue_moderation(
    session: Session,
    *,
    channel: Channel,
    action: str,
    external_id: str,
    actor: Principal | None,
    key: str | None,
) -> OutboxMessage:
    if actor is not None:
        org_service.require_role(actor, Role.admin, Role.responder)
    if not (external_id or "").strip():
        raise Invalid(_("Say which item to hide."), field="external_id")
    if not get_platform(channel.platform).can(MODERATION[action]):
        raise Invalid(_("This platform does not let humas hide or show comments."), field="external_id")
    return _queue(
        session,
        channel=channel,
        action=action,
        payload={"external_id": external_id.strip()},
        actor=actor,
        idempotency_key=key,
    )


def access_write(session: Session, *, channel: Channel, message_id: int) -> OutboxMessage:
    """One write of this channel (an outbox row it owns); another channel's row is not found."""
    entry = session.get(OutboxMessage, message_id)
    if entry is None or entry.owner_type != OWNER or entry.owner_id != channel.id:
        raise NotFound(_("Write not found."))
    return entry


def retry_write(
    session: Session, *, channel: Channel, entry: OutboxMessage, actor: Principal
) -> OutboxMessage:
    """Send a failed (or unresolved) write again, after a person checked the platform; audited."""
    org_service.require_role(actor, Role.admin, Role.responder, Role.drafter)
    outbox_service.retry_by_hand(session, message=entry)
    audit_service.record(
        session,
        actor=actor,
        action="outbox.retry",
        obj=entry,
        unit=channel.unit,
        label=f"{channel.platform}:{channel.name}",
        after={"channel_id": channel.id, "action": entry.medium},
    )
    return entry


def mark_delivered(session: Session, *, channel: Channel, idempotency_key: str, external_id: str) -> bool:
    """A platform confirmed a send (WhatsApp ``statuses`` echo our key): the channel's row is sent."""
    entry = outbox_service.find(session, idempotency_key)
    if entry is None or entry.owner_type != OWNER or entry.owner_id != channel.id:
        return False
    return outbox_service.mark_sent(session, message=entry, external_id=external_id)


# --- the sender the outbox calls ------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelJob:
    platform: str
    values: dict[str, Any]
    action: str
    payload: dict[str, Any]
    key: str
    since: datetime
    receipt: str | None  # the message id a WhatsApp ``statuses`` webhook echoed for this key, if any

    @property
    def secrets(self) -> list[str]:
        return [str(v) for v in self.values.values()]


def _prepare(session: Session, message: OutboxMessage) -> ChannelJob:
    channel = session.get(Channel, message.owner_id)
    if channel is None:
        raise Permanent("the channel no longer exists")
    started = message.first_attempt_at or message.created_at
    return ChannelJob(
        platform=channel.platform,
        values=channel_values(channel),
        action=message.medium,
        payload=dict(message.payload),
        key=message.idempotency_key,
        since=started - timedelta(minutes=5),
        receipt=message.external_id,
    )


def _publisher(job: ChannelJob) -> Any:
    # Where a webhook receipt settles an uncertain send, the receipt read in the claim's transaction answers.
    by_receipt = get_platform(job.platform).reconcile is Reconcile.RECEIPT
    kwargs = {"delivered_lookup": lambda _key: job.receipt} if by_receipt else {}
    return platforms.build_publisher(job.platform, job.values, **kwargs)


def _translated(job: ChannelJob, call: Any) -> Sent:
    """Run a connector call; its errors become the outbox's (secrets scrubbed from every message)."""
    try:
        result: PublishResult | None = call()
    except DeliveryUnknown as exc:
        raise Unknown(scrub(str(exc), job.secrets)) from None
    except RateLimited as exc:
        raise Retry(scrub(str(exc), job.secrets), retry_after=exc.retry_after_s) from None
    except AuthExpired as exc:
        raise Permanent(scrub(str(exc), job.secrets), needs_reauth=True) from None
    except SendError:
        raise
    except Exception as exc:  # noqa: BLE001 - a refused write is recorded on its row
        raise Permanent(scrub(f"{type(exc).__name__}: {exc}", job.secrets)) from None
    if result is None:
        return Sent()
    return Sent(external_id=result.external_id, url=result.url, reconciled=result.reconciled)


def _reply_context(publisher: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """``to`` and ``reply_token`` for a publisher whose ``reply`` takes them (a platform that answers a
    direct message by the person or by a token); one that does not need them is not handed them."""
    accepted = inspect.signature(publisher.reply).parameters
    return {name: payload[name] for name in REPLY_CONTEXT if payload.get(name) and name in accepted}


def _post_extras(publisher: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """``media`` (every file of a variant) and ``options`` (title, thread, ...) for a publisher whose
    ``post`` takes them (``connectors.media``); older rows and push-only publishers get neither."""
    accepted = inspect.signature(publisher.post).parameters
    return {name: payload[name] for name in POST_EXTRAS if payload.get(name) and name in accepted}


def _send(job: ChannelJob) -> Sent:
    def call() -> PublishResult | None:
        publisher, payload = _publisher(job), job.payload
        if job.action == "reply":
            kwargs = _reply_context(publisher, payload)
            return publisher.reply(
                payload["parent_external_id"], payload["text"], idempotency_key=job.key, **kwargs
            )
        if job.action == "post":
            return publisher.post(
                payload["text"],
                image=payload.get("image_url"),
                idempotency_key=job.key,
                **_post_extras(publisher, payload),
            )
        if job.action == "unhide":
            publisher.unhide(payload["external_id"])
            return None
        publisher.hide(payload["external_id"])  # hiding (or showing) twice is harmless: no reconcile needed
        return None

    return _translated(job, call)


def _reconcile(job: ChannelJob) -> Sent | None:
    if job.action in MODERATION:
        return None

    def call() -> PublishResult | None:
        return _publisher(job).reconcile(
            job.key,
            text=job.payload["text"],
            parent_external_id=job.payload.get("parent_external_id"),
            since=job.since,
        )

    found = _translated(job, call)
    if found.external_id is not None:
        return found
    if not get_platform(job.platform).absence_is_proof:
        raise Unknown("not found on the platform yet", check_again=False)
    return None


def _on_outcome(session: Session, message: OutboxMessage, outcome: Sent | SendError) -> None:
    if isinstance(outcome, Permanent) and outcome.needs_reauth:
        channel = session.get(Channel, message.owner_id)
        if channel is not None:
            record_needs_reauth(session, channel=channel, message=outcome.message)


HANDLER = handlers.Handler(prepare=_prepare, send=_send, reconcile=_reconcile, on_outcome=_on_outcome)
for _action in ACTIONS:
    handlers.register(f"channel.{_action}", HANDLER)
