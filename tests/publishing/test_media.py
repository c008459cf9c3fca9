"""The media library through its service: files known by their bytes, bad ones refused with nothing kept,
EXIF orientation applied and EXIF (GPS included) stripped, shapes fitted to a platform's range from its
spec, dedupe per unit, files shared down the tree and never across to a sibling, and safe storage keys."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from humas.connectors.registry import get_platform
from humas.core.errors import Invalid, NotFound, PermissionDenied
from humas.core.i18n import use_locale
from humas.org.models import AuditLog
from humas.publishing import mediafile, storage
from humas.publishing.models import MediaDerivative, MediaFile
from humas.publishing.service import PostInput, VariantInput, check_variant, edit_post, media_refs
from humas.publishing.service import media as media_service
from humas.publishing.service.publish import _payload
from tests.factories import make_unit, make_user
from tests.publishing.factories import make_desk, make_post
from tests.publishing.media_files import (
    bomb_png,
    image,
    jpeg_with_exif,
    media_dir_fixture,  # noqa: F401  (the fixture media_dir)
    mp4,
    public_url,
)

pytestmark = pytest.mark.usefixtures("media_dir")


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English (the msgids)."""
    with use_locale("en"):
        yield


def _upload(session, user, data: bytes, name: str = "foto.jpg", **kwargs):
    media, _created = media_service.upload_media(
        session, actor=user, unit=user.unit, data=data, filename=name, **kwargs
    )
    session.flush()
    return media


def _stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- content, not name -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"), ("GIF", "image/gif")],
)
def test_images_are_known_by_their_bytes_not_their_name(session, fmt, content_type, media_dir):
    user = make_user(session, roles=("drafter",))
    media = _upload(session, user, image(64, 48, fmt), name="dokumen.pdf")
    assert (media.kind, media.content_type, media.width, media.height) == ("image", content_type, 64, 48)
    assert media.original_name == "dokumen.pdf"
    assert media_service.read_bytes(media) == image(64, 48, fmt)
    assert "dokumen" not in media.key and storage.KEY.fullmatch(media.key)


def test_a_video_is_read_from_its_boxes(session):
    user = make_user(session, roles=("drafter",))
    media = _upload(session, user, mp4(seconds=42.25, codec=b"hvc1", size=(720, 1280)), name="x.jpg")
    assert (media.kind, media.content_type, media.codec) == ("video", "video/mp4", "hevc")
    assert (media.width, media.height, media.duration_s) == (720, 1280, 42.25)
    long_mov = mediafile.inspect(mp4(version=1, seconds=7200.5, brand=b"qt  "), max_bytes=10**9)
    assert (long_mov.content_type, long_mov.duration_s) == ("video/quicktime", 7200.5)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (image(300, 200)[:400], "damaged or cut off"),  # a truncated JPEG
        (b"Ini bukan gambar, hanya teks.\n" * 20, "not an image or video"),  # text renamed .jpg
        (bomb_png(), "too many pixels"),  # a header claiming 10^10 pixels
        (mp4()[:-100], "video is damaged or cut off"),
        (mp4(handler=b"soun"), "no video track"),
        (b"", "empty"),
    ],
    ids=["truncated-jpeg", "text-as-jpg", "pixel-bomb", "truncated-mp4", "audio-only", "empty"],
)
def test_a_bad_file_is_refused_naming_why_and_nothing_is_kept(session, media_dir, data, says):
    user = make_user(session, roles=("drafter",))
    with pytest.raises(Invalid) as caught:
        _upload(session, user, data, name="foto.jpg")
    assert says in str(caught.value) and caught.value.field == "file"
    assert session.scalar(select(func.count()).select_from(MediaFile)) == 0
    assert _stored_files(media_dir) == []


def test_an_oversized_upload_is_refused_with_its_size_and_the_limit(session, media_dir, monkeypatch):
    monkeypatch.setenv("HUMAS_MEDIA_MAX_BYTES", str(100_000))
    media_service.get_settings.cache_clear()
    user = make_user(session, roles=("drafter",))
    big = image(2000, 2000, "PNG", compress_level=0)
    with pytest.raises(Invalid) as caught:
        _upload(session, user, big)
    assert f"{len(big) / 1024 / 1024:.1f} MB" in str(caught.value) and "0.1 MB" in str(caught.value)
    assert _stored_files(media_dir) == []


# --- conversions -------------------------------------------------------------------------------------


def test_exif_orientation_is_applied_and_exif_with_gps_is_stripped(session):
    original = jpeg_with_exif(orientation=6)
    assert Image.open(BytesIO(original)).getexif().get_ifd(0x8825)  # the test file does carry a position
    user = make_user(session, roles=("drafter",))
    media = _upload(session, user, original)
    assert (media.width, media.height) == (20, 40)  # shown upright

    for platform in ("x", "instagram", "mastodon"):
        derived = media_service.prepared_for(session, media=media, platform=platform)
        picture = Image.open(BytesIO(media_service.read_bytes(derived)))
        exif = picture.getexif()
        assert len(exif) == 0 and not exif.get_ifd(0x8825) and "exif" not in picture.info
        assert b"KameraHumas" not in media_service.read_bytes(derived)
        if platform == "x":  # no shape range on X: the turned picture itself, red on top, blue below
            assert picture.size == (20, 40)
            red, blue = picture.getpixel((10, 5)), picture.getpixel((10, 35))
            assert red[0] > 200 and red[2] < 60 and blue[2] > 200 and blue[0] < 60


@pytest.mark.parametrize(
    ("size", "fit", "expected"),
    [
        ((1000, 400), "pad", (1000, 524)),  # 2.5:1 → padded above and below to ≤ 1.91:1
        ((1000, 400), "crop", (764, 400)),  # or its sides cut off
        ((400, 1000), "pad", (800, 1000)),  # 2:5 → padded at the sides to ≥ 4:5
        ((400, 1000), "crop", (400, 500)),
        ((3000, 3000), "pad", (1440, 1440)),  # square fits; scaled to the longest side the spec gives
        ((800, 1000), "crop", (800, 1000)),  # already 4:5
    ],
)
def test_an_image_is_fitted_into_the_spec_range(session, size, fit, expected):
    limits = get_platform("instagram").limits
    user = make_user(session, roles=("drafter",))
    media = _upload(session, user, image(*size, "PNG"))
    derived = media_service.prepared_for(session, media=media, platform="instagram", fit=fit)
    picture = Image.open(BytesIO(media_service.read_bytes(derived)))
    assert picture.format == "JPEG" and picture.size == expected == (derived.width, derived.height)
    assert limits.aspect_ratio_fits(*picture.size)
    assert max(picture.size) <= limits.image_max_side
    if fit == "pad" and size == (1000, 400):  # the padding is white, the picture stays in the middle
        assert picture.getpixel((500, 3))[1] > 240 and picture.getpixel((500, 262))[1] < 80


def test_derived_files_are_kept_and_reused_per_conversion(session):
    user = make_user(session, roles=("drafter",))
    media = _upload(session, user, image(1200, 300))
    first = media_service.prepared_for(session, media=media, platform="instagram")
    again = media_service.prepared_for(session, media=media, platform="instagram")
    assert again.id == first.id
    # Facebook and Telegram declare the same image limits in their specs: one derived file serves both.
    assert (
        media_service.prepared_for(session, media=media, platform="facebook").id
        == media_service.prepared_for(session, media=media, platform="telegram").id
    )
    assert session.scalar(select(func.count()).select_from(MediaDerivative)) == 2


def test_per_platform_fit_for_videos_comes_from_the_spec(session):
    user = make_user(session, roles=("drafter",))
    mpeg4 = _upload(session, user, mp4(seconds=200, codec=b"mp4v"))
    fits = {p: media_service.fit_for(mpeg4, get_platform(p)) for p in ("instagram", "x", "youtube")}
    assert any("codec mpeg4" in str(m) for m in fits["instagram"].problems)  # H.264 or HEVC only
    assert any("too long" in str(m) for m in fits["x"].problems)  # 140 s on X
    assert fits["youtube"].ok
    assert media_service.prepared_for(session, media=mpeg4, platform="youtube") is mpeg4  # sent as it is


# --- dedupe, isolation -------------------------------------------------------------------------------


def test_the_same_bytes_twice_in_a_unit_are_one_file(session, media_dir):
    user = make_user(session, roles=("drafter",))
    data = image(50, 50)
    first, created = media_service.upload_media(session, actor=user, unit=user.unit, data=data)
    second, again = media_service.upload_media(
        session, actor=user, unit=user.unit, data=data, filename="b.jpg"
    )
    other_unit = make_user(session, roles=("drafter",))
    third, elsewhere = media_service.upload_media(session, actor=other_unit, unit=other_unit.unit, data=data)
    assert (created, again, elsewhere) == (True, False, True)
    assert second.id == first.id and third.id != first.id
    assert len(_stored_files(media_dir)) == 2
    uploads = select(func.count()).select_from(AuditLog).where(AuditLog.action == "media.upload")
    assert session.scalar(uploads) == 2


def test_files_are_shared_down_the_tree_and_never_to_a_sibling(session):
    root = make_unit(session, name="Kementerian")
    a, b = make_unit(session, parent=root, name="Kanwil A"), make_unit(session, parent=root, name="Kanwil B")
    head = make_user(session, unit=root, roles=("drafter",))
    user_a, user_b = (
        make_user(session, unit=a, roles=("drafter",)),
        make_user(session, unit=b, roles=("drafter",)),
    )
    shared = _upload(session, head, image(30, 30, colour=(1, 2, 3)), alt_text="Logo kementerian")
    own_a = _upload(session, user_a, image(30, 30, colour=(4, 5, 6)), alt_text="Kantor A")

    assert {m.id for m in media_service.list_media(session, user_b)} == {shared.id}
    assert {m.id for m in media_service.list_media(session, user_a)} == {shared.id, own_a.id}
    assert {m.id for m in media_service.list_media(session, head)} == {shared.id, own_a.id}
    with pytest.raises(NotFound):
        media_service.access_media(session, user_b, own_a.id)
    assert media_service.access_media(session, user_b, shared.id) is shared
    with pytest.raises(PermissionDenied):  # a parent's file is used, not changed, below
        media_service.describe_media(session, media=shared, actor=user_b, alt_text="x", tags="")
    with pytest.raises(PermissionDenied):
        media_service.archive_media(session, media=shared, actor=user_b)
    # A sibling's file cannot be put on a post either, even by its id.
    desk_b = make_desk(session, parent=root)
    with pytest.raises(Invalid):
        media_refs.attach_refs(session, unit=desk_b.unit, refs=[{"kind": "image", "media_id": own_a.id}])


def test_search_by_text_and_tag_and_archive(session):
    user = make_user(session, roles=("drafter",))
    banjir = _upload(
        session,
        user,
        image(30, 30, colour=(9, 9, 9)),
        alt_text="Posko banjir 50% siap",
        tags="#Banjir, posko",
    )
    _upload(session, user, image(30, 30, colour=(8, 8, 8)), name="upacara_17.png", tags=["hut-ri"])
    assert [m.id for m in media_service.list_media(session, user, q="BANJIR")] == [banjir.id]
    assert [m.original_name for m in media_service.list_media(session, user, q="upacara_")] == [
        "upacara_17.png"
    ]
    assert media_service.list_media(session, user, q="%") == [] or all(
        "%" in m.alt_text + m.original_name for m in media_service.list_media(session, user, q="%")
    )
    assert [m.id for m in media_service.list_media(session, user, tag="banjir")] == [banjir.id]
    assert media_service.list_tags(session, user) == ["banjir", "hut-ri", "posko"]
    with pytest.raises(Invalid):
        media_service.describe_media(session, media=banjir, actor=user, alt_text="ok", tags='bad"tag')
    media_service.describe_media(session, media=banjir, actor=user, alt_text="Posko banjir", tags="evakuasi")
    assert [m.id for m in media_service.list_media(session, user, tag="evakuasi")] == [banjir.id]
    media_service.archive_media(session, media=banjir, actor=user)
    assert banjir.id not in {m.id for m in media_service.list_media(session, user)}
    assert [m.id for m in media_service.list_media(session, user, archived=True)] == [banjir.id]


def test_only_drafters_and_admins_upload(session):
    reviewer = make_user(session, roles=("reviewer",))
    with pytest.raises(PermissionDenied):
        _upload(session, reviewer, image(10, 10))


# --- storage ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["../etc/passwd", "/etc/passwd", "ab/../../x", "ab/" + "0" * 31 + "/", "AB/" + "0" * 32, "ab\\x", ""],
)
def test_a_key_humas_did_not_make_never_touches_the_disk(tmp_path, key):
    store = storage.LocalStore(tmp_path / "store")
    for call in (store.get, store.delete, store.exists, lambda k: store.put(k, b"x")):
        with pytest.raises(storage.BadKey):
            call(key)
    assert not (tmp_path / "store").exists()


def test_keys_are_random_and_stay_inside_the_folder(tmp_path):
    store = storage.LocalStore(tmp_path / "store")
    keys = {storage.new_key() for _ in range(200)}
    assert len(keys) == 200
    key = keys.pop()
    store.put(key, b"data")
    assert store.path(key).is_relative_to((tmp_path / "store").resolve()) and store.get(key) == b"data"
    store.delete(key)
    assert not store.exists(key)


def test_the_user_file_name_is_only_shown(session, media_dir):
    user = make_user(session, roles=("drafter",))
    media = _upload(session, user, image(10, 10), name="../../../etc/passwd\x00.jpg")
    assert media.original_name == "passwd.jpg"
    assert all(p.resolve().is_relative_to(media_dir.resolve()) for p in _stored_files(media_dir))


def test_the_s3_store_says_it_is_not_built(monkeypatch):
    monkeypatch.setenv("HUMAS_MEDIA_STORE", "s3")
    media_service.get_settings.cache_clear()
    with pytest.raises(storage.MediaStoreNotConfigured, match="not supported yet"):
        storage.get_store()


# --- on a post --------------------------------------------------------------------------------------


def test_a_library_image_goes_out_as_its_derived_bytes_or_public_address(session, monkeypatch):
    desk = make_desk(session, platform="x")
    media = _upload(session, desk.drafter, jpeg_with_exif(), alt_text="Peta lokasi")
    post = make_post(session, desk)
    variant = VariantInput(desk.channel.id, "Teks", [{"kind": "image", "media_id": media.id, "width": 9}])
    data = PostInput(title=post.title, body="Teks", variants=[variant])
    edit_post(session, post=post, data=data, actor=desk.drafter)
    ref = post.variants[0].media[0]  # measured from the file, not taken from the form
    assert ref == {
        "kind": "image",
        "media_id": media.id,
        "bytes": media.size_bytes,
        "width": 20,
        "height": 40,
    }

    items = media_refs.resolve_refs(session, refs=_payload(post.variants[0])["media"], platform="x")
    assert "url" not in items[0] and items[0]["alt"] == "Peta lokasi" and items[0]["mime"] == "image/jpeg"
    assert not Image.open(BytesIO(items[0]["data"])).getexif()

    assert not check_variant("instagram", "Teks", [ref]).ok  # Instagram fetches: no public address yet
    public_url(monkeypatch)
    assert check_variant("instagram", "Teks", [ref]).ok  # shape and size are converted, not refused
    items = media_refs.resolve_refs(session, refs=[ref], platform="instagram")
    token = items[0]["url"].rsplit("/", 1)[-1]
    assert items[0]["url"] == f"https://humas.example.go.id/media/p/{token}"
    served = media_service.find_public(session, token)
    assert isinstance(served, MediaDerivative) and served.media_id == media.id
    assert media_service.find_public(session, media.public_token) is None  # the original (EXIF) never
