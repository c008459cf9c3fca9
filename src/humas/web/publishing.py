"""Publishing pages: the posts of the user's units and the approver's queue, a draft's editor with each
variant's counter, and the chain's decisions. Every rule is the publishing service's."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from types import SimpleNamespace
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from humas.channels import service as channels_service
from humas.channels.models import Channel
from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.org import service as org_service
from humas.org.models import User
from humas.publishing import service as publishing_service
from humas.publishing.models import OPEN_STATUSES, Post
from humas.publishing.service import PostInput, VariantInput
from humas.web.deps import CurrentUser, DbSession, IdForm, IdPath
from humas.web.errors import with_form
from humas.web.flash import N_, redirect
from humas.web.guardrails import BLOCKED_NOTICE
from humas.web.templating import render
from humas.web.units import unit_rows

router = APIRouter(include_in_schema=False)
BASE = "/publishing"
FIELD_MAX = 40_000
Text = Annotated[str, Form(max_length=FIELD_MAX)]


@dataclass(frozen=True)
class VariantView:
    channel_id: int
    channel_name: str
    platform: str
    text: str
    state: str
    url: str | None
    error: str | None
    used: int
    limit: int
    problems: tuple[str, ...]
    media: str = ""  # one URL a line
    variant_id: int | None = None
    metrics: tuple[Any, ...] = ()


VIDEO_ENDINGS = (".mp4", ".mov", ".webm", ".m4v")


LIBRARY_LINE = re.compile(r"(?:media|pustaka):(\d{1,12})", re.IGNORECASE)


def _media(lines: str) -> list[dict[str, Any]]:
    """Media, one a line: ``media:<number>`` for a file of the media library (its kind and measures are filled
    from the file when the post is saved), or a web address: a video by its ending, else an image."""
    out: list[dict[str, Any]] = []
    for line in (raw.strip() for raw in lines.splitlines()):
        if not line:
            continue
        library = LIBRARY_LINE.fullmatch(line)
        if library:
            out.append({"kind": "image", "media_id": int(library.group(1))})
            continue
        if not line.startswith(("https://", "http://")):
            raise Invalid(
                _(
                    "Media are media:123 (file 123 of the library) "
                    "or web addresses (https://...), one a line."
                ),
                field="variants",
            )
        kind = "video" if line.lower().split("?")[0].endswith(VIDEO_ENDINGS) else "image"
        out.append({"kind": kind, "url": line})
    return out


def _media_text(media: list[Any]) -> str:
    lines = []
    for m in media:
        if isinstance(m, dict) and isinstance(m.get("media_id"), int):
            lines.append(f"media:{m['media_id']}")
        elif isinstance(m, dict) and m.get("url"):
            lines.append(str(m["url"]))
    return "\n".join(lines)


def _channels_of(session: Session, user: User, unit_id: int) -> list[Channel]:
    return [c for c in channels_service.list_channels(session, user) if c.unit_id == unit_id and c.is_active]


def _variant_views(session: Session, user: User, unit_id: int, post: Post | None) -> list[VariantView]:
    by_channel = {v.channel_id: v for v in post.variants} if post is not None else {}
    views = []
    for channel in _channels_of(session, user, unit_id):
        variant = by_channel.get(channel.id)
        text = variant.text if variant else ""
        counter = publishing_service.check_variant(
            channel.platform, text, list(variant.media) if variant else []
        )
        views.append(
            VariantView(
                channel.id, channel.name, channel.platform, text,
                variant.state if variant else "", variant.url if variant else None,
                variant.error if variant else None, counter.used, counter.limit,
                tuple(str(p.message) for p in counter.problems) if variant else (),
                _media_text(list(variant.media)) if variant else "", variant.id if variant else None,
                tuple(publishing_service.series(session, variant=variant)) if variant and variant.published_at
                else (),
            )
        )  # fmt: skip
    return views


def _input(
    title: str, body: str, kind: str, campaign: str, channel_ids: list[int], texts: list[str],
    media: list[str],
) -> PostInput:  # fmt: skip
    media = media or [""] * len(texts)
    if len(channel_ids) != len(texts) or len(media) != len(texts):
        raise Invalid(_("The form is not complete; reload the page."), field="variants")
    variants = [
        VariantInput(cid, text, _media(lines))
        for cid, text, lines in zip(channel_ids, texts, media, strict=True)
        if text.strip() or lines.strip()
    ]
    return PostInput(
        title=title, body=body, kind=kind or "umum", campaign=campaign or None, variants=variants
    )


@router.get(BASE, response_class=HTMLResponse)
def publishing_page(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """The posts of the user's units, newest first, and the posts waiting for the user's approval."""
    return render(
        request,
        "publishing/index.html",
        posts=publishing_service.list_posts(session, user),
        queue=publishing_service.approver_queue(session, user),
        can_draft=org_service.has_role(user, *publishing_service.DRAFTERS),
    )


def _new_context(session: Session, user: User, unit_id: int) -> dict[str, Any]:
    unit = org_service.access_unit(session, user, unit_id)
    channels = _channels_of(session, user, unit.id)
    return {
        "units": unit_rows(org_service.list_units(session, user)),
        "unit_id": unit.id,
        "channels": channels,
        "variants": _variant_views(session, user, unit.id, None),
        "editable": True,
        "post": None,
    }


@router.get(f"{BASE}/posts/new", response_class=HTMLResponse)
def new_post_page(
    request: Request, session: DbSession, user: CurrentUser, unit_id: int | None = None
) -> HTMLResponse:
    """The form for a new draft on the unit's channels."""
    org_service.require_role(user, *publishing_service.DRAFTERS)
    context = _new_context(session, user, unit_id or user.unit_id)
    return render(request, "publishing/new.html", **context, error=None, values={})


@router.post(f"{BASE}/posts")
def create_post(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: IdForm,
    title: Text = "",
    body: Text = "",
    kind: Text = "umum",
    campaign: Text = "",
    channel_id: Annotated[list[int], Form()] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    text: Annotated[list[str], Form(max_length=FIELD_MAX)] = [],  # noqa: B006
    media: Annotated[list[str], Form(max_length=FIELD_MAX)] = [],  # noqa: B006
) -> Response:
    """Save a new draft and its first version."""
    values = {"title": title, "body": body, "kind": kind, "campaign": campaign}
    with_form(request, "publishing/new.html", values=values, **_new_context(session, user, unit_id))
    data = _input(title, body, kind, campaign, channel_id, text, media)
    post = publishing_service.create_post(session, unit_id=unit_id, data=data, actor=user)
    return redirect(f"{BASE}/posts/{post.id}", N_("Draft saved."))


def _post_context(session: Session, user: User, post: Post) -> dict[str, Any]:
    step = publishing_service.current_step(session, post) if post.status == "menunggu_persetujuan" else None
    return {
        "post": post,
        "variants": _variant_views(session, user, post.unit_id, post),
        "step": step,
        "local_time": publishing_service.local_time(session, post=post),
        "versions": publishing_service.list_versions(session, post=post),
        "comments": publishing_service.list_comments(session, post=post),
        "approvals": publishing_service.list_approvals(session, post=post),
        "editable": post.status in OPEN_STATUSES and post.queued_at is None,
        "can_decide": post in publishing_service.approver_queue(session, user),
    }


@router.get(BASE + "/posts/{post_id}", response_class=HTMLResponse)
def post_page(request: Request, session: DbSession, user: CurrentUser, post_id: IdPath) -> HTMLResponse:
    """One post: its editor, each variant's counter, its chain, versions and comments."""
    post = publishing_service.access_post(session, user, post_id)
    return render(request, "publishing/post.html", **_post_context(session, user, post), error=None)


def _plain(obj: Any) -> Any:
    """A detached copy of a row's columns: the error page renders after the request's rollback, when the
    ORM objects are expired and no longer bound to a session."""
    if obj is None or not hasattr(obj, "__table__"):
        return obj
    return SimpleNamespace(**{c.key: getattr(obj, c.key) for c in obj.__table__.columns})


def _form(request: Request, session: DbSession, user: User, post: Post) -> None:
    """Register the post page as the form to re-render if the service refuses (with plain copies)."""
    context = _post_context(session, user, post)
    plain_post = _plain(post)
    plain_post.unit = SimpleNamespace(name=post.unit.name)
    context["post"], context["step"] = plain_post, _plain(context["step"])
    for key in ("versions", "comments", "approvals"):
        context[key] = [_plain(row) for row in context[key]]
    context["variants"] = [
        replace(v, metrics=tuple(_plain(m) for m in v.metrics)) for v in context["variants"]
    ]
    with_form(request, "publishing/post.html", **context)


@router.post(BASE + "/posts/{post_id}")
def edit_post(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    post_id: IdPath,
    title: Text = "",
    body: Text = "",
    kind: Text = "umum",
    campaign: Text = "",
    channel_id: Annotated[list[int], Form()] = [],  # noqa: B006
    text: Annotated[list[str], Form(max_length=FIELD_MAX)] = [],  # noqa: B006
    media: Annotated[list[str], Form(max_length=FIELD_MAX)] = [],  # noqa: B006
) -> Response:
    """Save a new version (after approval, the chain starts again)."""
    post = publishing_service.access_post(session, user, post_id)
    _form(request, session, user, post)
    data = _input(title, body, kind, campaign, channel_id, text, media)
    publishing_service.edit_post(session, post=post, data=data, actor=user)
    return redirect(f"{BASE}/posts/{post.id}", N_("Draft saved."))


@router.post(BASE + "/posts/{post_id}/submit")
def submit_post(request: Request, session: DbSession, user: CurrentUser, post_id: IdPath) -> Response:
    """Send the draft into its approval chain."""
    post = publishing_service.access_post(session, user, post_id)
    _form(request, session, user, post)
    publishing_service.submit_post(session, post=post, actor=user)
    if post.status == "draf":  # the guardrails blocked it (recorded; the page shows the findings)
        return redirect(
            f"{BASE}/posts/{post.id}",
            BLOCKED_NOTICE,
        )
    return redirect(f"{BASE}/posts/{post.id}", N_("Sent for approval."))


@router.post(BASE + "/posts/{post_id}/approve")
def approve_post(request: Request, session: DbSession, user: CurrentUser, post_id: IdPath) -> Response:
    """Approve the current step."""
    post = publishing_service.access_post(session, user, post_id)
    _form(request, session, user, post)
    publishing_service.approve_post(session, post=post, actor=user)
    return redirect(f"{BASE}/posts/{post.id}", N_("Approved."))


@router.post(BASE + "/posts/{post_id}/reject")
def reject_post(
    request: Request, session: DbSession, user: CurrentUser, post_id: IdPath, reason: Text = ""
) -> Response:
    """Reject with a reason: the post goes back to its drafter."""
    post = publishing_service.access_post(session, user, post_id)
    _form(request, session, user, post)
    publishing_service.reject_post(session, post=post, reason=reason, actor=user)
    return redirect(f"{BASE}/posts/{post.id}", N_("Rejected."))


@router.post(BASE + "/posts/{post_id}/schedule")
def schedule_post(
    request: Request, session: DbSession, user: CurrentUser, post_id: IdPath, scheduled_at: Text = ""
) -> Response:
    """Give the post its time, in the unit's zone."""
    post = publishing_service.access_post(session, user, post_id)
    _form(request, session, user, post)
    try:
        when = datetime.fromisoformat(scheduled_at.strip())
    except ValueError:
        raise Invalid(_("Enter a date and time."), field="scheduled_at") from None
    publishing_service.schedule_post(session, post=post, at=when.replace(tzinfo=None), actor=user)
    return redirect(f"{BASE}/posts/{post.id}", N_("Scheduled."))


@router.post(BASE + "/posts/{post_id}/comments")
def comment_post(
    request: Request, session: DbSession, user: CurrentUser, post_id: IdPath, text: Text = ""
) -> Response:
    """Add an internal comment."""
    post = publishing_service.access_post(session, user, post_id)
    _form(request, session, user, post)
    publishing_service.add_comment(session, post=post, text=text, actor=user)
    return redirect(f"{BASE}/posts/{post.id}", N_("Comment added."))
