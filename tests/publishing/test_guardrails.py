"""Guardrails on posts: a blocking finding keeps a post out of its chain and off the platforms by every path
(the service, the pages, the minute task) until the text is fixed or a reviewer — never its author —
overrides it with a written reason, which the audit log keeps with the findings."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from humas.compliance import service as compliance_service
from humas.compliance.models import GuardrailCheck
from humas.core.db import session_scope
from humas.core.errors import Invalid, PermissionDenied
from humas.core.time import utcnow
from humas.org.models import AuditLog
from humas.outbox.models import OutboxMessage
from humas.publishing import service as publishing_service
from humas.publishing import tasks
from humas.publishing.models import Post, PostStatus
from humas.publishing.service import PostInput, VariantInput, media_refs
from humas.publishing.service import media as media_service
from tests.factories import make_user
from tests.publishing.factories import approve_all, edit_input, make_chain, make_desk, make_post
from tests.publishing.media_files import jpeg_with_exif, media_dir_fixture  # noqa: F401

NIK_TEXT = "Bantuan untuk Ibu Sari, NIK 3273014501900001, sudah cair. #PelayananPrima"
REASON = "Data tokoh fiktif untuk simulasi pelatihan; disetujui Kabag Humas."


def _checks(session, post_id: int, stage: str) -> list[GuardrailCheck]:
    stmt = select(GuardrailCheck).where(
        GuardrailCheck.subject_type == "post",
        GuardrailCheck.subject_id == post_id,
        GuardrailCheck.stage == stage,
    )
    return list(session.scalars(stmt))


def test_a_blocked_post_stays_a_draft_until_a_reviewer_other_than_its_author_overrides(session):
    desk = make_desk(session)
    make_chain(session, desk)
    post = make_post(session, desk, text=NIK_TEXT)

    publishing_service.submit_post(session, post=post, actor=desk.drafter)
    assert post.status == PostStatus.draf and post.chain_id is None
    (check,) = _checks(session, post.id, "submit")
    assert check.blocked and [(f.rule, f.severity) for f in check.findings] == [("nik", "blokir")]
    assert "3273014501900001" not in check.findings[0].fingerprint  # the number itself is not stored

    with pytest.raises(PermissionDenied):  # the drafter never overrides their own post
        publishing_service.override_post(session, post=post, reason=REASON, actor=desk.drafter)
    writer_reviewer = make_user(session, unit=desk.unit, roles=("drafter", "reviewer"))
    own = make_post(session, desk, text=NIK_TEXT, author=writer_reviewer)
    with pytest.raises(PermissionDenied):  # not even a drafter who is also a reviewer
        publishing_service.override_post(session, post=own, reason=REASON, actor=writer_reviewer)
    with pytest.raises(Invalid):  # a reason is required
        publishing_service.override_post(session, post=post, reason="ok", actor=desk.reviewer)

    publishing_service.override_post(session, post=post, reason=REASON, actor=desk.reviewer)
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "guardrails.override")).one()
    assert entry.actor_id == desk.reviewer.id and entry.after["reason"] == REASON
    assert entry.after["findings"][0]["rule"] == "nik" and entry.after["subject"] == f"post:{post.id}"

    publishing_service.submit_post(session, post=post, actor=desk.drafter)
    assert post.status == PostStatus.menunggu_persetujuan
    (passed,) = _checks(session, post.id, "submit")[1:]
    assert not passed.blocked and passed.findings[0].overridden

    # A new NIK written after the override blocks again (the override named the finding, not the post).
    other = edit_input(post, text=NIK_TEXT.replace("3273014501900001", "3171026608850003"))
    publishing_service.edit_post(session, post=post, data=other, actor=desk.drafter)
    assert post.status == PostStatus.draf


def _approved(engine, text: str) -> tuple[int, int, int]:
    with session_scope(engine) as session:
        desk = make_desk(session)
        make_chain(session, desk)
        post = make_post(session, desk, text=text)
        publishing_service.submit_post(session, post=post, actor=desk.drafter)
        approve_all(session, post, desk.reviewer)
        publishing_service.schedule_post(
            session, post=post, at=utcnow() + timedelta(minutes=1), actor=desk.drafter
        )
        assert post.status == PostStatus.dijadwalkan
        return post.id, desk.unit.id, desk.reviewer.id


def test_the_minute_task_refuses_a_post_blocked_since_its_approval_until_overridden(app_db, queued):
    text = "Ayo coblos nomor 2 di TPS terdekat! #PemiluDamai"
    post_id, unit_id, reviewer_id = _approved(app_db, text)
    with session_scope(app_db) as session:  # the campaign season starts after the approval
        root = session.get(Post, post_id).unit
        admin = make_user(session, unit=root, roles=("admin",))
        today = utcnow().date()
        data = compliance_service.ElectionInput(numbers="2", active_from=today - timedelta(days=1))
        compliance_service.save_election_list(session, unit=root, data=data, actor=admin)

    due = utcnow() + timedelta(minutes=2)
    assert tasks.run_tick(now=due)["published"] == []
    with session_scope(app_db) as session:
        post = session.get(Post, post_id)
        assert post.status == PostStatus.disetujui and post.scheduled_at is None and post.queued_at is None
        assert post.variants[0].error and post.variants[0].outbox_message_id is None
        rows = select(func.count()).where(
            OutboxMessage.kind == "publishing.variant", OutboxMessage.owner_id == post.variants[0].id
        )
        assert session.scalar(rows) == 0
        assert _checks(session, post_id, "send")[0].blocked
        measures = compliance_service.guardrail_measures(
            session, unit_ids=[unit_id], start=utcnow() - timedelta(hours=1), end=due
        )
        assert measures.blocked_sends == 1 and measures.count(rule="election", stage="send") == 1
        reviewer = session.get(type(admin), reviewer_id)
        publishing_service.override_post(session, post=post, reason=REASON, actor=reviewer)
        drafter_id = post.created_by_id
        publishing_service.schedule_post(
            session, post=post, at=utcnow() + timedelta(minutes=1), actor=session.get(type(admin), drafter_id)
        )
    assert tasks.run_tick(now=due)["published"] == [post_id]
    with session_scope(app_db) as session:
        assert session.get(Post, post_id).variants[0].outbox_message_id in queued


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    ids: list[int] = []
    monkeypatch.setattr("humas.outbox.tasks.send_message_task", lambda message_id: ids.append(message_id))
    return ids


def test_on_the_pages_a_blocked_post_is_refused_shown_marked_and_overridden_by_a_reviewer(web, session):
    desk = make_desk(session)
    make_chain(session, desk)
    web.login(desk.drafter)
    created = web.post(
        "/publishing/posts",
        {
            "unit_id": desk.unit.id,
            "title": "Bantuan",
            "body": NIK_TEXT,
            "channel_id": [desk.channel.id],
            "text": [NIK_TEXT],
        },
    )
    post_id = int(re.search(r"/publishing/posts/(\d+)", created.headers["location"]).group(1))

    assert web.post(f"/publishing/posts/{post_id}/submit").status_code == 303
    post = session.get(Post, post_id)
    session.refresh(post)
    assert post.status == PostStatus.draf
    shown = web.get(f"/publishing/posts/{post_id}/guardrails")
    assert 'data-rule="nik"' in shown.text and 'data-severity="blokir"' in shown.text
    assert re.search(r'data-testid="guardrail-mark"[^>]*>3273014501900001<sup>', shown.text)
    assert 'data-testid="guardrail-override"' not in shown.text  # not for the author
    assert web.post(f"/publishing/posts/{post_id}/override", {"reason": REASON}).status_code == 403

    web.login(desk.reviewer)
    assert 'data-testid="guardrail-override"' in web.get(f"/publishing/posts/{post_id}/guardrails").text
    refused = web.post(f"/publishing/posts/{post_id}/override", {"reason": "  "})
    assert refused.status_code == 422
    assert web.post(f"/publishing/posts/{post_id}/override", {"reason": REASON}).status_code == 303
    assert 'data-overridden="true"' in web.get(f"/publishing/posts/{post_id}/guardrails").text

    web.login(desk.drafter)
    assert web.post(f"/publishing/posts/{post_id}/submit").status_code == 303
    session.refresh(post)
    assert post.status == PostStatus.menunggu_persetujuan


def test_the_draft_editor_counter_shows_the_findings_live(web, session):
    desk = make_desk(session)
    web.login(desk.drafter)
    response = web.post(
        f"/publishing/channels/{desk.channel.id}/count",
        {
            "channel_id": [str(desk.channel.id)],
            "text": ["Hubungi <b>kami</b> NIK 3273014501900001"],
            "media": [""],
        },
    )
    assert response.status_code == 200
    assert 'data-testid="guardrail-finding" data-rule="nik"' in response.text
    assert "&lt;b&gt;kami&lt;/b&gt;" in response.text and "<b>kami</b>" not in response.text  # escaped


def test_an_attached_image_with_gps_is_a_warning_and_the_sent_copy_has_none(session, media_dir):
    desk = make_desk(session)
    media, _ = media_service.upload_media(session, actor=desk.drafter, unit=desk.unit, data=jpeg_with_exif())
    variant = VariantInput(desk.channel.id, "Posko banjir dibuka.", [{"kind": "image", "media_id": media.id}])
    post = publishing_service.create_post(
        session,
        unit_id=desk.unit.id,
        data=PostInput(title="Posko", body="Posko", variants=[variant]),
        actor=desk.drafter,
    )
    result = publishing_service.post_verdict(session, post=post)
    assert [(f.rule, f.severity, f.text) for _p, f in result.findings] == [
        ("exif_gps", "peringatan", f"media:{media.id}")
    ]
    assert not result.blocked
    (sent,) = media_refs.resolve_refs(session, refs=list(post.variants[0].media), platform="x")
    assert compliance_service.has_gps(media_service.read_bytes(media)) and not compliance_service.has_gps(
        sent["data"]
    )
