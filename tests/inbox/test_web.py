"""Inbox pages: the list (filters, views, bulk, live poll, badge, CSV), one conversation, the served JS."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from humas.core.time import utcnow
from humas.inbox.models import Conversation, ConversationItem, Note, SavedView
from humas.ingest.models import Mention
from tests.factories import make_unit, make_user
from tests.inbox.listing_helpers import make_conversation

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def setup(session):
    root = make_unit(session, name="Kementerian Halaman")
    unit = make_unit(session, parent=root, name="Ditjen Halaman")
    admin = make_user(session, unit=unit, roles=("admin",), name="Admin Halaman")
    responder = make_user(session, unit=unit, roles=("responder",), name="Responder Halaman")
    leader = make_user(session, unit=unit, roles=("pimpinan",), name="Pimpinan Halaman")
    return {"root": root, "unit": unit, "admin": admin, "responder": responder, "leader": leader}


def _with_item(session, conversation, text, *, staff=False):
    mention = Mention(
        unit_id=conversation.unit_id, platform=conversation.platform,
        external_id=f"m-{conversation.id}-{staff}", kind="comment", author_name="Warga <b>Tebal</b>",
        author_handle="warga", text=text, created_at=utcnow(),
    )  # fmt: skip
    session.add(mention)
    session.flush()
    session.add(
        ConversationItem(
            conversation_id=conversation.id, mention_id=mention.id, from_staff=staff, at=utcnow()
        )
    )
    conversation.root_mention_id = conversation.root_mention_id or mention.id
    session.flush()
    return mention


def test_list_escapes_hostile_text_and_masks_for_other_roles(web, session, setup):
    make_conversation(
        session, unit=setup["unit"], subject=HOSTILE + " telp 081234567890", author_name=HOSTILE
    )
    session.commit()
    web.login(setup["leader"])
    page = web.get("/inbox")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text, page.text[
        page.text.find("<script>alert") - 300 :
    ][:600]
    assert "&lt;script&gt;" in page.text
    assert "081234567890" not in page.text and "08•••••••890" in page.text
    web.login(setup["admin"])
    assert "081234567890" in web.get("/inbox").text


def test_list_filters_views_and_pager(web, session, setup):
    mine = make_conversation(
        session, unit=setup["unit"], subject="Milik saya", assignee_id=setup["responder"].id
    )
    other = make_conversation(session, unit=setup["unit"], subject="Belum ada yang pegang")
    session.commit()
    web.login(setup["responder"])
    text = web.get("/inbox?mine=1").text
    assert "Milik saya" in text and "Belum ada yang pegang" not in text
    assert f'data-id="{other.id}"' in web.get("/inbox?unassigned=1").text
    assert web.get("/inbox?status=bogus").status_code == 422
    assert web.get("/inbox?mine=maybe").status_code == 422
    response = web.post("/inbox/views", {"name": "Punya saya", "mine": "1"}, follow_redirects=False)
    assert response.status_code == 303
    view = session.scalars(select(SavedView).where(SavedView.user_id == setup["responder"].id)).one()
    assert view.filters == {"mine": True}
    shown = web.get(f"/inbox?view_id={view.id}").text
    assert "Milik saya" in shown and "Belum ada yang pegang" not in shown and "Punya saya" in shown
    assert mine.id
    assert web.post(f"/inbox/views/{view.id}/delete", {}, follow_redirects=False).status_code == 303
    assert session.get(SavedView, view.id) is None


def test_live_poll_answers_204_until_something_new(web, session, setup):
    make_conversation(session, unit=setup["unit"], minutes_ago=5, subject="Lama")
    session.commit()
    web.login(setup["responder"])
    page = web.get("/inbox").text
    poll = re.search(r'hx-get="(/inbox/live\?[^"]+)"', page)
    assert poll and 'hx-trigger="every 2s"' in page
    url = poll.group(1).replace("&amp;", "&")
    htmx = {"HX-Request": "true"}
    assert web.get(url, headers=htmx).status_code == 204
    assert web.get(url).status_code == 200  # opened directly, not polled: the list
    make_conversation(session, unit=setup["unit"], subject="Baru saja masuk")
    session.commit()
    fresh = web.get(url, headers=htmx)
    assert fresh.status_code == 200 and "Baru saja masuk" in fresh.text and 'id="inbox-results"' in fresh.text


def test_badge_counts_and_nav_loads_it(web, session, setup):
    make_conversation(session, unit=setup["unit"], sla_state="at_risk")
    make_conversation(session, unit=setup["unit"], sla_state="missed")
    session.commit()
    web.login(setup["responder"])
    badge = web.get("/inbox/badge").text
    assert 'data-testid="inbox-count-open"' in badge and ">2<" in badge
    assert 'data-testid="inbox-count-at-risk"' in badge and 'data-testid="inbox-count-missed"' in badge
    assert 'hx-get="/inbox/badge"' in web.get("/").text


def test_conversation_page_thread_controls_and_escaping(web, session, setup):
    conversation = make_conversation(session, unit=setup["unit"], subject=HOSTILE)
    _with_item(session, conversation, HOSTILE + " NIK 3174012501900001")
    session.commit()
    web.login(setup["leader"])
    page = web.get(f"/inbox/{conversation.id}")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    assert "Warga &lt;b&gt;Tebal&lt;/b&gt;" in page.text
    assert "3174012501900001" not in page.text and 'data-testid="masked-note"' in page.text
    assert 'data-testid="controls"' not in page.text  # a leader reads, does not work on it
    web.login(setup["responder"])
    page = web.get(f"/inbox/{conversation.id}").text
    for testid in (
        "controls",
        "take",
        "wait",
        "close",
        "reply-focus",
        "note-form",
        "author-card",
        "deadlines",
    ):
        assert f'data-testid="{testid}"' in page, testid
    assert 'data-shortcut="e"' in page and 'data-shortcut="a"' in page


def test_status_take_note_and_bulk(web, session, setup):
    a = make_conversation(session, unit=setup["unit"])
    b = make_conversation(session, unit=setup["unit"])
    session.commit()
    web.login(setup["responder"])
    assert web.post(f"/inbox/{a.id}/take", {}, follow_redirects=False).status_code == 303
    session.refresh(a)
    assert a.assignee_id == setup["responder"].id
    assert (
        web.post(f"/inbox/{a.id}/status", {"status": "menunggu"}, follow_redirects=False).status_code == 303
    )
    session.refresh(a)
    assert a.status == "menunggu"
    web.post(f"/inbox/{a.id}/notes", {"text": "Sudah dihubungi lewat telepon"})
    assert session.scalars(select(Note).where(Note.conversation_id == a.id)).one().text.startswith("Sudah")
    response = web.post(
        "/inbox/bulk", {"ids": [str(a.id), str(b.id)], "op": "status:selesai"}, follow_redirects=False
    )
    assert response.status_code == 303
    for c in (a, b):
        session.refresh(c)
        assert c.status == "selesai"
    assert web.post("/inbox/bulk", {"op": "status:selesai"}).status_code == 422


def test_export_csv(web, session, setup):
    make_conversation(session, unit=setup["unit"], subject="Ekspor telp 081234567890")
    session.commit()
    web.login(setup["leader"])
    response = web.get("/inbox/export.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "Ekspor" in response.text and "081234567890" not in response.text


def test_shortcuts_script_is_served_locally(web, session, setup):
    web.login(setup["responder"])
    page = web.get("/inbox").text
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert "/static/js/inbox.js" in scripts and all(s.startswith("/static/") for s in scripts)
    assert re.findall(r'<link[^>]*href="(https?:)', page) == []
    script = web.get("/static/js/inbox.js")
    assert script.status_code == 200
    for key in ('"j"', '"k"', '"o"', '"Enter"', '"a"', '"e"', '"w"', '"r"', '"?"'):
        assert key in script.text, key
    assert 'data-testid="shortcut-help"' in page and "data-help-open" in page


def test_drafter_sees_an_explanation_not_an_error(web, session, setup):
    drafter = make_user(session, unit=setup["unit"], roles=("drafter",))
    make_conversation(session, unit=setup["unit"], subject="Tidak untuk penyusun")
    session.commit()
    web.login(drafter)
    page = web.get("/inbox")
    assert page.status_code == 200 and 'data-testid="inbox-no-role"' in page.text
    assert "Tidak untuk penyusun" not in page.text


def test_conversation_of_another_unit_is_not_found(web, session, setup):
    sibling = make_unit(session, parent=setup["root"], name="Ditjen Lain Halaman")
    foreign = make_conversation(session, unit=sibling)
    session.commit()
    web.login(setup["admin"])
    assert web.get(f"/inbox/{foreign.id}").status_code == 404
    assert web.post(f"/inbox/{foreign.id}/status", {"status": "selesai"}).status_code == 404
    assert web.post("/inbox/bulk", {"ids": [str(foreign.id)], "op": "status:selesai"}).status_code == 404
    session.refresh(foreign)
    assert foreign.status == "baru"
    assert isinstance(foreign, Conversation)


def test_send_a_mention_to_the_inbox_and_feed_it_from_a_query(web, session, setup):
    from humas.ingest.models import SavedQuery

    mention = Mention(unit_id=setup["unit"].id, platform="x", external_id="kirim-1", kind="post",
                      text="Layanan paspor tutup?", created_at=utcnow())  # fmt: skip
    query = SavedQuery(unit_id=setup["unit"].id, name="Paspor", query="paspor")
    session.add_all([mention, query])
    session.flush()
    session.commit()
    web.login(setup["responder"])
    assert 'data-testid="send-to-inbox"' in web.get(f"/mentions/{mention.id}").text
    response = web.post(f"/mentions/{mention.id}/inbox", {}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/inbox/")
    conversation = session.scalars(
        select(Conversation).join(ConversationItem).where(ConversationItem.mention_id == mention.id)
    ).one()
    assert web.get(response.headers["location"]).status_code == 200
    assert conversation.origin == "manual"
    web.login(setup["admin"])
    assert "query-inbox-feed" in web.get(f"/listening/queries/{query.id}").text
    toggle = web.get(f"/listening/queries/{query.id}/inbox-feed").text
    assert 'data-testid="query-feed-toggle"' in toggle and 'data-feeding="0"' in toggle
    web.post(f"/listening/queries/{query.id}/inbox-feed", {"enabled": "1"})
    assert 'data-feeding="1"' in web.get(f"/listening/queries/{query.id}/inbox-feed").text
    web.post(f"/listening/queries/{query.id}/inbox-feed", {"enabled": "0"})
    assert 'data-feeding="0"' in web.get(f"/listening/queries/{query.id}/inbox-feed").text
