"""Drafts: create and edit a post and its per-channel variants, keep every version, compare two of them,
internal comments, cancel. An edit after the chain started (or finished) restarts it (``approvals``)."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.channels import service as channels_service
from humas.core.errors import Conflict, Invalid, NotFound
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role
from humas.org.service import Principal
from humas.publishing.models import (
    OPEN_STATUSES,
    Post,
    PostComment,
    PostStatus,
    PostVariant,
    PostVersion,
    VariantState,
)
from humas.publishing.service import media_refs
from humas.publishing.service.validation import Counter, check_variant, clean_media

DRAFTERS = (Role.admin, Role.drafter)
TITLE_MAX = 200
TEXT_MAX = 20_000
KIND_MAX = 40
CAMPAIGN_MAX = 80
COMMENT_MAX = 5_000


@dataclass
class VariantInput:
    channel_id: int
    text: str
    media: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PostInput:
    title: str
    body: str = ""
    kind: str = "umum"
    campaign: str | None = None
    variants: list[VariantInput] = field(default_factory=list)


def get_post(session: Session, post_id: int) -> Post:
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound(_("Post not found."))
    return post


def access_post(session: Session, actor: Principal, post_id: int) -> Post:
    """A post of the actor's subtree; any other id is simply not found."""
    post = session.get(Post, post_id)
    if post is None or not org_service.can_access(actor, post.unit):
        raise NotFound(_("Post not found."))
    return post


def list_posts(
    session: Session, actor: Principal, *, status: str | None = None, limit: int = 100
) -> list[Post]:
    """The newest posts of the actor's subtree, optionally of one status."""
    stmt = select(Post).where(Post.unit_id.in_(org_service.visible_unit_ids(session, actor)))
    if status:
        stmt = stmt.where(Post.status == status)
    return list(session.scalars(stmt.order_by(Post.id.desc()).limit(limit)))


def _text(value: str | None, *, field_name: str, max_length: int, required: bool = False) -> str:
    text = unicodedata.normalize("NFC", value or "").strip()
    if required and not text:
        raise Invalid(_("This field is required."), field=field_name)
    if len(text) > max_length:
        raise Invalid(_("The text is too long."), field=field_name)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in text):
        raise Invalid(_("The text contains control characters."), field=field_name)
    return text


def _clean(data: PostInput) -> PostInput:
    kind = _text(data.kind or "umum", field_name="kind", max_length=KIND_MAX, required=True)
    campaign = _text(data.campaign, field_name="campaign", max_length=CAMPAIGN_MAX) or None
    ids = [v.channel_id for v in data.variants]
    if len(ids) != len(set(ids)):
        raise Invalid(_("Each channel can have one variant only."), field="variants")
    variants = [
        VariantInput(
            v.channel_id,
            _text(v.text, field_name=f"variant-{v.channel_id}", max_length=TEXT_MAX),
            clean_media(v.media),
        )
        for v in data.variants
    ]
    return PostInput(
        title=_text(data.title, field_name="title", max_length=TITLE_MAX, required=True),
        body=_text(data.body, field_name="body", max_length=TEXT_MAX),
        kind=kind,
        campaign=campaign,
        variants=variants,
    )


def _check_channels(
    session: Session, *, actor: Principal, unit_id: int, variants: list[VariantInput]
) -> None:
    for v in variants:
        channel = channels_service.access_channel(session, actor, v.channel_id)
        if channel.unit_id != unit_id:
            raise Invalid(_("A post goes out on its own unit's channels only."), field="variants")
        if any(media_refs.is_library_ref(m) for m in v.media):  # library files shared with the unit
            v.media = media_refs.attach_refs(session, unit=channel.unit, refs=v.media)


def _set_variants(post: Post, variants: list[VariantInput]) -> None:
    by_channel = {v.channel_id: v for v in post.variants}
    wanted = {v.channel_id for v in variants}
    post.variants[:] = [v for v in post.variants if v.channel_id in wanted]
    for v in variants:
        row = by_channel.get(v.channel_id)
        if row is None:
            post.variants.append(PostVariant(channel_id=v.channel_id, text=v.text, media=v.media))
        else:
            row.text, row.media = v.text, v.media


def _snapshot(post: Post) -> dict[str, Any]:
    return {str(v.channel_id): {"text": v.text, "media": list(v.media)} for v in post.variants}


def save_version(session: Session, post: Post, *, actor: Principal | None) -> PostVersion:
    version = PostVersion(
        post_id=post.id,
        number=post.version,
        title=post.title,
        body=post.body,
        variants=_snapshot(post),
        saved_by_id=actor.id if actor is not None else None,
    )
    session.add(version)
    return version


def create_post(session: Session, *, unit_id: int, data: PostInput, actor: Principal) -> Post:
    """A new draft in a unit of the actor's subtree, with its first version."""
    org_service.require_role(actor, *DRAFTERS)
    unit = org_service.access_unit(session, actor, unit_id)
    data = _clean(data)
    _check_channels(session, actor=actor, unit_id=unit.id, variants=data.variants)
    post = Post(
        unit_id=unit.id,
        title=data.title,
        body=data.body,
        kind=data.kind,
        campaign=data.campaign,
        status=PostStatus.draf.value,
        version=1,
        created_by_id=actor.id,
    )
    session.add(post)
    _set_variants(post, data.variants)
    session.flush()
    save_version(session, post, actor=actor)
    audit_service.record(
        session,
        actor=actor,
        action="post.create",
        obj=post,
        unit=unit,
        label=post.title,
        after={"version": 1},
    )
    return post


def require_editable(post: Post) -> None:
    if post.status not in OPEN_STATUSES or post.queued_at is not None:
        raise Conflict(_("This post can no longer be changed."))


def apply_edit(session: Session, *, post: Post, data: PostInput, actor: Principal) -> bool:
    """Write the edit and a new version; returns whether anything changed (no version for no change)."""
    from humas.publishing.service import kits

    data = _clean(data)
    _check_channels(session, actor=actor, unit_id=post.unit_id, variants=data.variants)
    kits.check_kit_draft(session, post, [(v.channel_id, v.text) for v in data.variants])  # a kit's locks
    before = (post.title, post.body, post.kind, post.campaign, _snapshot(post))
    post.title, post.body, post.kind, post.campaign = data.title, data.body, data.kind, data.campaign
    _set_variants(post, data.variants)
    session.flush()
    if (post.title, post.body, post.kind, post.campaign, _snapshot(post)) == before:
        return False
    post.version += 1
    post.updated_at = utcnow()
    save_version(session, post, actor=actor)
    return True


def edit_post(session: Session, *, post: Post, data: PostInput, actor: Principal) -> Post:
    """Save a new version of a draft; an edit after the chain started restarts the chain."""
    from humas.publishing.service import approvals

    org_service.require_role(actor, *DRAFTERS)
    require_editable(post)
    before_version, status_before = post.version, post.status
    if not apply_edit(session, post=post, data=data, actor=actor):
        return post
    if post.status != PostStatus.draf.value:
        approvals.restart_chain(session, post=post, actor=actor, reason="edit")
    audit_service.record(
        session,
        actor=actor,
        action="post.edit",
        obj=post,
        unit=post.unit,
        label=post.title,
        before={"version": before_version, "status": status_before},
        after={"version": post.version, "status": post.status},
    )
    return post


def counters(post: Post, platforms: dict[int, str]) -> dict[int, Counter]:
    """Each variant's counter and problems (``platforms``: channel id -> platform name)."""
    return {
        v.channel_id: check_variant(platforms[v.channel_id], v.text, list(v.media)) for v in post.variants
    }


def channel_platforms(session: Session, post: Post) -> dict[int, str]:
    return {v.channel_id: channels_service.get_channel(session, v.channel_id).platform for v in post.variants}


def list_versions(session: Session, *, post: Post) -> list[PostVersion]:
    stmt = select(PostVersion).where(PostVersion.post_id == post.id).order_by(PostVersion.number)
    return list(session.scalars(stmt))


def get_version(session: Session, *, post: Post, number: int) -> PostVersion:
    stmt = select(PostVersion).where(PostVersion.post_id == post.id, PostVersion.number == number)
    version = session.scalar(stmt)
    if version is None:
        raise NotFound(_("Version not found."))
    return version


def diff_versions(old: PostVersion, new: PostVersion) -> dict[str, list[str]]:
    """What changed between two versions: a unified diff per changed part (``title``, ``body``,
    ``variant:<channel id>``); a variant only in one of them shows as all added or all removed."""
    parts: dict[str, tuple[str, str]] = {"title": (old.title, new.title), "body": (old.body, new.body)}
    for key in sorted(set(old.variants) | set(new.variants), key=int):
        a, b = old.variants.get(key) or {}, new.variants.get(key) or {}
        parts[f"variant:{key}"] = (_variant_text(a), _variant_text(b))
    out = {}
    for name, (a, b) in parts.items():
        if a != b:
            lines = difflib.unified_diff(
                a.splitlines(), b.splitlines(), f"v{old.number}", f"v{new.number}", lineterm=""
            )
            out[name] = list(lines)
    return out


def _variant_text(variant: dict[str, Any]) -> str:
    media = [f"[{m.get('kind')}] {m.get('url')}" for m in variant.get("media") or []]
    return "\n".join([variant.get("text") or "", *media]) if variant else ""


def add_comment(session: Session, *, post: Post, text: str, actor: Principal) -> PostComment:
    """An internal comment on a post (drafters and approvers talk here; never published)."""
    text = _text(text, field_name="text", max_length=COMMENT_MAX, required=True)
    comment = PostComment(post_id=post.id, author_id=actor.id, text=text)
    session.add(comment)
    audit_service.record(
        session, actor=actor, action="post.comment", obj=post, unit=post.unit, label=post.title
    )
    return comment


def list_comments(session: Session, *, post: Post) -> list[PostComment]:
    stmt = select(PostComment).where(PostComment.post_id == post.id).order_by(PostComment.id)
    return list(session.scalars(stmt))


def cancel_post(session: Session, *, post: Post, actor: Principal) -> Post:
    """Cancel a post that has not gone out; it is kept, and never published."""
    org_service.require_role(actor, Role.admin, Role.drafter, Role.pimpinan)
    require_editable(post)
    before = post.status
    post.status, post.finished_at = PostStatus.dibatalkan.value, utcnow()
    for variant in post.variants:
        variant.state = VariantState.draf.value
    audit_service.record(
        session,
        actor=actor,
        action="post.cancel",
        obj=post,
        unit=post.unit,
        label=post.title,
        before={"status": before},
        after={"status": post.status},
    )
    return post
