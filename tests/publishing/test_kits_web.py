"""Content kit pages through the app (both engines): the issuer writes and issues a kit with the form (times
in its zone), a receiving unit sees it in its queue and adapts it into its own draft, the issuer's tracker,
CSV and signed file; a receiving unit never sees the tracker; hostile text is escaped."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from humas.core.time import utcnow
from humas.publishing.kits import ContentKit
from tests.publishing.kit_factories import make_network
from tests.publishing.media_files import media_dir_fixture as media_dir_fixture  # noqa: F401


def _local(at: datetime) -> str:
    return at.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M")


def test_issue_adapt_and_track_through_the_pages(web, session, fernet_key, media_dir) -> None:
    net = make_network(session, offices=2, per_office=1)
    start = utcnow().replace(second=0, microsecond=0)
    web.login(net.drafter)
    assert "kit-new" in web.get("/publishing/kits").text
    form = {
        "unit_id": net.ministry.id, "title": "Uang Kita <script>alert(1)</script>",
        "master_text": "APBN hadir untuk rakyat.", "key_text": ["APBN bekerja untuk rakyat.", ""],
        "key_locked": [0], "platform": ["x"], "variant": [""], "hashtags": "#UangKita", "links": "",
        "media": "", "instructions": "", "mandatory": "true",
        # The ministry's zone is WIB: 07.00 WIB given is 00.00 UTC stored.
        "starts_at": (start + timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(days=2, hours=7)).strftime("%Y-%m-%dT%H:%M"),
        "mode": "levels", "level": [1],
    }  # fmt: skip
    created = web.post("/publishing/kits", form)
    assert created.status_code == 303, created.text[:500]
    kit = session.scalars(select(ContentKit).order_by(ContentKit.id.desc())).first()
    assert kit is not None and kit.starts_at == start and len(kit.receipts) == 2
    page = web.get(f"/publishing/kits/{kit.id}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert page.count('data-testid="tracker-row"') == 2 and 'data-state="belum"' in page

    kanwil = net.units[0]
    web.login(net.drafters[kanwil.id])
    queue = web.get("/publishing/kits").text
    assert f'data-kit="{kit.id}"' in queue and "kit-time-left" in queue
    mine = web.get(f"/publishing/kits/{kit.id}").text
    assert 'data-testid="tracker-row"' not in mine and 'data-testid="kit-adapt"' in mine
    assert web.get(f"/publishing/kits/{kit.id}/tracker.csv").status_code == 404
    assert web.get(f"/publishing/kits/{kit.id}/export").status_code == 404
    adapted = web.post(f"/publishing/kits/{kit.id}/adapt", {"unit_id": kanwil.id})
    assert adapted.status_code == 303 and adapted.headers["location"].startswith("/publishing/posts/")
    post_page = web.get(adapted.headers["location"]).text
    assert "APBN bekerja untuk rakyat." in post_page and "#UangKita" in post_page
    other = net.units[1]
    assert web.post(f"/publishing/kits/{kit.id}/adapt", {"unit_id": other.id}).status_code == 404

    web.login(net.drafter)
    board = web.get(f"/publishing/kits/{kit.id}").text
    assert 'data-state="draf"' in board
    csv_text = web.get(f"/publishing/kits/{kit.id}/tracker.csv").text
    assert csv_text.splitlines()[0].startswith("unit,channel") and ",draf," in csv_text
    exported = web.get(f"/publishing/kits/{kit.id}/export")
    assert exported.status_code == 200 and json.loads(exported.content)["format"] == "humas-kit/1"


def test_a_bad_kit_form_shows_the_field(web, session) -> None:
    net = make_network(session, offices=1, per_office=1)
    web.login(net.drafter)
    response = web.post(
        "/publishing/kits",
        {"unit_id": net.ministry.id, "title": "Kit", "master_text": "Teks", "starts_at": "kemarin",
         "ends_at": "2026-12-10T10:00"},
    )  # fmt: skip
    assert response.status_code in (400, 422) and 'id="e-starts_at"' in response.text


def test_kit_files_page_trust_and_refused_imports(web, session, fernet_key, media_dir) -> None:
    from humas.publishing.service import kit_files
    from humas.publishing.service import kits as kits_service
    from tests.publishing.kit_factories import kit_input, quick_user

    net = make_network(session, offices=1, per_office=1)
    # Not issued: an issue queues e-mails that immediate jobs would send outside the test's transaction.
    kit = kits_service.create_kit(session, unit_id=net.ministry.id, data=kit_input(), actor=net.drafter)
    data = kit_files.export_kit(session, kit=kit, actor=net.drafter)
    admin = quick_user(session, net.ministry, "admin")
    web.login(admin)
    page = web.get("/publishing/kits/trust").text
    key = kit_files.signing_key(session).public_key
    assert key in page and kit_files.show_fingerprint(kit_files.fingerprint(key)) in page
    trusted = web.post(
        "/publishing/kits/trust", {"unit_id": net.ministry.id, "name": "Sendiri", "public_key": key}
    )
    assert trusted.status_code == 303
    tampered = data.replace(b"Uang Kita", b"Uang Mereka", 1)
    refused = web.client.post(
        "/publishing/kits/import",
        data={"unit_id": str(net.ministry.id), "csrf_token": web.csrf},
        files={"file": ("kit.json", tampered, "application/json")},
    )
    assert refused.status_code == 422 and "Tanda tangan tidak cocok" in refused.text
    again = web.client.post(
        "/publishing/kits/import",
        data={"unit_id": str(net.ministry.id), "csrf_token": web.csrf},
        files={"file": ("kit.json", data, "application/json")},
    )
    assert again.status_code == 409 and "sudah pernah diimpor" in again.text
    assert session.scalar(select(func.count(ContentKit.id))) == 1


def test_a_form_that_lost_a_variant_is_refused_with_its_text_kept(web, session) -> None:
    """Two platforms and one variant text (a tampered or half-loaded form): the new-kit and the correction
    forms both refuse it, show the typed title again and store nothing."""
    net = make_network(session, offices=1, per_office=1)
    web.login(net.drafter)
    form = {"unit_id": net.ministry.id, "title": "Kit <b>utuh</b>", "master_text": "Teks",
            "platform": ["x", "facebook"], "variant": ["satu"],
            "starts_at": "2026-12-10T08:00", "ends_at": "2026-12-11T08:00"}  # fmt: skip
    refused = web.post("/publishing/kits", form)
    assert refused.status_code in (400, 422), refused.status_code
    assert "Formulir tidak lengkap" in refused.text and "Kit &lt;b&gt;utuh&lt;/b&gt;" in refused.text
    assert session.scalar(select(func.count()).select_from(ContentKit)) == 0
    form["platform"] = ["x"]
    assert web.post("/publishing/kits", form).status_code == 303
    kit = session.scalars(select(ContentKit)).one()
    form["platform"], form["reason"] = ["x", "facebook"], "Perbaikan angka pada teks utama kit."
    again = web.post(f"/publishing/kits/{kit.id}/correct", form)
    assert again.status_code in (400, 422) and "Formulir tidak lengkap" in again.text
    session.expire_all()
    assert kit.version == 1
