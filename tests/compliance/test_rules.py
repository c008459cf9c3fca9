"""Rule sets per unit inherited down the tree (a block set above is never weakened), the central election
list only in its period, the hoax desk's links, EXIF GPS, link resolution, and the measures."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import httpx
import pytest
import respx
from PIL import Image
from sqlalchemy import select

from humas.compliance import service as compliance_service
from humas.compliance.service import ElectionInput, Part
from humas.core.errors import Invalid, PermissionDenied
from humas.core.time import utcnow
from humas.listening.models import Narrative, NarrativeMention
from humas.org.models import AuditLog
from tests.factories import make_unit, make_user
from tests.inbox.factories import make_mention

NIK = "3273014501900001"


def _rules(findings):
    return {(f.rule, f.severity) for f in findings}


def test_a_unit_adds_words_and_raises_warnings_but_never_weakens_a_block_above(session):
    root = make_unit(session)
    child = make_unit(session, parent=root)
    grandchild = make_unit(session, parent=child)
    admin = make_user(session, unit=root, roles=("admin",))
    compliance_service.save_rules(
        session, unit=root, severities={"phone": "blokir", "shortener": "peringatan"},
        words={"internal_phrase": "rapat pimpinan tertutup"}, actor=admin,
    )  # fmt: skip
    # The child may switch off a warning and add words; it may not touch the root's phone block.
    compliance_service.save_rules(
        session, unit=child, severities={"shortener": "mati"}, words={"abuse": "dasar lamban"}, actor=admin
    )
    with pytest.raises(Invalid) as refused:
        compliance_service.save_rules(
            session, unit=grandchild, severities={"phone": "peringatan"}, words={}, actor=admin
        )
    assert "phone" in str(refused.value.message)
    with pytest.raises(Invalid):  # a shipped default block is the floor for everyone, the root included
        compliance_service.save_rules(session, unit=root, severities={"nik": "mati"}, words={}, actor=admin)

    text = "Hubungi 0812-3456-7890, lihat bit.ly/abc. Hasil rapat pimpinan tertutup, dasar lamban!"
    found = _rules(compliance_service.check_text(session, unit=grandchild, text=text))
    assert ("phone", "blokir") in found  # inherited from the root
    assert ("internal_phrase", "peringatan") in found  # the root's phrase
    assert ("abuse", "peringatan") in found  # the child's word
    assert not any(rule == "shortener" for rule, _s in found)  # switched off by the child
    root_found = _rules(compliance_service.check_text(session, unit=root, text=text))
    assert ("shortener", "peringatan") in root_found and not any(r == "abuse" for r, _s in root_found)
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "guardrails.rules")).all()
    assert len(audit) == 2


def test_only_an_admin_of_the_unit_edits_its_rules(session):
    root = make_unit(session)
    sibling = make_unit(session)
    reviewer = make_user(session, unit=root, roles=("reviewer",))
    other_admin = make_user(session, unit=sibling, roles=("admin",))
    with pytest.raises(PermissionDenied):
        compliance_service.save_rules(session, unit=root, severities={}, words={}, actor=reviewer)
    with pytest.raises(PermissionDenied):
        compliance_service.save_rules(session, unit=root, severities={}, words={}, actor=other_admin)
    with pytest.raises(Invalid):
        compliance_service.save_rules(
            session,
            unit=root,
            severities={"no_such_rule": "blokir"},
            words={},
            actor=make_user(session, unit=root),
        )


def test_election_rules_apply_only_in_the_active_period_and_only_the_centre_keeps_the_list(session):
    root = make_unit(session)
    office = make_unit(session, parent=root)
    admin = make_user(session, unit=root, roles=("admin",))
    today = utcnow().date()
    data = ElectionInput(
        candidates="Budi Hartono", parties="Partai Maju", numbers="2", slogans="#LanjutMaju",
        active_from=today + timedelta(days=10), active_to=today + timedelta(days=40),
    )  # fmt: skip
    compliance_service.save_election_list(session, unit=root, data=data, actor=admin)
    with pytest.raises(PermissionDenied):
        compliance_service.save_election_list(session, unit=office, data=data, actor=admin)
    text = "Ayo dukung Budi Hartono, coblos nomor 2! #LanjutMaju"

    before = compliance_service.check_text(session, unit=office, text=text, today=today)
    during = compliance_service.check_text(session, unit=office, text=text, today=today + timedelta(days=12))
    after = compliance_service.check_text(session, unit=office, text=text, today=today + timedelta(days=41))
    assert not any(f.rule == "election" for f in before + after)
    assert {f.text for f in during if f.rule == "election"} >= {"dukung Budi Hartono", "#LanjutMaju"}
    assert all(f.severity == "blokir" for f in during if f.rule == "election")
    with pytest.raises(Invalid):
        bad = ElectionInput(active_from=today, active_to=today - timedelta(days=1))
        compliance_service.save_election_list(session, unit=root, data=bad, actor=admin)


def test_a_link_to_a_page_the_hoax_desk_labelled_blocks(session):
    root = make_unit(session)
    office = make_unit(session, parent=root)
    spread = make_mention(
        session,
        unit=office,
        url="https://x.com/warga/status/1",
        text="Lihat https://hoaks.example/bansos-palsu",
    )
    narrative = Narrative(
        unit_id=office.id, representative_text="bansos palsu", first_seen_at=utcnow(), last_seen_at=utcnow(),
        label="hoaks",
    )  # fmt: skip
    session.add(narrative)
    session.flush()
    session.add(NarrativeMention(narrative_id=narrative.id, mention_id=spread.id))
    session.flush()

    text = "Jangan percaya https://hoaks.example/bansos-palsu dan https://x.com/warga/status/1 ; cek https://kemenkeu.go.id"
    found = compliance_service.check_text(session, unit=root, text=text)
    hoax = [f.text for f in found if f.rule == "hoax_link"]
    assert hoax == ["https://hoaks.example/bansos-palsu", "https://x.com/warga/status/1"]
    narrative.label = "keluhan"
    session.flush()
    assert not [
        f for f in compliance_service.check_text(session, unit=root, text=text) if f.rule == "hoax_link"
    ]


def _jpeg(*, gps: bool) -> bytes:
    image = Image.new("RGB", (20, 10), (200, 10, 10))
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {1: "S", 2: (6.0, 10.0, 30.0), 3: "E", 4: (106.0, 49.0, 0.0)}
    out = BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_exif_gps_is_found_in_an_image():
    assert compliance_service.has_gps(_jpeg(gps=True))
    assert not compliance_service.has_gps(_jpeg(gps=False))
    assert not compliance_service.has_gps(b"not an image")


@respx.mock
def test_links_are_resolved_with_a_short_timeout_when_sending(session):
    unit = make_unit(session)
    respx.head("https://ok.example/a").respond(200)
    respx.head("https://gone.example/b").respond(404)
    respx.get("https://gone.example/b").respond(404)
    respx.head("https://slow.example/c").mock(side_effect=httpx.ConnectTimeout("timed out"))
    text = "Baca https://ok.example/a , https://gone.example/b dan https://slow.example/c"
    result = compliance_service.verdict(
        session, unit=unit, subject_type="reply", subject_id=None, parts=[Part("", text)],
        resolve=compliance_service.resolve,
    )  # fmt: skip
    dead = [f.text for _p, f in result.findings if f.rule == "dead_link"]
    assert dead == ["https://gone.example/b", "https://slow.example/c"]
    assert not result.blocked  # a dead link is a warning


def test_measures_count_findings_overrides_and_blocked_sends(session):
    root = make_unit(session)
    office = make_unit(session, parent=root)
    sibling = make_unit(session)
    reviewer = make_user(session, unit=root, roles=("reviewer",))
    start = utcnow() - timedelta(minutes=1)
    text = f"NIK {NIK} dan 0812-3456-7890"

    def checked(unit, subject_id, stage):
        result = compliance_service.verdict(
            session, unit=unit, subject_type="post", subject_id=subject_id, parts=[Part("1", text)]
        )
        compliance_service.record(
            session, unit=unit, subject_type="post", subject_id=subject_id, stage=stage, result=result
        )
        return result

    first = checked(office, 1, "submit")
    compliance_service.override(
        session, unit=office, subject_type="post", subject_id=1, author_ids={999999}, result=first,
        reason="Nomor ini milik tokoh fiktif untuk pelatihan.", actor=reviewer, obj=office, label="p1",
    )  # fmt: skip
    checked(office, 1, "send")  # overridden: not blocked
    checked(office, 2, "send")  # blocked at send
    checked(sibling, 3, "submit")  # another tree: not counted

    m = compliance_service.guardrail_measures(
        session, unit_ids=[root.id, office.id], start=start, end=utcnow() + timedelta(minutes=1)
    )
    assert m.checks == 3 and m.checks_with_findings == 3
    assert m.blocked_submits == 1 and m.blocked_sends == 1 and m.overrides == 1
    assert m.count(rule="nik", severity="blokir") == 3 and m.count(rule="phone") == 3
    assert m.count(rule="nik", stage="send") == 2
    assert next(r for r in m.by_rule if r.rule == "nik" and r.stage == "send").overridden == 1
    empty = compliance_service.guardrail_measures(session, unit_ids=[], start=start, end=utcnow())
    assert empty.checks == 0 and empty.findings == 0
