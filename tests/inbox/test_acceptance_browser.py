"""The inbox's acceptance run in real Chromium, on a demo-like office (demo texts, LAPOR! deadlines, a
round-robin team, a canned reply, replies that need a reviewer's approval):

a Facebook comment and a WhatsApp message arrive by signed webhooks and appear in the open inbox without a
reload; each is assigned (taken, and given by round-robin), answered with the canned reply, approved by a
reviewer, and reaches the platform exactly once (respx, Meta's documented answers); the conversations close;
an overdue one escalates when the minute job runs and the e-mail reaches a real local SMTP server.

Payload shapes: tests/connectors/fixtures/meta/fb_webhook_feed_comment.json and
tests/connectors/fixtures/whatsapp/webhook_text_message.json (their sources are in SOURCES.md there).
"""

from __future__ import annotations

import email
import json
import random
import time
from email import policy
from typing import Any

import httpx
import pytest
import respx
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select

from humas.connectors.base import SourceItem
from humas.connectors.meta import sign
from humas.core.time import utcnow
from humas.demo.inbox import working_ago
from humas.demo.inbox_script import TEMPLATE, THREADS
from humas.demo.listening import _fallback_analyzer
from humas.inbox.models import Conversation, Reply
from humas.inbox.service import conversations, templates, unit_settings
from humas.ingest.service.pipeline import ingest_items
from humas.org import service as org_service
from humas.org.models import Unit, User
from tests.channels.factories import DEFAULT_VALUES, make_channel
from tests.live import LiveServer, login, unique
from tests.smtp import Inbox

pytestmark = pytest.mark.browser
GRAPH = "https://graph.facebook.com/v24.0"
COMMENT_CREATED = {"id": "5001_7003"}  # tests/connectors/fixtures/meta/fb_comment_created.json
WA_SENT = {  # tests/connectors/fixtures/whatsapp/send_message_response.json, our customer's number
    "messaging_product": "whatsapp",
    "contacts": [{"input": "6281234500001", "wa_id": "6281234500001"}],
    "messages": [{"id": "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"}],
}


def _office(live: LiveServer) -> dict[str, Any]:
    """A service office like the demo's: channels, LAPOR! preset, approval for responders, a team, a
    template, a week of demo messages, and one message from the public left unanswered for days."""
    name = unique("KPPN Demo")
    admin = live.users["admin"]

    def seed(session) -> dict[str, Any]:
        actor = session.get(User, admin.id)
        parent = session.get(Unit, live.units["kanwil_a"])
        unit = org_service.create_unit(session, name=name, parent=parent, actor=actor)
        return {"unit": unit.id}

    ids = live.run(seed)
    people = {
        role: live.add_user(ids["unit"], role, key=unique(role).replace(" ", "-"))
        for role in ("responder", "reviewer", "pimpinan")
    }
    page_id = f"1040{random.randint(10**8, 10**9 - 1)}"  # noqa: S311
    phone_id = f"1065{random.randint(10**10, 10**11 - 1)}"  # noqa: S311

    def setup(session) -> dict[str, Any]:
        from humas.inbox.service.sla_policies import apply_lapor_preset

        actor = session.get(User, admin.id)
        unit = session.get(Unit, ids["unit"])
        fb = make_channel(
            session, unit=unit, platform="facebook", account_external_id=page_id,
            values={**DEFAULT_VALUES["facebook"], "page_id": page_id},
        )  # fmt: skip
        wa = make_channel(
            session, unit=unit, platform="whatsapp", account_external_id=phone_id,
            values={**DEFAULT_VALUES["whatsapp"], "phone_number_id": phone_id},
        )  # fmt: skip
        apply_lapor_preset(session, unit=unit, actor=actor)
        rules = unit_settings.RulesInput(reply_approval="roles", reply_approval_roles=("responder",))
        unit_settings.set_rules(session, unit=unit, data=rules, actor=actor)
        responder = session.get(User, people["responder"].id)
        team = conversations.create_team(
            session, unit_id=unit.id, name=unique("Tim Layanan"), actor=actor, lead=responder
        )
        conversations.set_member(session, team=team, user=responder, on_duty=True, actor=actor)
        template_name, text, kind = TEMPLATE
        template = templates.create_template(
            session, unit=unit, actor=actor,
            data=templates.TemplateInput(name=unique(template_name), text=text, message_type=kind),
        )  # fmt: skip
        now = utcnow()
        background = [
            SourceItem(
                platform="facebook", external_id=f"{page_id}-demo-{n}", kind="comment", text=t.texts[0],
                created_at=working_ago(session, unit, now, 2 + n), author_id=f"d{n}", author_name=t.author,
                channel_external_id=page_id, thread_root_id=f"{page_id}_{n}", in_reply_to_id=f"{page_id}_{n}",
            )
            for n, t in enumerate(THREADS[:6])
            if t.platform == "facebook"
        ]  # fmt: skip
        overdue = SourceItem(
            platform="whatsapp", external_id=f"wamid.overdue-{phone_id}", kind="message",
            text="Sudah seminggu berkas retur SP2D kami belum diproses, mohon kepastian.",
            created_at=working_ago(session, unit, now, 40), author_id="6281300000099",
            author_name="Ahmad Fauzi", channel_external_id=phone_id, thread_external_id="6281300000099",
        )  # fmt: skip
        ingest_items(session, [*background, overdue], unit=unit, analyzer=_fallback_analyzer)
        late = session.scalars(
            select(Conversation).where(Conversation.unit_id == unit.id, Conversation.platform == "whatsapp")
        ).one()
        return {
            "fb": fb.id, "wa": wa.id, "overdue": late.id, "overdue_ticket": late.ticket,
            "template": template.name,
        }  # fmt: skip

    return {**ids, **live.run(setup), "people": people, "page_id": page_id, "phone_id": phone_id}


def _fb_comment(page_id: str, k: int, message: str) -> bytes:
    post, now = f"{page_id}_{5000 + k}", int(time.time())
    body = {"object": "page", "entry": [{"id": page_id, "time": now, "changes": [{"field": "feed", "value": {
        "from": {"id": f"90{k:05d}", "name": "Siti Aminah"},
        "post": {"id": post, "status_type": "mobile_status_update", "is_published": True},
        "message": message, "post_id": post, "comment_id": f"{5000 + k}_{7000 + k}", "created_time": now,
        "item": "comment", "parent_id": post, "verb": "add",
    }}]}]}  # fmt: skip
    return json.dumps(body).encode()


def _wa_message(phone_id: str, k: int, message: str) -> bytes:
    body = {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_id},
            "contacts": [{"profile": {"name": "Joko Susilo"}, "wa_id": "6281234500001"}],
            "messages": [{"from": "6281234500001", "id": f"wamid.accept-{phone_id}-{k}",
                          "timestamp": str(int(time.time())), "type": "text", "text": {"body": message}}],
        }}]}]}  # fmt: skip
    return json.dumps(body).encode()


def _post(url: str, body: bytes) -> None:
    secret = DEFAULT_VALUES["facebook"]["app_secret"]
    headers = {"content-type": "application/json", "x-hub-signature-256": sign(body, secret)}
    assert httpx.post(url, content=body, headers=headers).status_code == 200


def _answer_with_template(page, url: str, conversation_id: int, template: str) -> None:
    page.goto(f"{url}/inbox/{conversation_id}")
    form = page.locator("[data-testid=reply-form]")
    picker = form.locator("[data-testid=template-picker]")
    picker.wait_for()
    page.wait_for_load_state("networkidle")  # the composer is swapped in by htmx: let it bind its triggers
    filled = "() => (document.querySelector('#reply-text') || {}).value?.startsWith('Terima kasih')"
    for _attempt in range(3):  # NOTE: a change event fired while htmx still settles the swap can be lost
        picker.select_option(index=0)
        picker.select_option(label=template)
        try:
            page.wait_for_function(filled, timeout=5000)
            break
        except PlaywrightTimeout:
            continue
    page.wait_for_function(filled)
    form.locator("[data-testid=reply-send]").click()
    page.wait_for_url(f"{url}/inbox/{conversation_id}")
    assert page.locator("[data-testid=reply-state]").get_attribute("data-status") == "menunggu_persetujuan"


def test_inbox_acceptance(page, browser, live_server: LiveServer, smtp_inbox: Inbox) -> None:
    url, office = live_server.url, _office(live_server)
    people = office["people"]
    fb_text = f"Min, jam layanan hari Jumat sampai jam berapa? {unique('tanya')}"
    wa_text = f"Selamat pagi, syarat pencairan dana BOS tahap 2 apa saja? {unique('wa')}"
    with respx.mock(assert_all_called=False) as platform:
        platform.route(host="127.0.0.1").pass_through()
        comment_reply = platform.post(f"{GRAPH}/{5000 + 1}_{7000 + 1}/comments").respond(
            200, json=COMMENT_CREATED
        )
        platform.get(f"{GRAPH}/{5000 + 1}_{7000 + 1}/comments").respond(200, json={"data": []})
        wa_send = platform.post(f"{GRAPH}/{office['phone_id']}/messages").respond(200, json=WA_SENT)

        # The responder's inbox is open; both messages arrive by signed webhooks and show up without a reload.
        login(page, live_server, people["responder"].key)
        page.goto(f"{url}/inbox")
        page.wait_for_selector("[data-testid=inbox-live]", state="attached")
        page.evaluate("window.__stillTheSamePage = true")
        _post(f"{url}/webhooks/meta/{office['fb']}", _fb_comment(office["page_id"], 1, fb_text))
        _post(f"{url}/webhooks/whatsapp/{office['wa']}", _wa_message(office["phone_id"], 1, wa_text))
        fb_row = page.locator("[data-testid=inbox-row]", has_text=fb_text)
        wa_row = page.locator("[data-testid=inbox-row]", has_text=wa_text)
        fb_row.wait_for(timeout=15_000)
        wa_row.wait_for(timeout=15_000)
        assert page.evaluate("window.__stillTheSamePage === true"), "the page was reloaded"
        fb_id, wa_id = int(fb_row.get_attribute("data-id")), int(wa_row.get_attribute("data-id"))

        # Assigned: the Facebook one taken by the responder, the WhatsApp one given by round-robin.
        page.goto(f"{url}/inbox/{fb_id}")
        page.locator("[data-testid=take]").click()
        page.wait_for_url(f"{url}/inbox/{fb_id}")
        page.goto(f"{url}/inbox/{wa_id}")
        assign = page.locator("[data-testid=assign-form]")
        assign.locator("select[name=team_id]").select_option(index=1)
        assign.locator("input[name=round_robin]").check()
        assign.locator("button[type=submit]").click()
        page.wait_for_url(f"{url}/inbox/{wa_id}")

        def assignees(session) -> list[int | None]:
            return [session.get(Conversation, i).assignee_id for i in (fb_id, wa_id)]

        assert live_server.run(assignees) == [people["responder"].id] * 2

        # Answered with the canned reply; the unit wants a reviewer first, so nothing leaves yet.
        _answer_with_template(page, url, fb_id, office["template"])
        _answer_with_template(page, url, wa_id, office["template"])
        assert comment_reply.call_count == 0 and wa_send.call_count == 0

        reviewer_context = browser.new_context(locale="id-ID")
        reviewer = reviewer_context.new_page()
        try:
            login(reviewer, live_server, people["reviewer"].key)
            for _ in range(2):
                reviewer.goto(f"{url}/inbox/approvals")
                reviewer.locator("[data-testid=approval] [data-testid=approve]").first.click()
                reviewer.wait_for_url(f"{url}/inbox/approvals")
            assert reviewer.locator("[data-testid=approvals-empty]").is_visible()
        finally:
            reviewer_context.close()

        # Each reply reached its platform once, with the template filled in for that conversation.
        assert comment_reply.call_count == 1 and wa_send.call_count == 1
        sent_fb = dict(httpx.QueryParams(comment_reply.calls[0].request.content.decode()))
        assert (
            sent_fb["message"].startswith("Terima kasih Siti Aminah")
            and "Nomor tiket Anda: U" in sent_fb["message"]
        )
        sent_wa = json.loads(wa_send.calls[0].request.content)
        assert sent_wa["to"] == "6281234500001" and sent_wa["text"]["body"].startswith(
            "Terima kasih Joko Susilo"
        )

        # The replies show as sent; the responder closes both conversations.
        for conversation_id in (fb_id, wa_id):
            page.goto(f"{url}/inbox/{conversation_id}")
            page.wait_for_selector("[data-testid=reply-form]")
            page.goto(f"{url}/inbox/{conversation_id}")
            assert page.locator("[data-testid=reply-state]").get_attribute("data-status") == "terkirim"
            page.locator("[data-testid=close]").click()
            page.wait_for_url(f"{url}/inbox/{conversation_id}")
            assert "status-selesai" in (
                page.locator("[data-testid=conversation-status]").get_attribute("class") or ""
            )
        assert comment_reply.call_count == 1 and wa_send.call_count == 1  # never a second time

        def outcome(session) -> list[tuple[str, str, bool | None]]:
            rows = []
            for i in (fb_id, wa_id):
                c = session.get(Conversation, i)
                reply = session.scalars(select(Reply).where(Reply.conversation_id == i)).one()
                rows.append((c.status, reply.status, c.first_response_met))
            return rows

        assert live_server.run(outcome) == [("selesai", "terkirim", True)] * 2

    # The overdue conversation escalates when the minute job runs: the unit head gets an e-mail.
    from humas.inbox.tasks import sweep_deadlines_task

    sweep_deadlines_task()
    head = people["pimpinan"].email
    deadline = time.monotonic() + 15
    while not any(head in rcpts for _f, rcpts, _raw in smtp_inbox.messages) and time.monotonic() < deadline:
        time.sleep(0.1)
    mails = [
        email.message_from_bytes(raw, policy=policy.default)
        for _f, rcpts, raw in smtp_inbox.messages
        if head in rcpts
    ]
    assert len(mails) == 1, [m["Subject"] for m in mails]
    assert office["overdue_ticket"] in mails[0]["Subject"]

    def escalated(session) -> tuple[str, int]:
        c = session.get(Conversation, office["overdue"])
        return c.sla_state, c.escalation_level

    assert live_server.run(escalated) == ("missed", 2)
    sweep_deadlines_task()  # the next minute tells nobody again
    time.sleep(0.5)
    assert sum(head in rcpts for _f, rcpts, _raw in smtp_inbox.messages) == 1
