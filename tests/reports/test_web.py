"""The report pages and API on hand-built data (tests/reports/world.py), on SQLite and PostgreSQL: the page
shows the builder's numbers, the API the same, a sibling's report is refused, the drill-down lists only the
unit's subtree, texts are saved, finalising archives a version read back from its snapshot, downloads."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest

from humas.core.time import utcnow
from humas.reports.service import archive as archive_service
from humas.reports.service import build_report
from tests.factories import make_user
from tests.reports.archive_fakes import FAKE_RENDERERS
from tests.reports.world import NOV_MON, NOVEMBER, World, build_world, conv
from tests.web.conftest import WebClient, api_token

FIGURE = re.compile(r'data-figure="([^"]+)" data-section="([^"]+)" data-testid="figure" data-value="([^"]*)"')
ROW = re.compile(r'data-testid="drill-row" data-id="(\d+)"')


@pytest.fixture
def world(session, fernet_key) -> World:
    return build_world(session)


def _qs(unit_id: int, *, descendants: bool = True, period: str = "2026-11") -> str:
    return f"unit={unit_id}&period={period}&turunan={'1' if descendants else '0'}"


def page_figures(text: str, section: str = "summary") -> dict[str, str]:
    """The raw values of one section's figures as the page carries them (data-value)."""
    return {key: value for key, sec, value in FIGURE.findall(text) if sec == section}


def _raw(value: Any) -> str:
    return "" if value is None else str(value)


def test_page_shows_the_builders_numbers(web: WebClient, session, world: World) -> None:
    web.login(world.leader_a)
    response = web.get(f"/laporan/draf?{_qs(world.kanwil_a.id)}")
    assert response.status_code == 200, response.text[:500]
    report = build_report(
        session, unit=world.kanwil_a, period=NOVEMBER, include_descendants=True, locale="id"
    )
    shown = page_figures(response.text)
    summary = report.section("summary")
    assert summary is not None and len(summary.figures) >= 4
    assert shown == {f.key: _raw(f.value) for f in summary.figures}
    assert shown["inbox.received"] == "5" and shown["inbox.response_rate"] == "0.6"
    # Formatted in Indonesian, with the change against October and its arrow coloured by `improved`.
    text = html.unescape(response.text)
    assert "60%" in text and "November 2026" in text and "Oktober 2026" in text
    received = response.text.split('data-figure="inbox.received" data-section="summary"')[0]
    assert received.rsplit('class="report-figure ', 1)[1].startswith("tone-neutral")
    rate = response.text.split('data-figure="inbox.response_rate" data-section="summary"')[0]
    assert rate.rsplit('class="report-figure ', 1)[1].startswith("tone-good")  # 50% -> 60%
    # Every figure with rows behind it links to its drill-down.
    assert (
        f"/laporan/rincian?unit={world.kanwil_a.id}&amp;period=2026-11&amp;turunan=1&amp;figure=inbox.received"
        in response.text
    )


def test_a_siblings_report_is_refused(web: WebClient, session, world: World) -> None:
    web.login(world.leader_a)
    for url in (
        f"/laporan/draf?{_qs(world.kanwil_b.id)}",
        f"/laporan/rincian?{_qs(world.kanwil_b.id)}&figure=inbox.received",
        f"/laporan?unit={world.kanwil_b.id}",
        f"/laporan/draf?{_qs(world.root.id)}",  # the parent holds the sibling's numbers
    ):
        assert web.get(url).status_code == 404, url
    token = api_token(session, world.leader_a, role="pimpinan")
    answer = web.api("GET", f"/api/v1/reports?unit_id={world.kanwil_b.id}&period=2026-11", token)
    assert answer.status_code == 404 and answer.json()["field"] == "unit_id"


def test_roles_without_reports_are_refused_the_live_report(web: WebClient, session, world: World) -> None:
    web.login(make_user(session, unit=world.kanwil_a, roles=("drafter",)))
    assert web.get(f"/laporan/draf?{_qs(world.kanwil_a.id)}").status_code == 403
    page = web.get("/laporan")
    assert page.status_code == 200 and 'data-testid="report-picker"' not in page.text


def test_drill_down_lists_only_the_units_subtree(web: WebClient, session, world: World) -> None:
    web.login(world.leader_a)
    c = world.conversations
    response = web.get(f"/laporan/rincian?{_qs(world.kanwil_a.id)}&figure=inbox.received")
    assert response.status_code == 200
    ids = {int(x) for x in ROW.findall(response.text)}
    assert ids == {c[k].id for k in ("a_answered", "a_open", "a1_one", "a1_three", "a2_open")}
    assert f'href="/inbox/{c["a1_one"].id}"' in response.text
    alone = web.get(f"/laporan/rincian?{_qs(world.a1.id)}&figure=inbox.received")
    assert {int(x) for x in ROW.findall(alone.text)} == {c["a1_one"].id, c["a1_three"].id}
    mentions = web.get(f"/laporan/rincian?{_qs(world.kanwil_a.id)}&figure=listening.negative")
    negatives = {m.id for m in world.mentions["a_neg"] + world.mentions["a1_neg"]}
    assert {int(x) for x in ROW.findall(mentions.text)} == negatives
    assert f'href="/mentions/{world.mentions["a_neg"][0].id}"' in mentions.text
    posts = web.get(f"/laporan/rincian?{_qs(world.kanwil_a.id)}&figure=publishing.posts")
    assert {int(x) for x in ROW.findall(posts.text)} == {
        v.post_id for k, v in world.variants.items() if k != "b_post"
    }
    assert web.get(f"/laporan/rincian?{_qs(world.kanwil_a.id)}&figure=nope").status_code == 422


def test_the_api_equals_the_page(web: WebClient, session, world: World) -> None:
    web.login(world.leader_a)
    token = api_token(session, world.leader_a, role="pimpinan")
    page = web.get(f"/laporan/draf?{_qs(world.kanwil_a.id)}").text
    answer = web.api(
        "GET", f"/api/v1/reports?unit_id={world.kanwil_a.id}&period=2026-11&include_descendants=true", token
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["period"]["key"] == "2026-11" and body["previous"]["key"] == "2026-10"
    assert set(body["unit_ids"]) == {world.kanwil_a.id, world.a1.id, world.a2.id}
    for section in body["sections"]:
        shown = page_figures(page, section["key"])
        assert shown == {f["key"]: _raw(f["value"]) for f in section["figures"]}, section["key"]
        for table in section["tables"]:
            assert f'data-testid="table-{table["key"]}"' in page
    summary = next(s for s in body["sections"] if s["key"] == "summary")
    received = next(f for f in summary["figures"] if f["key"] == "inbox.received")
    assert (received["value"], received["previous"]) == (5, 2)
    assert received["drill"]["url"].startswith("/laporan/rincian?")


def test_texts_are_saved_and_finalising_archives_a_snapshot(
    web: WebClient, session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive_service, "default_renderers", lambda: FAKE_RENDERERS)
    analyst = make_user(session, unit=world.kanwil_a, roles=("analyst",))
    web.login(analyst)
    qs = _qs(world.kanwil_a.id)
    saved = web.post(f"/laporan/teks?{qs}", {"section": "responsiveness", "text": "Temuan: <b>baik</b>."})
    assert saved.status_code == 303
    draft = web.get(f"/laporan/draf?{qs}").text
    assert "Temuan: &lt;b&gt;baik&lt;/b&gt;." in draft and "<b>baik</b>" not in draft
    assert web.post(f"/laporan/teks?{qs}", {"section": "nope", "text": "x"}).status_code == 422

    done = web.post(f"/laporan/final?{qs}")
    assert done.status_code == 303
    report_id = int(done.headers["location"].rsplit("/", 1)[1])
    before = page_figures(web.get(f"/laporan/arsip/{report_id}").text)
    # New data for November: the draft changes, the finalised version does not.
    conv(session, world.a1, NOV_MON + timedelta(days=4), answered_after_h=1)
    session.commit()
    assert page_figures(web.get(f"/laporan/draf?{qs}").text)["inbox.received"] == "6"
    archived = web.get(f"/laporan/arsip/{report_id}")
    assert archived.status_code == 200 and page_figures(archived.text) == before
    assert before["inbox.received"] == "5" and "Temuan: &lt;b&gt;baik&lt;/b&gt;." in archived.text
    assert 'action="/laporan/final"' not in archived.text and 'data-testid="report-checksum"' in archived.text

    index = web.get(f"/laporan?unit={world.kanwil_a.id}").text
    assert f'href="/laporan/arsip/{report_id}"' in index and analyst.email in index
    pdf = web.get(f"/laporan/arsip/{report_id}/unduh?berkas=pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and len(pdf.headers["x-checksum-sha256"]) == 64
    token = api_token(session, analyst, role="analyst")
    listed = web.api("GET", f"/api/v1/reports/archive?unit_id={world.kanwil_a.id}", token).json()
    assert [a["id"] for a in listed] == [report_id] and listed[0]["version"] == 1
    snap = web.api("GET", f"/api/v1/reports/archive/{report_id}", token).json()
    summary = next(s for s in snap["sections"] if s["key"] == "summary")
    assert {f["key"]: _raw(f["value"]) for f in summary["figures"]} == before
    zipped = web.api("GET", f"/api/v1/reports/archive/{report_id}/file?format=csv", token)
    assert zipped.status_code == 200 and zipped.headers["content-type"] == "application/zip"
    # The sibling's leader cannot open it.
    web.login(world.leader_b)
    assert web.get(f"/laporan/arsip/{report_id}").status_code == 404


def test_schedules_are_added_and_removed(web: WebClient, session, world: World) -> None:
    web.login(world.leader_a)
    bad = web.post("/laporan/jadwal", {"unit": world.kanwil_a.id, "kind": "month", "locale": "id",
                                       "recipients": "bukan-alamat", "turunan": "1"})  # fmt: skip
    assert bad.status_code == 422 and 'data-testid="field-error"' in bad.text and "bukan-alamat" in bad.text
    ok = web.post("/laporan/jadwal", {"unit": world.kanwil_a.id, "kind": "month", "locale": "id",
                                      "recipients": "pimpinan@contoh.go.id", "turunan": "1"})  # fmt: skip
    assert ok.status_code == 303
    page = web.get(f"/laporan?unit={world.kanwil_a.id}").text
    assert "pimpinan@contoh.go.id" in page
    schedule_id = int(re.search(r'action="/laporan/jadwal/(\d+)/hapus"', page).group(1))
    assert web.post(f"/laporan/jadwal/{schedule_id}/hapus").status_code == 303
    assert "pimpinan@contoh.go.id" not in web.get(f"/laporan?unit={world.kanwil_a.id}").text


def test_bad_periods_are_refused_by_name(web: WebClient, session, world: World) -> None:
    web.login(world.leader_a)
    for qs in (
        "period=2026-13",
        "period=custom&dari=20/11/2026",
        "period=custom&dari=20/11/2026&sampai=01/11/2026",
    ):
        response = web.get(f"/laporan/draf?unit={world.kanwil_a.id}&{qs}")
        assert response.status_code == 422, qs
    custom = web.get(
        f"/laporan/draf?unit={world.kanwil_a.id}&period=custom&dari=02/11/2026&sampai=30/11/2026"
    )
    assert custom.status_code == 200 and "2 November 2026" in html.unescape(custom.text)
    # No period: last month, counted in the viewer's zone (WIB here).
    from zoneinfo import ZoneInfo

    from humas.core.time import utcnow
    from humas.web.report_view import default_period

    last = default_period(utcnow().astimezone(ZoneInfo("Asia/Jakarta")).date())
    plain = web.get(f"/laporan/draf?unit={world.kanwil_a.id}")
    assert plain.status_code == 200 and f"period={last.key}&amp;turunan=0" in plain.text


def test_pages_speak_one_language(web: WebClient, session, world: World) -> None:
    """Indonesian by default, English on request (the user's language): no sentence of the other."""
    from tests.web.test_no_untranslated import _sentences, _text

    english, indonesian = _sentences()
    qs = _qs(world.kanwil_a.id)
    pages = ["/laporan", f"/laporan/draf?{qs}", f"/laporan/rincian?{qs}&figure=inbox.received"]
    for locale, foreign in (("id", english), ("en", indonesian)):
        world.leader_a.locale = locale
        session.commit()
        web.login(world.leader_a)
        for url in pages:
            text = _text(web.get(url).text)
            assert not [s for s in foreign if s in text], (locale, url)
    text = _text(web.get(f"/laporan/draf?{qs}").text)
    assert "Social media evaluation report" in text and "Compared with October 2026." in text
    assert "60%" in text


def test_live_downloads(web: WebClient, session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The live draft's three files; the PDF through a fast stand-in renderer that records what it got
    (WeasyPrint itself is tested with the renderers)."""
    from humas.reports.render import pdf

    seen: list[Any] = []
    monkeypatch.setattr(
        pdf,
        "render_pdf",
        lambda report, logo=None: seen.append(report) or FAKE_RENDERERS.pdf(report, logo=logo),
    )
    web.login(world.leader_a)
    for kind, content_type, magic in (
        ("pdf", "application/pdf", b"%PDF"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04"),
        ("csv", "application/zip", b"PK\x03\x04"),
    ):
        response = web.get(f"/laporan/draf/unduh?{_qs(world.kanwil_a.id)}&berkas={kind}")
        assert response.status_code == 200 and response.headers["content-type"] == content_type, kind
        disposition = response.headers["content-disposition"]
        assert disposition.startswith("attachment;") and "-2026-11-id-v0." in disposition
        assert response.content.startswith(magic), kind
    assert seen[0].figures()["inbox.received"].value == 5 and seen[0].unit_id == world.kanwil_a.id
    assert web.get(f"/laporan/draf/unduh?{_qs(world.kanwil_a.id)}&berkas=doc").status_code == 422


def test_a_finalised_versions_drill_down_names_rows_changed_since(
    web: WebClient, session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The finalised page's figures lead to the version's own drill-down (``arsip``): the frozen figure, when
    it was frozen, and the rows that arrived after it marked; a child's row leads to that child's rows."""
    monkeypatch.setattr(archive_service, "default_renderers", lambda: FAKE_RENDERERS)
    web.login(world.leader_a)
    done = web.post(f"/laporan/final?{_qs(world.kanwil_a.id)}")
    report_id = int(done.headers["location"].rsplit("/", 1)[1])
    arrived = utcnow()  # stored after the version was finalised (a platform's late delivery)
    late = conv(session, world.a1, NOV_MON + timedelta(days=4), answered_after_h=1, created_at=arrived)
    session.commit()
    page = web.get(f"/laporan/arsip/{report_id}").text
    link = f"/laporan/rincian?arsip={report_id}&amp;figure=inbox.received"
    assert link in page and f"arsip={report_id}&amp;unit={world.a1.id}&amp;figure=" in page
    drill = web.get(html.unescape(link))
    assert drill.status_code == 200, drill.text[:300]
    text = html.unescape(drill.text)
    assert 'data-testid="drill-frozen"' in text and "dibekukan pada 5" in text
    changed = re.findall(r'data-testid="drill-row" data-id="(\d+)" data-changed="1"', drill.text)
    assert changed == [str(late.id)]
    assert len(ROW.findall(drill.text)) == 6 and 'data-count="1"' in drill.text
    assert f'href="/laporan/arsip/{report_id}"' in drill.text  # back to the version, not the live draft
    # The API's snapshot names the same drill-down.
    token = api_token(session, world.leader_a, role="pimpinan")
    snap = web.api("GET", f"/api/v1/reports/archive/{report_id}", token).json()
    summary = next(s for s in snap["sections"] if s["key"] == "summary")
    received = next(f for f in summary["figures"] if f["key"] == "inbox.received")
    assert received["drill"]["url"] == html.unescape(link)
    # The live draft's children rows lead to the child with the units below it.
    live = web.get(f"/laporan/draf?{_qs(world.kanwil_a.id)}").text
    assert f"/laporan/rincian?unit={world.a1.id}&amp;period=2026-11&amp;turunan=1&amp;figure=" in live
    web.login(world.leader_b)
    assert web.get(html.unescape(link)).status_code == 404
