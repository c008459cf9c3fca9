"""Trusted issuers and the installation's signing key over time, on both engines (decision 0098, "Withdrawal,
corrections and key rotation"): an issuer rotates its key (the old one retired, its private half erased, its
public half still listed); files signed before keep verifying against the key they carry wherever that key
is still trusted; the importer trusts the new key by its fingerprint; a removed key's files are refused,
saying when it was removed, nothing stored; every step audited; the errors read in Indonesian."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from humas.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from humas.core.i18n import use_locale
from humas.org.models import AuditLog
from humas.publishing.kits import ContentKit, KitSigningKey
from humas.publishing.service import kit_files
from humas.publishing.service import kits as kits_service
from tests.conftest import fresh_engine
from tests.factories import make_unit
from tests.publishing.kit_factories import T0, kit_input, make_network, quick_user


@pytest.fixture(autouse=True)
def english():
    with use_locale("en"):
        yield


@pytest.fixture
def second(session: Session, tmp_path) -> Iterator[Session]:
    """Another installation: its own database of the same engine."""
    kind = session.get_bind().dialect.name
    (tmp_path / "second").mkdir()
    with fresh_engine(kind, tmp_path / "second") as engine, Session(engine) as other:
        yield other


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
