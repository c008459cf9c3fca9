"""Publishing at the post's time: one outbox row per variant, sent through the channel's publisher.

``publish_post`` hands each variant of a scheduled, fully approved post to the outbox (kind
``publishing.variant``, idempotency key ``publishing-variant-<id>``, the approved text and image in its
payload) in the caller's transaction; running it twice adds no second row. The outbox claims the row, and
sends it with the channels' own write path (``channels.service.outbox.write_job`` / ``send_job``), or, when
the previous attempt's outcome is unknown (a worker killed mid-call), reconciles it on the platform first;
the outcome lands on the variant (its link and id, or the platform's reason). A channel that needs
re-authorisation holds its variants (``ditahan``) until it is re-authorised.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.channels.models import Channel, Health
from humas.channels.service import writes as channel_writes
from humas.compliance import service as compliance_service
from humas.core.errors import Conflict
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role
from humas.org.service import Principal
from humas.outbox import handlers
from humas.outbox import service as outbox_service
from humas.outbox.models import OutboxMessage, Status
from humas.outbox.policy import Permanent, SendError, Sent
from humas.publishing.models import Post, PostStatus, PostVariant, VariantState
from humas.publishing.service import approvals, guard, kits, media_refs

KIND = "publishing.variant"
OWNER = "post_variant"
FIRST_METRICS_AFTER = timedelta(hours=1)
HELD_MESSAGE = "the channel needs re-authorisation"
RESOLVER = compliance_service.resolve  # each link of a variant, with a short timeout, just before sending


def variant_key(variant: PostVariant) -> str:
    return f"publishing-variant-{variant.id}"


def due_post_ids(session: Session, *, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Scheduled posts whose time has come and whose variants are not handed out yet."""
    stmt = select(Post.id).where(
        Post.status == PostStatus.dijadwalkan.value,
        Post.scheduled_at <= (now or utcnow()),
        Post.queued_at.is_(None),
    )
    return list(session.scalars(stmt.order_by(Post.scheduled_at, Post.id).limit(limit)))


def _payload(variant: PostVariant) -> dict[str, Any]:
    image = next((m["url"] for m in variant.media or [] if m.get("kind") == "image" and m.get("url")), None)
    payload: dict[str, Any] = {"post_id": variant.post_id, "text": variant.text}
    if image:
        payload["image_url"] = image
    if variant.media:  # every file (carousels, videos): the connectors read ``media`` before ``image_url``
        payload["media"] = list(variant.media)
    payload["options"] = {"title": variant.post.title}  # YouTube, WordPress and TikTok titles
    return payload


def publish_post(session: Session, *, post: Post, now: datetime | None = None) -> list[OutboxMessage]:
    """Hand every variant of a due post to the outbox once (a second call adds nothing)."""
    now = now or utcnow()
    if post.status != PostStatus.dijadwalkan.value or post.queued_at is not None:
        return []
    if post.scheduled_at is None or post.scheduled_at > now:
        return []
    if not approvals.chain_complete(session, post):  # never publish what the chain did not clear
        raise Conflict(_("This post is not approved."))
    if kits.hold_if_stopped(session, post):  # its content kit was withdrawn or corrected since approval
        return []
    # Checked again just before sending, links resolved: the rules or the election period may have changed.
    result = guard.check_post(session, post=post, stage="send", resolve=RESOLVER)
    if result.blocked:
        guard.hold_blocked(post, result)
        return []
    rows = []
    for variant in post.variants:
        channel = session.get(Channel, variant.channel_id)
        if channel is None or channel.status == Health.needs_reauth.value:
            variant.state, variant.error = VariantState.ditahan.value, HELD_MESSAGE
            continue
        rows.append(_enqueue(session, variant=variant, channel=channel))
    post.queued_at = now
    audit_service.record(
        session, actor=None, action="post.publish", obj=post, unit=post.unit, label=post.title,
        after={"variants": len(post.variants), "queued": len(rows)},
    )  # fmt: skip
    return rows


def _enqueue(session: Session, *, variant: PostVariant, channel: Channel) -> OutboxMessage:
    row = outbox_service.enqueue(
        session,
        kind=KIND,
        key=variant_key(variant),
        owner_type=OWNER,
        owner_id=variant.id,
        target=f"{channel.platform}:{channel.name}"[:500],
        payload=_payload(variant),
    )
    variant.outbox_message_id, variant.state, variant.error = row.id, VariantState.antre.value, None
    return row


def release_held(session: Session) -> list[int]:
    """Variants held for a channel that has been re-authorised since: sent again (the same row)."""
    stmt = (
        select(PostVariant)
        .join(Channel, Channel.id == PostVariant.channel_id)
        .where(PostVariant.state == VariantState.ditahan.value, Channel.status != Health.needs_reauth.value)
    )
    released = []
    for variant in session.scalars(stmt.order_by(PostVariant.id)):
        row = session.get(OutboxMessage, variant.outbox_message_id) if variant.outbox_message_id else None
        if row is None:
            _enqueue(session, variant=variant, channel=session.get(Channel, variant.channel_id))  # type: ignore[arg-type]
        else:
            if row.status in (Status.failed.value, Status.unknown.value):
                outbox_service.retry_by_hand(session, message=row)
            variant.state, variant.error = VariantState.antre.value, None
        _refresh_post(variant.post)
        audit_service.record(
            session, actor=None, action="post_variant.release", obj=variant, unit=variant.post.unit,
            label=variant.post.title, after={"state": variant.state},
        )  # fmt: skip
        released.append(variant.id)
    return released


def retry_variant(session: Session, *, variant: PostVariant, actor: Principal) -> PostVariant:
    """Send a failed variant again (the retry button), after a person checked the platform."""
    org_service.require_role(actor, Role.admin, Role.drafter)
    row = session.get(OutboxMessage, variant.outbox_message_id) if variant.outbox_message_id else None
    if variant.state != VariantState.gagal.value or row is None:
        raise Conflict(_("Only a failed variant can be retried."))
    outbox_service.retry_by_hand(session, message=row)
    variant.state, variant.error = VariantState.antre.value, None
    _refresh_post(variant.post)
    audit_service.record(
        session, actor=actor, action="post_variant.retry", obj=variant, unit=variant.post.unit,
        label=variant.post.title, after={"outbox_message_id": row.id},
    )  # fmt: skip
    return variant


def _refresh_post(post: Post) -> None:
    """The post's status from its variants once it was handed out."""
    if post.queued_at is None or post.status in (PostStatus.dibatalkan.value, PostStatus.kedaluwarsa.value):
        return
    states = {v.state for v in post.variants}
    if states & {VariantState.antre.value, VariantState.ditahan.value, VariantState.draf.value}:
        post.status, post.finished_at = PostStatus.dijadwalkan.value, None
    elif states == {VariantState.terbit.value}:
        post.status, post.finished_at = PostStatus.terbit.value, utcnow()
    elif VariantState.terbit.value in states:
        post.status, post.finished_at = PostStatus.sebagian.value, utcnow()
    else:
        post.status, post.finished_at = PostStatus.gagal.value, utcnow()


# --- the sender the outbox calls ------------------------------------------------------------------------


def _prepare(session: Session, message: OutboxMessage) -> Any:
    variant = session.get(PostVariant, message.owner_id)
    if variant is None:
        raise Permanent("the post variant no longer exists")
    channel = session.get(Channel, variant.channel_id)
    if channel is None:
        raise Permanent("the channel no longer exists")
    if channel.status == Health.needs_reauth.value:
        raise Permanent(HELD_MESSAGE, needs_reauth=True)
    kit = kits.kit_of_post(session, variant.post)
    if kit is not None and kit.withdrawn:  # withdrawn after the post was handed to the outbox: never sent
        raise Permanent(kits.WITHDRAWN_MESSAGE)
    payload = {"text": message.payload["text"]}
    for name in ("image_url", "media", "options"):
        if message.payload.get(name):
            payload[name] = message.payload[name]
    if any(media_refs.is_library_ref(m) for m in payload.get("media") or []):
        try:  # library files leave as their prepared bytes (and public address, when one is set)
            payload["media"] = media_refs.resolve_refs(
                session, refs=payload["media"], platform=channel.platform
            )
        except media_refs.MediaGone as exc:
            raise Permanent(str(exc)) from None
    return channel_writes.write_job(channel=channel, message=message, action="post", payload=payload)


def _on_outcome(session: Session, message: OutboxMessage, outcome: Sent | SendError) -> None:
    variant = session.get(PostVariant, message.owner_id)
    if variant is None:
        return
    channel = session.get(Channel, variant.channel_id)
    if isinstance(outcome, Sent):
        now = utcnow()
        variant.state, variant.error = VariantState.terbit.value, None
        variant.url, variant.external_id = outcome.url, outcome.external_id
        variant.published_at, variant.metrics_next_at = now, now + FIRST_METRICS_AFTER
    elif isinstance(outcome, Permanent) and outcome.needs_reauth:
        variant.state, variant.error = VariantState.ditahan.value, outcome.message[:2000]
        if channel is not None:
            channel_writes.record_write_refused(session, channel=channel, outcome=outcome)
    else:
        variant.error = outcome.message[:2000]
        if message.status == Status.failed.value:
            variant.state = VariantState.gagal.value
    _refresh_post(variant.post)
    audit_service.record(
        session, actor=None, action=f"post_variant.{variant.state}", obj=variant, unit=variant.post.unit,
        label=variant.post.title, after={"outbox": message.status, "url": variant.url},
    )  # fmt: skip


HANDLER = handlers.Handler(
    prepare=_prepare,
    send=channel_writes.send_job,
    reconcile=channel_writes.reconcile_job,
    on_outcome=_on_outcome,
)
handlers.register(KIND, HANDLER)
