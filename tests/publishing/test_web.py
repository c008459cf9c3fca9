"""Publishing pages: a draft written and checked per channel, sent for approval, approved by a reviewer from
the queue; the author cannot approve it; hostile text is escaped."""

from __future__ import annotations

import re

from sqlalchemy import select

from humas.publishing.models import Post, PostStatus
from tests.publishing.factories import make_chain, make_desk

TEXT = "Layanan KPPN buka Sabtu 09.00-12.00 WIB. #PelayananPrima"


def _create(web, desk, text: str, *, title: str = "Layanan Sabtu") -> int:
    response = web.post(
        "/publishing/posts",
        {
            "unit_id": desk.unit.id,
            "title": title,
            "body": text,
            "channel_id": [desk.channel.id],
            "text": [text],
        },
    )
    assert response.status_code == 303, response.text[:500]
    return int(re.search(r"/publishing/posts/(\d+)", response.headers["location"]).group(1))


def test_a_draft_goes_through_its_chain_on_the_pages(web, session):
    desk = make_desk(session)
    make_chain(session, desk)
    web.login(desk.drafter)
    post_id = _create(web, desk, TEXT)

    page = web.get(f"/publishing/posts/{post_id}")
    assert page.status_code == 200
    assert f"{len(TEXT)} / 280" in page.text  # the live counter as X counts
    assert web.post(f"/publishing/posts/{post_id}/submit").status_code == 303
    assert web.post(f"/publishing/posts/{post_id}/approve").status_code == 403  # not one's own

    web.login(desk.reviewer)
    listing = web.get("/publishing")
    assert 'data-testid="approval-queue"' in listing.text and f"/publishing/posts/{post_id}" in listing.text
    assert web.post(f"/publishing/posts/{post_id}/approve").status_code == 303
    post = session.scalar(select(Post).where(Post.id == post_id))
    session.refresh(post)
    assert post.status == PostStatus.disetujui


def test_an_over_long_variant_is_shown_and_refused(web, session):
    desk = make_desk(session)
    make_chain(session, desk)
    web.login(desk.drafter)
    post_id = _create(web, desk, "Info layanan. " * 30)

    page = web.get(f"/publishing/posts/{post_id}")
    assert "419 / 280" in page.text  # stored trimmed and 'data-testid="variant-problem"' in page.text
    refused = web.post(f"/publishing/posts/{post_id}/submit")
    assert refused.status_code == 422 and 'data-testid="field-error"' in refused.text


def test_hostile_text_is_escaped(web, session):
    desk = make_desk(session)
    web.login(desk.drafter)
    post_id = _create(web, desk, "<script>alert(1)</script> cek", title="<img src=x onerror=alert(1)>")
    page = web.get(f"/publishing/posts/{post_id}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_every_post_route_answers_404_for_a_sibling_units_post(web, web_app, session):
    from humas.web.app import iter_routes

    desk = make_desk(session)
    sibling = make_desk(session)
    make_chain(session, sibling)
    foreign = make_post_for(session, sibling)
    web.login(desk.admin)
    routes = [r for r in iter_routes(web_app) if "{post_id}" in r.path]
    assert len(routes) >= 7
    for route in routes:
        path = route.path.replace("{post_id}", str(foreign))
        for method in route.methods - {"HEAD", "OPTIONS"}:
            response = web.get(path) if method == "GET" else web.post(path, {"text": "x", "reason": "x"})
            assert response.status_code == 404, f"{method} {route.path}: {response.status_code}"
    assert "Pos tetangga" not in web.get("/publishing").text


def make_post_for(session, desk) -> int:
    from tests.publishing.factories import make_post

    return make_post(session, desk, title="Pos tetangga").id


def test_on_the_pages_an_edit_after_approval_restarts_the_chain_and_an_unapproved_post_expires(web, session):
    from datetime import timedelta

    from humas.core.time import utcnow
    from humas.publishing.service.schedule import expire_due_posts

    desk = make_desk(session)
    make_chain(session, desk)
    web.login(desk.drafter)
    post_id = _create(web, desk, TEXT)
    assert web.post(f"/publishing/posts/{post_id}/submit").status_code == 303
    web.login(desk.reviewer)
    assert web.post(f"/publishing/posts/{post_id}/approve").status_code == 303
    post = session.get(Post, post_id)
    session.refresh(post)
    assert post.status == PostStatus.disetujui
    web.login(desk.drafter)  # an edit after approval: the chain starts again
    edited = web.post(
        f"/publishing/posts/{post_id}",
        {
            "title": "Layanan Sabtu",
            "body": TEXT,
            "channel_id": [desk.channel.id],
            "text": [TEXT + " Ralat jam."],
        },
    )
    assert edited.status_code == 303
    session.refresh(post)
    assert post.status == PostStatus.menunggu_persetujuan
    assert "menunggu" in web.get(f"/publishing/posts/{post_id}").text.lower()

    # not approved again by its time: it expires, is never published, and cannot be approved afterwards
    post.scheduled_at = utcnow() + timedelta(minutes=5)
    session.flush()
    assert expire_due_posts(session, now=utcnow() + timedelta(minutes=6)) == [post_id]
    session.refresh(post)
    assert post.status == PostStatus.kedaluwarsa
    assert all(v.published_at is None and v.outbox_message_id is None for v in post.variants)
    web.login(desk.reviewer)
    assert web.post(f"/publishing/posts/{post_id}/approve").status_code in (400, 409, 422)
    assert "kedaluwarsa" in web.get(f"/publishing/posts/{post_id}").text.lower()
