"""The report builder on hand-built data (tests/reports/world.py) whose right answers are written here."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from humas.channels.models import ChannelFollowers
from humas.core.errors import Invalid, NotFound
from humas.org import service as org_service
from humas.org.models import User
from humas.reports.document import Drill, Report
from humas.reports.service import build_report
from tests.channels.factories import make_channel
from tests.inbox.factories import make_mention
from tests.reports.world import NOVEMBER, World, build_world

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def world(session, fernet_key) -> World:
    return build_world(session)


def _build(session, unit, *, descendants=True, locale="id", **kw) -> Report:
    return build_report(
        session, unit=unit, period=NOVEMBER, include_descendants=descendants, locale=locale, now=NOW, **kw
    )


def test_parent_report_counts_every_descendant_and_no_sibling(session, world):
    report = _build(session, world.kanwil_a)
    f = report.figures()
    assert set(report.unit_ids) == {world.kanwil_a.id, world.a1.id, world.a2.id}
    assert (report.institution, report.zone, report.period.key, report.previous.key) == (
        "Kementerian Contoh", "Asia/Jakarta", "2026-11", "2026-10",
    )  # fmt: skip
    # conversations: Kanwil A 2 + A1 2 + A2 1 (the sibling's 5 and the spam left out); October: 2
    assert (f["inbox.received"].value, f["inbox.received"].previous) == (5, 2)
    assert (f["inbox.response_rate"].value, f["inbox.response_rate"].previous) == (0.6, 0.5)
    assert (f["inbox.first_response_p50"].value, f["inbox.first_response_p50"].previous) == (2.0, 4.0)
    assert f["inbox.first_response_p90"].value == 3.0
    # mentions: 3 positive and 1 negative at Kanwil A, 2 negative at A1 (the sibling's 10 left out)
    assert (f["listening.mentions"].value, f["listening.mentions"].previous) == (6, 1)
    assert (f["listening.negative"].value, f["listening.negative"].previous) == (3, 1)
    assert (f["listening.net_sentiment"].value, f["listening.net_sentiment"].previous) == (0.0, -1.0)
    # posts: A1's two (reach 1000 + 500, engagements 65 + 25); the sibling's post left out
    assert (f["publishing.posts"].value, f["publishing.posts"].previous) == (2, 0)
    assert f["publishing.reach"].value == 1500
    assert f["publishing.engagements"].value == 90
    assert f["publishing.engagement_rate"].value == pytest.approx(0.06)


def test_unit_alone_and_child_alone(session, world):
    alone = _build(session, world.kanwil_a, descendants=False).figures()
    assert (alone["inbox.received"].value, alone["inbox.response_rate"].value) == (2, 0.5)
    assert (alone["listening.mentions"].value, alone["listening.net_sentiment"].value) == (4, 0.5)
    assert alone["publishing.posts"].value == 0
    child = _build(session, world.a1).figures()
    assert (child["inbox.received"].value, child["inbox.response_rate"].value) == (2, 1.0)
    assert (child["inbox.received"].previous, child["inbox.response_rate"].previous) == (1, 0.0)
    assert (child["listening.mentions"].value, child["listening.net_sentiment"].value) == (2, -1.0)
    assert child["publishing.posts"].value == 2
    sibling = _build(session, world.kanwil_b).figures()
    assert (sibling["inbox.received"].value, sibling["listening.negative"].value) == (5, 10)
    assert sibling["publishing.reach"].value == 9999


def test_sections_summary_and_drills(session, world):
    report = _build(session, world.kanwil_a)
    assert [s.key for s in report.sections] == [
        "summary", "publishing", "responsiveness", "listening", "narasi", "children",
    ]  # fmt: skip
    summary = report.section("summary")
    assert summary is not None
    assert [f.key for f in summary.figures] == [
        "listening.mentions", "listening.net_sentiment", "inbox.received", "inbox.response_rate",
        "inbox.first_response_p50", "inbox.sla_met_rate", "publishing.posts", "publishing.engagement_rate",
        "publishing.reach",
    ]  # fmt: skip
    f = report.figures()
    assert f["inbox.received"].drill == Drill("conversations", {"figure": "inbox.received"})
    assert f["listening.mentions"].drill == Drill("mentions", {"figure": "listening.mentions"})
    assert f["publishing.posts"].drill == Drill("posts", {"figure": "publishing.posts"})
    assert f["inbox.received"].label == "Percakapan masuk"
    responsiveness = report.section("responsiveness")
    assert responsiveness is not None
    by_channel = next(t for t in responsiveness.tables if t.key == "inbox.by_channel")
    assert {row[0]: row[1] for row in by_channel.rows} == {"Facebook Page": 3, "WhatsApp Business": 2}
    assert [c.key for c in responsiveness.charts] == ["inbox.received_by_channel"]


def test_children_ranked_and_most_improved(session, world):
    report = _build(session, world.kanwil_a)
    children = report.section("children")
    assert children is not None
    tables = {t.key: t for t in children.tables}
    rate = tables["children.inbox.response_rate"]
    # A1 answered both (October: none of one); A2 none (October: its one)
    assert [r[:4] for r in rate.rows] == [(1, "KPPN A1", 1.0, 0.0), (2, "KPPN A2", 0.0, 1.0)]
    assert rate.drills[0] == Drill(
        "conversations", {"figure": "inbox.response_rate", "unit": str(world.a1.id)}
    )
    received = tables["children.inbox.received"]
    assert [r[:4] for r in received.rows] == [(1, "KPPN A1", 2, 1), (2, "KPPN A2", 1, 1)]
    mentions = tables["children.listening.mentions"]
    assert [r[1:3] for r in mentions.rows] == [("KPPN A1", 2), ("KPPN A2", 0)]
    improved = {row[0]: row[1] for row in tables["children.most_improved"].rows}
    assert improved["Tingkat respons"] == "KPPN A1"
    assert any("KPPN A1" in s and "Tingkat respons" in s for s in children.draft)
    # no children section for a unit alone or a leaf
    assert _build(session, world.kanwil_a, descendants=False).section("children") is None
    assert _build(session, world.a1).section("children") is None


def test_english_and_json_round_trip(session, world):
    report = _build(session, world.kanwil_a, locale="en")
    assert report.figures()["inbox.received"].label == "Conversations received"
    assert report.section("summary").title == "Summary"  # type: ignore[union-attr]
    assert Report.from_json(report.to_json()) == report
    indonesian = _build(session, world.kanwil_a)
    assert Report.from_json(indonesian.to_json()) == indonesian
    assert indonesian.section("summary").title == "Ringkasan"  # type: ignore[union-attr]


def test_narasi_says_no_kits_only_when_true(session, world):
    narasi = _build(session, world.kanwil_a).section("narasi")
    assert narasi is not None
    assert {f.key: f.value for f in narasi.figures}["narasi.kits_received"] == 0
    assert (
        narasi.draft[0]
        == "Tidak ada materi narasi tunggal yang diterbitkan untuk atau oleh unit ini pada periode ini."
    )


def test_actor_must_see_the_unit_and_locale_is_checked(session, world):
    with pytest.raises(NotFound):
        _build(session, world.kanwil_a, actor=world.leader_b)
    assert _build(session, world.a1, actor=world.leader_a).unit_id == world.a1.id
    with pytest.raises(Invalid):
        _build(session, world.kanwil_a, locale="fr")


def test_narasi_counts_kits_received_and_late(session, world):
    from humas.publishing.kits import ContentKit, KitReceipt

    start = datetime(2026, 11, 10, 1, 0, tzinfo=UTC)
    kit = ContentKit(uid="kit-nov", issuer_unit_id=world.root.id, title="Uang Kita", master_text="APBN",
                     starts_at=start, ends_at=datetime(2026, 11, 20, tzinfo=UTC), issued_at=start,
                     target={"mode": "all"}, created_by_id=world.leader_a.id)  # fmt: skip
    session.add(kit)
    session.flush()
    session.add(KitReceipt(kit_id=kit.id, unit_id=world.a1.id))
    session.flush()
    narasi = _build(session, world.kanwil_a).section("narasi")
    assert narasi is not None
    figures = {f.key: f.value for f in narasi.figures}
    # received by A1 (in Kanwil A's subtree), never published, its window closed on 20 November: late
    assert (figures["narasi.kits_received"], figures["narasi.kits_late"], figures["narasi.coverage"]) == (
        1,
        1,
        0.0,
    )
    assert not any("Tidak ada materi" in s for s in narasi.draft)
    sibling = _build(session, world.kanwil_b).section("narasi")
    assert sibling is not None and sibling.draft[0].startswith("Tidak ada materi narasi tunggal")
    # the root issued it: its own report counts it as issued
    root = _build(session, world.root).section("narasi")
    assert root is not None and {f.key: f.value for f in root.figures}["narasi.kits_issued"] == 1


def test_a_wita_unit_counts_its_own_month(session, world):

    admin = User(email="admin-b@contoh.go.id", name="Admin", unit_id=world.kanwil_b.id, password_hash="!")
    session.add(admin)
    session.flush()
    session.add(
        __import__("humas.org.models", fromlist=["UserRole"]).UserRole(user_id=admin.id, role="admin")
    )
    session.flush()
    session.refresh(admin)
    org_service.set_unit_zone(session, unit=world.kanwil_b, zone="Asia/Makassar", actor=admin)
    # 30 Nov 16:30 UTC is 1 Dec 00:30 WITA (December for Kanwil B) but 30 Nov 23:30 WIB
    make_mention(
        session, unit=world.kanwil_b, at=datetime(2026, 11, 30, 16, 30, tzinfo=UTC), sentiment="negative"
    )
    # 31 Oct 16:30 UTC is 1 Nov 00:30 WITA: November for Kanwil B
    make_mention(
        session, unit=world.kanwil_b, at=datetime(2026, 10, 31, 16, 30, tzinfo=UTC), sentiment="negative"
    )
    report = _build(session, world.kanwil_b)
    assert report.zone == "Asia/Makassar"
    assert report.figures()["listening.negative"].value == 10 + 1


def test_followers_count_every_channel_and_growth_from_the_first_reading(session, world):
    # A2's Facebook page published nothing in November: its followers still count. It was first read in
    # the middle of November (no reading before the period): its growth starts from that first reading.
    quiet = make_channel(session, unit=world.a2, platform="facebook", name="FB KPPN A2")
    readings = (
        (world.channel_a1, date(2026, 10, 31), 1000),  # before the period: A1's start
        (world.channel_a1, date(2026, 11, 30), 1200),  # A1's end (+200)
        (quiet, date(2026, 11, 15), 400),  # first read in the period: A2's start
        (quiet, date(2026, 11, 30), 450),  # A2's end (+50)
        (world.channel_b, date(2026, 11, 30), 99999),  # the sibling: never counted
    )
    for channel, day, count in readings:
        read_at = datetime.combine(day, time(1), tzinfo=UTC) - timedelta(hours=7)
        session.add(ChannelFollowers(channel_id=channel.id, counted_on=day, followers=count, read_at=read_at))
    session.flush()
    f = _build(session, world.kanwil_a).figures()
    assert f["publishing.followers"].value == 1200 + 450
    assert f["publishing.follower_growth"].value == 200 + 50
