"""Publishing service: drafts and versions, platform checks, approval chains (any/all, no self-approval,
restart after an edit), schedule in the unit's zone, slots, expiry, isolation between sibling units."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from humas.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from humas.core.time import utcnow
from humas.org.models import AuditLog, Notification
from humas.outbox.models import OutboxMessage
from humas.publishing import service as publishing_service
from humas.publishing.models import PostStatus
from humas.publishing.service import StepInput
from tests.channels.factories import make_channel
from tests.factories import make_user
from tests.publishing.factories import approve_all, edit_input, make_chain, make_desk, make_post


def _submitted(session, desk, **post_fields):
    post = make_post(session, desk, **post_fields)
    publishing_service.submit_post(session, post=post, actor=desk.drafter)
    session.flush()
    return post


def test_no_one_approves_their_own_post(session):
    desk = make_desk(session)
    both = make_user(session, unit=desk.unit, roles=("drafter", "reviewer"))
    make_chain(session, desk)
    post = make_post(session, desk, author=both)
    publishing_service.submit_post(session, post=post, actor=both)

    with pytest.raises(PermissionDenied):
        publishing_service.approve_post(session, post=post, actor=both)
    assert post.status == PostStatus.menunggu_persetujuan
    assert publishing_service.approver_queue(session, both) == []  # not even offered to its author
    assert publishing_service.approver_queue(session, desk.reviewer) == [post]

    publishing_service.approve_post(session, post=post, actor=desk.reviewer)
    assert post.status == PostStatus.disetujui


def test_a_step_whose_only_approver_is_the_author_is_refused_at_submit(session):
    desk = make_desk(session)
    make_chain(session, desk, StepInput(name="Sendiri", user_ids=[desk.drafter.id]))
    post = make_post(session, desk)
    with pytest.raises(Invalid):
        publishing_service.submit_post(session, post=post, actor=desk.drafter)
    assert post.status == PostStatus.draf


def test_all_step_needs_everyone_then_any_step_needs_one(session):
    desk = make_desk(session)
    make_chain(
        session,
        desk,
        StepInput(name="Kasubbag dan Kabag", mode="all", user_ids=[desk.reviewer.id, desk.reviewer2.id]),
        StepInput(name="Pimpinan", mode="any", role="pimpinan"),
    )
    other_leader = make_user(session, unit=desk.unit, roles=("pimpinan",))
    post = _submitted(session, desk)
    assert publishing_service.current_step(session, post).position == 1

    with pytest.raises(PermissionDenied):  # step 2's approver cannot jump the queue
        publishing_service.approve_post(session, post=post, actor=desk.pimpinan)
    approve_all(session, post, desk.reviewer)
    assert publishing_service.current_step(session, post).position == 1  # "all": one of two is not enough
    with pytest.raises(Conflict):
        publishing_service.approve_post(session, post=post, actor=desk.reviewer)
    approve_all(session, post, desk.reviewer2)
    assert publishing_service.current_step(session, post).position == 2
    assert post.status == PostStatus.menunggu_persetujuan
    waiting = session.scalars(select(Notification.user_id).where(Notification.kind == "post.approval")).all()
    assert {desk.pimpinan.id, other_leader.id} <= set(waiting)  # step 2's approvers are told, in the app
    mailed = select(OutboxMessage.target).where(OutboxMessage.kind == "notify.email")
    assert {desk.pimpinan.email, other_leader.email} <= set(session.scalars(mailed))  # and by e-mail

    approve_all(session, post, other_leader)  # "any": one leader is enough
    assert post.status == PostStatus.disetujui and publishing_service.chain_complete(session, post)


def test_an_edit_after_approval_restarts_the_chain_and_keeps_every_version(session):
    desk = make_desk(session)
    make_chain(session, desk)
    post = _submitted(session, desk)
    approve_all(session, post, desk.reviewer)
    publishing_service.schedule_post(session, post=post, at=utcnow() + timedelta(days=1), actor=desk.drafter)
    assert post.status == PostStatus.dijadwalkan
    first_round = post.approval_round

    edited = edit_input(post, text="Layanan KPPN buka Sabtu 08.00-12.00 WIB. #PelayananPrima")
    publishing_service.edit_post(session, post=post, data=edited, actor=desk.drafter)
    session.flush()

    assert post.status == PostStatus.menunggu_persetujuan and post.approval_round == first_round + 1
    assert not publishing_service.chain_complete(session, post)
    assert publishing_service.due_post_ids(session, now=utcnow() + timedelta(days=2)) == []
    versions = publishing_service.list_versions(session, post=post)
    assert [v.number for v in versions] == [1, 2]
    diff = publishing_service.diff_versions(versions[0], versions[1])
    assert set(diff) == {"body", f"variant:{desk.channel.id}"}
    assert "-Layanan KPPN buka Sabtu 09.00-12.00 WIB. #PelayananPrima" in diff["body"]
    assert "+Layanan KPPN buka Sabtu 08.00-12.00 WIB. #PelayananPrima" in diff["body"]
    actions = session.scalars(select(AuditLog.action).where(AuditLog.object_id == str(post.id))).all()
    assert "post.chain_restart" in actions and "post.edit" in actions

    approve_all(session, post, desk.reviewer)  # the new round needs its own approval
    assert post.status == PostStatus.dijadwalkan


def test_an_edit_that_changes_nothing_keeps_the_approval(session):
    desk = make_desk(session)
    make_chain(session, desk)
    post = approve_all(session, _submitted(session, desk), desk.reviewer)
    publishing_service.edit_post(
        session, post=post, data=edit_input(post, text=post.body), actor=desk.drafter
    )
    assert post.status == PostStatus.disetujui and post.version == 1


def test_reject_needs_a_reason_and_send_back_returns_the_approvers_edit(session):
    desk = make_desk(session)
    make_chain(session, desk)
    post = _submitted(session, desk)
    with pytest.raises(Invalid):
        publishing_service.reject_post(session, post=post, reason="  ", actor=desk.reviewer)
    publishing_service.reject_post(session, post=post, reason="Jam layanan keliru", actor=desk.reviewer)
    assert post.status == PostStatus.draf

    publishing_service.submit_post(session, post=post, actor=desk.drafter)
    fixed = edit_input(post, text="Layanan KPPN buka Sabtu 08.00-11.00 WIB. #PelayananPrima")
    publishing_service.send_back_post(
        session, post=post, actor=desk.reviewer, reason="Sudah saya perbaiki", data=fixed
    )
    session.flush()
    assert post.status == PostStatus.draf and post.version == 2
    decisions = [(a.decision, a.reason) for a in publishing_service.list_approvals(session, post=post)]
    assert decisions == [("reject", "Jam layanan keliru"), ("send_back", "Sudah saya perbaiki")]


def test_an_unapproved_post_expires_at_its_time_and_is_never_published(session):
    desk = make_desk(session)
    make_chain(session, desk)
    when = utcnow() + timedelta(hours=2)
    post = _submitted(session, desk)
    publishing_service.schedule_post(session, post=post, at=when, actor=desk.drafter)

    assert publishing_service.expire_due_posts(session, now=when - timedelta(minutes=1)) == []
    assert publishing_service.expire_due_posts(session, now=when + timedelta(minutes=1)) == [post.id]
    session.flush()

    assert post.status == PostStatus.kedaluwarsa
    assert publishing_service.due_post_ids(session, now=when + timedelta(minutes=2)) == []
    assert publishing_service.publish_post(session, post=post, now=when + timedelta(minutes=2)) == []
    variants_sent = select(func.count()).where(OutboxMessage.kind == "publishing.variant")
    assert session.scalar(variants_sent) == 0
    with pytest.raises(Conflict):
        publishing_service.approve_post(session, post=post, actor=desk.reviewer)


def test_variants_are_checked_against_their_platform_spec(session):
    desk = make_desk(session)
    make_chain(session, desk)
    too_long = "Info layanan. " * 30  # 420 characters: over X's 280
    post = make_post(session, desk, text=too_long)
    counter = publishing_service.check_variant("x", too_long, [])
    assert (counter.used, counter.limit, counter.problems[0].over) == (420, 280, 140)
    with pytest.raises(Invalid) as refused:
        publishing_service.submit_post(session, post=post, actor=desk.drafter)
    assert refused.value.field == f"variant-{desk.channel.id}"

    image = [{"kind": "image", "url": "https://cdn.example.go.id/a.jpg", "width": 1080, "height": 1350}]
    assert not publishing_service.check_variant("instagram", "Tanpa gambar", []).ok  # needs media
    assert publishing_service.check_variant("instagram", "Dengan gambar", image).ok
    wide = [{**image[0], "width": 3000, "height": 1000}]  # 3:1 is wider than Instagram takes
    assert not publishing_service.check_variant("instagram", "Lebar", wide).ok
    tags = " ".join(f"#tag{i}" for i in range(31))
    assert not publishing_service.check_variant("instagram", tags, image).ok


def test_a_user_of_a_sibling_unit_sees_and_touches_nothing(session):
    desk = make_desk(session)
    sibling = make_desk(session, parent=None)
    chain = make_chain(session, desk)
    post = _submitted(session, desk)
    outsider = sibling.reviewer

    with pytest.raises(NotFound):
        publishing_service.access_post(session, outsider, post.id)
    with pytest.raises(NotFound):
        publishing_service.access_chain(session, outsider, chain.id)
    with pytest.raises(PermissionDenied):
        publishing_service.approve_post(session, post=post, actor=outsider)
    assert publishing_service.list_posts(session, outsider) == []
    assert publishing_service.approver_queue(session, outsider) == []
    with pytest.raises(NotFound):  # nor post on a sibling's channel
        make_post(session, desk, channels=[sibling.channel], author=desk.drafter)
    assert publishing_service.access_post(session, desk.reviewer, post.id) is post


def test_chains_are_chosen_by_channel_then_content_kind_then_the_general_one(session):
    desk = make_desk(session)
    general = make_chain(session, desk, name="Umum")
    kind = make_chain(session, desk, name="Siaran pers", content_kind="siaran_pers")
    by_channel = make_chain(session, desk, name="Akun X", channel_id=desk.channel.id)
    other = make_channel(session, unit=desk.unit, platform="mastodon")

    assert publishing_service.select_chain(session, make_post(session, desk, channels=[other])) is general
    press = make_post(session, desk, channels=[other], kind="siaran_pers")
    assert publishing_service.select_chain(session, press) is kind
    assert publishing_service.select_chain(session, make_post(session, desk)) is by_channel


def test_schedule_is_in_the_units_zone_and_a_reschedule_keeps_approvals_only_if_the_chain_allows(session):
    desk = make_desk(session)
    desk.unit.time_zone = "Asia/Jayapura"  # WIT, UTC+9
    keeps = make_chain(session, desk, keep_on_reschedule=True)
    post = approve_all(session, _submitted(session, desk), desk.reviewer)
    tomorrow = (utcnow() + timedelta(days=2)).date()
    publishing_service.schedule_post(
        session, post=post, at=datetime(tomorrow.year, tomorrow.month, tomorrow.day, 9), actor=desk.drafter
    )
    assert post.scheduled_at == datetime(tomorrow.year, tomorrow.month, tomorrow.day, 0, tzinfo=UTC)
    assert publishing_service.local_time(session, post=post).hour == 9

    publishing_service.schedule_post(
        session, post=post, at=post.scheduled_at + timedelta(hours=3), actor=desk.drafter
    )
    assert post.status == PostStatus.dijadwalkan  # this chain keeps approvals on a new time

    keeps.keep_on_reschedule = False
    publishing_service.schedule_post(
        session, post=post, at=post.scheduled_at + timedelta(hours=3), actor=desk.drafter
    )
    assert post.status == PostStatus.menunggu_persetujuan  # this one asks again


def test_next_free_slot_skips_a_taken_slot(session):
    desk = make_desk(session)
    desk.unit.time_zone = "Asia/Makassar"  # WITA, UTC+8
    make_chain(session, desk)
    for weekday in range(7):
        publishing_service.add_slot(
            session, channel=desk.channel, weekday=weekday, at="10:00", actor=desk.drafter
        )
    start = datetime(2031, 3, 3, 0, 0, tzinfo=UTC)  # a Monday, 08:00 WITA
    first = publishing_service.next_free_slot(session, channel=desk.channel, after=start)
    assert first == datetime(2031, 3, 3, 2, 0, tzinfo=UTC)  # 10:00 WITA

    post = make_post(session, desk)
    post.scheduled_at = first
    session.flush()
    assert publishing_service.next_free_slot(session, channel=desk.channel, after=start) == first + timedelta(
        days=1
    )


def test_weekly_recurrence_in_local_time_makes_posts_sent_for_approval(session):
    desk = make_desk(session)
    make_chain(session, desk)
    template = make_post(session, desk, title="Jam layanan")
    now = datetime(2031, 3, 1, 0, 0, tzinfo=UTC)  # Saturday
    recurrence = publishing_service.create_recurrence(
        session,
        post=template,
        rule="FREQ=WEEKLY;BYDAY=MO",
        starts_at=datetime(2031, 3, 3, 8, 0),
        actor=desk.drafter,
    )
    session.flush()
    with pytest.raises(Invalid):
        publishing_service.create_recurrence(
            session, post=template, rule="FREQ=MINUTELY", starts_at=datetime(2031, 3, 3), actor=desk.drafter
        )

    made = publishing_service.materialise_recurrences(session, now=now)
    assert len(made) == 1
    occurrence = publishing_service.get_post(session, made[0])
    assert occurrence.scheduled_at == datetime(2031, 3, 3, 1, 0, tzinfo=UTC)  # 08:00 WIB
    assert occurrence.status == PostStatus.menunggu_persetujuan and occurrence.recurrence_id == recurrence.id
    assert publishing_service.materialise_recurrences(session, now=now) == []  # made once
    later = publishing_service.materialise_recurrences(session, now=now + timedelta(days=7))
    assert [publishing_service.get_post(session, i).scheduled_at for i in later] == [
        datetime(2031, 3, 10, 1, 0, tzinfo=UTC)
    ]


def test_comments_are_internal_and_audited(session):
    desk = make_desk(session)
    post = make_post(session, desk)
    publishing_service.add_comment(session, post=post, text="Cek jam layanan, ya.", actor=desk.reviewer)
    assert [c.text for c in publishing_service.list_comments(session, post=post)] == ["Cek jam layanan, ya."]
    with pytest.raises(Invalid):
        publishing_service.add_comment(session, post=post, text=" ", actor=desk.reviewer)


def test_the_calendar_shows_the_subtrees_posts_in_range_and_the_holidays(session):
    desk = make_desk(session)
    child = make_desk(session, parent=desk.unit)
    sibling = make_desk(session)
    start = datetime(2026, 12, 1, tzinfo=UTC)
    mine, below, theirs, later = (
        make_post(session, desk, title="Milik saya"),
        make_post(session, child, title="Milik anak unit"),
        make_post(session, sibling, title="Milik tetangga"),
        make_post(session, desk, title="Bulan depan"),
    )
    for post, offset in ((mine, 3), (below, 10), (theirs, 5), (later, 40)):
        post.scheduled_at = start + timedelta(days=offset)
    session.flush()

    entries = publishing_service.calendar_entries(
        session, desk.admin, start=start, end=start + timedelta(days=31)
    )
    assert [e.title for e in entries] == ["Milik saya", "Milik anak unit"]
    assert entries[0].channel_ids == (desk.channel.id,)
    only_child = publishing_service.calendar_entries(
        session, desk.admin, start=start, end=start + timedelta(days=31), unit=child.unit
    )
    assert [e.title for e in only_child] == ["Milik anak unit"]
    with pytest.raises(NotFound):
        publishing_service.calendar_entries(
            session, child.admin, start=start, end=start + timedelta(days=31), unit=desk.unit
        )

    closed = publishing_service.closed_days(
        session, unit=desk.unit, first=start.date(), last=start.date() + timedelta(days=30)
    )
    assert datetime(2026, 12, 25).date() in closed  # Christmas: a national holiday


def test_an_edit_after_approval_is_checked_against_the_platform_again(session):
    desk = make_desk(session)
    make_chain(session, desk)
    post = approve_all(session, _submitted(session, desk), desk.reviewer)
    with pytest.raises(Invalid) as refused:
        publishing_service.edit_post(
            session, post=post, data=edit_input(post, text="Info. " * 60), actor=desk.drafter
        )
    assert refused.value.field == f"variant-{desk.channel.id}"  # the page rolls the edit back
