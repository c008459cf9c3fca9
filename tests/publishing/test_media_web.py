"""Media library pages: upload through the form, the grid with search and tags, a file's page with its fit
per platform and the derived previews; bad files refused on the form; sibling units isolated; hostile text
escaped; the public address answers only when HUMAS_PUBLIC_URL is set, and never with an original image."""

from __future__ import annotations

import re
from io import BytesIO

from PIL import Image
from sqlalchemy import func, select

from humas.publishing.models import MediaFile
from humas.publishing.service import media as media_service
from tests.factories import make_unit, make_user
from tests.publishing.media_files import (
    image,
    jpeg_with_exif,
    media_dir_fixture,  # noqa: F401  (the fixture media_dir)
    mp4,
    public_url,
)


def _upload(web, user, data: bytes, name: str, **fields):
    form = {"unit_id": str(user.unit.id), **fields}
    return web.post("/publishing/media", form, files={"file": (name, data, "application/octet-stream")})


def test_upload_grid_search_and_a_files_page(web, session, media_dir):
    user = make_user(session, roles=("drafter",))
    web.login(user)
    response = _upload(
        web, user, jpeg_with_exif(), "peta.jpg", alt_text="Peta posko banjir", tags="banjir posko"
    )
    assert response.status_code == 303, response.text[:500]
    media_id = int(re.search(r"/publishing/media/(\d+)$", response.headers["location"]).group(1))
    assert _upload(web, user, mp4(seconds=30), "klip.mov", tags="video").status_code == 303

    grid = web.get("/publishing/media")
    assert grid.status_code == 200 and grid.text.count('data-testid="media-tile"') == 2
    found = web.get("/publishing/media", params={"q": "posko"})
    assert found.text.count('data-testid="media-tile"') == 1 and "peta.jpg" in found.text
    tagged = web.get("/publishing/media", params={"tag": "video"})
    assert tagged.text.count('data-testid="media-tile"') == 1 and "klip.mov" in tagged.text

    page = web.get(f"/publishing/media/{media_id}")
    assert page.status_code == 200
    assert 'data-platform="instagram"' in page.text and 'data-platform="x"' in page.text
    assert (
        f"/publishing/media/{media_id}/for/instagram" not in page.text
    )  # no public address: Instagram can't
    preview = web.get(f"/publishing/media/{media_id}/for/x")
    assert preview.status_code == 200 and preview.headers["content-type"] == "image/jpeg"
    assert not Image.open(BytesIO(preview.content)).getexif()  # no EXIF, no GPS in what leaves
    thumb = web.get(f"/publishing/media/{media_id}/preview")
    assert Image.open(BytesIO(thumb.content)).size == (20, 40)  # upright

    refused = web.post(f"/publishing/media/{media_id}", {"alt_text": "Peta", "tags": "bukan<tag>"})
    assert refused.status_code == 422 and 'data-testid="field-error"' in refused.text
    assert "bukan<tag>" not in refused.text  # the refused value is shown escaped
    described = web.post(f"/publishing/media/{media_id}", {"alt_text": "Peta", "tags": "evakuasi"})
    assert described.status_code == 303
    assert "evakuasi" in web.get("/publishing/media").text
    assert web.post(f"/publishing/media/{media_id}/archive").status_code == 303
    assert web.get("/publishing/media").text.count('data-testid="media-tile"') == 1


def test_a_bad_file_is_refused_on_the_form_and_nothing_is_kept(web, session, media_dir):
    user = make_user(session, roles=("drafter",))
    web.login(user)
    response = _upload(web, user, b"bukan gambar\n" * 50, "foto.jpg", alt_text="x")
    assert response.status_code == 422
    assert 'data-testid="field-error"' in response.text and 'data-testid="media-upload"' in response.text
    truncated = _upload(web, user, image(200, 200)[:300], "foto.jpg")
    assert truncated.status_code == 422
    assert session.scalar(select(func.count()).select_from(MediaFile)) == 0
    assert not media_dir.exists() or not [p for p in media_dir.rglob("*") if p.is_file()]


def test_an_upload_over_the_limit_is_refused_before_it_is_read_whole(web, session, media_dir, monkeypatch):
    monkeypatch.setenv("HUMAS_MEDIA_MAX_BYTES", "1000")
    media_service.get_settings.cache_clear()
    user = make_user(session, roles=("drafter",))
    web.login(user)
    response = _upload(web, user, image(300, 300, "PNG", compress_level=0), "besar.png")
    assert response.status_code == 422 and "MB" in response.text
    assert session.scalar(select(func.count()).select_from(MediaFile)) == 0


def test_a_sibling_units_file_is_not_found_and_a_parents_is_read_only(web, session, media_dir):
    root = make_unit(session, name="Kementerian")
    a, b = make_unit(session, parent=root, name="Kanwil A"), make_unit(session, parent=root, name="Kanwil B")
    head = make_user(session, unit=root, roles=("drafter",))
    user_a, user_b = (
        make_user(session, unit=a, roles=("drafter",)),
        make_user(session, unit=b, roles=("drafter",)),
    )
    own_a, _ = media_service.upload_media(session, actor=user_a, unit=a, data=image(20, 20), alt_text="A")
    shared, _ = media_service.upload_media(
        session, actor=head, unit=root, data=image(21, 21), alt_text="Logo"
    )
    session.flush()

    web.login(user_b)
    for path in ("", "/file", "/preview", "/for/x"):
        assert web.get(f"/publishing/media/{own_a.id}{path}").status_code == 404
    assert web.post(f"/publishing/media/{own_a.id}", {"alt_text": "x", "tags": ""}).status_code == 404
    assert web.post(f"/publishing/media/{own_a.id}/archive").status_code == 404
    grid = web.get("/publishing/media").text
    assert f"/publishing/media/{shared.id}" in grid and f"/publishing/media/{own_a.id}" not in grid
    assert web.get(f"/publishing/media/{shared.id}").status_code == 200
    assert web.post(f"/publishing/media/{shared.id}", {"alt_text": "x", "tags": ""}).status_code == 403


def test_hostile_names_and_alt_text_are_escaped(web, session, media_dir):
    user = make_user(session, roles=("drafter",))
    web.login(user)
    hostile = '<script>alert("x")</script>'
    response = _upload(web, user, image(30, 30), f"{hostile}.png", alt_text=hostile)
    assert response.status_code == 303
    for url in ("/publishing/media", response.headers["location"]):
        text = web.get(url).text
        assert hostile not in text and "&lt;script&gt;" in text


def test_the_public_address_serves_derived_files_only_when_configured(web, session, media_dir, monkeypatch):
    user = make_user(session, roles=("drafter",))
    media, _ = media_service.upload_media(session, actor=user, unit=user.unit, data=jpeg_with_exif())
    derived = media_service.prepared_for(session, media=media, platform="instagram")
    session.flush()
    assert web.get(f"/media/p/{derived.public_token}").status_code == 404  # HUMAS_PUBLIC_URL not set

    public_url(monkeypatch)
    served = web.get(f"/media/p/{derived.public_token}")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert not Image.open(BytesIO(served.content)).getexif()
    assert web.get(f"/media/p/{media.public_token}").status_code == 404  # an original image never
    assert web.get("/media/p/not-a-token").status_code == 404
    web.login(user)
    page = web.get(f"/publishing/media/{media.id}")
    assert f"/publishing/media/{media.id}/for/instagram" in page.text  # now Instagram can fetch it
