"""A post's other pages: the live counter of a variant, the retry of a failed variant, and two versions
compared. Rules are the publishing service's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from humas.channels import service as channels_service
from humas.compliance import service as compliance_service
from humas.core.errors import NotFound
from humas.core.i18n import _
from humas.publishing import service as publishing_service
from humas.web.deps import CurrentUser, DbSession, IdPath
from humas.web.flash import N_, redirect
from humas.web.guardrails import findings_view
from humas.web.publishing import FIELD_MAX, VariantView, _media
from humas.web.templating import render

router = APIRouter(include_in_schema=False)


@router.post("/publishing/channels/{channel_id}/count", response_class=HTMLResponse)
def count_variant(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    channel_id: IdPath,
    text: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies the default
    media: Annotated[list[str], Form()] = [],  # noqa: B006
    variant_channels: Annotated[list[str], Form(alias="channel_id")] = [],  # noqa: B006
) -> HTMLResponse:
    """The live counter and checks of one variant, as the channel's platform counts them. Inside the
    post's form htmx sends every variant's fields (``channel_id``, ``text``, ``media`` in page order), so
    this variant's are the ones at its channel's position; alone, the one text and media sent."""
    channel = channels_service.access_channel(session, user, channel_id)
    if any(len(value) > FIELD_MAX for value in (*text, *media)):
        raise HTTPException(status_code=422)
    at = variant_channels.index(str(channel_id)) if str(channel_id) in variant_channels else 0
    own_text = text[at] if at < len(text) else ""
    own_media = media[at] if at < len(media) else ""
    counter = publishing_service.check_variant(channel.platform, own_text, _media(own_media))
    view = VariantView(
        channel.id, channel.name, channel.platform, own_text, "", None, None, counter.used, counter.limit,
        tuple(str(p.message) for p in counter.problems),
    )  # fmt: skip
    findings = compliance_service.check_text(
        session, unit=channel.unit, text=own_text, platform=channel.platform
    )  # the guardrails as the drafter types, with the unit's stored rules
    return render(request, "publishing/_counter.html", v=view, gr=findings_view(own_text, findings))


@router.post("/publishing/posts/{post_id}/retry")
def retry_variant(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    post_id: IdPath,
    variant_id: Annotated[int, Form(ge=0)] = 0,  # 0 (missing) is not found, after the post's access check
) -> Response:
    """Send a failed variant again."""
    post = publishing_service.access_post(session, user, post_id)
    variant = next((v for v in post.variants if v.id == variant_id), None)
    if variant is None:
        raise NotFound(_("Variant not found."))
    publishing_service.retry_variant(session, variant=variant, actor=user)
    return redirect(f"/publishing/posts/{post.id}", N_("Sent again."))


@router.get("/publishing/posts/{post_id}/compare", response_class=HTMLResponse)
def compare_versions(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    post_id: IdPath,
    a: Annotated[int, Query(ge=1)] = 1,
    b: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    """Two versions of a post side by side, as a line diff of each changed part."""
    post = publishing_service.access_post(session, user, post_id)
    old = publishing_service.get_version(session, post=post, number=a)
    new = publishing_service.get_version(session, post=post, number=b or post.version)
    names = {str(c.id): c.name for c in channels_service.list_channels(session, user)}
    return render(
        request, "publishing/compare.html", post=post, old=old, new=new,
        diff=publishing_service.diff_versions(old, new), names=names,
        versions=publishing_service.list_versions(session, post=post),
    )  # fmt: skip
