"""Content kits on both engines: a ministry issues a kit to 50 descendant units; some publish, some draft,
some wait for approval, the rest are late, and the tracker, measures, reminders and hashtag query say so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from humas.core.errors import Conflict, Invalid, NotFound
from humas.core.i18n import use_locale
from humas.org.models import Notification
from humas.outbox.models import OutboxMessage
from humas.publishing import service as publishing_service
from humas.publishing.kits import CellState, KitReceipt
from humas.publishing.service import StepInput, kit_tracker
from humas.publishing.service import kits as kits_service
from tests.factories import make_unit
from tests.publishing.factories import edit_input
from tests.publishing.kit_factories import (
    T0,
    T_END,
    adapt,
    issue,
    kit_input,
    make_network,
    mark_published,
    quick_user,
)


@pytest.fixture(autouse=True)
def english():
    with use_locale("en"):
        yield


def _scenario(session):
    """20 units publish (hour k after the start), 5 hold a draft, 5 wait for approval, 20 do nothing."""
    net = make_network(session)
    kit = issue(session, net)
    reviewer = quick_user(session, net.ministry, "reviewer")
    publishing_service.create_chain(
        session, unit_id=net.ministry.id, name="Biro KLI", actor=net.admin,
        steps=[StepInput(name="Reviewer Biro", role="reviewer")],
    )  # fmt: skip
    units = net.units
    for k, unit in enumerate(units[:20]):
        mark_published(session, adapt(session, kit, net, unit), T0 + timedelta(hours=k + 1))
    for unit in units[20:25]:
        adapt(session, kit, net, unit)
    for unit in units[25:30]:
        post = adapt(session, kit, net, unit)
        publishing_service.submit_post(session, post=post, actor=net.drafters[unit.id])
    session.flush()
    return net, kit, reviewer


def test_tracker_of_a_kit_issued_to_50_units(session) -> None:
    net, kit, _reviewer = _scenario(session)
    assert len(kit.receipts) == 50 and kit.query_id is not None

    during = kit_tracker.tracker(session, kit=kit, now=T_END - timedelta(hours=2))
    assert during.counts == {"belum": 20, "draf": 5, "menunggu_persetujuan": 5, "terbit": 20, "terlambat": 0}
    row = next(r for r in during.rows if r.unit.id == net.units[0].id)
    ((channel, cell),) = row.cells
    assert channel is not None and channel.id == net.channels[net.units[0].id].id
    assert cell.state is CellState.terbit and cell.url and cell.published_at == T0 + timedelta(hours=1)
    assert during.coverage == pytest.approx(0.4)
    assert during.median_hours == pytest.approx(10.5)  # 1..20 hours after the start
    assert during.reach == 20 * 200 and during.engagement == 20 * (10 + 2 + 3)  # the newest read-back

    after = kit_tracker.tracker(session, kit=kit, now=T_END + timedelta(minutes=1))
    assert after.counts["terbit"] == 20 and after.counts["terlambat"] == 30
    assert {r.unit.id for r in after.late} == {u.id for u in net.units[20:]}

    # The measures reports read, and the CSV export (a name is never run as a spreadsheet formula).
    ids = [u.id for u in net.units]
    m = kit_tracker.kit_measures(
        session,
        unit_ids=ids,
        start=T0 - timedelta(days=1),
        end=T0 + timedelta(days=30),
        now=T_END + timedelta(days=1),
    )
    assert (m.kits_received, m.published, m.late) == (50, 20, 30)
    assert m.coverage == pytest.approx(0.4) and m.median_hours == pytest.approx(10.5)
    one = kit_tracker.kit_measures(session, unit_ids=ids[:1], start=T0, end=T0 + timedelta(days=1))
    assert (one.kits_received, one.published, one.late) == (1, 1, 0)
    outside = kit_tracker.kit_measures(session, unit_ids=ids, start=T_END, end=T_END + timedelta(days=1))
    assert outside.kits_received == 0 and outside.coverage is None
    net.units[0].name = "=HYPERLINK(1)"
    board = kit_tracker.tracker(session, kit=kit, now=T_END + timedelta(hours=1))
    text = kit_tracker.tracker_csv(board, show_time=lambda t: t.isoformat() if t else "")
    lines = text.splitlines()
    assert lines[0].startswith("unit,channel") and len(lines) == 51
    assert "'=HYPERLINK(1)" in text and text.count(",terlambat,") == 30


def test_reminders_go_to_late_units_once_a_day(session) -> None:
    net, kit, _reviewer = _scenario(session)
    late_unit = net.units[40]
    kit_tracker.set_unit_chat(session, unit=late_unit, chat_id="-1001234567890", actor=net.admin)
    assert kit_tracker.remind_units(session, kit=kit, actor=None, now=T0 + timedelta(hours=30)) == []
    after = T_END + timedelta(hours=1)
    told = kit_tracker.remind_units(session, kit=kit, actor=net.admin, now=after)
    assert {u.id for u in told} == {u.id for u in net.units[20:]}
    mails = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notify.email")).all()
    reminded = {m.target for m in mails if m.payload["kind"] == "kit.reminder"}
    assert reminded == {net.drafters[u.id].email for u in net.units[20:]}
    chats = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notify.telegram")).all()
    assert [c.target for c in chats] == ["-1001234567890"]
    note = session.scalars(select(Notification).where(Notification.user_id == net.drafters[late_unit.id].id,
                                                      Notification.kind == "kit.reminder")).one()  # fmt: skip
    assert "Late" in note.text and note.link == f"/publishing/kits/{kit.id}"
    assert kit_tracker.remind_units(session, kit=kit, actor=None, now=after + timedelta(hours=2)) == []
    again = kit_tracker.remind_units(session, kit=kit, actor=None, now=after + timedelta(days=1))
    assert len(again) == 30
    receipt = session.scalars(select(KitReceipt).where(KitReceipt.unit_id == late_unit.id)).one()
    assert receipt.reminders == 2


def test_locked_key_message_stays_in_the_draft(session) -> None:
    net = make_network(session, offices=1, per_office=1)
    kit = issue(session, net)
    unit = net.units[0]
    post = adapt(session, kit, net, unit)
    text = post.variants[0].text
    assert "APBN bekerja untuk rakyat." in text and "#UangKita" in text and "#APBNKita" in text
    assert "https://www.kemenkeu.go.id/apbn2027" in text and post.kind == "narasi"
    drafter = net.drafters[unit.id]
    with pytest.raises(Invalid) as refused:
        publishing_service.edit_post(
            session, post=post, data=edit_input(post, text=text.replace("APBN bekerja untuk rakyat.", "")),
            actor=drafter,
        )  # fmt: skip
    assert refused.value.field == f"variant-{net.channels[unit.id].id}"
    assert "locked key message" in str(refused.value.message)
    with pytest.raises(Invalid, match="requires"):
        no_tag = edit_input(post, text=text.replace("#UangKita", ""))
        publishing_service.edit_post(session, post=post, data=no_tag, actor=drafter)
    # The unlocked message may go; case and spacing of the locked one may change.
    edited = text.replace("Belanja pendidikan naik.", "").replace("APBN bekerja", "apbn   BEKERJA")
    publishing_service.edit_post(session, post=post, data=edit_input(post, text=edited), actor=drafter)
    assert post.version == 2


def test_targets_levels_and_units(session) -> None:
    net = make_network(session, offices=2, per_office=2)
    kit = kits_service.create_kit(
        session, unit_id=net.ministry.id, data=kit_input(hashtags=[]), actor=net.drafter
    )
    assert kit.query_id is None
    target = kits_service.TargetInput(mode="levels", levels=[1])
    receipts = kits_service.issue_kit(session, kit=kit, target=target, actor=net.drafter, now=T0)
    assert sorted(r.unit_id for r in receipts) == sorted(
        u.id for u in net.units if u.depth == net.ministry.depth + 1
    )
    with pytest.raises(Conflict):
        kits_service.issue_kit(session, kit=kit, target=target, actor=net.drafter, now=T0)
    other = kits_service.create_kit(session, unit_id=net.ministry.id, data=kit_input(), actor=net.drafter)
    stranger = make_unit(session)
    with pytest.raises(Invalid) as bad:
        target = kits_service.TargetInput(mode="units", unit_ids=[stranger.id])
        kits_service.issue_kit(session, kit=other, actor=net.drafter, now=T0, target=target)
    assert bad.value.field == "unit_ids"
    chosen = kits_service.TargetInput(mode="units", unit_ids=[net.units[3].id])
    assert [
        r.unit_id
        for r in kits_service.issue_kit(session, kit=other, target=chosen, actor=net.drafter, now=T0)
    ] == [net.units[3].id]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"ends_at": T0 - timedelta(hours=1)}, "ends_at"),
        ({"hashtags": ["#ok", "bukan tagar!"]}, "hashtags"),
        ({"links": ["javascript:alert(1)"]}, "links"),
        ({"master_text": "", "variants": {}}, "master_text"),
        ({"variants": {"myspace": "x"}}, "variants"),
        ({"media_ids": [999_999]}, None),
    ],
)
def test_bad_kits_are_refused_with_the_field(session, overrides, field) -> None:
    net = make_network(session, offices=1, per_office=1)
    with pytest.raises((Invalid, NotFound)) as refused:
        kits_service.create_kit(
            session, unit_id=net.ministry.id, data=kit_input(**overrides), actor=net.drafter
        )
    if field:
        assert refused.value.field == field


def test_isolation_kits_and_their_drafts(session) -> None:
    net = make_network(session, offices=2, per_office=1)
    kit = issue(session, net)
    a, b = net.units[0], net.units[1]  # two regional offices, siblings
    post_b = adapt(session, kit, net, b)
    user_a = quick_user(session, a)
    assert kits_service.access_kit(session, user_a, kit.id) is kit  # issued to it
    assert not kits_service.can_track(user_a, kit)
    with pytest.raises(NotFound):
        kits_service.access_tracked_kit(session, user_a, kit.id)
    assert [r.unit_id for r in kits_service.own_receipts(session, user_a, kit)] == [a.id, net.units[2].id]
    with pytest.raises(NotFound):
        publishing_service.access_post(session, user_a, post_b.id)  # never a sibling's draft
    with pytest.raises(NotFound):
        kits_service.receipt_of(session, user_a, kit=kit, unit_id=b.id)
    outsider = quick_user(session, make_unit(session, parent=net.ministry), "admin")
    with pytest.raises(NotFound):  # a unit created after the issue received nothing
        kits_service.access_kit(session, outsider, kit.id)
    assert [i.kit.id for i in kits_service.kit_queue(session, user_a, now=T0)] == [kit.id, kit.id]
    assert kits_service.kit_queue(session, outsider, now=T0) == []
    assert kits_service.list_issued(session, user_a) == []


def test_hashtag_query_counts_the_publics_mentions(session) -> None:
    from humas.ingest.service import pipeline
    from tests.ingest.helpers import fake_analyze, item

    net = make_network(session, offices=1, per_office=1)
    kit = issue(session, net)
    texts = [
        "Mantap #UangKita bagus sekali",
        "APBN lambat cair #APBNKita",
        "Berita lain tanpa tagar",
        "#uangkita!",
    ]
    pipeline.ingest_items(session, [item(t) for t in texts], unit=net.ministry, analyzer=fake_analyze)
    mentions, sentiment = kit_tracker.uptake(session, kit=kit)
    assert mentions == 3
    assert sentiment == {"positive": 1, "negative": 1, "neutral": 1}
    assert kit_tracker.tracker(session, kit=kit, now=T0).mentions == 3


def test_daily_task_function_lists_open_kits(session) -> None:
    net = make_network(session, offices=1, per_office=1)
    kit = issue(session, net)
    assert kit.id in kit_tracker.kits_to_remind(session, now=T0 + timedelta(hours=1))
    assert kit.id not in kit_tracker.kits_to_remind(session, now=T_END + timedelta(days=8))
    assert kit.id not in kit_tracker.kits_to_remind(session, now=T0 - timedelta(hours=1))
