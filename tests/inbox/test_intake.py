"""Mentions into conversations: threads, DMs, staff items, query feeds, no double storing; and the
conversation moves (status, assignment, round-robin, notes, type corrections)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from humas.connectors.base import SourceItem
from humas.core.errors import Invalid, NotFound, PermissionDenied
from humas.inbox.models import Conversation, ConversationEvent, ConversationItem, Note
from humas.inbox.service import conversations, intake
from humas.ingest.models import LabelCorrection, Mention
from humas.ingest.service import queries as queries_service
from humas.ingest.service.pipeline import ingest_items
from humas.org.models import Notification
from humas.outbox.models import OutboxMessage
from tests.channels.factories import make_channel
from tests.factories import make_unit, make_user
from tests.ingest.helpers import fake_analyze

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _item(external_id: str, kind: str, text: str, *, at: datetime = T0, **kw) -> SourceItem:
    return SourceItem(
        platform=kw.pop("platform", "facebook"),
        external_id=external_id,
        kind=kind,
        text=text,
        created_at=at,
        **kw,
    )


def _ingest(session, unit, channel, items):
    return ingest_items(session, items, unit=unit, channel=channel.account_external_id, analyzer=fake_analyze)


def _setup(session):
    unit = make_unit(session)
    channel = make_channel(session, unit=unit, platform="facebook", account_external_id="page-1")
    return unit, channel


def test_comments_under_own_post_form_one_conversation(session):
    unit, channel = _setup(session)
    post = _item("page-1_10", "post", "Jadwal layanan KPPN", author_id="page-1", channel_external_id="page-1")
    c1 = _item(
        "c1",
        "comment",
        "kapan pencairan dana bos cair min?",
        author_id="u1",
        author_name="Budi",
        thread_root_id="page-1_10",
        in_reply_to_id="page-1_10",
        channel_external_id="page-1",
    )
    c2 = _item(
        "c2",
        "comment",
        "pelayanan buruk sekali, antri 3 jam",
        author_id="u2",
        thread_root_id="page-1_10",
        in_reply_to_id="page-1_10",
        channel_external_id="page-1",
        at=T0 + timedelta(minutes=5),
    )
    _ingest(session, unit, channel, [post, c1, c2])
    convs = list(session.scalars(select(Conversation).where(Conversation.unit_id == unit.id)))
    assert len(convs) == 1
    conv = convs[0]
    assert conv.origin == "comments" and conv.item_count == 2 and conv.status == "baru"
    assert conv.root_mention_id is not None  # the unit's own post is the original post, not an item
    assert conv.message_type == "pertanyaan"  # the real message-type model on the first message
    assert conv.unanswered_since == T0
    # the same comment again (webhook after poll) adds nothing
    _ingest(session, unit, channel, [c1])
    assert session.scalar(select(func.count()).select_from(ConversationItem)) == 2


def test_staff_reply_on_the_platform_answers(session):
    unit, channel = _setup(session)
    c1 = _item(
        "c1",
        "comment",
        "dimana alamat kantor?",
        author_id="u1",
        thread_root_id="p1",
        channel_external_id="page-1",
    )
    _ingest(session, unit, channel, [c1])
    answer = _item(
        "c2",
        "comment",
        "Jl. Merdeka 1",
        author_id="page-1",
        thread_root_id="p1",
        in_reply_to_id="c1",
        channel_external_id="page-1",
        at=T0 + timedelta(hours=1),
    )
    _ingest(session, unit, channel, [answer])
    conv = session.scalars(select(Conversation)).one()
    assert conv.first_response_at == T0 + timedelta(hours=1)
    assert conv.unanswered_since is None and conv.status == "terbuka"
    kinds = [e.kind for e in session.scalars(select(ConversationEvent).order_by(ConversationEvent.at))]
    assert kinds[:2] == ["citizen", "staff_item"] and "staff_reply" in kinds


def test_direct_messages_group_by_person_and_restart_after_the_gap(session):
    unit = make_unit(session)
    channel = make_channel(session, unit=unit, platform="whatsapp", account_external_id="pn-1")
    actor = make_user(session, unit=unit, roles=("responder",))
    dm = _item(
        "m1",
        "message",
        "halo, saya mau tanya NPWP",
        platform="whatsapp",
        author_id="62811",
        channel_external_id="pn-1",
    )
    dm2 = _item(
        "m2",
        "message",
        "halo?",
        platform="whatsapp",
        author_id="62811",
        channel_external_id="pn-1",
        at=T0 + timedelta(minutes=3),
    )
    other = _item(
        "m3", "message", "info dong", platform="whatsapp", author_id="62822", channel_external_id="pn-1"
    )
    _ingest(session, unit, channel, [dm, dm2, other])
    convs = list(session.scalars(select(Conversation).order_by(Conversation.id)))
    assert [c.item_count for c in convs] == [2, 1] and convs[0].origin == "dm"
    conversations.set_status(
        session, conversation=convs[0], status="selesai", actor=actor, now=T0 + timedelta(hours=1)
    )
    # within the gap: the closed conversation reopens
    again = _item(
        "m4",
        "message",
        "satu lagi",
        platform="whatsapp",
        author_id="62811",
        channel_external_id="pn-1",
        at=T0 + timedelta(hours=2),
    )
    _ingest(session, unit, channel, [again])
    session.refresh(convs[0])
    assert convs[0].status == "terbuka" and convs[0].item_count == 3
    conversations.set_status(
        session, conversation=convs[0], status="selesai", actor=actor, now=T0 + timedelta(hours=3)
    )
    # past the 24-hour gap: a new conversation with the same person
    later = _item(
        "m5",
        "message",
        "selamat pagi",
        platform="whatsapp",
        author_id="62811",
        channel_external_id="pn-1",
        at=T0 + timedelta(days=3),
    )
    _ingest(session, unit, channel, [later])
    assert session.scalar(select(func.count()).select_from(Conversation)) == 3


def test_mentions_of_other_units_and_plain_listening_stay_out(session):
    unit, channel = _setup(session)
    stray = _item("x1", "post", "berita pajak hari ini", author_id="u9")  # no channel: plain listening
    _ingest(session, unit, channel, [stray])
    assert session.scalar(select(func.count()).select_from(Conversation)) == 0


def test_query_feed_and_send_to_inbox(session):
    unit = make_unit(session)
    analyst = make_user(session, unit=unit, roles=("analyst",))
    query = queries_service.create_query(session, unit=unit, name="Keluhan", query="antri", actor=None)
    assert intake.set_query_feed(session, query=query, enabled=True, actor=analyst) is True
    ingest_items(
        session,
        [_item("n1", "post", "antri lama di kantor pajak", platform="x", author_id="a1")],
        unit=unit,
        analyzer=fake_analyze,
    )
    conv = session.scalars(select(Conversation)).one()
    assert conv.origin == "query" and conv.query_id == query.id
    other = ingest_items(
        session,
        [_item("n2", "post", "cuaca cerah", platform="x", author_id="a2")],
        unit=unit,
        analyzer=fake_analyze,
    )
    mention = session.get(Mention, other.added_ids[0])
    sent = intake.send_to_inbox(session, mention=mention, actor=analyst)
    assert sent.origin == "manual" and sent.item_count == 1
    assert intake.send_to_inbox(session, mention=mention, actor=analyst).id == sent.id  # not twice


def test_access_is_limited_to_the_subtree(session):
    root = make_unit(session)
    a, b = make_unit(session, parent=root), make_unit(session, parent=root)
    channel = make_channel(session, unit=a, platform="facebook", account_external_id="page-a")
    _ingest(
        session,
        a,
        channel,
        [_item("c1", "comment", "tanya", author_id="u1", thread_root_id="p", channel_external_id="page-a")],
    )
    conv = session.scalars(select(Conversation)).one()
    sibling = make_user(session, unit=b, roles=("responder",))
    with pytest.raises(NotFound):
        conversations.access_conversation(session, sibling, conv.id)
    assert (
        conversations.access_conversation(
            session, make_user(session, unit=root, roles=("responder",)), conv.id
        )
        is conv
    )
    drafter = make_user(session, unit=a, roles=("drafter",))
    with pytest.raises(NotFound):
        conversations.access_conversation(session, drafter, conv.id)


def _conversation(session, unit):
    channel = make_channel(session, unit=unit, platform="facebook", account_external_id=f"page-{unit.id}")
    _ingest(
        session,
        unit,
        channel,
        [
            _item(
                f"c{unit.id}",
                "comment",
                "tolong dibantu",
                author_id="u1",
                thread_root_id="p",
                channel_external_id=channel.account_external_id,
            )
        ],
    )
    return session.scalars(select(Conversation).where(Conversation.unit_id == unit.id)).one()


def test_assign_reassign_and_round_robin_with_cap(session):
    unit = make_unit(session)
    admin = make_user(session, unit=unit, roles=("admin",))
    r1 = make_user(session, unit=unit, roles=("responder",))
    r2 = make_user(session, unit=unit, roles=("responder",))
    drafter = make_user(session, unit=unit, roles=("drafter",))
    conv = _conversation(session, unit)
    conversations.assign(session, conversation=conv, assignee=r1, actor=r1)
    assert conv.assignee_id == r1.id and conv.status == "terbuka"
    with pytest.raises(PermissionDenied):  # r2 cannot take it from r1
        conversations.assign(session, conversation=conv, assignee=r2, actor=r2)
    with pytest.raises(Invalid):  # a drafter does not answer the public
        conversations.assign(session, conversation=conv, assignee=drafter, actor=admin)
    conversations.assign(session, conversation=conv, assignee=r2, actor=admin)
    assert (
        session.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == r2.id))
        == 1
    )

    team = conversations.create_team(
        session, unit_id=unit.id, name="Tim Medsos", actor=admin, per_person_cap=1
    )
    conversations.set_member(session, team=team, user=r1, on_duty=True, actor=admin)
    conversations.set_member(session, team=team, user=r2, on_duty=True, actor=admin)
    # r2 already holds one open conversation (the cap): round-robin gives the next to r1, then nobody
    fresh = [_conversation(session, make_unit(session, parent=unit)) for _ in range(2)]
    assert conversations.assign_round_robin(session, conversation=fresh[0], team=team, actor=admin) == r1
    assert conversations.assign_round_robin(session, conversation=fresh[1], team=team, actor=admin) is None
    assert fresh[1].team_id == team.id and fresh[1].assignee_id is None


def test_notes_tell_the_mentioned_colleague_once(session):
    unit = make_unit(session)
    r1 = make_user(session, unit=unit, roles=("responder",), email="sari@kppn.go.id")
    r2 = make_user(session, unit=unit, roles=("responder",), email="budi@kppn.go.id")
    conv = _conversation(session, unit)
    note = conversations.add_note(session, conversation=conv, text="@budi tolong cek rekening ini", actor=r1)
    assert note.mentioned_user_ids == [r2.id]
    told = session.scalars(select(Notification).where(Notification.user_id == r2.id)).one()
    assert told.link == f"/inbox/{conv.id}"
    mail = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notify.email")).one()
    assert mail.target == "budi@kppn.go.id"
    with pytest.raises(Invalid):
        conversations.add_note(session, conversation=conv, text="   ", actor=r1)
    assert session.scalar(select(func.count()).select_from(Note)) == 1


def test_type_correction_is_stored_for_retraining(session):
    unit = make_unit(session)
    r1 = make_user(session, unit=unit, roles=("responder",))
    conv = _conversation(session, unit)
    conversations.set_type(session, conversation=conv, message_type="aduan", actor=r1)
    assert conv.message_type == "aduan" and conv.type_corrected
    row = session.scalars(select(LabelCorrection).where(LabelCorrection.task == "type")).one()
    assert row.label == "aduan" and row.model_label == conv.suggested_type
    with pytest.raises(Invalid):
        conversations.set_type(session, conversation=conv, message_type="bukan-tipe", actor=r1)


def test_waiting_and_snooze(session):
    unit = make_unit(session)
    r1 = make_user(session, unit=unit, roles=("responder",))
    conv = _conversation(session, unit)
    conversations.set_status(session, conversation=conv, status="menunggu", actor=r1)
    assert conv.waiting_since is not None
    with pytest.raises(Invalid):
        conversations.set_status(session, conversation=conv, status="ditunda", actor=r1, snoozed_until=T0)
    until = datetime.now(UTC) + timedelta(hours=1)
    conversations.set_status(session, conversation=conv, status="ditunda", actor=r1, snoozed_until=until)
    assert conversations.wake_snoozed(session, now=until - timedelta(minutes=1)) == 0
    assert conversations.wake_snoozed(session, now=until + timedelta(minutes=1)) == 1
    assert conv.status == "terbuka"


def test_abusive_comment_is_hidden_when_the_unit_asks_and_plain_complaints_are_not(session):
    from humas.inbox.service import unit_settings

    unit, channel = _setup(session)
    admin = make_user(session, unit=unit, roles=("admin",))
    unit_settings.set_rules(
        session,
        unit=unit,
        data=unit_settings.RulesInput(auto_hide_abuse=True, auto_hide_threshold=0.9),
        actor=admin,
    )
    rude = _item("c1", "comment", "dasar pegawai goblok anjing semua", author_id="u1", thread_root_id="p1",
                 channel_external_id="page-1")  # fmt: skip
    slow = _item(
        "c2",
        "comment",
        "kantor ini lambat",
        author_id="u2",
        thread_root_id="p2",
        channel_external_id="page-1",
    )
    _ingest(session, unit, channel, [rude, slow])
    items = {i.mention_id: i for i in session.scalars(select(ConversationItem))}
    by_text = {m.text: m.id for m in session.scalars(select(Mention))}
    hidden = items[by_text[rude.text]]
    assert hidden.hidden_at is not None and hidden.hidden_automatically
    assert items[by_text[slow.text]].hidden_at is None
    hides = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "channel.hide")).all()
    assert len(hides) == 1
    types = {c.subject: (c.message_type, c.abusive) for c in session.scalars(select(Conversation))}
    assert types[rude.text] == ("kasar", True)
    assert types[slow.text][1] is False and types[slow.text][0] != "kasar"


def test_a_batch_costs_a_bounded_number_of_statements(session):
    """Routing 50 comments in 5 threads reads threads, roots and channels once and refreshes each
    conversation once (the intake used to cost about 8 statements per comment)."""
    from sqlalchemy import event

    from humas.ingest.models import Mention as MentionRow

    unit, channel = _setup(session)
    items = [
        _item(f"c{i}", "comment", f"pertanyaan nomor {i} soal layanan", author_id=f"u{i}",
              thread_root_id=f"p{i % 5}", channel_external_id="page-1", at=T0 + timedelta(seconds=i))
        for i in range(50)
    ]  # fmt: skip
    result = ingest_items(
        session, items, unit=unit, channel=channel.account_external_id, analyzer=fake_analyze
    )
    ids = result.added_ids
    session.query(ConversationItem).delete()
    session.query(ConversationEvent).delete()
    session.query(Conversation).delete()
    session.flush()
    statements: list[str] = []
    connection = session.connection()

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        touched = intake.route_mentions(session, ids)
    finally:
        event.remove(connection, "before_cursor_execute", count)
    assert len(touched) == 5 and session.scalar(select(func.count()).select_from(ConversationItem)) == 50
    # fixed reads, one insert per item and per event, and per conversation: insert, refresh (lapor tier,
    # history, update) — no per-comment lookups of threads, roots, settings or calendars
    assert len(statements) <= 12 + 2 * len(ids) + 6 * len(touched), len(statements)
    assert session.get(MentionRow, ids[0]) is not None


def test_an_analyst_sends_a_mention_from_its_page(web, session):
    unit = make_unit(session)
    analyst = make_user(session, unit=unit, roles=("analyst",))
    drafter = make_user(session, unit=unit, roles=("drafter",))
    item = _item("a1", "post", "antrian panjang di KPPN", platform="x", author_id="w1")
    result = ingest_items(session, [item], unit=unit, analyzer=fake_analyze)
    mention_id = result.added_ids[0]
    session.commit()
    web.login(drafter)
    assert 'data-testid="send-to-inbox"' not in web.get(f"/mentions/{mention_id}").text
    assert web.post(f"/mentions/{mention_id}/inbox").status_code == 403
    web.login(analyst)
    assert 'data-testid="send-to-inbox"' in web.get(f"/mentions/{mention_id}").text
    sent = web.post(f"/mentions/{mention_id}/inbox")
    assert sent.status_code == 303 and sent.headers["location"].startswith("/inbox/")
    assert session.scalars(select(Conversation)).one().origin == "manual"
