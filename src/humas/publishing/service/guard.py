"""Guardrails on a post: its variants checked with the unit's stored rules at submit and just before they
are handed to the outbox (links resolved then), a reviewer's audited override of a block.

A blocked post does not enter its chain (it stays a draft) and, found blocked at send time (the rules or the
election period changed since it was approved), is taken off the schedule (``disetujui`` without a time) with
the reason on each blocked variant: nothing sends it, by any path, until the text is fixed (an edit restarts
the chain) or a reviewer overrides the block and the post is scheduled again.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from humas.compliance import service as compliance_service
from humas.compliance.service import Part, Verdict
from humas.guardrails import WARN, Finding
from humas.guardrails.findings import finding
from humas.org import audit as audit_service
from humas.org.service import Principal
from humas.publishing.models import MediaFile, MediaKind, Post, PostStatus
from humas.publishing.service import media as media_service
from humas.publishing.service import media_refs

SUBJECT = "post"
BLOCKED_MESSAGE = (
    "Diblokir oleh pemeriksaan kepatuhan"  # stored on the variant (shown as the platform's reason)
)


def gps_findings(session: Session, media: list[Any]) -> Iterator[Finding]:
    """A warning for each attached library image whose original carries EXIF GPS (the sent copy has none)."""
    for ref in media:
        if not media_refs.is_library_ref(ref) or ref.get("kind") != MediaKind.image.value:
            continue
        file = session.get(MediaFile, ref["media_id"])
        if file is not None and compliance_service.has_gps(media_service.read_bytes(file)):
            label = f"media:{file.id}"
            yield finding("exif_gps", WARN, label, 0, len(label))


def parts(session: Session, post: Post) -> list[Part]:
    from humas.publishing.service import posts as posts_service

    platforms = posts_service.channel_platforms(session, post)
    return [
        Part(
            str(v.channel_id),
            v.text,
            platforms.get(v.channel_id),
            with_media=bool(v.media),
            extra=tuple(gps_findings(session, list(v.media or []))),
        )
        for v in post.variants
    ]


def authors(post: Post) -> set[int]:
    """Who wrote or submitted the post: they never override its blocks."""
    return {i for i in (post.created_by_id, post.submitted_by_id) if i is not None}


def post_verdict(
    session: Session, *, post: Post, resolve: compliance_service.checks.Resolver | None = None
) -> Verdict:
    """Every variant's findings with the unit's rules, and the overrides the post already has."""
    return compliance_service.verdict(
        session, unit=post.unit, subject_type=SUBJECT, subject_id=post.id, parts=parts(session, post),
        resolve=resolve,
    )  # fmt: skip


def check_post(
    session: Session, *, post: Post, stage: str, resolve: compliance_service.checks.Resolver | None = None
) -> Verdict:
    """Check and record (submit or send); a block not overridden is audited as ``post.guardrail_blocked``."""
    result = post_verdict(session, post=post, resolve=resolve)
    compliance_service.record(
        session, unit=post.unit, subject_type=SUBJECT, subject_id=post.id, stage=stage, result=result
    )
    if result.blocked:
        audit_service.record(
            session, actor=None, action="post.guardrail_blocked", obj=post, unit=post.unit, label=post.title,
            after={"stage": stage, "rules": sorted({f.rule for _p, f in result.blocking})},
        )  # fmt: skip
    return result


def hold_blocked(post: Post, result: Verdict) -> None:
    """Found blocked at send: off the schedule, the reason on each blocked variant."""
    blocked_parts = {p.key for p, _f in result.blocking}
    post.status, post.scheduled_at = PostStatus.disetujui.value, None
    for variant in post.variants:
        if str(variant.channel_id) in blocked_parts:
            variant.error = BLOCKED_MESSAGE


def override_post(session: Session, *, post: Post, reason: str, actor: Principal) -> Verdict:
    """A reviewer (not the post's author or submitter) lets the post's current blocks through, audited."""
    result = post_verdict(session, post=post)
    compliance_service.override(
        session, unit=post.unit, subject_type=SUBJECT, subject_id=post.id, author_ids=authors(post),
        result=result, reason=reason, actor=actor, obj=post, label=post.title,
    )  # fmt: skip
    for variant in post.variants:
        if variant.error == BLOCKED_MESSAGE:
            variant.error = None
    return result


def can_override(actor: Principal, post: Post) -> bool:
    return compliance_service.can_override(actor, unit=post.unit, author_ids=authors(post))
