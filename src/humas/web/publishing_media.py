"""Media library pages: the grid with search and tags, the upload form, a file's page with its fit on each
platform and the derived previews; the files themselves, served by humas (never from the store's folder),
and the unguessable public addresses the platforms fetch when ``HUMAS_PUBLIC_URL`` is set."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from humas.channels import service as channels_service
from humas.connectors.registry import REGISTRY, Capability, find_platform
from humas.core.errors import Invalid, NotFound
from humas.core.i18n import _
from humas.core.settings import get_settings
from humas.org import service as org_service
from humas.org.models import User
from humas.publishing.models import MediaDerivative, MediaFile
from humas.publishing.service import media as media_service
from humas.web.deps import CurrentUser, DbSession, IdForm, IdPath
from humas.web.errors import with_form
from humas.web.flash import N_, redirect
from humas.web.templating import render
from humas.web.units import unit_rows

router = APIRouter(include_in_schema=False)
BASE = "/publishing/media"
Short = Annotated[str, Form(max_length=1_000)]
Search = Annotated[str, Query(max_length=200)]
MEDIA_CAPABILITIES = (Capability.POST_IMAGE, Capability.POST_VIDEO)


def _library_context(
    session: Session, user: User, *, q: str = "", tag: str = "", kind: str = ""
) -> dict[str, Any]:
    files = media_service.list_media(session, user, q=q, tag=tag, kind=kind)
    return {
        "files": files,
        "previews": {m.id: media_service.preview_of(session, media=m) is not None for m in files},
        "tags": media_service.list_tags(session, user),
        "units": unit_rows(org_service.list_units(session, user)),
        "filters": {"q": q, "tag": tag, "kind": kind},
        "max_mb": get_settings().media_max_bytes // (1024 * 1024),
        "values": {},
    }


@router.get(BASE, response_class=HTMLResponse)
def library_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    q: Search = "",
    tag: Search = "",
    kind: Search = "",
) -> HTMLResponse:
    """The files of the user's units and those shared from above, searchable by text and tag."""
    context = _library_context(session, user, q=q, tag=tag, kind=kind)
    return render(request, "publishing/media.html", **context, error=None)


async def _read_upload(file: UploadFile) -> bytes:
    """The upload's bytes, reading no more than one byte past the limit."""
    limit = get_settings().media_max_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        size = max(file.size or 0, len(data)) / 1024 / 1024
        raise Invalid(
            _("The file is %(size)s MB; at most %(limit)s MB is taken.", size=f"{size:.1f}",
              limit=f"{limit / 1024 / 1024:.1f}"),
            field="file",
        )  # fmt: skip
    return data


@router.post(BASE)
async def upload(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: IdForm,
    file: Annotated[UploadFile, File()],
    alt_text: Short = "",
    tags: Short = "",
) -> Response:
    """Upload one image or video into a unit's library."""
    with_form(request, "publishing/media.html", **_library_context(session, user))
    unit = org_service.access_unit(session, user, unit_id)
    data = await _read_upload(file)
    media, created = media_service.upload_media(
        session, actor=user, unit=unit, data=data, filename=file.filename, alt_text=alt_text, tags=tags
    )
    message = N_("File uploaded.") if created else N_("This file is already in the library.")
    return redirect(f"{BASE}/{media.id}", message)


def _platforms(session: Session, user: User) -> list[str]:
    """The platforms of the user's channels that take media; every such platform when there is none."""
    names = {c.platform for c in channels_service.list_channels(session, user)}
    names = {n for n in names if (spec := find_platform(n)) and any(spec.can(c) for c in MEDIA_CAPABILITIES)}
    if not names:
        names = {n for n, spec in REGISTRY.items() if any(spec.can(c) for c in MEDIA_CAPABILITIES)}
    return sorted(names)


def _file_context(session: Session, user: User, media: MediaFile) -> dict[str, Any]:
    fits = [
        media_service.fit_for(media, spec) for n in _platforms(session, user) if (spec := find_platform(n))
    ]
    return {
        "media": media,
        "fits": fits,
        "can_edit": media_service.can_edit(user, media),
        "preview": media_service.preview_of(session, media=media) is not None,
        "values": {"alt_text": media.alt_text, "tags": " ".join(media.tags)},
    }


@router.get(BASE + "/{media_id}", response_class=HTMLResponse)
def file_page(request: Request, session: DbSession, user: CurrentUser, media_id: IdPath) -> HTMLResponse:
    """One file: its measures, alt text and tags, and how it fits each platform."""
    media = media_service.access_media(session, user, media_id)
    return render(request, "publishing/media_file.html", **_file_context(session, user, media), error=None)


@router.post(BASE + "/{media_id}")
def describe(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    media_id: IdPath,
    alt_text: Short = "",
    tags: Short = "",
) -> Response:
    """Change a file's alt text and tags."""
    media = media_service.access_media(session, user, media_id)
    with_form(request, "publishing/media_file.html", **_file_context(session, user, media))
    media_service.describe_media(session, media=media, actor=user, alt_text=alt_text, tags=tags)
    return redirect(f"{BASE}/{media.id}", N_("Saved."))


@router.post(BASE + "/{media_id}/archive")
def archive(request: Request, session: DbSession, user: CurrentUser, media_id: IdPath) -> Response:
    """Take a file out of the library (posts that use it keep it)."""
    media = media_service.access_media(session, user, media_id)
    media_service.archive_media(session, media=media, actor=user)
    return redirect(BASE, N_("File archived."))


def _serve(item: MediaFile | MediaDerivative, *, private: bool) -> Response:
    headers = {
        "Cache-Control": "private, max-age=3600" if private else "public, max-age=86400",
        "Content-Disposition": "inline",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(media_service.read_bytes(item), media_type=item.content_type, headers=headers)


@router.get(BASE + "/{media_id}/file")
def original(session: DbSession, user: CurrentUser, media_id: IdPath) -> Response:
    """The file as uploaded (for the people of its units only)."""
    return _serve(media_service.access_media(session, user, media_id), private=True)


@router.get(BASE + "/{media_id}/preview")
def preview(session: DbSession, user: CurrentUser, media_id: IdPath) -> Response:
    """The library's small copy of an image (upright, no metadata)."""
    media = media_service.access_media(session, user, media_id)
    derived = media_service.preview_of(session, media=media)
    if derived is None:
        raise NotFound(_("This file has no preview."))
    return _serve(derived, private=True)


@router.get(BASE + "/{media_id}/for/{platform}")
def prepared(session: DbSession, user: CurrentUser, media_id: IdPath, platform: str) -> Response:
    """The file as it would go to one platform (an image converted for it)."""
    media = media_service.access_media(session, user, media_id)
    return _serve(media_service.prepared_for(session, media=media, platform=platform), private=True)


@router.get("/media/p/{token}")
def public_file(session: DbSession, token: str) -> Response:
    """A derived image or a video at its unguessable address, for the platforms that fetch files."""
    item = media_service.find_public(session, token)
    if item is None:
        raise NotFound(_("Media file not found."))
    return _serve(item, private=False)
