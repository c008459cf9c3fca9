"""The unit logo on /laporan: a unit admin uploads and removes it (CSRF, role and subtree checked), a bad file
is refused in plain Indonesian on its field and stores nothing, and the units below show the inherited one."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from humas.reports.models import UnitLogo
from tests.factories import make_user
from tests.reports.test_logo import image_bytes
from tests.reports.world import World, build_world
from tests.web.conftest import WebClient


@pytest.fixture
def world(session, fernet_key) -> World:
    return build_world(session)


def _upload(web: WebClient, unit_id: int, data: bytes, *, name: str = "logo.png", **kw):
    files = {"logo": (name, data, "image/png")}
    return web.post("/laporan/logo", {"unit": str(unit_id)}, files=files, **kw)


def _logos(session) -> int:
    return session.scalar(select(func.count()).select_from(UnitLogo)) or 0


def test_an_admin_uploads_a_logo_and_the_units_below_inherit_it(web: WebClient, session, world: World):
    admin = make_user(session, unit=world.kanwil_a, roles=("admin",))
    web.login(admin)
    page = web.get(f"/laporan?unit={world.kanwil_a.id}").text
    assert 'data-testid="logo-form"' in page and 'enctype="multipart/form-data"' in page
    assert "Belum ada logo" in html.unescape(page)

    done = _upload(web, world.kanwil_a.id, image_bytes((300, 120)))
    assert done.status_code == 303 and done.headers["location"] == f"/laporan?unit={world.kanwil_a.id}#logo"
    row = session.get(UnitLogo, world.kanwil_a.id)
    assert row is not None and (row.width, row.height) == (300, 120)
    page = web.get(f"/laporan?unit={world.kanwil_a.id}").text
    assert 'data-testid="logo-preview"' in page and 'src="data:image/png;base64,' in page
    assert 'data-testid="logo-remove"' in page
    child = html.unescape(web.get(f"/laporan?unit={world.a1.id}").text)
    assert "Diambil dari Kanwil A" in child and 'data-testid="logo-remove"' not in child

    assert web.post("/laporan/logo/hapus", {"unit": str(world.kanwil_a.id)}).status_code == 303
    assert session.get(UnitLogo, world.kanwil_a.id) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Berkas logo kosong."),
        (b"GIF89a bukan gambar", "Logo harus berupa gambar PNG, JPEG, atau WebP."),
        (image_bytes((10, 10)), "Logo terlalu kecil: paling sedikit 16 piksel di setiap sisi."),
        (b"\x89PNG" + b"0" * (2 * 1024 * 1024 + 10), "paling besar 2048 KB yang diterima"),
    ],
    ids=["empty", "not-an-image", "tiny", "too-big"],
)
def test_a_bad_file_is_refused_in_indonesian_and_stores_nothing(
    web: WebClient, session, world: World, data: bytes, message: str
):
    admin = make_user(session, unit=world.kanwil_a, roles=("admin",))
    web.login(admin)
    refused = _upload(web, world.kanwil_a.id, data)
    text = html.unescape(refused.text)
    assert refused.status_code == 422, text[:300]
    assert 'data-testid="field-error"' in text and message in text and 'aria-invalid="true"' in text
    assert _logos(session) == 0


def test_only_admins_of_the_unit_upload_with_the_forms_token(web: WebClient, session, world: World):
    png = image_bytes()
    web.login(world.leader_a)  # pimpinan: sees the logo, may not change it
    page = web.get(f"/laporan?unit={world.kanwil_a.id}").text
    assert 'data-testid="logo-card"' in page and 'data-testid="logo-form"' not in page
    assert _upload(web, world.kanwil_a.id, png).status_code == 403
    admin = make_user(session, unit=world.kanwil_a, roles=("admin",))
    web.login(admin)
    assert _upload(web, world.kanwil_b.id, png).status_code == 404  # a sibling
    assert _upload(web, world.root.id, png).status_code == 404  # the parent
    assert _upload(web, world.kanwil_a.id, png, csrf=False).status_code == 403  # no CSRF token
    assert _logos(session) == 0
    assert web.post("/laporan/logo/hapus", {"unit": str(world.kanwil_a.id)}).status_code == 404  # none own


def test_the_page_speaks_english_too(web: WebClient, session, world: World):
    admin = make_user(session, unit=world.kanwil_a, roles=("admin",))
    admin.locale = "en"
    session.commit()
    web.login(admin)
    refused = html.unescape(_upload(web, world.kanwil_a.id, b"").text)
    assert "The logo file is empty." in refused and "Logo on the report cover" in refused
