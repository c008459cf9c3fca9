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
from humas.compliance import service as compliance_service
from humas.connectors.registry import Capability, find_platform
from humas.core.errors import Conflict, Invalid, NotFound
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.guardrails import BLOCK
from humas.ingest.service import queries as queries_service
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit, User
from humas.org.service import Principal
from humas.outbox import notify as outbox_notify
from humas.publishing.kits import ContentKit, KitPost, KitReceipt, KitTarget, KitVersion
from humas.publishing.models import MediaFile, Post, PostStatus
from humas.publishing.service import media as media_service
from humas.publishing.service import posts as posts_service

ISSUERS = posts_service.DRAFTERS  # who writes and issues kits (the central bureau's drafters and admins)
KEY_MESSAGES_MAX = 10
KEY_MESSAGE_MAX = 500
LIST_MAX = 20
HASHTAG = re.compile(r"#?([^\W_][\w]{0,99})", re.UNICODE)
WINDOW_MAX = timedelta(days=366)
REASON_MIN, REASON_MAX = 10, 2000
# Stored on each variant of a post taken back from its chain or schedule (shown as the variant's reason).
WITHDRAWN_MESSAGE = "Materi narasi ditarik oleh penerbitnya"
CORRECTED_MESSAGE = "Materi narasi dikoreksi: tinjau perubahan"
UNSENT = (PostStatus.menunggu_persetujuan.value, PostStatus.disetujui.value, PostStatus.dijadwalkan.value)


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


CONTENT_FIELDS = ("title", "key_messages", "master_text", "variants", "media", "hashtags", "links",
                  "instructions", "mandatory", "starts_at", "ends_at")  # fmt: skip


def _content(session: Session, *, unit: Unit, data: KitInput, actor: Principal) -> dict[str, Any]:
    """A kit's texts, lists and window as written, cleaned (what a correction replaces)."""
    starts_at, ends_at = _window(session, unit, data.starts_at, data.ends_at)
    master = _text(data.master_text, name="master_text", max_length=posts_service.TEXT_MAX)
    variants = _variants(data.variants)
    if not master and not variants:
        raise Invalid(_("Write the master text."), field="master_text")
    return {
        "title": _text(data.title, name="title", max_length=posts_service.TITLE_MAX, required=True),
        "key_messages": _key_messages(data.key_messages), "master_text": master, "variants": variants,
        "media": _media(session, actor=actor, unit=unit, media_ids=data.media_ids),
        "hashtags": clean_hashtags(data.hashtags), "links": clean_links(data.links),
        "instructions": _text(data.instructions, name="instructions", max_length=posts_service.TEXT_MAX),
        "mandatory": bool(data.mandatory), "starts_at": starts_at, "ends_at": ends_at,
    }  # fmt: skip


def create_kit(session: Session, *, unit_id: int, data: KitInput, actor: Principal) -> ContentKit:
    """A new kit of a unit of the actor's subtree, not issued yet."""
    org_service.require_role(actor, *ISSUERS)
    unit = org_service.access_unit(session, actor, unit_id)
    content = _content(session, unit=unit, data=data, actor=actor)
    kit = ContentKit(
        uid=str(uuid.uuid4()), issuer_unit_id=unit.id, issuer=unit, target={}, created_by_id=actor.id,
        **content,
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
    require_compliant(session, unit=kit.issuer, kit_id=kit.id, content=snapshot(kit))
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
    to_review: tuple[int, ...] = ()  # posts made from an earlier version of the kit (it was corrected since)


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
    followed = post_versions(session, [p for ids in posts.values() for p in ids])
    items = [
        QueueItem(
            r.kit, r, r.kit.ends_at - now, tuple(posts.get(r.id, ())),
            any(p in published_posts for p in posts.get(r.id, ())),
            tuple(p for p in posts.get(r.id, ()) if followed.get(p, r.kit.version) < r.kit.version),
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


def _with_required(text: str, kit: ContentKit | dict[str, Any]) -> str:
    """The text with every key message that is not in it yet, and the required hashtags and links."""
    values: dict[str, Any] = kit if isinstance(kit, dict) else {
        "key_messages": kit.key_messages, "hashtags": kit.hashtags, "links": kit.links,
    }  # fmt: skip
    missing = [m["text"] for m in values["key_messages"] if _norm(m["text"]) not in _norm(text)]
    tail = [t for t in [*values["hashtags"], *values["links"]] if _norm(t) not in _norm(text)]
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
    if kit.withdrawn:
        raise Conflict(_("The issuer withdrew this kit: %(reason)s", reason=kit.withdrawn_reason or ""))
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
    session.add(KitPost(post_id=post.id, receipt_id=receipt.id, kit_version=kit.version))
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


# --- guardrails on the kit's own text -------------------------------------------------------------------


def snapshot(kit: ContentKit) -> dict[str, Any]:
    """The kit's texts, lists and window as JSON (a version's content)."""
    out = {name: getattr(kit, name) for name in CONTENT_FIELDS}
    return _json_content(out)


def _json_content(content: dict[str, Any]) -> dict[str, Any]:
    out = dict(content)
    for name in ("starts_at", "ends_at"):
        if isinstance(out[name], datetime):
            out[name] = out[name].astimezone(UTC).isoformat()
    out["variants"] = dict(sorted(dict(out["variants"]).items()))
    return out


def kit_parts(content: dict[str, Any]) -> list[compliance_service.Part]:
    """What the receiving units' drafts will carry: the master text and each platform's variant, each with
    the key messages, hashtags and links ``adapt_kit`` adds."""
    parts = [compliance_service.Part("master", _with_required(content["master_text"], content))]
    for platform, text in sorted(content["variants"].items()):
        parts.append(compliance_service.Part(f"variant:{platform}", _with_required(text, content), platform))
    return parts


def require_compliant(
    session: Session, *, unit: Unit, kit_id: int | None, content: dict[str, Any]
) -> compliance_service.Verdict:
    """Check a kit's text with the issuing unit's rules (decision 0097) before it goes down the tree: a
    blocking finding refuses the issue or the correction (no override: the issuer fixes the text, the
    receiving units' own checks still run on each draft); the check is recorded like a post's submit."""
    result = compliance_service.verdict(
        session, unit=unit, subject_type="kit", subject_id=None, parts=kit_parts(content)
    )
    if kit_id is not None:
        compliance_service.record(
            session, unit=unit, subject_type="kit", subject_id=kit_id, stage="submit", result=result
        )
    for part, finding in result.findings:
        if finding.severity == BLOCK:
            where = _("master text") if part.key == "master" else part.key.removeprefix("variant:")
            raise Invalid(
                _("The compliance check blocks this kit (%(rule)s, %(where)s: \"%(text)s\"): %(detail)s",
                  rule=finding.rule, where=where, text=finding.text[:60], detail=finding.message),
                field="master_text" if part.key == "master" else "variants",
            )  # fmt: skip
    return result


# --- withdrawal and correction (decision 0098, "Withdrawal, corrections and key rotation") --------------


def clean_reason(reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) < REASON_MIN:
        raise Invalid(_("Write the reason (at least %(n)s characters).", n=REASON_MIN), field="reason")
    if len(reason) > REASON_MAX:
        raise Invalid(_("The reason is too long."), field="reason")
    return reason


def _require_issuer(actor: Principal, kit: ContentKit) -> None:
    org_service.require_role(actor, *ISSUERS)
    if not can_track(actor, kit):
        raise NotFound(_("Content kit not found."))
    if kit.issued_at is None:
        raise Conflict(_("This kit has not been issued yet."))
    if kit.withdrawn:
        raise Conflict(_("This kit has been withdrawn."))


def _kit_posts(session: Session, kit: ContentKit) -> list[tuple[KitPost, Post]]:
    stmt = (
        select(KitPost, Post)
        .join(Post, Post.id == KitPost.post_id)
        .where(KitPost.receipt_id.in_([r.id for r in kit.receipts]))
        .order_by(Post.id)
    )
    return [(kp, post) for kp, post in session.execute(stmt).tuples()]


def _pull_back(session: Session, kit: ContentKit, *, message: str) -> list[int]:
    """Every post made from the kit that is in its chain or waiting for its time, not yet handed to the
    outbox, goes back to a draft (no time), the reason on each variant."""
    pulled = []
    for _kp, post in _kit_posts(session, kit):
        if post.status in UNSENT and post.queued_at is None:
            post.status, post.approved_at, post.scheduled_at = PostStatus.draf.value, None, None
            pulled.append(post.id)
        if post.status == PostStatus.draf.value:
            for variant in post.variants:
                variant.error = message
    return pulled


def _tell_units(session: Session, *, kit: ContentKit, kind: str, subject: str, text: str, key: str) -> None:
    for receipt in kit.receipts:
        users = unit_people(session, receipt.unit)
        if users:
            outbox_notify.notify(
                session, users=users, kind=kind, subject=subject[:200], text=text,
                link=f"/publishing/kits/{kit.id}", key=f"{key}:{kit.id}:{receipt.unit_id}", unit=receipt.unit,
            )  # fmt: skip


def withdraw_kit(
    session: Session, *, kit: ContentKit, reason: str, actor: Principal, now: datetime | None = None
) -> list[int]:
    """The issuer withdraws a kit: every receiving unit sees it withdrawn with the reason and is told; no
    new draft is made from it; drafts and posts in a chain or waiting for their time go back to drafts and
    none of them can be submitted or sent again (no reviewer override: the issuer decided). Returns the
    posts taken back. What was already published stays (the units are told to consider taking it down)."""
    _require_issuer(actor, kit)
    reason = clean_reason(reason)
    now = now or utcnow()
    kit.withdrawn_at, kit.withdrawn_reason, kit.withdrawn_by_id = now, reason, actor.id
    pulled = _pull_back(session, kit, message=WITHDRAWN_MESSAGE)
    published = [p.id for _kp, p in _kit_posts(session, kit) if p.status in PUBLISHED]
    session.flush()
    subject = str(_("Content kit withdrawn: %(title)s (%(reason)s)", title=kit.title, reason=reason))
    text = str(
        _("%(subject)s\nReason: %(reason)s\nDo not publish it. Drafts made from it can no longer be "
          "submitted; check whether a post already published from it should be taken down.",
          subject=subject, reason=reason)
    )  # fmt: skip
    _tell_units(session, kit=kit, kind="kit.withdrawn", subject=subject, text=text, key="kit.withdrawn")
    audit_service.record(
        session, actor=actor, action="kit.withdraw", obj=kit, unit=kit.issuer, label=kit.title,
        after={"reason": reason, "posts_taken_back": pulled, "posts_published": published},
    )  # fmt: skip
    return pulled


PUBLISHED = (PostStatus.terbit.value, PostStatus.sebagian.value)


@dataclass(frozen=True)
class Change:
    """One field of a kit that a correction changed (``before``/``after`` as shown; datetimes for the
    window)."""

    field: str  # title, key_messages, master_text, variant:<platform>, media, hashtags, links, ...
    before: Any
    after: Any


def _shown(name: str, value: Any) -> Any:
    if name in ("starts_at", "ends_at"):
        return datetime.fromisoformat(value) if value else None
    if name == "key_messages":
        return "\n".join(("🔒 " if m.get("locked") else "") + str(m["text"]) for m in value)
    if name == "media":
        return " ".join(f"media:{m['media_id']}" for m in value)
    if name in ("hashtags", "links"):
        return " ".join(value)
    return value


def kit_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """What changed between two versions' contents, field by field (variants per platform)."""
    out = []
    for name in CONTENT_FIELDS:
        if name == "variants":
            for platform in sorted(set(old["variants"]) | set(new["variants"])):
                before, after = old["variants"].get(platform, ""), new["variants"].get(platform, "")
                if before != after:
                    out.append(Change(f"variant:{platform}", before, after))
        elif old.get(name) != new.get(name):
            out.append(Change(name, _shown(name, old.get(name)), _shown(name, new.get(name))))
    return out


def versions(session: Session, kit: ContentKit) -> list[KitVersion]:
    """The kit's stored versions, oldest first (none before its first correction)."""
    stmt = select(KitVersion).where(KitVersion.kit_id == kit.id).order_by(KitVersion.version)
    return list(session.scalars(stmt))


def changes_since(session: Session, kit: ContentKit, version: int) -> list[Change]:
    """What changed from ``version`` to the kit as it is now."""
    stored = {v.version: v for v in versions(session, kit)}
    if version >= kit.version or version not in stored:
        return []
    return kit_changes(stored[version].content, snapshot(kit))


def correct_kit(
    session: Session, *, kit: ContentKit, data: KitInput, reason: str, actor: Principal,
    now: datetime | None = None,
) -> KitVersion:  # fmt: skip
    """Issue a correction: a new version of the kit's texts that supersedes the old one. The kit stays one
    kit (its receipts, tracker and measures count it once); the receiving units are told with the reason,
    see what changed, and every post made from an earlier version is flagged to review: posts in a chain
    or waiting for their time go back to drafts, and none is submitted or sent until a drafter of the unit
    has reviewed it against the new version (``review_kit_draft``). The new text passes the guardrails."""
    _require_issuer(actor, kit)
    reason = clean_reason(reason)
    now = now or utcnow()
    content = _content(session, unit=kit.issuer, data=data, actor=actor)
    if content["ends_at"] <= now:
        raise Invalid(_("The window has already closed; change it before issuing."), field="ends_at")
    old, new = snapshot(kit), _json_content(content)
    changes = kit_changes(old, new)
    if not changes:
        raise Conflict(_("Nothing was changed."))
    require_compliant(session, unit=kit.issuer, kit_id=kit.id, content=new)
    if not versions(session, kit):  # version 1 is kept when the first correction comes
        session.add(
            KitVersion(
                kit_id=kit.id,
                version=kit.version,
                content=old,
                reason="",
                created_by_id=kit.created_by_id,
                created_at=kit.issued_at or kit.created_at,
            )
        )
    for name in CONTENT_FIELDS:
        setattr(kit, name, content[name])
    kit.version, kit.corrected_at = kit.version + 1, now
    row = KitVersion(kit_id=kit.id, version=kit.version, content=new, reason=reason, created_by_id=actor.id,
                     created_at=now)  # fmt: skip
    session.add(row)
    pulled = _pull_back(session, kit, message=CORRECTED_MESSAGE)
    if old["hashtags"] != new["hashtags"]:
        _update_query(session, kit)
    session.flush()
    subject = str(
        _("Content kit corrected: %(title)s (version %(n)s: %(reason)s)", title=kit.title, n=kit.version,
          reason=reason)
    )  # fmt: skip
    text = str(
        _("%(subject)s\nReason: %(reason)s\nReview what changed; drafts made from the earlier version are "
          "held until a drafter reviews them.", subject=subject, reason=reason)
    )  # fmt: skip
    _tell_units(session, kit=kit, kind="kit.corrected", subject=subject, text=text,
                key=f"kit.corrected.v{kit.version}")  # fmt: skip
    audit_service.record(
        session, actor=actor, action="kit.correct", obj=kit, unit=kit.issuer, label=kit.title,
        before={"version": kit.version - 1}, after={
            "version": kit.version, "reason": reason, "fields": [c.field for c in changes],
            "posts_taken_back": pulled,
        },
    )  # fmt: skip
    return row


def _update_query(session: Session, kit: ContentKit) -> None:
    """The kit's hashtag query follows its corrected hashtags (by the system, as when it was issued)."""
    from humas.ingest.models import SavedQuery

    text = hashtag_query(kit.hashtags)
    query = session.get(SavedQuery, kit.query_id) if kit.query_id else None
    if query is not None and text and query.archived_at is None:
        queries_service.update_query(session, query=query, name=query.name, text=text, actor=None)
    elif query is None and text:
        name = f"Narasi #{kit.id}: {kit.title}"[:200]
        kit.query_id = queries_service.create_query(
            session, unit=kit.issuer, name=name, query=text, actor=None
        ).id


def post_versions(session: Session, post_ids: list[int]) -> dict[int, int]:
    """The kit version each of these posts follows."""
    if not post_ids:
        return {}
    stmt = select(KitPost.post_id, KitPost.kit_version).where(KitPost.post_id.in_(post_ids))
    return {post_id: version for post_id, version in session.execute(stmt).tuples()}


def review_kit_draft(session: Session, *, post: Post, actor: Principal) -> Post:
    """A drafter of the unit has reviewed a post made from an earlier version against the corrected kit:
    it follows the current version again (an unpublished one must keep the kit's locks and required tags)."""
    org_service.require_role(actor, *posts_service.DRAFTERS)
    if not org_service.can_access(actor, post.unit):
        raise NotFound(_("Post not found."))
    link = session.get(KitPost, post.id)
    kit = kit_of_post(session, post)
    if link is None or kit is None:
        raise NotFound(_("This post was not made from a content kit."))
    if kit.withdrawn:
        raise Conflict(_("The issuer withdrew this kit: %(reason)s", reason=kit.withdrawn_reason or ""))
    if link.kit_version >= kit.version:
        raise Conflict(_("This post already follows the kit's current version."))
    if post.status not in PUBLISHED:
        check_kit_draft(session, post)
    before = link.kit_version
    link.kit_version = kit.version
    for variant in post.variants:
        if variant.error == CORRECTED_MESSAGE:
            variant.error = None
    audit_service.record(
        session, actor=actor, action="kit.review_post", obj=post, unit=post.unit, label=post.title,
        before={"kit_version": before}, after={"kit_id": kit.id, "kit_version": kit.version},
    )  # fmt: skip
    return post


def stop_reason(session: Session, post: Post) -> str | None:
    """Why a post made from a kit may not be submitted or sent now: its kit was withdrawn, or corrected
    after the post was made and nobody reviewed it yet (``None``: it may go)."""
    link = session.get(KitPost, post.id)
    if link is None:
        return None
    kit = kit_of_post(session, post)
    if kit is None:
        return None
    if kit.withdrawn:
        return str(_("The issuer withdrew the content kit this post was made from (%(reason)s); it cannot "
                     "be submitted or published.", reason=kit.withdrawn_reason or ""))  # fmt: skip
    if link.kit_version < kit.version:
        return str(_("The content kit was corrected (version %(n)s) after this post was made from it; "
                     "review the changes on the kit's page and mark the post reviewed first.",
                     n=kit.version))  # fmt: skip
    return None


def require_sendable(session: Session, post: Post) -> None:
    """Refuse to start a post's approval round while its kit stops it (``approvals._start_round``)."""
    reason = stop_reason(session, post)
    if reason is not None:
        raise Conflict(reason)


def hold_if_stopped(session: Session, post: Post) -> bool:
    """At send time (``publish.publish_post``): a post its kit stops is taken off the schedule with the
    reason on each variant, audited; True when held."""
    reason = stop_reason(session, post)
    if reason is None:
        return False
    kit = kit_of_post(session, post)
    post.status, post.scheduled_at = PostStatus.disetujui.value, None
    message = WITHDRAWN_MESSAGE if kit is not None and kit.withdrawn else CORRECTED_MESSAGE
    for variant in post.variants:
        variant.error = message
    audit_service.record(
        session, actor=None, action="post.kit_held", obj=post, unit=post.unit, label=post.title,
        after={"kit_id": kit.id if kit else None, "reason": reason},
    )  # fmt: skip
    return True
