"""Withdrawing and correcting an issued content kit, on both engines (decision 0098, "Withdrawal,
corrections and key rotation"): the receiving units see it and are told; what was made from a withdrawn kit
is never submitted or sent again; a correction is a new version of the same kit (counted once by the
tracker and the measures), flags every post made from the earlier version until a drafter reviews it, and
passes the guardrails like the kit's first issue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from humas.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from humas.core.i18n import use_locale
from humas.core.time import utcnow
from humas.ingest.models import SavedQuery
from humas.org.models import AuditLog, Notification
from humas.outbox.models import OutboxMessage, Status
from humas.outbox.policy import Permanent
from humas.publishing import service as publishing_service
from humas.publishing.kits import CellState, KitVersion
from humas.publishing.models import PostStatus
from humas.publishing.service import StepInput, kit_tracker
from humas.publishing.service import kits as kits_service
from humas.publishing.service import publish as publish_service
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

REASON = "Angka belanja pendidikan di materi salah ketik."
NIK_TEXT = "Hubungi Bapak Ahmad, NIK 3273014501900001, untuk informasi."


@pytest.fixture(autouse=True)
def english():
    with use_locale("en"):
        yield


def _setup(session):
    """Four units: one holds a draft, one waits for approval, one is scheduled, one published."""
    net = make_network(session, offices=1, per_office=3)
    kit = issue(session, net)
    reviewer = quick_user(session, net.ministry, "reviewer")
    publishing_service.create_chain(
        session, unit_id=net.ministry.id, name="Biro KLI", actor=net.admin,
        steps=[StepInput(name="Reviewer Biro", role="reviewer")],
    )  # fmt: skip
    a, b, c, d = net.units
    draft = adapt(session, kit, net, a)
    waiting = adapt(session, kit, net, b)
    publishing_service.submit_post(session, post=waiting, actor=net.drafters[b.id])
    scheduled = adapt(session, kit, net, c)
    publishing_service.submit_post(session, post=scheduled, actor=net.drafters[c.id])
    publishing_service.approve_post(session, post=scheduled, actor=reviewer)
    publishing_service.schedule_post(
        session, post=scheduled, at=utcnow() + timedelta(minutes=5), actor=net.drafters[c.id]
    )
    published = adapt(session, kit, net, d)
    mark_published(session, published, T0 + timedelta(hours=2))
    session.flush()
    assert (waiting.status, scheduled.status) == (PostStatus.menunggu_persetujuan, PostStatus.dijadwalkan)
    return net, kit, reviewer, (draft, waiting, scheduled, published)


def _audit(session, action: str) -> list[AuditLog]:
    return list(session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def _notes(session, net, kind: str) -> dict[int, Notification]:
    rows = session.scalars(select(Notification).where(Notification.kind == kind))
    by_user = {n.user_id: n for n in rows}
    return {u.id: by_user[d.id] for u in net.units if (d := net.drafters[u.id]).id in by_user}


def test_a_withdrawn_kit_stops_everything_made_from_it(session) -> None:
    net, kit, reviewer, (draft, waiting, scheduled, published) = _setup(session)
    unit_drafter = net.drafters[net.units[0].id]
    with pytest.raises(NotFound):  # a receiving unit does not withdraw its issuer's kit
        kits_service.withdraw_kit(session, kit=kit, reason=REASON, actor=unit_drafter)
    with pytest.raises(PermissionDenied):
        kits_service.withdraw_kit(session, kit=kit, reason=REASON, actor=reviewer)
    with pytest.raises(Invalid) as short:
        kits_service.withdraw_kit(session, kit=kit, reason="salah", actor=net.drafter)
    assert short.value.field == "reason" and kit.withdrawn_at is None

    pulled = kits_service.withdraw_kit(session, kit=kit, reason=REASON, actor=net.drafter, now=T0)
    session.flush()
    assert sorted(pulled) == sorted([waiting.id, scheduled.id])
    for post in (draft, waiting, scheduled):
        assert post.status == PostStatus.draf and post.scheduled_at is None
        assert all(v.error == kits_service.WITHDRAWN_MESSAGE for v in post.variants)
    assert published.status == PostStatus.terbit  # what went out stays; the units are told to check it
    for post, unit in ((draft, net.units[0]), (waiting, net.units[1])):
        with pytest.raises(Conflict, match="withdrew"):
            publishing_service.submit_post(session, post=post, actor=net.drafters[unit.id])
    with pytest.raises(Conflict, match="withdrew"):
        adapt(session, kit, net, net.units[3])
    with pytest.raises(Conflict):
        kits_service.withdraw_kit(session, kit=kit, reason=REASON, actor=net.drafter)
    with pytest.raises(Conflict):
        kits_service.correct_kit(session, kit=kit, data=kit_input(), reason=REASON, actor=net.drafter, now=T0)

    notes = _notes(session, net, "kit.withdrawn")
    assert set(notes) == {u.id for u in net.units} and all(REASON in n.text for n in notes.values())
    (entry,) = _audit(session, "kit.withdraw")
    assert entry.actor_id == net.drafter.id and entry.after["reason"] == REASON
    assert entry.after["posts_published"] == [published.id]
    # The tracker still shows the four units; nobody is reminded of a withdrawn kit.
    board = kit_tracker.tracker(session, kit=kit, now=T_END + timedelta(hours=1))
    assert len(board.rows) == 4 and board.counts[CellState.terbit.value] == 1
    assert kit_tracker.remind_units(session, kit=kit, actor=net.drafter, now=T_END) == []
    assert kit.id not in kit_tracker.kits_to_remind(session, now=T0 + timedelta(hours=1))
    measures = kit_tracker.kit_measures(  # not to be published: nobody counted late for it
        session, unit_ids=[u.id for u in net.units], start=T0 - timedelta(days=1), end=T_END, now=T_END
    )
    assert (measures.kits_received, measures.late) == (0, 0)
    leaf = net.drafters[net.units[3].id]
    (item,) = [i for i in kits_service.kit_queue(session, leaf, now=T0) if i.kit.id == kit.id]
    assert item.kit.withdrawn and item.kit.withdrawn_reason == REASON


def test_a_post_already_in_the_outbox_is_not_sent_once_its_kit_is_withdrawn(session) -> None:
    """The outbox's sender refuses a variant whose kit was withdrawn after the post was handed over (a send
    waiting for a retry, or a backlog): the row fails for good with the reason, nothing reaches a platform."""
    net, kit, _reviewer, (_draft, _waiting, scheduled, _published) = _setup(session)
    rows = publish_service.publish_post(session, post=scheduled, now=utcnow() + timedelta(minutes=10))
    assert rows and all(row.status == Status.pending.value for row in rows)
    kits_service.withdraw_kit(session, kit=kit, reason=REASON, actor=net.drafter, now=T0)
    session.flush()
    for row in rows:
        with pytest.raises(Permanent) as refused:
            publish_service.HANDLER.prepare(session, row)
        assert refused.value.message == kits_service.WITHDRAWN_MESSAGE and not refused.value.needs_reauth


def test_the_send_path_holds_a_post_whose_kit_was_withdrawn_after_it_was_scheduled(session) -> None:
    """Belt and braces for a withdrawal committed while the minute task already picked the post."""
    net, kit, _reviewer, (_draft, _waiting, scheduled, _published) = _setup(session)
    kit.withdrawn_at, kit.withdrawn_reason = T0, REASON  # as if written by another process just now
    session.flush()
    rows = publish_service.publish_post(session, post=scheduled, now=utcnow() + timedelta(minutes=10))
    assert rows == [] and scheduled.status == PostStatus.disetujui and scheduled.scheduled_at is None
    assert all(v.error == kits_service.WITHDRAWN_MESSAGE for v in scheduled.variants)
    assert (
        session.scalars(select(OutboxMessage).where(OutboxMessage.kind == publish_service.KIND)).first()
        is None
    )
    assert _audit(session, "post.kit_held")[-1].object_id == str(scheduled.id)


def _corrected_input(**overrides: object) -> kits_service.KitInput:
    values: dict[str, object] = {
        "master_text": "APBN 2027 hadir untuk rakyat: belanja pendidikan naik 12%.",
        "key_messages": [
            kits_service.KeyMessage("APBN bekerja untuk seluruh rakyat.", locked=True),
            kits_service.KeyMessage("Belanja pendidikan naik.", locked=False),
        ],
        "hashtags": ["#UangKita", "#APBNKita", "#APBN2027"],
    }
    return kit_input(**{**values, **overrides})


def test_a_correction_is_a_new_version_that_flags_every_post_made_from_the_old_one(session) -> None:
    net, kit, reviewer, (draft, waiting, scheduled, published) = _setup(session)
    now = T0 + timedelta(hours=3)  # the window is still open
    first_query = session.get(SavedQuery, kit.query_id).query
    with pytest.raises(NotFound):
        kits_service.correct_kit(
            session,
            kit=kit,
            data=_corrected_input(),
            reason=REASON,
            actor=net.drafters[net.units[0].id],
            now=now,
        )
    with pytest.raises(Conflict, match="Nothing"):  # the same texts are no correction
        kits_service.correct_kit(
            session, kit=kit, data=kit_input(), reason=REASON, actor=net.drafter, now=now
        )

    row = kits_service.correct_kit(
        session, kit=kit, data=_corrected_input(), reason=REASON, actor=net.drafter, now=now
    )
    session.flush()
    assert (row.version, kit.version, kit.corrected_at) == (2, 2, now)
    stored = kits_service.versions(session, kit)
    assert [(v.version, v.reason) for v in stored] == [(1, ""), (2, REASON)]
    assert "10%" in stored[0].content["master_text"] and "12%" in kit.master_text
    changes = {c.field: c for c in kits_service.changes_since(session, kit, 1)}
    assert set(changes) == {"key_messages", "master_text", "hashtags"}
    assert "10%" in changes["master_text"].before and "12%" in changes["master_text"].after
    assert "#APBN2027" in changes["hashtags"].after and "#APBN2027" not in changes["hashtags"].before
    assert session.get(SavedQuery, kit.query_id).query != first_query  # the hashtag query follows

    # Posts in a chain or waiting for their time go back to drafts; nothing from version 1 is submitted.
    for post in (draft, waiting, scheduled):
        assert post.status == PostStatus.draf and post.scheduled_at is None
    with pytest.raises(Conflict, match="corrected"):
        publishing_service.submit_post(session, post=draft, actor=net.drafters[net.units[0].id])
    # The receiving units see what changed and are told; the tracker counts the kit once.
    notes = _notes(session, net, "kit.corrected")
    assert set(notes) == {u.id for u in net.units} and all(REASON in n.text for n in notes.values())
    board = kit_tracker.tracker(session, kit=kit, now=T0 + timedelta(hours=3))
    assert len(board.rows) == 4 and board.coverage == 0.25
    assert [r.to_review for r in board.rows] == [1, 1, 1, 1]
    measures = kit_tracker.kit_measures(
        session, unit_ids=[u.id for u in net.units], start=T0 - timedelta(days=1), end=T_END, now=T_END
    )
    assert (measures.kits_received, measures.published) == (4, 1)
    queue = kits_service.kit_queue(session, net.drafters[net.units[1].id], now=T0)
    assert [i.to_review for i in queue if i.kit.id == kit.id] == [(waiting.id,)]

    # Reviewing: a draft must carry the corrected locked message and hashtag first.
    unit = net.units[0]
    drafter = net.drafters[unit.id]
    with pytest.raises(Invalid, match="locked key message"):
        kits_service.review_kit_draft(session, post=draft, actor=drafter)
    tags = f"#UangKita #APBNKita #APBN2027 {kit.links[0]}"
    fixed = f"{kit.master_text}\n\nAPBN bekerja untuk seluruh rakyat.\n\n{tags}"
    publishing_service.edit_post(session, post=draft, data=edit_input(draft, text=fixed), actor=drafter)
    with pytest.raises(NotFound):  # another unit's drafter never reaches it
        kits_service.review_kit_draft(session, post=draft, actor=net.drafters[net.units[1].id])
    kits_service.review_kit_draft(session, post=draft, actor=drafter)
    assert all(v.error is None for v in draft.variants)
    publishing_service.submit_post(session, post=draft, actor=drafter)
    assert draft.status == PostStatus.menunggu_persetujuan
    with pytest.raises(Conflict):
        kits_service.review_kit_draft(session, post=draft, actor=drafter)
    # A published post from version 1 is acknowledged without an edit (it cannot change any more).
    kits_service.review_kit_draft(session, post=published, actor=net.drafters[net.units[3].id])
    board = kit_tracker.tracker(session, kit=kit, now=T0 + timedelta(hours=3))
    assert [r.to_review for r in board.rows] == [0, 1, 1, 0]
    (entry,) = _audit(session, "kit.correct")
    assert entry.after["version"] == 2 and entry.after["reason"] == REASON
    assert sorted(entry.after["posts_taken_back"]) == sorted([waiting.id, scheduled.id])
    assert len(_audit(session, "kit.review_post")) == 2
    assert session.scalars(select(KitVersion).where(KitVersion.kit_id == kit.id)).all()


def test_a_correction_passes_the_guardrails_as_the_first_issue_does(session) -> None:
    net, kit, _reviewer, _posts = _setup(session)
    with pytest.raises(Invalid, match="compliance check blocks") as blocked:
        kits_service.correct_kit(
            session,
            kit=kit,
            data=_corrected_input(master_text=NIK_TEXT),
            reason=REASON,
            actor=net.drafter,
            now=T0 + timedelta(hours=3),
        )
    assert blocked.value.field == "master_text" and "nik" in str(blocked.value.message)
    assert kit.version == 1 and "10%" in kit.master_text and kits_service.versions(session, kit) == []
    with pytest.raises(Invalid, match="compliance check blocks"):
        issue(session, net, master_text=NIK_TEXT)


def test_issuing_a_kit_with_a_blocked_text_stores_no_receipt(session) -> None:
    net = make_network(session, offices=1, per_office=1)
    kit = kits_service.create_kit(
        session, unit_id=net.ministry.id, data=kit_input(master_text=NIK_TEXT), actor=net.drafter
    )
    with pytest.raises(Invalid, match="compliance check blocks"):
        kits_service.issue_kit(session, kit=kit, target=kits_service.TargetInput(), actor=net.drafter, now=T0)
    assert kit.issued_at is None and kit.receipts == []
