"""Narratives: near-duplicates joined by text clustering; labels and clarifications audited (both engines)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from humas.core.errors import Invalid, NotFound
from humas.listening.service import narratives
from humas.org.models import AuditLog
from tests.factories import make_unit, make_user
from tests.listening.conftest import add_mentions

HOAX = "Beredar pesan berantai gaji PNS dipotong sepuluh persen mulai bulan depan, sebarkan!"


def test_claim_retold_joins_one_narrative_and_is_answered(session):
    root = make_unit(session)
    a, b = make_unit(session, parent=root), make_unit(session, parent=root)
    now = datetime.now(UTC)
    at = now - timedelta(days=2)
    add_mentions(session, a, [HOAX] * 4 + [f"PENTING!! {HOAX}", f"{HOAX} Info dari grup sebelah."], at=at)
    add_mentions(session, a, ["Pelayanan kantor pajak ramah sekali hari ini"], at=at)
    add_mentions(session, b, ["Jalan rusak di depan kantor B belum diperbaiki juga"] * 3, at=at)
    changed = narratives.build_narratives(session, now=now)
    hoax = next(n for n in changed if "gaji PNS" in n.representative_text)
    assert hoax.size == 6 and hoax.unit_id == a.id
    assert narratives.build_narratives(session, now=now) == []  # nothing assigned twice

    analyst = make_user(session, unit=a, roles=("analyst",))
    narratives.label_narrative(session, narrative=hoax, label="hoaks", actor=analyst)
    with pytest.raises(Invalid):
        narratives.label_narrative(session, narrative=hoax, label="verdict", actor=analyst)
    with pytest.raises(Invalid):
        narratives.link_clarification(session, narrative=hoax, url="javascript:alert(1)", actor=analyst)
    narratives.link_clarification(
        session,
        narrative=hoax,
        url="https://kemenkeu.go.id/klarifikasi",
        actor=analyst,
        at=at + timedelta(minutes=3),
    )
    spread = narratives.spread(session, hoax)
    assert spread["before"] == 3 and spread["after"] == 3
    actions = {r.action for r in session.query(AuditLog).filter_by(object_id=str(hoax.id))}
    assert {"narrative.label", "narrative.clarify"} <= actions

    user_b = make_user(session, unit=b)
    with pytest.raises(NotFound):
        narratives.access_narrative(session, user_b, hoax.id)
    assert all(n.unit_id == b.id for n in narratives.list_narratives(session, user_b))
