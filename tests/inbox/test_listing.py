"""The inbox list: filters, sort, pages, counts, saved views, masking, CSV, and the unit subtree."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from humas.core.errors import Conflict, Invalid, NotFound
from humas.core.time import utcnow
from humas.inbox.service import listing, privacy, views
from humas.inbox.service.listing import InboxFilters
from tests.factories import make_unit, make_user
from tests.inbox.listing_helpers import make_conversation


@pytest.fixture
def tree(session):
    root = make_unit(session, name="Kementerian Daftar")
    mine = make_unit(session, parent=root, name="Ditjen Daftar")
    child = make_unit(session, parent=mine, name="Kanwil Daftar")
    sibling = make_unit(session, parent=root, name="Ditjen Tetangga Daftar")
    admin = make_user(session, unit=mine, roles=("admin",))
    responder = make_user(session, unit=mine, roles=("responder",))
    return {
        "root": root,
        "mine": mine,
        "child": child,
        "sibling": sibling,
        "admin": admin,
        "responder": responder,
    }


def _ids(page):
    return [c.id for c in page.items]


def test_default_list_is_open_conversations_of_the_subtree_newest_first(session, tree):
    old = make_conversation(session, unit=tree["mine"], minutes_ago=30)
    new = make_conversation(session, unit=tree["child"], minutes_ago=1, status="terbuka")
    closed = make_conversation(session, unit=tree["mine"], minutes_ago=5, status="selesai")
    foreign = make_conversation(session, unit=tree["sibling"], minutes_ago=0)
    page = listing.list_conversations(session, tree["admin"], filters=InboxFilters())
    assert _ids(page) == [new.id, old.id]
    assert page.total == 2 and not page.capped
    every = listing.list_conversations(session, tree["admin"], filters=InboxFilters(status="all"))
    assert _ids(every) == [new.id, closed.id, old.id]
    assert foreign.id not in _ids(every)


def test_filters_combine(session, tree):
    me = tree["responder"]
    unit = tree["mine"]
    mine = make_conversation(session, unit=unit, assignee_id=me.id, status="terbuka")
    unassigned = make_conversation(session, unit=unit)
    missed = make_conversation(session, unit=unit, sla_state="missed", message_type="keluhan")
    at_risk = make_conversation(session, unit=unit, sla_state="at_risk", platform="x", sentiment="negative")
    abusive = make_conversation(session, unit=unit, abusive=True, subject="Dasar pejabat malas!")
    child = make_conversation(session, unit=tree["child"], subject="Jalan rusak di desa")

    def ids(**kw):
        return set(_ids(listing.list_conversations(session, me, filters=InboxFilters(**kw))))

    assert ids(mine=True) == {mine.id}
    assert mine.id not in ids(unassigned=True) and unassigned.id in ids(unassigned=True)
    assert ids(sla="missed") == {missed.id}
    assert ids(sla="at_risk") == {at_risk.id}
    assert ids(platform="x") == {at_risk.id}
    assert ids(message_type="keluhan") == {missed.id}
    assert ids(sentiment="negative") == {at_risk.id}
    assert ids(abusive=True) == {abusive.id}
    assert abusive.id not in ids(abusive=False)
    assert ids(q="jalan RUSAK") == {child.id}
    assert ids(q="100%_") == set()  # LIKE wildcards are literal
    assert ids(unit_id=tree["child"].id) == {child.id}
    assert ids(assignee_id=me.id, status="terbuka") == {mine.id}
    with pytest.raises(NotFound):
        ids(unit_id=tree["sibling"].id)


def test_deadline_sort_puts_soonest_first_and_those_without_last(session, tree):
    now = utcnow()
    unit = tree["mine"]
    none = make_conversation(session, unit=unit, minutes_ago=0)
    later = make_conversation(session, unit=unit, minutes_ago=10, next_deadline_at=now + timedelta(hours=5))
    soon = make_conversation(session, unit=unit, minutes_ago=20, next_deadline_at=now + timedelta(hours=1))
    page = listing.list_conversations(session, tree["admin"], filters=InboxFilters(sort="deadline"))
    assert _ids(page) == [soon.id, later.id, none.id]


def test_pages_follow_each_other_without_gaps(session, tree):
    made = [
        make_conversation(session, unit=u, minutes_ago=i)
        for i, u in enumerate([tree["mine"], tree["child"]] * 6)
    ]
    seen = []
    for number in (1, 2, 3):
        page = listing.list_conversations(session, tree["admin"], filters=InboxFilters(), page=number, size=5)
        seen += _ids(page)
    assert seen == [c.id for c in made]  # minutes_ago ascending = newest first
    assert page.total == 12 and page.pages == 3


def test_index_walks_give_the_same_order_as_the_whole_sort(session, tree, monkeypatch):
    made = [
        make_conversation(session, unit=u, minutes_ago=i)
        for i, u in enumerate([tree["mine"], tree["child"]] * 3)
    ]
    monkeypatch.setattr(listing, "SMALL_LIST", 1)
    page = listing.list_conversations(session, tree["admin"], filters=InboxFilters(), size=4)
    assert _ids(page) == [c.id for c in made[:4]]
    page = listing.list_conversations(session, tree["admin"], filters=InboxFilters(sort="deadline"), size=4)
    assert _ids(page) == [c.id for c in made[:4]]


def test_unknown_filter_values_are_refused_naming_the_field(session, tree):
    for kw, field in ((dict(status="x"), "status"), (dict(sort="x"), "sort"), (dict(sla="late"), "sla"),
                      (dict(q="x" * 201), "q"), (dict(message_type="?"), "message_type")):  # fmt: skip
        with pytest.raises(Invalid) as caught:
            listing.list_conversations(session, tree["admin"], filters=InboxFilters(**kw))
        assert caught.value.field == field


def test_counts_are_open_at_risk_and_missed_of_the_subtree(session, tree):
    unit = tree["mine"]
    make_conversation(session, unit=unit, sla_state="on_track")
    make_conversation(session, unit=tree["child"], sla_state="at_risk", status="terbuka")
    make_conversation(session, unit=unit, sla_state="missed", status="menunggu")
    make_conversation(session, unit=unit, sla_state="missed", status="selesai")
    make_conversation(session, unit=tree["sibling"], sla_state="missed")
    counts = listing.counts_for(session, tree["admin"])
    assert (counts.open, counts.at_risk, counts.missed) == (3, 1, 1)


def test_roles_outside_the_inbox_see_nothing(session, tree):
    make_conversation(session, unit=tree["mine"])
    drafter = make_user(session, unit=tree["mine"], roles=("drafter",))
    assert listing.list_conversations(session, drafter, filters=InboxFilters()).total == 0
    assert listing.counts_for(session, drafter).open == 0


def test_live_poll_sees_new_conversations_and_new_activity_of_the_subtree(session, tree):
    old = make_conversation(session, unit=tree["mine"], minutes_ago=10)
    cursor = listing.live_cursor(session)
    assert cursor.last_id >= old.id
    assert not listing.changed_since(session, tree["admin"], after=cursor.at, after_id=cursor.last_id)
    make_conversation(session, unit=tree["sibling"], minutes_ago=0)
    assert not listing.changed_since(session, tree["admin"], after=cursor.at, after_id=cursor.last_id)
    # A new conversation counts even when its message is older than the page (a polled item).
    make_conversation(session, unit=tree["child"], minutes_ago=30)
    assert listing.changed_since(session, tree["admin"], after=cursor.at, after_id=cursor.last_id)
    # New activity in an existing conversation counts too.
    later = listing.live_cursor(session)
    old.last_activity_at = utcnow() + timedelta(seconds=1)
    session.flush()
    assert listing.changed_since(session, tree["admin"], after=later.at, after_id=later.last_id)
    drafter = make_user(session, unit=tree["mine"], roles=("drafter",))
    assert not listing.changed_since(session, drafter, after=cursor.at, after_id=cursor.last_id)


def test_saved_views_belong_to_their_owner(session, tree):
    me, admin = tree["responder"], tree["admin"]
    view = views.create_view(
        session, actor=me, name="  Keluhan  saya ", filters=InboxFilters(mine=True, message_type="keluhan")
    )
    assert view.name == "Keluhan saya"
    assert views.view_filters(view) == InboxFilters(mine=True, message_type="keluhan")
    assert [v.id for v in views.list_views(session, me)] == [view.id]
    assert views.list_views(session, admin) == []
    with pytest.raises(NotFound):
        views.access_view(session, admin, view.id)
    with pytest.raises(Conflict):
        views.create_view(session, actor=me, name="keluhan SAYA", filters=InboxFilters())
    with pytest.raises(Invalid):
        views.create_view(session, actor=me, name="  ", filters=InboxFilters())
    with pytest.raises(Invalid):
        views.create_view(session, actor=me, name="x", filters=InboxFilters(sort="nope"))
    views.delete_view(session, view=views.access_view(session, me, view.id), actor=me)
    assert views.list_views(session, me) == []


@pytest.mark.parametrize(
    ("text", "hidden", "kept"),
    [
        ("Hubungi saya di 0812-3456-7890 ya", "3456", "890"),
        ("WA +62 812 3456 7890", "812 3456", "890"),
        ("NIK 3174012501900001 mohon dicek", "317401250190", "0001"),
        ("surel budi.santoso@gmail.com", "budi.santoso", "@"),
    ],
)
def test_masking_hides_phone_email_and_nik(text, hidden, kept):
    masked = privacy.mask_personal(text)
    assert hidden not in masked and kept in masked


def test_masking_leaves_dates_amounts_and_tickets(tmp_path):
    for text in ("rapat 2026-12-02 pukul 10.00", "biaya Rp 1.500.000", "tiket U3-000123", "tahun 2026"):
        assert privacy.mask_personal(text) == text


def test_who_sees_personal_data(session, tree):
    conversation = make_conversation(session, unit=tree["mine"], assignee_id=tree["responder"].id)
    other = make_user(session, unit=tree["mine"], roles=("responder",))
    leader = make_user(session, unit=tree["mine"], roles=("pimpinan",))
    assert privacy.may_see_personal(tree["admin"], conversation)
    assert privacy.may_see_personal(tree["responder"], conversation)
    assert not privacy.may_see_personal(other, conversation)
    assert not privacy.may_see_personal(leader, conversation)
    assert not privacy.may_see_personal(tree["responder"], None)


def test_export_masks_unless_allowed_and_defuses_formulas(session, tree):
    make_conversation(session, unit=tree["mine"], subject='=HYPERLINK("x") telp 081234567890')
    leader = make_user(session, unit=tree["mine"], roles=("pimpinan",))
    text = "".join(listing.export_csv(session, leader, filters=InboxFilters()))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "ticket" and len(rows) == 2
    subject = rows[1][listing.EXPORT_COLUMNS.index("subject")]
    assert subject.startswith("'=") and "081234567890" not in subject
    admin_text = "".join(listing.export_csv(session, tree["admin"], filters=InboxFilters()))
    assert "081234567890" in admin_text
