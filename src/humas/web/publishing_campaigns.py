"""Campaign pages: the campaigns of the user's units with the form for a new one, hashtag groups (saved, and
inserted into a draft), and one campaign: what it published, reach and engagement per day in the viewer's
zone, and the public's side of its hashtags. Every rule is the publishing service's (``campaigns``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from humas.org import service as org_service
from humas.org.models import User
from humas.publishing.service import campaigns
from humas.publishing.service import posts as posts_service
from humas.web.deps import CurrentUser, DbSession, IdForm, IdPath
from humas.web.errors import with_form
from humas.web.flash import N_, redirect
from humas.web.templating import render, viewer_zone
from humas.web.units import unit_rows

router = APIRouter(include_in_schema=False)
BASE = "/publishing/campaigns"
Short = Annotated[str, Form(max_length=2000)]


def _index_context(session: Session, user: User) -> dict[str, Any]:
    may_draft = org_service.has_role(user, *posts_service.DRAFTERS)
    return {
        "campaigns": campaigns.list_campaigns(session, user),
        "groups": campaigns.list_hashtag_groups(session, user),
        "drafts": campaigns.drafts_for_groups(session, user) if may_draft else [],
        "units": unit_rows(org_service.list_units(session, user)),
        "may_draft": may_draft,
    }


@router.get(BASE, response_class=HTMLResponse)
def campaigns_page(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """The campaigns and hashtag groups of the user's units."""
    return render(request, "publishing/campaigns/index.html", **_index_context(session, user), error=None)


@router.post(BASE)
def create_campaign(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: IdForm,
    name: Short = "",
    hashtags: Short = "",
) -> Response:
    """Create a campaign; its hashtags become a saved query."""
    with_form(request, "publishing/campaigns/index.html", values={"name": name, "hashtags": hashtags},
              **_index_context(session, user))  # fmt: skip
    campaign = campaigns.create_campaign(session, unit_id=unit_id, name=name, hashtags=[hashtags], actor=user)
    return redirect(f"{BASE}/{campaign.id}", N_("Campaign saved."))


@router.post("/publishing/hashtag-groups")
def create_group(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: IdForm,
    name: Short = "",
    hashtags: Short = "",
) -> Response:
    """Save a hashtag group for a unit (and the units below it)."""
    with_form(request, "publishing/campaigns/index.html", values={"group_name": name, "group_tags": hashtags},
              **_index_context(session, user))  # fmt: skip
    campaigns.create_hashtag_group(session, unit_id=unit_id, name=name, hashtags=[hashtags], actor=user)
    return redirect(BASE, N_("Hashtag group saved."))


@router.post("/publishing/hashtag-groups/insert")
def insert_group(
    request: Request, session: DbSession, user: CurrentUser, group_id: IdForm, post_id: IdForm
) -> Response:
    """Insert a hashtag group into every variant of a draft (a new version)."""
    group = campaigns.access_hashtag_group(session, user, group_id)
    post = posts_service.access_post(session, user, post_id)
    posts_service.require_editable(post)
    campaigns.insert_hashtag_group(session, post=post, group=group, actor=user)
    return redirect(f"/publishing/posts/{post.id}", N_("Hashtags inserted."))


@router.get(BASE + "/{campaign_id}", response_class=HTMLResponse)
def campaign_page(
    request: Request, session: DbSession, user: CurrentUser, campaign_id: IdPath
) -> HTMLResponse:
    """One campaign: its published items, reach and engagement per day, and the listening side."""
    campaign = campaigns.access_campaign(session, user, campaign_id)
    view = campaigns.campaign_view(session, campaign=campaign, zone=viewer_zone(request))
    may_draft = org_service.has_role(user, *posts_service.DRAFTERS)
    return render(request, "publishing/campaigns/campaign.html", view=view, may_draft=may_draft, error=None)


@router.post(BASE + "/{campaign_id}/items")
def add_item(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    campaign_id: IdPath,
    kind: Annotated[str, Form(max_length=40)] = "post",  # the service names a bad kind
    ref_id: IdForm = 0,
) -> Response:
    """Add a post, kit or saved query (by its number) to the campaign."""
    campaign = campaigns.access_campaign(session, user, campaign_id)
    campaigns.add_item(session, campaign=campaign, kind=kind, ref_id=ref_id, actor=user)
    return redirect(f"{BASE}/{campaign.id}", N_("Added to the campaign."))
