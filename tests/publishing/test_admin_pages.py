"""Chain and posting-time pages: an admin makes a two-step chain (any reviewer, then all of two named people)
for one channel; a drafter cannot; slots are added and removed and the next free one is shown."""

from __future__ import annotations

from sqlalchemy import select

from humas.publishing.models import ApprovalChain, PostingSlot
from tests.publishing.factories import make_desk


def test_an_admin_makes_a_two_step_chain(web, session):
    desk = make_desk(session)
    web.login(desk.admin)
    form = {
        "unit_id": desk.unit.id, "name": "Rantai X", "channel_id": desk.channel.id, "content_kind": "",
        "keep_on_reschedule": "true",
        "step_name": ["Kasubbag Humas", "Kabag Umum", "", ""], "step_mode": ["any", "all", "any", "any"],
        "step_role": ["reviewer", "", "", ""],
        "step_people": ["", f"{desk.reviewer2.id}, {desk.pimpinan.id}", "", ""],
    }  # fmt: skip
    response = web.post("/publishing/chains", form)
    assert response.status_code == 303, response.text[-800:]
    chain = session.scalar(select(ApprovalChain).where(ApprovalChain.name == "Rantai X"))
    assert chain.channel_id == desk.channel.id and chain.keep_on_reschedule
    assert [(s.name, s.mode, s.role, s.user_ids) for s in chain.steps] == [
        ("Kasubbag Humas", "any", "reviewer", []),
        ("Kabag Umum", "all", None, sorted([desk.reviewer2.id, desk.pimpinan.id])),
    ]
    page = web.get("/publishing/chains").text
    assert "Rantai X" in page and "Kabag Umum" in page
    assert web.post(f"/publishing/chains/{chain.id}/deactivate").status_code == 303
    session.refresh(chain)
    assert not chain.is_active
    web.login(desk.drafter)
    assert web.post("/publishing/chains", {**form, "name": "Tidak boleh"}).status_code == 403


def test_posting_times_per_channel(web, session):
    desk = make_desk(session)
    web.login(desk.drafter)
    url = f"/publishing/channels/{desk.channel.id}/slots"
    assert web.post(url, {"weekday": 0, "at": "08:30"}).status_code == 303
    slot = session.scalar(select(PostingSlot).where(PostingSlot.channel_id == desk.channel.id))
    assert (slot.weekday, slot.minute_of_day) == (0, 8 * 60 + 30)
    page = web.get("/publishing/slots").text
    assert 'data-testid="slot"' in page and "08:30" in page and 'data-testid="next-free"' in page
    assert web.post(f"{url}/remove", {"slot_id": slot.id}).status_code == 303
    assert session.scalar(select(PostingSlot).where(PostingSlot.channel_id == desk.channel.id)) is None
