"""The institution logo on a report's cover: uploaded per unit, the nearest ancestor's used otherwise.

An upload is checked by the media library's reader (Pillow opens, verifies and decodes it whole; a file
with too many pixels is refused before it is decoded), then re-encoded from its pixels as a PNG of at most
``LOGO_MAX_SIDE`` pixels on its longest side: upright, transparency kept, no metadata (EXIF, GPS) carried.
Only unit admins change it (it is the institution's identity, like the unit tree).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageOps
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from humas.core.errors import Invalid, NotFound
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit
from humas.publishing import mediafile
from humas.reports.models import UnitLogo

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SIDE = 1000
LOGO_MIN_SIDE = 16
LOGO_CONTENT_TYPES = ("image/png", "image/jpeg", "image/webp")
MANAGERS = (Role.admin,)


def _types_message() -> str:
    return str(_("The logo must be a PNG, JPEG or WebP image."))


@dataclass(frozen=True)
class CleanLogo:
    content: bytes
    width: int
    height: int


def clean_logo(data: bytes) -> CleanLogo:
    """A logo upload as a clean PNG; ``Invalid`` (field ``logo``) naming what is wrong with it."""
    if not data:
        raise Invalid(_("The logo file is empty."), field="logo")
    if len(data) > LOGO_MAX_BYTES:
        raise Invalid(
            _(
                "The logo is %(size)s KB; at most %(limit)s KB is taken.",
                size=len(data) // 1024,
                limit=LOGO_MAX_BYTES // 1024,
            ),
            field="logo",
        )
    try:
        found = mediafile.inspect_image(data)
    except Invalid as exc:
        # The media library's "not an image or video (… GIF, MP4 or MOV)" names types a logo cannot be.
        media_types = _("The file is not an image or video humas takes (JPEG, PNG, WebP, GIF, MP4 or MOV).")
        message = _types_message() if str(exc.message) == str(media_types) else exc.message
        raise Invalid(message, field="logo") from None
    if found.content_type not in LOGO_CONTENT_TYPES:
        raise Invalid(_types_message(), field="logo")
    if min(found.width or 0, found.height or 0) < LOGO_MIN_SIDE:
        raise Invalid(
            _("The logo is too small: at least %(n)s pixels on each side.", n=LOGO_MIN_SIDE), field="logo"
        )
    with Image.open(BytesIO(data)) as source:
        image = ImageOps.exif_transpose(source)
        keeps_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        image = image.convert("RGBA" if keeps_alpha else "RGB")
    image.thumbnail((LOGO_MAX_SIDE, LOGO_MAX_SIDE), Image.Resampling.LANCZOS)
    out = BytesIO()
    image.save(out, "PNG", optimize=True)  # no pnginfo given: no text chunks, no EXIF
    return CleanLogo(out.getvalue(), image.width, image.height)


def set_unit_logo(session: Session, *, unit: Unit, data: bytes, actor: org_service.Principal) -> UnitLogo:
    """Upload (or replace) the unit's logo; a bad file stores nothing. Audited."""
    if not org_service.can_access(actor, unit):
        raise NotFound(_("Unit not found."))
    org_service.require_role(actor, *MANAGERS)
    clean = clean_logo(data)
    row = session.get(UnitLogo, unit.id)
    before = {"sha256": row.sha256} if row is not None else None
    if row is None:
        row = UnitLogo(unit_id=unit.id)
        session.add(row)
    row.content_type = "image/png"
    row.content = clean.content
    row.width, row.height = clean.width, clean.height
    row.size_bytes = len(clean.content)
    row.sha256 = hashlib.sha256(clean.content).hexdigest()
    row.uploaded_by_id = actor.id
    row.uploaded_at = utcnow()
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="report.logo",
        obj=unit,
        unit=unit,
        before=before,
        after={"sha256": row.sha256, "width": row.width, "height": row.height},
    )
    return row


def remove_unit_logo(session: Session, *, unit: Unit, actor: org_service.Principal) -> None:
    """Remove the unit's own logo (its nearest ancestor's applies again). Audited."""
    if not org_service.can_access(actor, unit):
        raise NotFound(_("Unit not found."))
    org_service.require_role(actor, *MANAGERS)
    row = session.get(UnitLogo, unit.id)
    if row is None:
        raise NotFound(_("This unit has no logo of its own."))
    before = {"sha256": row.sha256}
    session.delete(row)
    session.flush()
    audit_service.record(
        session, actor=actor, action="report.logo_remove", obj=unit, unit=unit, before=before
    )


def effective_logo_row(session: Session, unit: Unit) -> UnitLogo | None:
    """The unit's own logo, else its nearest ancestor's (so the root's applies down the tree)."""
    chain = [int(x) for x in unit.path.strip("/").split("/") if x] or [unit.id]
    rows = session.scalars(
        select(UnitLogo).where(UnitLogo.unit_id.in_(chain)).options(undefer(UnitLogo.content))
    ).all()
    by_unit = {r.unit_id: r for r in rows}
    return next((by_unit[uid] for uid in reversed(chain) if uid in by_unit), None)


def effective_logo(session: Session, unit: Unit) -> bytes | None:
    row = effective_logo_row(session, unit)
    return row.content if row is not None else None
