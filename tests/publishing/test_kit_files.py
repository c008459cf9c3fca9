"""Signed kit files on both engines: a kit exported from one installation imports into a second one (its
own database) from a trusted issuer and verifies; a tampered or untrusted file is refused, nothing stored."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from humas.core.errors import Conflict, Invalid
from humas.core.i18n import use_locale
from humas.publishing.kits import ContentKit
from humas.publishing.models import MediaFile
from humas.publishing.service import kit_files
from humas.publishing.service import kits as kits_service
from humas.publishing.service import media as media_service
from tests.factories import make_unit
from tests.publishing.kit_factories import T0, kit_input, make_network, quick_user
from tests.publishing.media_files import (
    image,
    media_dir_fixture,  # noqa: F401  (the fixture media_dir)
)

pytestmark = pytest.mark.usefixtures("media_dir")


@pytest.fixture(autouse=True)
def english():
    with use_locale("en"):
        yield


def _exported(session: Session) -> tuple[bytes, str, ContentKit]:
    net = make_network(session, offices=1, per_office=1)
    picture, _new = media_service.upload_media(
        session, actor=net.drafter, unit=net.ministry, data=image(1080, 1080), filename="apbn.jpg",
        alt_text="Infografis APBN",
    )  # fmt: skip
    kit = kits_service.create_kit(
        session, unit_id=net.ministry.id, data=kit_input(media_ids=[picture.id]), actor=net.drafter
    )
    kits_service.issue_kit(session, kit=kit, target=kits_service.TargetInput(), actor=net.drafter, now=T0)
    data = kit_files.export_kit(session, kit=kit, actor=net.drafter)
    return data, kit_files.signing_key(session).public_key, kit


def _counts(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count(ContentKit.id))) or 0,
        session.scalar(select(func.count(MediaFile.id))) or 0,
    )


def test_export_import_verifies_and_tampering_is_refused(session: Session, second: Session) -> None:
    data, public_key, original = _exported(session)
    province = make_unit(second, name="Pemerintah Provinsi Contoh")
    city = make_unit(second, parent=province, name="Diskominfo Kota Contoh")
    admin = quick_user(second, province, "admin")

    with pytest.raises(Invalid, match="not trusted") as untrusted:
        kit_files.import_kit(second, unit=province, data=data, actor=admin)
    assert kit_files.show_fingerprint(kit_files.fingerprint(public_key)) in str(untrusted.value.message)
    assert _counts(second) == (0, 0)

    trusted = kit_files.trust_issuer(
        second, unit=province, name="Kemenkeu", public_key=public_key, actor=admin
    )
    assert len(trusted.fingerprint) == 64
    doc = json.loads(data)
    tampered = [
        {**doc, "kit": {**doc["kit"], "title": "Judul yang diubah"}},
        {**doc, "kit": {**doc["kit"], "key_messages": []}},  # a locked message dropped
        {**doc, "media": [{**doc["media"][0], "data": base64.b64encode(b"\xff\xd8bukan gambar").decode()}]},
        {**doc, "signature": base64.b64encode(b"\0" * 64).decode()},
    ]
    for bad in tampered:
        with pytest.raises(Invalid, match="signature does not match") as refused:
            kit_files.import_kit(second, unit=province, data=json.dumps(bad).encode(), actor=admin)
        assert refused.value.field == "file"
    for junk, message in (
        (b"{", "not JSON"),
        (b'{"format": "x"}', "format"),
        (json.dumps({**doc, "signature": None}).encode(), "not signed"),
    ):
        with pytest.raises(Invalid, match=message):
            kit_files.import_kit(second, unit=province, data=junk, actor=admin)
    assert _counts(second) == (0, 0)

    kit = kit_files.import_kit(second, unit=province, data=data, actor=admin)
    second.flush()
    assert (kit.uid, kit.title, kit.key_messages, kit.hashtags) == (
        original.uid, original.title, original.key_messages, original.hashtags,
    )  # fmt: skip
    assert (kit.starts_at, kit.ends_at, kit.issued_at) == (original.starts_at, original.ends_at, None)
    assert kit.origin_fingerprint == trusted.fingerprint and kit.origin_name == original.issuer.name
    (ref,) = kit.media
    copy = second.get(MediaFile, ref["media_id"])
    assert copy is not None and copy.unit_id == province.id and copy.alt_text == "Infografis APBN"
    assert copy.sha256 == session.get(MediaFile, original.media[0]["media_id"]).sha256
    with pytest.raises(Conflict):
        kit_files.import_kit(second, unit=province, data=data, actor=admin)
    # The province issues it on to its own units, like any of its kits.
    receipts = kits_service.issue_kit(second, kit=kit, target=kits_service.TargetInput(), actor=admin, now=T0)
    assert [r.unit_id for r in receipts] == [city.id]


def test_trust_needs_a_real_key_and_an_admin(session: Session) -> None:
    unit = make_unit(session)
    admin, drafter = quick_user(session, unit, "admin"), quick_user(session, unit, "drafter")
    with pytest.raises(Invalid) as bad:
        kit_files.trust_issuer(session, unit=unit, name="X", public_key="bukan-kunci", actor=admin)
    assert bad.value.field == "public_key"
    key = kit_files.signing_key(session).public_key
    from humas.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        kit_files.trust_issuer(session, unit=unit, name="X", public_key=key, actor=drafter)
    kit_files.trust_issuer(session, unit=unit, name="Sendiri", public_key=key, actor=admin)
    with pytest.raises(Conflict):
        kit_files.trust_issuer(session, unit=unit, name="Lagi", public_key=key, actor=admin)
    assert kit_files.signing_key(session).public_key == key  # made once
