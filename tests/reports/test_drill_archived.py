"""A finalised version's drill-down: the snapshot's own units and period (a unit added to the subtree later is
not read), the frozen figure, and the rows that arrived or changed after finalising named, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from humas.core.errors import NotFound
from humas.ingest.models import LabelCorrection, Mention
from humas.publishing.models import PostMetric
from humas.reports.service import archive as archive_service
from humas.reports.service import drill_rows
from humas.reports.service.drill import archived_drill_rows
from tests.factories import make_unit
from tests.reports.archive_fakes import FAKE_RENDERERS
from tests.reports.world import NOV_MON, NOVEMBER, World, build_world, conv, mentions

FINALISED = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday 1 Dec 09:00 WIB
LATER = FINALISED + timedelta(hours=1)


@pytest.fixture
def world(session, fernet_key) -> World:
    w = build_world(session)
    # Stored when they were made (the factory says "now"): before the report was finalised.
    session.execute(update(Mention).values(fetched_at=Mention.created_at))
    session.flush()
    return w


def _finalise(session, world: World):
    row = archive_service.finalise_report(
        session, unit=world.kanwil_a, period=NOVEMBER, include_descendants=True, locale="id",
        actor=world.leader_a, now=FINALISED, renderers=FAKE_RENDERERS,
    )  # fmt: skip
    return row, archive_service.read_archived_report(session, row)


def _drill(session, world: World, row, report, figure: str, **kw):
    return archived_drill_rows(session, actor=world.leader_a, archived=row, report=report, figure=figure,
                               per_page=50, **kw)  # fmt: skip


def _ids(rows) -> set[int]:
    return {o.id for o in rows.page.items}


def test_conversations_of_the_snapshots_units_with_later_changes_named(session, world):
    c = world.conversations
    row, report = _finalise(session, world)
    # After finalising: a new office under Kanwil A with a November conversation (not in the snapshot's
    # units), a November conversation of A1 that arrived late, and A's open one answered.
    a3 = make_unit(session, parent=world.kanwil_a, name="KPPN A3")
    elsewhere = conv(session, a3, NOV_MON + timedelta(days=5), subject="Kantor baru")
    late = conv(session, world.a1, NOV_MON + timedelta(days=6), updated_at=LATER, subject="Datang terlambat")
    c["a_open"].first_response_at = LATER
    c["a_open"].updated_at = LATER
    session.flush()

    rows, frozen = _drill(session, world, row, report, "inbox.received")
    assert set(report.unit_ids) == {world.kanwil_a.id, world.a1.id, world.a2.id}
    assert frozen.figure is not None and frozen.figure.value == 5  # as signed
    assert (frozen.version, frozen.finalised_at) == (1, FINALISED)
    was = {c[k].id for k in ("a_answered", "a_open", "a1_one", "a1_three", "a2_open")}
    assert _ids(rows) == was | {late.id}  # A3's conversation is not read
    assert frozen.changed_ids == {late.id, c["a_open"].id} and frozen.changed_total == 2
    # The live draft's drill-down reads today's subtree: A3's conversation is there.
    live = drill_rows(session, actor=world.leader_a, unit=world.kanwil_a, period=NOVEMBER,
                      include_descendants=True, figure="inbox.received", per_page=50)  # fmt: skip
    assert len(_ids(live) - _ids(rows)) == 1

    # Without a response when frozen: A's (answered after finalising, marked) and A2's; and the late one.
    unanswered, frozen = _drill(session, world, row, report, "inbox.response_rate")
    assert _ids(unanswered) == {c["a_open"].id, c["a2_open"].id, late.id}
    assert frozen.figure is not None and frozen.figure.value == 0.6
    assert frozen.changed_ids == {c["a_open"].id, late.id}
    # Behind the response times: those answered when frozen (A's, answered later, is not).
    answered, _frozen = _drill(session, world, row, report, "inbox.first_response_p50")
    assert _ids(answered) == {c[k].id for k in ("a_answered", "a1_one", "a1_three")}
    # The live draft lists today's: A's is answered now, and the new office's is there.
    live_open = drill_rows(session, actor=world.leader_a, unit=world.kanwil_a, period=NOVEMBER,
                           include_descendants=True, figure="inbox.response_rate", per_page=50)  # fmt: skip
    assert _ids(live_open) == {c["a2_open"].id, late.id, elsewhere.id}

    # A child's row of the children tables: that child's units among the snapshot's, no frozen figure.
    child, frozen = _drill(session, world, row, report, "inbox.received", unit_id=world.a1.id)
    assert _ids(child) == {c["a1_one"].id, c["a1_three"].id, late.id} and frozen.figure is None
    assert frozen.changed_ids == {late.id}


def test_mentions_stored_or_relabelled_after_finalising_are_named(session, world):
    row, report = _finalise(session, world)
    (late,) = mentions(session, world.a1, NOV_MON + timedelta(days=3), "negative", 1)
    late.fetched_at = LATER
    relabelled = world.mentions["a_neg"][0]
    session.add(LabelCorrection(unit_id=world.kanwil_a.id, mention_id=relabelled.id, task="sentiment",
                                model_label="negative", previous_label="negative", label="negative",
                                corrected_at=LATER))  # fmt: skip
    session.flush()
    rows, frozen = _drill(session, world, row, report, "listening.negative")
    assert frozen.figure is not None and frozen.figure.value == 3
    was = {x.id for k in ("a_neg", "a1_neg") for x in world.mentions[k]}
    assert _ids(rows) == was | {late.id} and rows.page.total == 4
    assert frozen.changed_ids == {late.id, relabelled.id} and frozen.changed_total == 2
    assert all(x.unit_id != world.kanwil_b.id for x in rows.page.items)


def test_posts_whose_counts_were_read_again_are_named(session, world):
    row, report = _finalise(session, world)
    first = world.variants["a1_first"]
    session.add(PostMetric(variant_id=first.id, at=LATER, reach=4000, likes=90, comments=10, shares=5))
    session.flush()
    rows, frozen = _drill(session, world, row, report, "publishing.reach")
    assert frozen.figure is not None and frozen.figure.value == 1500
    assert _ids(rows) == {first.id, world.variants["a1_second"].id}
    assert frozen.changed_ids == {first.id} and frozen.changed_total == 1


def test_a_sibling_never_reads_it(session, world):
    row, report = _finalise(session, world)
    with pytest.raises(NotFound):
        archived_drill_rows(session, actor=world.leader_b, archived=row, report=report,
                            figure="inbox.received")  # fmt: skip
    with pytest.raises(NotFound):  # a unit outside the snapshot's (the sibling) as a "child"
        _drill(session, world, row, report, "inbox.received", unit_id=world.kanwil_b.id)
