"""Withdrawing and correcting a kit, and the trusted issuers' page, through the app (both engines): the
issuer's correction form comes prefilled, the receiving unit sees what changed and marks its draft reviewed,
a withdrawal needs a reason and shows on the unit's page and queue; an admin removes a trusted issuer and
replaces the installation's key; a receiving unit can do none of the issuer's steps."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from humas.core.time import utcnow
from humas.publishing.kits import KitTrustedIssuer
from humas.publishing.service import kit_files
from tests.publishing.kit_factories import adapt, issue, make_network, quick_user
from tests.publishing.media_files import media_dir_fixture as media_dir_fixture  # noqa: F401

REASON = "Angka belanja pendidikan di materi salah ketik."
NIK_TEXT = "Hubungi Bapak Ahmad, NIK 3273014501900001, untuk informasi."


def _form(page_values: dict[str, object], **changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "title": page_values["title"], "master_text": page_values["master_text"],
        "key_text": ["APBN bekerja untuk rakyat.", "Belanja pendidikan naik."], "key_locked": [0],
        "platform": ["x"], "variant": [""], "hashtags": "#UangKita #APBNKita",
        "links": "https://www.kemenkeu.go.id/apbn2027", "media": "", "instructions": "Terbitkan segera.",
        "mandatory": "true", "starts_at": page_values["starts_at"], "ends_at": page_values["ends_at"],
        "reason": REASON,
    }  # fmt: skip
    form.update(changes)
    return form


def test_correct_and_withdraw_through_the_pages(web, session, fernet_key, media_dir) -> None:
    net = make_network(session, offices=1, per_office=1)
    now = utcnow().replace(second=0, microsecond=0)
    kit = issue(session, net, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=2))
    kanwil = net.units[0]
    draft = adapt(session, kit, net, kanwil)
    session.flush()

    web.login(net.drafters[kanwil.id])  # a receiving unit: none of the issuer's steps
    assert web.get(f"/publishing/kits/{kit.id}/correct").status_code == 404
    assert web.post(f"/publishing/kits/{kit.id}/withdraw", {"reason": REASON}).status_code == 404
    assert 'data-testid="kit-correct"' not in web.get(f"/publishing/kits/{kit.id}").text

    web.login(net.drafter)
    form_page = web.get(f"/publishing/kits/{kit.id}/correct").text
    assert "belanja pendidikan naik 10%" in form_page and 'value="APBN bekerja untuk rakyat."' in form_page
    values = {"title": kit.title, "master_text": kit.master_text,
              "starts_at": (now + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),  # WIB: now - 1 h
              "ends_at": (now + timedelta(days=2, hours=7)).strftime("%Y-%m-%dT%H:%M")}  # fmt: skip
    no_reason = web.post(f"/publishing/kits/{kit.id}/correct", _form(values, reason="x"))
    assert no_reason.status_code in (400, 422) and 'id="e-reason"' in no_reason.text
    fixed = kit.master_text.replace("10%", "12%")
    corrected = web.post(f"/publishing/kits/{kit.id}/correct", _form(values, master_text=fixed))
    assert corrected.status_code == 303, corrected.text[:500]
    session.expire_all()
    assert kit.version == 2 and "12%" in kit.master_text and kit.starts_at == now - timedelta(hours=1)

    web.login(net.drafters[kanwil.id])
    page = web.get(f"/publishing/kits/{kit.id}").text
    assert 'data-testid="kit-changes"' in page and 'data-field="master_text"' in page
    assert "10%" in page and "12%" in page and REASON in page and 'data-testid="kit-to-review"' in page
    reviewed = web.post(f"/publishing/kits/{kit.id}/review", {"post_id": draft.id})
    assert reviewed.status_code == 303, reviewed.text[:500]
    assert 'data-testid="kit-to-review"' not in web.get(f"/publishing/kits/{kit.id}").text

    web.login(net.drafter)
    short = web.post(f"/publishing/kits/{kit.id}/withdraw", {"reason": "salah"})
    assert short.status_code in (400, 422) and 'id="e-reason"' in short.text
    assert web.post(f"/publishing/kits/{kit.id}/withdraw", {"reason": REASON}).status_code == 303
    web.login(net.drafters[kanwil.id])
    page = web.get(f"/publishing/kits/{kit.id}").text
    assert 'data-testid="kit-withdrawn"' in page and REASON in page and 'data-testid="kit-adapt"' not in page
    assert 'data-testid="kit-queue-withdrawn"' in web.get("/publishing/kits").text
    assert web.post(f"/publishing/kits/{kit.id}/adapt", {"unit_id": kanwil.id}).status_code == 409


def test_remove_an_issuer_and_replace_the_key_through_the_page(web, session, fernet_key) -> None:
    net = make_network(session, offices=1, per_office=1)
    other_key = kit_files.signing_key(session).public_key  # stands for another installation's key
    trusted = kit_files.trust_issuer(
        session, unit=net.ministry, name="Kemenkeu", public_key=other_key, actor=net.admin
    )
    session.flush()
    web.login(quick_user(session, net.units[0], "admin"))  # an admin below: neither remove nor rotate
    assert web.post(f"/publishing/kits/trust/{trusted.id}/remove", {}).status_code == 404
    assert 'data-testid="kit-rotate"' not in web.get("/publishing/kits/trust").text

    web.login(net.admin)
    page = web.get("/publishing/kits/trust").text
    assert 'data-testid="kit-untrust"' in page and 'data-testid="kit-rotate"' in page
    assert web.post(f"/publishing/kits/trust/{trusted.id}/remove", {}).status_code == 303
    session.expire_all()
    assert session.get(KitTrustedIssuer, trusted.id).removed_at is not None
    assert 'data-removed="yes"' in web.get("/publishing/kits/trust").text

    unconfirmed = web.post("/publishing/kits/key/rotate", {"confirm": "ya"})
    assert unconfirmed.status_code in (400, 422) and 'id="e-confirm"' in unconfirmed.text
    assert web.post("/publishing/kits/key/rotate", {"confirm": "ganti"}).status_code == 303
    session.expire_all()
    page = web.get("/publishing/kits/trust").text
    new_key = kit_files.signing_key(session).public_key
    assert new_key != other_key and new_key in page and 'data-testid="kit-retired-key"' in page
    assert kit_files.show_fingerprint(kit_files.fingerprint(other_key)) in page
    assert session.scalars(select(KitTrustedIssuer)).all()  # the removed row kept for its history


def test_the_kit_form_checks_the_text_as_it_is_typed(web, session) -> None:
    from tests.factories import make_unit

    net = make_network(session, offices=1, per_office=1)
    web.login(net.drafter)
    form = {"unit_id": net.ministry.id, "part": "master", "key_text": ["APBN bekerja untuk rakyat.", ""],
            "hashtags": "#UangKita", "links": "", "platform": ["x"], "variant": [""]}  # fmt: skip
    found = web.post("/publishing/kits/check", {**form, "master_text": NIK_TEXT})
    assert (
        found.status_code == 200 and 'data-rule="nik"' in found.text and 'data-blocking="true"' in found.text
    )
    assert "APBN bekerja untuk rakyat." in found.text  # checked as the units' drafts will carry it
    clean = web.post("/publishing/kits/check", {**form, "master_text": "APBN 2027 hadir untuk rakyat."})
    assert clean.status_code == 200 and 'data-testid="guardrail-finding"' not in clean.text
    long_x = web.post(
        "/publishing/kits/check", {**form, "master_text": "", "part": "x", "variant": ["a " * 200]}
    )
    assert 'data-testid="guardrail-finding"' in long_x.text  # the X variant is checked with X's limits
    sibling = make_unit(session, name="Kementerian Tetangga")
    session.flush()
    refused = web.post("/publishing/kits/check", {**form, "unit_id": sibling.id, "master_text": NIK_TEXT})
    assert refused.status_code == 404
