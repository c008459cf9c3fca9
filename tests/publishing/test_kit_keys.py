"""Trusted issuers and the installation's signing key over time, on both engines (decision 0098, "Withdrawal,
corrections and key rotation"): an issuer rotates its key (the old one retired, its private half erased, its
public half still listed); files signed before keep verifying against the key they carry wherever that key
is still trusted; the importer trusts the new key by its fingerprint; a removed key's files are refused,
saying when it was removed, nothing stored; every step audited; the errors read in Indonesian."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from humas.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from humas.core.i18n import use_locale
from humas.org.models import AuditLog
from humas.publishing.kits import ContentKit, KitSigningKey
from humas.publishing.service import kit_files
from humas.publishing.service import kits as kits_service
from tests.factories import make_unit
from tests.publishing.kit_factories import T0, kit_input, make_network, quick_user


@pytest.fixture(autouse=True)
def english():
    with use_locale("en"):
        yield


def _file(session: Session, net, title: str) -> bytes:
    kit = kits_service.create_kit(
        session, unit_id=net.ministry.id, data=kit_input(title=title), actor=net.drafter
    )
    kits_service.issue_kit(session, kit=kit, target=kits_service.TargetInput(), actor=net.drafter, now=T0)
    return kit_files.export_kit(session, kit=kit, actor=net.drafter)


def _kits(session: Session) -> int:
    return session.scalar(select(func.count(ContentKit.id))) or 0


def _actions(session: Session, action: str) -> list[AuditLog]:
    return list(session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def test_rotation_and_removal_of_trusted_keys(session: Session, second: Session) -> None:
    net = make_network(session, offices=1, per_office=1)
    old_key = kit_files.signing_key(session).public_key
    before_rotation = _file(session, net, "Materi sebelum rotasi")
    also_old = _file(session, net, "Materi lama kedua")

    kanwil_admin = quick_user(session, net.units[0], "admin")
    for who in (net.drafter, kanwil_admin):  # only an admin of a top unit replaces the installation's key
        with pytest.raises(PermissionDenied):
            kit_files.rotate_signing_key(session, actor=who)
    new = kit_files.rotate_signing_key(session, actor=net.admin, now=T0)
    session.flush()
    assert new.public_key != old_key and kit_files.signing_key(session).public_key == new.public_key
    (retired,) = kit_files.retired_keys(session)
    assert retired.public_key == old_key and retired.retired_at == T0 and retired.private_encrypted == ""
    assert session.scalar(select(func.count(KitSigningKey.id))) == 2
    (entry,) = _actions(session, "kit.rotate_key")
    assert entry.before["fingerprint"] == kit_files.fingerprint(old_key)
    assert entry.after["fingerprint"] == kit_files.fingerprint(new.public_key)
    after_rotation = _file(session, net, "Materi sesudah rotasi")

    province = make_unit(second, name="Pemerintah Provinsi Contoh")
    admin = quick_user(second, province, "admin")
    trusted_old = kit_files.trust_issuer(
        second, unit=province, name="Kemenkeu", public_key=old_key, actor=admin
    )
    # A file signed before the rotation still verifies against the key it carries, trusted here.
    assert kit_files.import_kit(second, unit=province, data=before_rotation, actor=admin).title == (
        "Materi sebelum rotasi"
    )
    # A file signed with the new key waits until the new key is trusted (its fingerprint named).
    with pytest.raises(Invalid, match="not trusted") as untrusted:
        kit_files.import_kit(second, unit=province, data=after_rotation, actor=admin)
    assert kit_files.show_fingerprint(kit_files.fingerprint(new.public_key)) in str(untrusted.value.message)
    kit_files.trust_issuer(second, unit=province, name="Kemenkeu (kunci 2027)", public_key=new.public_key,
                           actor=admin)  # fmt: skip
    kit_files.import_kit(second, unit=province, data=after_rotation, actor=admin)
    assert _kits(second) == 2

    # The importer removes the old key: its files are refused, saying when, and nothing is stored.
    drafter = quick_user(second, province, "drafter")
    with pytest.raises(PermissionDenied):
        kit_files.remove_trusted(second, issuer_id=trusted_old.id, actor=drafter)
    other = make_unit(second, name="Pemerintah Provinsi Lain")
    with pytest.raises(NotFound):
        kit_files.remove_trusted(second, issuer_id=trusted_old.id, actor=quick_user(second, other, "admin"))
    kit_files.remove_trusted(second, issuer_id=trusted_old.id, actor=admin, now=T0)
    second.flush()
    with pytest.raises(Conflict):
        kit_files.remove_trusted(second, issuer_id=trusted_old.id, actor=admin)
    with pytest.raises(Invalid, match="was removed from the trusted issuers on 2026-11-02") as removed:
        kit_files.import_kit(second, unit=province, data=also_old, actor=admin)
    assert removed.value.field == "file" and _kits(second) == 2
    with use_locale("id"):
        with pytest.raises(Invalid) as in_indonesian:
            kit_files.import_kit(second, unit=province, data=also_old, actor=admin)
        assert "dihapus dari daftar penerbit tepercaya" in str(in_indonesian.value.message)
    (untrust,) = _actions(second, "kit.untrust_issuer")
    assert untrust.actor_id == admin.id and untrust.before["fingerprint"] == trusted_old.fingerprint
    listed = kit_files.list_trusted(second, admin)
    assert [t.removed_at is not None for t in listed] == [False, True]  # the removed one listed last

    # Trusted again (after checking with the issuer): the same row, audited again, its files accepted.
    again = kit_files.trust_issuer(second, unit=province, name="Kemenkeu", public_key=old_key, actor=admin)
    assert again.id == trusted_old.id and again.removed_at is None
    kit_files.import_kit(second, unit=province, data=also_old, actor=admin)
    assert _kits(second) == 3 and len(_actions(second, "kit.trust_issuer")) == 3


def _signed_by_another_issuer(data: bytes, **kit: object) -> tuple[bytes, str]:
    """The same kit file re-signed by someone else's key (who might also be trusted by the importer)."""
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    private = Ed25519PrivateKey.generate()
    public = base64.b64encode(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
    doc = json.loads(data)
    doc.pop("signature")
    doc["issuer"] = {"name": "Penerbit lain", "public_key": public, "previous_keys": []}
    doc["kit"].update({"version": 9, **kit})
    signature = base64.b64encode(private.sign(kit_files._canonical(doc))).decode()
    return json.dumps({**doc, "signature": signature}).encode(), public


def test_a_correction_and_a_withdrawal_travel_in_signed_files(session: Session, second: Session) -> None:
    from datetime import timedelta

    from humas.core.time import utcnow
    from humas.publishing import service as publishing_service
    from humas.publishing.models import PostStatus
    from humas.publishing.service import posts as posts_service
    from tests.channels.factories import make_channel

    net = make_network(session, offices=1, per_office=1)
    now = utcnow()
    kit = kits_service.create_kit(
        session, unit_id=net.ministry.id, actor=net.drafter,
        data=kit_input(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=2)),
    )  # fmt: skip
    kits_service.issue_kit(session, kit=kit, target=kits_service.TargetInput(), actor=net.drafter)
    first = kit_files.export_kit(session, kit=kit, actor=net.drafter)

    province = make_unit(second, name="Pemerintah Provinsi Contoh")
    city = make_unit(second, parent=province, name="Diskominfo Kota Contoh")
    make_channel(second, unit=city, platform="x", name="X Kota")
    admin, city_drafter = quick_user(second, province, "admin"), quick_user(second, city, "drafter")
    kit_files.trust_issuer(second, unit=province, name="Kemenkeu", public_key=kit_files.signing_key(
        session).public_key, actor=admin)  # fmt: skip
    copy = kit_files.import_kit(second, unit=province, data=first, actor=admin)
    (receipt,) = kits_service.issue_kit(second, kit=copy, target=kits_service.TargetInput(), actor=admin)
    draft = kits_service.adapt_kit(second, receipt=receipt, actor=city_drafter)
    second.flush()

    # The ministry corrects its kit; the newer file corrects the province's copy, and the city's draft is
    # held for review like any draft of a corrected kit.
    window = {"starts_at": now - timedelta(hours=1), "ends_at": now + timedelta(days=2)}
    corrected = kit_input(**window, master_text="APBN 2027 hadir untuk rakyat: belanja pendidikan naik 12%.")
    kits_service.correct_kit(session, kit=kit, data=corrected, reason="Angka belanja salah ketik.",
                             actor=net.drafter)  # fmt: skip
    second_version = kit_files.export_kit(session, kit=kit, actor=net.drafter)
    assert kit_files.import_kit(second, unit=province, data=second_version, actor=admin) is copy
    second.flush()
    assert (copy.version, copy.origin_version) == (2, 2) and "12%" in copy.master_text
    assert kits_service.versions(second, copy)[-1].reason.endswith("Angka belanja salah ketik.")
    assert [i.to_review for i in kits_service.kit_queue(second, city_drafter)] == [(draft.id,)]
    with pytest.raises(Conflict):  # the same version again changes nothing
        kit_files.import_kit(second, unit=province, data=second_version, actor=admin)

    # Someone else's key, even one trusted here, never corrects or withdraws this kit.
    forged, other_key = _signed_by_another_issuer(second_version)
    kit_files.trust_issuer(second, unit=province, name="Penerbit lain", public_key=other_key, actor=admin)
    with pytest.raises(Invalid, match="imported from another issuer"):
        kit_files.import_kit(second, unit=province, data=forged, actor=admin)
    assert copy.version == 2

    # The ministry rotates its key and then withdraws the kit: the file, signed with the new key, names the
    # old key as retired; the province trusts the new key, and the withdrawal reaches the city's draft.
    kit_files.rotate_signing_key(session, actor=net.admin)
    kits_service.withdraw_kit(
        session, kit=kit, reason="Kebijakan berubah, materi dicabut.", actor=net.drafter
    )
    withdrawn = kit_files.export_kit(session, kit=kit, actor=net.drafter)
    kit_files.trust_issuer(second, unit=province, name="Kemenkeu 2027",
                           public_key=kit_files.signing_key(session).public_key, actor=admin)  # fmt: skip
    kit_files.import_kit(second, unit=province, data=withdrawn, actor=admin)
    second.flush()
    assert copy.withdrawn and "Kebijakan berubah" in (copy.withdrawn_reason or "")
    assert draft.status == PostStatus.draf
    with pytest.raises(Conflict, match="withdrew"):
        publishing_service.submit_post(second, post=posts_service.access_post(second, city_drafter, draft.id),
                                       actor=city_drafter)  # fmt: skip
    assert [a.after["update"] for a in _actions(second, "kit.import_update")] == ["version 2", "withdrawn"]
    # A withdrawn kit is not imported anywhere new (here: a kit of the other, trusted issuer).
    import uuid

    new_withdrawn, _key = _signed_by_another_issuer(withdrawn, uid=str(uuid.uuid4()))
    forged_key = json.loads(new_withdrawn)["issuer"]["public_key"]
    kit_files.trust_issuer(second, unit=province, name="Penerbit ketiga", public_key=forged_key, actor=admin)
    before = _kits(second)
    with pytest.raises(Invalid, match="withdrawn this kit"):
        kit_files.import_kit(second, unit=province, data=new_withdrawn, actor=admin)
    assert _kits(second) == before
