"""Content kits (*materi narasi tunggal*): write and issue a kit to descendant units, who sees it, each
receiving unit's queue, adapting a kit into the unit's own draft, and the rule that a kit's draft keeps its
locked key messages, required hashtags and links. The tracker, measures and reminders are in
``kit_tracker``; signed kit files in ``kit_files`` (docs/decisions/0098-content-kits.md)."""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.channels.models import Channel
from humas.connectors.registry import Capability, find_platform
from humas.core.errors import Conflict, Invalid, NotFound
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.ingest.service import queries as queries_service
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit, User
from humas.org.service import Principal
from humas.outbox import notify as outbox_notify
from humas.publishing.kits import ContentKit, KitPost, KitReceipt, KitTarget
from humas.publishing.models import MediaFile, Post
from humas.publishing.service import media as media_service
from humas.publishing.service import posts as posts_service

ISSUERS = posts_service.DRAFTERS  # who writes and issues kits (the central bureau's drafters and admins)
KEY_MESSAGES_MAX = 10
KEY_MESSAGE_MAX = 500
LIST_MAX = 20
HASHTAG = re.compile(r"#?([^\W_][\w]{0,99})", re.UNICODE)
WINDOW_MAX = timedelta(days=366)


@dataclass
class KeyMessage:
    text: str
    locked: bool = False


@dataclass
class KitInput:
    """A kit as written; ``starts_at``/``ends_at`` without a zone are read in the issuer's zone."""

    title: str
    starts_at: datetime
    ends_at: datetime
    master_text: str = ""
    key_messages: list[KeyMessage] = field(default_factory=list)
    variants: dict[str, str] = field(default_factory=dict)  # platform name -> text
    media_ids: list[int] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    instructions: str = ""
    mandatory: bool = False


@dataclass
class TargetInput:
    mode: str = KitTarget.all.value
    levels: list[int] = field(default_factory=list)  # 1 = the issuer's children
    unit_ids: list[int] = field(default_factory=list)


# --- cleaning -----------------------------------------------------------------------------------------


def _text(value: str | None, *, name: str, max_length: int, required: bool = False) -> str:
    return posts_service._text(value, field_name=name, max_length=max_length, required=required)


def clean_hashtags(values: list[str]) -> list[str]:
    """``#Word`` tags (letters, digits, ``_``), each once, in the order given."""
    out: list[str] = []
    for raw in values:
        for part in re.split(r"[,\s]+", unicodedata.normalize("NFC", raw or "").strip()):
            if not part:
                continue
            match = HASHTAG.fullmatch(part)
            if match is None:
                raise Invalid(_("Not a hashtag: %(tag)s", tag=part[:40]), field="hashtags")
            tag = "#" + match.group(1)
            if tag.casefold() not in {t.casefold() for t in out}:
                out.append(tag)
    if len(out) > LIST_MAX:
        raise Invalid(_("At most %(n)s hashtags.", n=LIST_MAX), field="hashtags")
    return out


def clean_links(values: list[str]) -> list[str]:
    out: list[str] = []
    for raw in values:
        link = (raw or "").strip()
        if not link:
            continue
        if not re.fullmatch(r"https?://[^\s<>\"']{3,2000}", link):
            raise Invalid(_("A link is a web address (https://...): %(link)s", link=link[:80]), field="links")
        if link not in out:
            out.append(link)
    if len(out) > LIST_MAX:
        raise Invalid(_("At most %(n)s links.", n=LIST_MAX), field="links")
    return out


def _key_messages(values: list[KeyMessage]) -> list[dict[str, Any]]:
    out = []
    for message in values:
        text = _text(message.text, name="key_messages", max_length=KEY_MESSAGE_MAX)
        if text:
            out.append({"text": text, "locked": bool(message.locked)})
    if len(out) > KEY_MESSAGES_MAX:
        raise Invalid(_("At most %(n)s key messages.", n=KEY_MESSAGES_MAX), field="key_messages")
    return out


def _variants(values: dict[str, str]) -> dict[str, str]:
    out = {}
    for platform, text in values.items():
        if find_platform(platform) is None:
            raise Invalid(_("Unknown platform: %(name)s", name=platform[:40]), field="variants")
        cleaned = _text(text, name=f"variant-{platform}", max_length=posts_service.TEXT_MAX)
        if cleaned:
            out[platform] = cleaned
    return out


def _window(
    session: Session, unit: Unit, starts_at: datetime, ends_at: datetime
) -> tuple[datetime, datetime]:
    zone = org_service.unit_zone(session, unit)
    start, end = (t.replace(tzinfo=zone) if t.tzinfo is None else t for t in (starts_at, ends_at))
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        raise Invalid(_("The window must end after it starts."), field="ends_at")
    if end - start > WINDOW_MAX:
        raise Invalid(_("The window is at most a year long."), field="ends_at")
    return start, end


def _media(session: Session, *, actor: Principal, unit: Unit, media_ids: list[int]) -> list[dict[str, Any]]:
    refs = []
    for media_id in dict.fromkeys(media_ids):
        media = media_service.access_media(session, actor, media_id)
        if not media_service.shared_with(media, unit) or media.archived_at is not None:
            raise Invalid(_("A media file is not available to this unit."), field="media")
        refs.append({"kind": media.kind, "media_id": media.id})
    if len(refs) > LIST_MAX:
        raise Invalid(_("At most %(n)s media files.", n=LIST_MAX), field="media")
    return refs


# --- write and issue ----------------------------------------------------------------------------------


def create_kit(session: Session, *, unit_id: int, data: KitInput, actor: Principal) -> ContentKit:
    """A new kit of a unit of the actor's subtree, not issued yet."""
    org_service.require_role(actor, *ISSUERS)
    unit = org_service.access_unit(session, actor, unit_id)
    starts_at, ends_at = _window(session, unit, data.starts_at, data.ends_at)
    master = _text(data.master_text, name="master_text", max_length=posts_service.TEXT_MAX)
    variants = _variants(data.variants)
    if not master and not variants:
        raise Invalid(_("Write the master text."), field="master_text")
    kit = ContentKit(
        uid=str(uuid.uuid4()), issuer_unit_id=unit.id, issuer=unit,
        title=_text(data.title, name="title", max_length=posts_service.TITLE_MAX, required=True),
        key_messages=_key_messages(data.key_messages), master_text=master, variants=variants,
        media=_media(session, actor=actor, unit=unit, media_ids=data.media_ids),
        hashtags=clean_hashtags(data.hashtags), links=clean_links(data.links),
        instructions=_text(data.instructions, name="instructions", max_length=posts_service.TEXT_MAX),
        mandatory=bool(data.mandatory), starts_at=starts_at, ends_at=ends_at, target={},
        created_by_id=actor.id,
    )  # fmt: skip
    session.add(kit)
    session.flush()
    audit_service.record(session, actor=actor, action="kit.create", obj=kit, unit=unit, label=kit.title)
    return kit


def target_units(session: Session, *, issuer: Unit, target: TargetInput) -> list[Unit]:
    """The descendants of the issuer that a target names (archived units never receive a kit)."""
    stmt = select(Unit).where(
        Unit.path.startswith(issuer.path), Unit.id != issuer.id, Unit.archived_at.is_(None)
    )
    descendants = list(session.scalars(stmt.order_by(Unit.path)))
    if target.mode == KitTarget.all.value:
        chosen = descendants
    elif target.mode == KitTarget.levels.value:
        levels = {int(level) for level in target.levels}
        if not levels or any(level < 1 for level in levels):
            raise Invalid(_("Choose at least one level below the issuing unit."), field="levels")
        chosen = [u for u in descendants if u.depth - issuer.depth in levels]
    elif target.mode == KitTarget.units.value:
        wanted = {int(i) for i in target.unit_ids}
        by_id = {u.id: u for u in descendants}
        if not wanted or wanted - by_id.keys():
            raise Invalid(_("Choose units below the issuing unit."), field="unit_ids")
        chosen = [u for u in descendants if u.id in wanted]
    else:
        raise Invalid(_("Choose who receives the kit."), field="mode")
    if not chosen:
        raise Invalid(_("No unit receives this kit."), field="mode")
    return chosen


def hashtag_query(hashtags: list[str]) -> str | None:
    """The saved-query text that counts the public's use of the kit's hashtags (``None`` without any)."""
    words = [t.lstrip("#").lower() for t in hashtags]
    return " OR ".join(words) if words else None


def issue_kit(
    session: Session, *, kit: ContentKit, target: TargetInput, actor: Principal, now: datetime | None = None
) -> list[KitReceipt]:
    """Issue a kit: a receipt per receiving unit, its hashtags as a saved query, and each unit told."""
    org_service.require_role(actor, *ISSUERS)
    if not org_service.can_access(actor, kit.issuer):
        raise NotFound(_("Content kit not found."))
    if kit.issued_at is not None:
        raise Conflict(_("This kit has already been issued."))
    now = now or utcnow()
    if kit.ends_at <= now:
        raise Invalid(_("The window has already closed; change it before issuing."), field="ends_at")
    units = target_units(session, issuer=kit.issuer, target=target)
    kit.target = {
        "mode": target.mode,
        "levels": sorted(set(target.levels)),
        "unit_ids": [u.id for u in units],
    }
    kit.issued_at = now
    receipts = [KitReceipt(kit_id=kit.id, unit_id=u.id, unit=u, created_at=now) for u in units]
    session.add_all(receipts)
    text = hashtag_query(kit.hashtags)
    if text:  # NOTE: made by the system (actor None): a drafter may issue a kit but not manage queries
        name = f"Narasi #{kit.id}: {kit.title}"[:200]
        kit.query_id = queries_service.create_query(
            session, unit=kit.issuer, name=name, query=text, actor=None
        ).id
    session.flush()
    for receipt in receipts:
        _tell_unit(session, kit=kit, unit=receipt.unit)
    audit_service.record(
        session, actor=actor, action="kit.issue", obj=kit, unit=kit.issuer, label=kit.title,
        after={"units": len(receipts), "mode": target.mode, "query_id": kit.query_id},
    )  # fmt: skip
    return receipts


def unit_people(session: Session, unit: Unit) -> list[User]:
    """Who acts on a kit at a receiving unit: its active admins and drafters."""
    from humas.org.models import UserRole

    stmt = (
        select(User)
        .join(UserRole)
        .where(
            User.unit_id == unit.id,
            User.is_active.is_(True),
            UserRole.role.in_([Role.admin.value, Role.drafter.value]),
        )
    )
    return list(session.scalars(stmt.distinct().order_by(User.id)))


def _tell_unit(session: Session, *, kit: ContentKit, unit: Unit) -> None:
    users = unit_people(session, unit)
    if not users:
        return
    subject = str(_("New content kit: %(title)s", title=kit.title))[:200]
    outbox_notify.notify(
        session, users=users, kind="kit.issued", subject=subject, text=subject,
        link=f"/publishing/kits/{kit.id}", key=f"kit.issued:{kit.id}:{unit.id}", unit=unit,
    )  # fmt: skip


# --- who sees what --------------------------------------------------------------------------------------


def can_track(actor: Principal, kit: ContentKit) -> bool:
    """The issuer's side (tracker, reminders, export): the issuing unit and those above it."""
    return org_service.can_access(actor, kit.issuer)


def access_kit(session: Session, actor: Principal, kit_id: int) -> ContentKit:
    """A kit issued by the actor's subtree, or issued to a unit of it; any other id is simply not found."""
    kit = session.get(ContentKit, kit_id)
    if kit is None:
        raise NotFound(_("Content kit not found."))
    if can_track(actor, kit):
        return kit
    if kit.issued_at is not None and any(org_service.can_access(actor, r.unit) for r in kit.receipts):
        return kit
    raise NotFound(_("Content kit not found."))


def access_tracked_kit(session: Session, actor: Principal, kit_id: int) -> ContentKit:
    """A kit the actor's subtree issued (the tracker's pages); a received kit is not found here."""
    kit = session.get(ContentKit, kit_id)
    if kit is None or not can_track(actor, kit):
        raise NotFound(_("Content kit not found."))
    return kit


def own_receipts(session: Session, actor: Principal, kit: ContentKit) -> list[KitReceipt]:
    """The kit's receipts held by units of the actor's subtree."""
    return [r for r in kit.receipts if org_service.can_access(actor, r.unit)]


def receipt_of(session: Session, actor: Principal, *, kit: ContentKit, unit_id: int) -> KitReceipt:
    for receipt in own_receipts(session, actor, kit):
        if receipt.unit_id == unit_id:
            return receipt
    raise NotFound(_("This unit did not receive the kit."))


def list_issued(session: Session, actor: Principal, *, limit: int = 100) -> list[ContentKit]:
    """Kits of the actor's subtree, newest first."""
    stmt = select(ContentKit).where(
        ContentKit.issuer_unit_id.in_(org_service.visible_unit_ids(session, actor))
    )
    return list(session.scalars(stmt.order_by(ContentKit.id.desc()).limit(limit)))


@dataclass(frozen=True)
class QueueItem:
    kit: ContentKit
    receipt: KitReceipt
    time_left: timedelta  # negative: the window closed
    post_ids: tuple[int, ...]
    published: bool


def kit_queue(session: Session, actor: Principal, *, now: datetime | None = None) -> list[QueueItem]:
    """The kits issued to the actor's units, open windows first (soonest end first), with time left."""
    from humas.publishing.models import PostVariant, VariantState

    now = now or utcnow()
    stmt = (
        select(KitReceipt)
        .join(ContentKit, ContentKit.id == KitReceipt.kit_id)
        .where(
            KitReceipt.unit_id.in_(org_service.visible_unit_ids(session, actor)),
            ContentKit.issued_at.is_not(None),
            ContentKit.ends_at > now - timedelta(days=30),
        )
    )
    receipts = list(session.scalars(stmt))
    posts = _posts_by_receipt(session, [r.id for r in receipts])
    published_posts = set(
        session.scalars(
            select(PostVariant.post_id).where(
                PostVariant.post_id.in_([p for ids in posts.values() for p in ids]),
                PostVariant.state == VariantState.terbit.value,
            )
        )
    )
    items = [
        QueueItem(
            r.kit, r, r.kit.ends_at - now, tuple(posts.get(r.id, ())),
            any(p in published_posts for p in posts.get(r.id, ())),
        )
        for r in receipts
    ]  # fmt: skip
    return sorted(items, key=lambda i: (i.time_left < timedelta(0), abs(i.time_left.total_seconds())))


def _posts_by_receipt(session: Session, receipt_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    if not receipt_ids:
        return out
    rows = session.execute(
        select(KitPost.receipt_id, KitPost.post_id).where(KitPost.receipt_id.in_(receipt_ids))
    )
    for receipt_id, post_id in rows:
        out.setdefault(receipt_id, []).append(post_id)
    return out


# --- adapt ----------------------------------------------------------------------------------------------


def _with_required(text: str, kit: ContentKit) -> str:
    """The text with every key message that is not in it yet, and the required hashtags and links."""
    missing = [m["text"] for m in kit.key_messages if _norm(m["text"]) not in _norm(text)]
    tail = [t for t in [*kit.hashtags, *kit.links] if _norm(t) not in _norm(text)]
    parts = [p for p in (text.strip(), "\n".join(missing), " ".join(tail)) if p]
    return "\n\n".join(parts)


def _media_for(platform: str, refs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    spec = find_platform(platform)
    capability = {"image": Capability.POST_IMAGE, "video": Capability.POST_VIDEO}
    if spec is None:
        return []
    return [dict(r) for r in refs if r.get("kind") in capability and spec.can(capability[r["kind"]])][
        : spec.limits.media_max
    ]


def adapt_kit(session: Session, *, receipt: KitReceipt, actor: Principal) -> Post:
    """The receiving unit's own draft, pre-filled from the kit on each of its active channels."""
    kit = receipt.kit
    if kit.issued_at is None:
        raise NotFound(_("Content kit not found."))
    if not org_service.can_access(actor, receipt.unit):
        raise NotFound(_("This unit did not receive the kit."))
    channels = list(
        session.scalars(
            select(Channel)
            .where(Channel.unit_id == receipt.unit_id, Channel.is_active.is_(True))
            .order_by(Channel.id)
        )
    )
    live = [m for m in kit.media if _media_exists(session, m)]
    variants = [
        posts_service.VariantInput(
            c.id,
            _with_required(kit.variants.get(c.platform) or kit.master_text, kit),
            _media_for(c.platform, live),
        )
        for c in channels
    ]
    data = posts_service.PostInput(
        title=kit.title, body=_with_required(kit.master_text, kit), kind="narasi",
        campaign=kit.title[: posts_service.CAMPAIGN_MAX], variants=variants,
    )  # fmt: skip
    post = posts_service.create_post(session, unit_id=receipt.unit_id, data=data, actor=actor)
    session.add(KitPost(post_id=post.id, receipt_id=receipt.id))
    session.flush()
    audit_service.record(
        session, actor=actor, action="kit.adapt", obj=kit, unit=receipt.unit, label=kit.title,
        after={"post_id": post.id},
    )  # fmt: skip
    return post


def _media_exists(session: Session, ref: dict[str, Any]) -> bool:
    media = session.get(MediaFile, ref.get("media_id"))
    return media is not None and media.archived_at is None


# --- the kit's rules on its drafts ----------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def kit_of_post(session: Session, post: Post) -> ContentKit | None:
    """The kit a post was made from, if any."""
    receipt_id = session.scalar(select(KitPost.receipt_id).where(KitPost.post_id == post.id))
    if receipt_id is None:
        return None
    receipt = session.get(KitReceipt, receipt_id)
    return receipt.kit if receipt is not None else None


def check_kit_draft(session: Session, post: Post, variants: list[tuple[int, str]] | None = None) -> None:
    """Refuse a kit's draft whose variant lost a locked key message, a required hashtag or a link
    (``variants``: the (channel id, text) pairs about to be saved; the post's own when not given)."""
    kit = kit_of_post(session, post)
    if kit is None:
        return
    pairs = variants if variants is not None else [(v.channel_id, v.text) for v in post.variants]
    for channel_id, raw in pairs:
        text = _norm(raw)
        for message in kit.locked_messages:
            if _norm(message) not in text:
                raise Invalid(
                    _("A locked key message of the kit was removed: %(text)s", text=message[:120]),
                    field=f"variant-{channel_id}",
                )
        for required in [*kit.hashtags, *kit.links]:
            if _norm(required) not in text:
                raise Invalid(
                    _("The kit requires %(text)s in every variant.", text=required[:120]),
                    field=f"variant-{channel_id}",
                )
