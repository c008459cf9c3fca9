"""Approval chains and decisions.

A unit's chain is an ordered list of steps; a step is passed when ``any`` one, or ``all``, of its approvers
approved in the current round: a role held at the chain's unit, or named people. A post takes the most
specific active chain of its unit (or of the nearest ancestor that has chains): one for a channel it goes out
on, then one for its content kind, then the unit's general one. No one approves their own post (its author or
whoever submitted it). A reject (with a reason) or a send-back (the approver's edit returned to the drafter)
ends the round; an edit after the chain started, or a reschedule the chain does not allow, starts a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.calendars import ancestor_ids
from humas.org.models import Role, User, UserRole
from humas.org.service import Principal
from humas.outbox import notify as outbox_notify
from humas.publishing.models import (
    Approval,
    ApprovalChain,
    ApprovalStep,
    Decision,
    Post,
    PostStatus,
    StepMode,
)
from humas.publishing.service import guard, kits
from humas.publishing.service import posts as posts_service
from humas.publishing.service.validation import check_variant

CHAIN_ADMINS = (Role.admin,)
REASON_MAX = 2000
STEPS_MAX = 10


@dataclass
class StepInput:
    name: str
    mode: str = StepMode.any.value
    role: str | None = None
    user_ids: list[int] | None = None


# --- chains -------------------------------------------------------------------------------------------


def access_chain(session: Session, actor: Principal, chain_id: int) -> ApprovalChain:
    """A chain of the actor's subtree; any other id is simply not found."""
    chain = session.get(ApprovalChain, chain_id)
    if chain is None or not org_service.can_access(actor, chain.unit):
        raise NotFound(_("Approval chain not found."))
    return chain


def list_chains(session: Session, actor: Principal) -> list[ApprovalChain]:
    stmt = select(ApprovalChain).where(
        ApprovalChain.unit_id.in_(org_service.visible_unit_ids(session, actor))
    )
    return list(session.scalars(stmt.order_by(ApprovalChain.unit_id, ApprovalChain.id)))


def _clean_steps(
    session: Session, *, actor: Principal, unit_id: int, steps: list[StepInput]
) -> list[ApprovalStep]:
    if not steps or len(steps) > STEPS_MAX:
        raise Invalid(_("A chain has 1 to %(n)s steps.", n=STEPS_MAX), field="steps")
    out = []
    for position, step in enumerate(steps, start=1):
        if step.mode not in (StepMode.any.value, StepMode.all.value):
            raise Invalid(_("Choose 'any' or 'all'."), field="steps")
        role = step.role or None
        if role is not None and role not in (r.value for r in Role):
            raise Invalid(_("Unknown role: %(role)s", role=role), field="steps")
        user_ids = sorted({int(i) for i in step.user_ids or []})
        if (role is None) == (not user_ids):
            raise Invalid(_("A step names either a role or people."), field="steps")
        for user_id in user_ids:
            org_service.access_user(session, actor, user_id)
        name = org_service.clean_name(step.name, field_name="steps")
        out.append(ApprovalStep(position=position, name=name, mode=step.mode, role=role, user_ids=user_ids))
    return out


def create_chain(
    session: Session,
    *,
    unit_id: int,
    name: str,
    steps: list[StepInput],
    actor: Principal,
    channel_id: int | None = None,
    content_kind: str | None = None,
    keep_on_reschedule: bool = False,
) -> ApprovalChain:
    """A unit's approval chain (for one channel, one content kind, or the unit's general one)."""
    from humas.channels import service as channels_service

    org_service.require_role(actor, *CHAIN_ADMINS)
    unit = org_service.access_unit(session, actor, unit_id)
    if (
        channel_id is not None
        and channels_service.access_channel(session, actor, channel_id).unit_id != unit.id
    ):
        raise Invalid(_("Choose a channel of this unit."), field="channel_id")
    chain = ApprovalChain(
        unit_id=unit.id,
        name=org_service.clean_name(name),
        channel_id=channel_id,
        content_kind=(content_kind or "").strip()[:40] or None,
        keep_on_reschedule=keep_on_reschedule,
    )
    chain.steps = _clean_steps(session, actor=actor, unit_id=unit.id, steps=steps)
    session.add(chain)
    audit_service.record(
        session,
        actor=actor,
        action="approval_chain.create",
        obj=chain,
        unit=unit,
        after={"steps": [(s.name, s.mode, s.role, s.user_ids) for s in chain.steps]},
    )
    return chain


def deactivate_chain(session: Session, *, chain: ApprovalChain, actor: Principal) -> ApprovalChain:
    org_service.require_role(actor, *CHAIN_ADMINS)
    chain.is_active = False
    audit_service.record(
        session,
        actor=actor,
        action="approval_chain.deactivate",
        obj=chain,
        unit=chain.unit,
        after={"active": False},
    )
    return chain


def select_chain(session: Session, post: Post) -> ApprovalChain | None:
    """The most specific active chain for a post, from its unit up the tree."""
    channel_ids = {v.channel_id for v in post.variants}
    order = ancestor_ids(post.unit)
    stmt = select(ApprovalChain).where(ApprovalChain.unit_id.in_(order), ApprovalChain.is_active.is_(True))
    best: tuple[int, int, int] | None = None
    chosen = None
    for chain in session.scalars(stmt):
        if chain.channel_id is not None and chain.channel_id not in channel_ids:
            continue
        if chain.content_kind is not None and chain.content_kind != post.kind:
            continue
        score = (
            order.index(chain.unit_id),
            2 * (chain.channel_id is not None) + (chain.content_kind is not None),
            -chain.id,
        )
        if best is None or score > best:
            best, chosen = score, chain
    return chosen


# --- who approves -------------------------------------------------------------------------------------


def _own(post: Post, user_id: int) -> bool:
    return user_id in (post.created_by_id, post.submitted_by_id)


def required_approvers(
    session: Session, *, chain: ApprovalChain, step: ApprovalStep, post: Post
) -> list[int]:
    """Who may approve this step (for ``all``: who must), the post's author and submitter left out."""
    if step.user_ids:
        candidates = [int(i) for i in step.user_ids]
        stmt = select(User.id).where(User.id.in_(candidates), User.is_active.is_(True))
    else:
        stmt = (
            select(User.id)
            .join(UserRole)
            .where(UserRole.role == step.role, User.unit_id == chain.unit_id, User.is_active.is_(True))
        )
    return sorted(uid for uid in set(session.scalars(stmt)) if not _own(post, uid))


def _round_approvals(session: Session, post: Post) -> list[Approval]:
    stmt = select(Approval).where(Approval.post_id == post.id, Approval.round == post.approval_round)
    return list(session.scalars(stmt.order_by(Approval.id)))


def _passed(
    session: Session, *, chain: ApprovalChain, step: ApprovalStep, post: Post, approvals: list[Approval]
) -> bool:
    approved = {
        a.user_id for a in approvals if a.step_position == step.position and a.decision == Decision.approve
    }
    if step.mode == StepMode.any.value:
        return bool(approved)
    required = set(required_approvers(session, chain=chain, step=step, post=post))
    return bool(required) and required <= approved


def current_step(session: Session, post: Post) -> ApprovalStep | None:
    """The first step of the post's chain not yet passed in this round; ``None`` when all are."""
    chain = session.get(ApprovalChain, post.chain_id) if post.chain_id else None
    if chain is None:
        return None
    approvals = _round_approvals(session, post)
    for step in chain.steps:
        if not _passed(session, chain=chain, step=step, post=post, approvals=approvals):
            return step
    return None


def chain_complete(session: Session, post: Post) -> bool:
    """Whether every step of the post's chain passed in the current round (checked again before sending)."""
    return post.chain_id is not None and post.approval_round > 0 and current_step(session, post) is None


def _may_decide(session: Session, *, post: Post, actor: Principal) -> ApprovalStep:
    if post.status != PostStatus.menunggu_persetujuan.value:
        raise Conflict(_("This post is not waiting for approval."))
    if _own(post, actor.id):
        raise PermissionDenied(_("No one approves their own post."))
    step = current_step(session, post)
    chain = session.get(ApprovalChain, post.chain_id) if post.chain_id else None
    if step is None or chain is None:
        raise Conflict(_("This post is not waiting for approval."))
    allowed = step.user_ids and actor.id in [int(i) for i in step.user_ids]
    if step.role and step.role in {r.value for r in actor.roles} and actor.unit.id == chain.unit_id:
        allowed = True
    if not allowed or not org_service.can_access(actor, post.unit):
        raise PermissionDenied(_("You are not an approver of this step."))
    return step


# --- submit and decide --------------------------------------------------------------------------------


def submit_post(session: Session, *, post: Post, actor: Principal) -> Post:
    """Send a draft into its approval chain: every variant must pass its platform's checks."""
    org_service.require_role(actor, *posts_service.DRAFTERS)
    if post.status != PostStatus.draf.value:
        raise Conflict(_("Only a draft can be submitted."))
    post.submitted_by_id, post.submitted_at = actor.id, utcnow()
    if not _start_round(session, post=post):
        return post  # blocked by the guardrails: still a draft, the findings recorded and shown
    audit_service.record(
        session, actor=actor, action="post.submit", obj=post, unit=post.unit, label=post.title,
        after={"chain_id": post.chain_id, "round": post.approval_round, "version": post.version},
    )  # fmt: skip
    return post


def check_variants(session: Session, post: Post) -> None:
    """Refuse a post without channels, or with a variant its platform would not take."""
    if not post.variants:
        raise Invalid(_("Choose at least one channel."), field="variants")
    platforms = posts_service.channel_platforms(session, post)
    for variant in post.variants:
        counter = check_variant(platforms[variant.channel_id], variant.text, list(variant.media))
        if not counter.ok:
            raise Invalid(counter.problems[0].message, field=f"variant-{variant.channel_id}")


def _start_round(session: Session, *, post: Post) -> bool:
    """Start a round of the chain; False (the post back to a draft) when the guardrails block it."""
    check_variants(session, post)  # every round approves what the platforms will take
    kits.require_sendable(session, post)  # its content kit withdrawn, or corrected and not reviewed
    if guard.check_post(session, post=post, stage="submit").blocked:
        post.status, post.approved_at = PostStatus.draf.value, None
        return False
    chain = select_chain(session, post)
    if chain is None:
        raise Invalid(_("This unit has no approval chain yet; an admin sets one up."), field="chain")
    for step in chain.steps:
        if not required_approvers(session, chain=chain, step=step, post=post):
            raise Invalid(
                _("Step '%(step)s' has no approver other than the post's author.", step=step.name),
                field="chain",
            )
    post.chain_id, post.approval_round = chain.id, post.approval_round + 1
    post.status, post.approved_at = PostStatus.menunggu_persetujuan.value, None
    session.flush()
    notify_step(session, post=post)
    return True


def restart_chain(session: Session, *, post: Post, actor: Principal, reason: str) -> None:
    """Start the chain again from its first step (after an edit, or a reschedule the chain does not keep)."""
    before = post.status
    _start_round(session, post=post)
    audit_service.record(
        session, actor=actor, action="post.chain_restart", obj=post, unit=post.unit, label=post.title,
        before={"status": before}, after={"round": post.approval_round, "reason": reason},
    )  # fmt: skip


def approve_post(session: Session, *, post: Post, actor: Principal) -> Post:
    """Approve the current step; the last step approves the post (scheduled if it has a time)."""
    step = _may_decide(session, post=post, actor=actor)
    if post.scheduled_at is not None and post.scheduled_at <= utcnow():
        raise Conflict(_("Its scheduled time has passed: the post has expired."))
    if any(
        a.user_id == actor.id and a.step_position == step.position for a in _round_approvals(session, post)
    ):
        raise Conflict(_("You already approved this step."))
    _decide(session, post=post, step=step, actor=actor, decision=Decision.approve)
    session.flush()
    if current_step(session, post) is None:
        post.approved_at = utcnow()
        post.status = (PostStatus.dijadwalkan if post.scheduled_at else PostStatus.disetujui).value
        notify(
            session,
            user_ids=[post.created_by_id],
            post=post,
            kind="post.approved",
            text=_("Approved: %(title)s", title=post.title),
        )
    elif current_step(session, post) is not step:
        notify_step(session, post=post)
    audit_service.record(
        session, actor=actor, action="post.approve", obj=post, unit=post.unit, label=post.title,
        after={"step": step.position, "round": post.approval_round, "status": post.status},
    )  # fmt: skip
    return post


def reject_post(session: Session, *, post: Post, reason: str, actor: Principal) -> Post:
    """Reject with a reason: the post goes back to its drafter as a draft."""
    step = _may_decide(session, post=post, actor=actor)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Say why it is rejected."), field="reason")
    _decide(session, post=post, step=step, actor=actor, decision=Decision.reject, reason=reason[:REASON_MAX])
    post.status = PostStatus.draf.value
    notify(
        session,
        user_ids=[post.created_by_id],
        post=post,
        kind="post.rejected",
        text=_("Rejected: %(title)s", title=post.title),
    )
    audit_service.record(
        session, actor=actor, action="post.reject", obj=post, unit=post.unit, label=post.title,
        after={"step": step.position, "reason": reason[:REASON_MAX]},
    )  # fmt: skip
    return post


def send_back_post(
    session: Session,
    *,
    post: Post,
    actor: Principal,
    reason: str = "",
    data: posts_service.PostInput | None = None,
) -> Post:
    """The approver edits (optional) and returns the post to its drafter, who submits it again."""
    step = _may_decide(session, post=post, actor=actor)
    if data is not None:
        posts_service.apply_edit(session, post=post, data=data, actor=actor)
    reason = (reason or "").strip()[:REASON_MAX]
    _decide(session, post=post, step=step, actor=actor, decision=Decision.send_back, reason=reason or None)
    post.status = PostStatus.draf.value
    notify(
        session,
        user_ids=[post.created_by_id],
        post=post,
        kind="post.sent_back",
        text=_("Sent back to you: %(title)s", title=post.title),
    )
    audit_service.record(
        session, actor=actor, action="post.send_back", obj=post, unit=post.unit, label=post.title,
        after={"step": step.position, "version": post.version},
    )  # fmt: skip
    return post


def _decide(
    session: Session,
    *,
    post: Post,
    step: ApprovalStep,
    actor: Principal,
    decision: Decision,
    reason: str | None = None,
) -> None:
    session.add(
        Approval(
            post_id=post.id,
            round=post.approval_round,
            step_position=step.position,
            user_id=actor.id,
            decision=decision.value,
            reason=reason,
            version=post.version,
        )
    )


def list_approvals(session: Session, *, post: Post) -> list[Approval]:
    stmt = select(Approval).where(Approval.post_id == post.id).order_by(Approval.id)
    return list(session.scalars(stmt))


def approver_queue(session: Session, actor: Principal) -> list[Post]:
    """Posts of the actor's subtree waiting at a step the actor may decide now (never their own)."""
    stmt = select(Post).where(
        Post.status == PostStatus.menunggu_persetujuan.value,
        Post.unit_id.in_(org_service.visible_unit_ids(session, actor)),
    )
    out = []
    for post in session.scalars(stmt.order_by(Post.scheduled_at, Post.id)):
        try:
            step = _may_decide(session, post=post, actor=actor)
        except (PermissionDenied, Conflict):
            continue
        if not any(
            a.user_id == actor.id and a.step_position == step.position
            for a in _round_approvals(session, post)
        ):
            out.append(post)
    return out


# --- notifications ------------------------------------------------------------------------------------


def notify_step(session: Session, *, post: Post) -> None:
    """Tell the approvers of the post's current step that it waits for them."""
    step = current_step(session, post)
    chain = session.get(ApprovalChain, post.chain_id) if post.chain_id else None
    if step is None or chain is None:
        return
    users = required_approvers(session, chain=chain, step=step, post=post)
    text = _("Waiting for your approval: %(title)s", title=post.title)
    notify(
        session,
        user_ids=users,
        post=post,
        kind="post.approval",
        text=text,
        key_part=f"r{post.approval_round}s{step.position}",
    )


def notify(
    session: Session, *, user_ids: list[int], post: Post, kind: str, text: Any, key_part: str = ""
) -> None:
    """Tell people in the app and by e-mail (through the outbox), once per post, kind and round/step."""
    users = list(session.scalars(select(User).where(User.id.in_(user_ids), User.is_active.is_(True))))
    if not users:
        return
    subject = str(text)[:200]
    outbox_notify.notify(
        session,
        users=users,
        kind=kind,
        subject=subject,
        text=subject,
        link=f"/publishing/posts/{post.id}",
        key=f"{kind}:{post.id}:{key_part or post.version}",
        unit=post.unit,
    )
