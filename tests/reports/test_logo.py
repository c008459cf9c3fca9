"""The institution logo: checked with Pillow, size-capped, re-encoded clean; the root's applies below."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from humas.core.errors import Invalid, NotFound, PermissionDenied
from humas.reports.models import UnitLogo
from humas.reports.service import logo
from tests.factories import make_unit, make_user


def image_bytes(size=(300, 120), fmt="PNG", mode="RGBA", exif=False) -> bytes:
    image = Image.new(mode, size, (10, 80, 160, 255) if mode == "RGBA" else (10, 80, 160))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x0112] = 6  # shown turned a quarter
        data[0x010F] = "Kamera Rahasia"
        image.save(out, fmt, exif=data)
    else:
        image.save(out, fmt)
    return out.getvalue()


def test_a_logo_is_stored_clean_and_the_roots_applies_down_the_tree(session):
    root = make_unit(session)
    child = make_unit(session, parent=root)
    grandchild = make_unit(session, parent=child)
    admin = make_user(session, unit=root, roles=("admin",))
    assert logo.effective_logo(session, grandchild) is None

    row = logo.set_unit_logo(
        session, unit=root, data=image_bytes((2400, 600), "JPEG", "RGB", exif=True), actor=admin
    )
    with Image.open(io.BytesIO(row.content)) as stored:
        assert stored.format == "PNG" and stored.size == (250, 1000)  # upright, longest side capped
        assert not stored.getexif() and "exif" not in stored.info
    assert logo.effective_logo(session, grandchild) == row.content

    own = logo.set_unit_logo(session, unit=child, data=image_bytes(), actor=admin)
    assert own.width == 300 and logo.effective_logo(session, grandchild) == own.content
    with Image.open(io.BytesIO(own.content)) as stored:
        assert stored.mode == "RGBA"  # transparency kept for the cover
    logo.remove_unit_logo(session, unit=child, actor=admin)
    assert logo.effective_logo(session, grandchild) == row.content


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"%PDF-1.4 not an image",
        image_bytes()[:200],  # cut off
        image_bytes(fmt="GIF", mode="RGB"),
        image_bytes((8, 8)),
        b"\x89PNG\r\n\x1a\n" + b"\0" * (logo.LOGO_MAX_BYTES + 1),
    ],
    ids=["empty", "not-an-image", "cut-off", "gif", "tiny", "oversized"],
)
def test_a_bad_logo_is_refused_with_a_clear_error_and_nothing_stored(session, data):
    unit = make_unit(session)
    admin = make_user(session, unit=unit, roles=("admin",))
    with pytest.raises(Invalid) as bad:
        logo.set_unit_logo(session, unit=unit, data=data, actor=admin)
    assert bad.value.field == "logo" and str(bad.value)
    assert session.scalar(select(func.count()).select_from(UnitLogo)) == 0


def test_only_admins_of_the_subtree_change_a_logo(session):
    root = make_unit(session)
    a, b = make_unit(session, parent=root), make_unit(session, parent=root)
    with pytest.raises(PermissionDenied):
        logo.set_unit_logo(
            session, unit=a, data=image_bytes(), actor=make_user(session, unit=a, roles=("pimpinan",))
        )
    with pytest.raises(NotFound):
        logo.set_unit_logo(
            session, unit=a, data=image_bytes(), actor=make_user(session, unit=b, roles=("admin",))
        )
    assert session.scalar(select(func.count()).select_from(UnitLogo)) == 0
