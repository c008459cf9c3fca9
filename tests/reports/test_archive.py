"""The report archive: versions never overwrite, figures stay as finalised, checksums, access, bad input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update

from humas.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from humas.org.models import AuditLog
from humas.reports.document import Report
from humas.reports.models import ArchivedReport, ReportDraft, ReportFile
from humas.reports.period import Period
from humas.reports.service import archive, texts
from tests.factories import make_unit, make_user
from tests.inbox.factories import make_mention
from tests.reports.archive_fakes import FAKE_RENDERERS, add_mention, counting_builder
from tests.reports.world import build_world

NOV = Period.month(2026, 11)
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def finalise(session, unit, actor, **kw):
    args = {"period": NOV, "include_descendants": False, "locale": "id", "now": NOW}
    return archive.finalise_report(
        session, unit=unit, actor=actor, build=counting_builder, renderers=FAKE_RENDERERS, **(args | kw)
    )


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_finalising_again_makes_a_new_version_and_never_overwrites(session):
    unit = make_unit(session)
    analyst = make_user(session, unit=unit, roles=("analyst",))
    texts.save_section_text(
        session, unit=unit, period=NOV, include_descendants=False, locale="id",
        section="listening", text="Temuan: sebutan stabil.\r\nRekomendasi: lanjutkan.", actor=analyst,
    )  # fmt: skip
    first = finalise(session, unit, analyst)
    snapshot_v1, sha_v1 = archive.read_archived_report(session, first).to_json(), first.sha256
    pdf_v1 = archive.report_file(session, first, "pdf")[1]
    second = finalise(session, unit, analyst)

    assert (first.version, second.version) == (1, 2) and first.id != second.id
    assert count(session, ArchivedReport) == 2 and count(session, ReportFile) == 6
    session.expire_all()
    again = session.get(ArchivedReport, first.id)
    assert again.sha256 == sha_v1 and archive.read_archived_report(session, again).to_json() == snapshot_v1
    assert archive.report_file(session, again, "pdf")[1] == pdf_v1 and pdf_v1.startswith(b"%PDF-")
    report = archive.read_archived_report(session, again)
    assert isinstance(report, Report) and report.version == 1 and report.finalised_by == analyst.email
    assert report.section("listening").text == "Temuan: sebutan stabil.\nRekomendasi: lanjutkan."
    assert report.section("responsiveness").text == "Temuan: respons membaik."  # the builder's, kept
    assert archive.verify_archived_report(session, again).ok
    names = {f.kind: f.filename for f in again.files}
    assert names["pdf"].endswith("-2026-11-id-v1.pdf") and names["csv"].endswith(".zip")
    actions = session.scalars(select(AuditLog.action).where(AuditLog.unit_id == unit.id)).all()
    assert actions.count("report.finalise") == 2 and "report.text" in actions


def test_a_finalised_reports_figures_stay_after_new_mentions_arrive(session):
    unit = make_unit(session)
    leader = make_user(session, unit=unit, roles=("pimpinan",))
    for n in range(3):
        add_mention(session, unit=unit, at=datetime(2026, 11, 10 + n, 5, tzinfo=UTC), n=n)
    first = finalise(session, unit, leader)
    files_before = {f.kind: (f.sha256, f.size_bytes) for f in first.files}

    add_mention(session, unit=unit, at=datetime(2026, 11, 20, 5, tzinfo=UTC), n=99)  # late data
    live = counting_builder(session, unit=unit, period=NOV, include_descendants=False, locale="id")
    assert live.figures()["listening.mentions"].value == 4

    session.expire_all()
    kept = session.get(ArchivedReport, first.id)
    assert archive.read_archived_report(session, kept).figures()["listening.mentions"].value == 3
    assert {f.kind: (f.sha256, f.size_bytes) for f in kept.files} == files_before
    assert archive.verify_archived_report(session, kept).ok
    newer = finalise(session, unit, leader)
    assert newer.version == 2
    assert archive.read_archived_report(session, newer).figures()["listening.mentions"].value == 4


def test_with_the_real_builder_a_finalised_report_keeps_its_figures_after_new_mentions(session, fernet_key):
    world = build_world(session)  # Kanwil A with descendants: 6 mentions in November (tests/reports/world.py)
    common = {"unit": world.kanwil_a, "period": NOV, "include_descendants": True, "locale": "id", "now": NOW}
    first = archive.finalise_report(session, actor=world.leader_a, renderers=FAKE_RENDERERS, **common)
    archived = archive.read_archived_report(session, first)
    assert archived.figures()["listening.mentions"].value == 6 and archived.unit_ids == tuple(
        sorted((world.kanwil_a.id, world.a1.id, world.a2.id))
    )
    at = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    for unit in (world.a1, world.a2, world.kanwil_b):  # late data for the period, and a sibling's
        make_mention(session, unit=unit, at=at, sentiment="negative")
    session.expire_all()

    kept = archive.read_archived_report(session, session.get(ArchivedReport, first.id))
    assert kept.to_json() == archived.to_json()  # every figure, table and chart as finalised
    assert archive.verify_archived_report(session, first).ok
    newer = archive.finalise_report(session, actor=world.leader_a, renderers=FAKE_RENDERERS, **common)
    figures = archive.read_archived_report(session, newer).figures()
    assert newer.version == 2 and figures["listening.mentions"].value == 8  # never the sibling's


def test_the_archive_refuses_a_change(session):
    unit = make_unit(session)
    row = finalise(session, unit, make_user(session, unit=unit, roles=("admin",)))
    row.snapshot = row.snapshot.replace('"value":0', '"value":1000')
    with pytest.raises(Conflict):
        session.flush()


def test_the_archive_refuses_a_change_of_its_title_or_a_files_type(session):
    unit = make_unit(session)
    row = finalise(session, unit, make_user(session, unit=unit, roles=("admin",)))
    row.title = "Laporan lain"
    with pytest.raises(Conflict):
        session.flush()
    session.expire_all()
    row.files[0].content_type = "text/html"  # the e-mail would attach the PDF under another type
    with pytest.raises(Conflict):
        session.flush()


def test_the_archive_refuses_a_deletion(session):
    unit = make_unit(session)
    row = finalise(session, unit, make_user(session, unit=unit, roles=("admin",)))
    session.delete(row.files[0])
    with pytest.raises(Conflict):
        session.flush()


def test_the_checksums_find_tampering(session):
    unit = make_unit(session)
    row = finalise(session, unit, make_user(session, unit=unit, roles=("admin",)))
    session.execute(  # what only someone with direct database access could do
        update(ReportFile)
        .where(ReportFile.report_id == row.id, ReportFile.kind == "pdf")
        .values(content=b"x")
    )
    session.execute(update(ArchivedReport).where(ArchivedReport.id == row.id).values(snapshot="{}"))
    check = archive.verify_archived_report(session, row)
    assert (
        not check.ok and not check.snapshot_ok and check.files_ok == {"csv": True, "pdf": False, "xlsx": True}
    )
    with pytest.raises(Conflict):
        archive.read_archived_report(session, row)
    with pytest.raises(Conflict):
        archive.report_file(session, row, "pdf")


def test_a_unit_sees_its_own_and_its_descendants_reports_never_a_siblings(session):
    root = make_unit(session)
    a, b = make_unit(session, parent=root), make_unit(session, parent=root)
    a_child = make_unit(session, parent=a)
    at_root = make_user(session, unit=root, roles=("pimpinan",))
    at_a = make_user(session, unit=a, roles=("analyst",))
    at_b = make_user(session, unit=b, roles=("responder",))
    report_a = finalise(session, a, at_a, include_descendants=True)
    report_child = finalise(session, a_child, at_a)
    report_root = finalise(session, root, at_root, include_descendants=True)

    assert archive.access_archived_report(session, at_root, report_a.id) == report_a
    assert archive.access_archived_report(session, at_a, report_child.id) == report_child
    for actor, row in ((at_b, report_a), (at_b, report_child), (at_a, report_root), (at_b, report_root)):
        with pytest.raises(NotFound):
            archive.access_archived_report(session, actor, row.id)
    assert {r.id for r in archive.list_archive(session, at_a)} == {report_a.id, report_child.id}
    assert archive.list_archive(session, at_b) == []
    assert {r.id for r in archive.list_archive(session, at_root)} == {
        report_a.id,
        report_child.id,
        report_root.id,
    }
    assert [r.id for r in archive.list_archive(session, at_root, unit=a, period=NOV)] == [report_a.id]
    with pytest.raises(NotFound):
        archive.list_archive(session, at_b, unit=a)
    with pytest.raises(NotFound):  # a sibling's unit cannot be finalised either
        finalise(session, a, at_b)
    assert archive.read_archived_report(session, report_a).unit_ids == tuple(sorted((a.id, a_child.id)))


def test_who_may_finalise_and_write_the_texts(session):
    unit = make_unit(session)
    drafter = make_user(session, unit=unit, roles=("drafter", "responder", "reviewer"))
    with pytest.raises(PermissionDenied):
        finalise(session, unit, drafter)
    with pytest.raises(PermissionDenied):
        texts.save_section_text(
            session, unit=unit, period=NOV, include_descendants=False, locale="id",
            section="summary", text="x", actor=drafter,
        )  # fmt: skip
    assert count(session, ArchivedReport) == 0 and count(session, ReportDraft) == 0
    for role in ("admin", "pimpinan", "analyst"):
        assert finalise(session, unit, make_user(session, unit=unit, roles=(role,))).finalised_by_label


def test_bad_input_gives_a_clear_error_and_stores_nothing(session):
    unit = make_unit(session)
    analyst = make_user(session, unit=unit, roles=("analyst",))
    with pytest.raises(Invalid) as bad:
        Period.parse("2026-13")
    assert bad.value.field == "period"
    with pytest.raises(Invalid) as bad:
        finalise(session, unit, analyst, locale="fr")
    assert bad.value.field == "locale"
    with pytest.raises(Invalid) as bad:  # December has not ended on 2 December
        finalise(session, unit, analyst, period=Period.month(2026, 12))
    assert bad.value.field == "period" and "2026-12" in str(bad.value)
    with pytest.raises(Invalid) as bad:
        texts.save_section_text(
            session, unit=unit, period=NOV, include_descendants=False, locale="id",
            section="<script>", text="x", actor=analyst,
        )  # fmt: skip
    assert bad.value.field == "section"
    with pytest.raises(Invalid) as bad:
        texts.save_section_text(
            session, unit=unit, period=NOV, include_descendants=False, locale="id",
            section="summary", text="x" * (texts.TEXT_MAX + 1), actor=analyst,
        )  # fmt: skip
    assert bad.value.field == "text"
    with pytest.raises(Invalid):
        archive.report_file(session, finalise(session, unit, analyst), "docx")
    assert count(session, ReportDraft) == 0 and count(session, ArchivedReport) == 1


def test_an_empty_text_removes_the_sections_text(session):
    unit = make_unit(session)
    analyst = make_user(session, unit=unit, roles=("analyst",))
    common = {"unit": unit, "period": NOV, "include_descendants": False, "locale": "en", "actor": analyst}
    texts.save_section_text(session, section="summary", text="Findings", **common)
    texts.save_section_text(session, section="listening", text="More", **common)
    texts.save_section_text(session, section="summary", text="  ", **common)
    saved = texts.section_texts(session, unit=unit, period=NOV, include_descendants=False, locale="en")
    assert saved == {"listening": "More"}
    assert texts.section_texts(session, unit=unit, period=NOV, include_descendants=False, locale="id") == {}
