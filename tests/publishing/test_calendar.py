"""The content calendar: counts per local day with a capped list, holidays marked, a post moved to another day
through the page's form (the drag's fallback), and a sibling unit's posts never shown."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from humas.publishing import service as publishing_service
from humas.publishing.models import Post, PostStatus
from tests.publishing.factories import make_chain, make_desk, make_post

DAY = date(2031, 3, 12)  # a Wednesday, far in the future


def _scheduled(session, desk, at: datetime, title: str, status: str = PostStatus.dijadwalkan) -> Post:
    post = make_post(session, desk, title=title)
    post.scheduled_at = at
    post.status = status
    session.flush()
    return post


def test_counts_per_local_day_and_a_capped_list(session):
    desk = make_desk(session)
    # 23:30 UTC on the 11th is 06:30 WIB on the 12th: counted on the 12th in Jakarta's zone.
    late = datetime(2031, 3, 11, 23, 30, tzinfo=UTC)
    for i in range(6):
        _scheduled(session, desk, late + timedelta(minutes=i), f"Pos {i}")
    _scheduled(session, desk, datetime(2031, 3, 13, 2, 0, tzinfo=UTC), "Gagal", PostStatus.gagal)
    _scheduled(session, desk, datetime(2031, 3, 13, 3, 0, tzinfo=UTC), "Batal", PostStatus.dibatalkan)
    from zoneinfo import ZoneInfo

    days = publishing_service.calendar_days(
        session, desk.admin, unit=desk.unit, first=DAY - timedelta(days=1), last=DAY + timedelta(days=1),
        zone=ZoneInfo("Asia/Jakarta"), cap=4,
    )  # fmt: skip
    assert [(d.day, d.count, len(d.entries), d.more) for d in days] == [
        (date(2031, 3, 11), 0, 0, 0),
        (date(2031, 3, 12), 6, 4, 2),
        (date(2031, 3, 13), 1, 1, 0),  # the cancelled one is not shown
    ]
    assert [e.title for e in days[1].entries] == ["Pos 0", "Pos 1", "Pos 2", "Pos 3"]
    assert days[1].entries[0].channel_ids == (desk.channel.id,)


def test_the_month_page_marks_holidays_and_moves_a_post(web, session):
    desk = make_desk(session)
    chain = make_chain(session, desk, keep_on_reschedule=True)
    post = _scheduled(session, desk, datetime(2031, 3, 12, 2, 0, tzinfo=UTC), "Info <b>Sabtu</b>")
    post.chain_id = chain.id
    web.login(desk.drafter)
    page = web.get(f"/publishing/calendar?view=month&date=2031-03-12&unit_id={desk.unit.id}")
    assert page.status_code == 200
    assert "Maret 2031" in page.text  # Indonesian month name by Babel
    assert 'data-date="2031-03-12" data-testid="calendar-day" data-count="1"' in page.text
    assert "Info &lt;b&gt;Sabtu&lt;/b&gt;" in page.text and "<b>Sabtu" not in page.text
    assert "09.00 Info" in page.text or "09:00 Info" in page.text  # 02:00 UTC shown in WIB
    closed = web.get(f"/publishing/calendar?view=month&date=2031-12-10&unit_id={desk.unit.id}")
    assert 'data-testid="day-closed"' in closed.text  # Christmas on the 25th
    moved = web.post(f"/publishing/posts/{post.id}/move", {"date": "2031-03-14"})
    assert moved.status_code == 303, moved.text[-3000:]
    session.refresh(post)
    assert post.scheduled_at.replace(tzinfo=UTC) == datetime(2031, 3, 14, 2, 0, tzinfo=UTC)
    assert post.status == PostStatus.dijadwalkan  # the chain keeps its approvals on a new time
    week = web.get(f"/publishing/calendar?view=week&date=2031-03-14&unit_id={desk.unit.id}")
    assert 'data-date="2031-03-14" data-testid="calendar-day" data-count="1"' in week.text


def test_a_sibling_units_calendar_is_not_found(web, session):
    desk = make_desk(session)
    other = make_desk(session)
    _scheduled(session, other, datetime(2031, 3, 12, 2, 0, tzinfo=UTC), "Rahasia tetangga")
    web.login(desk.drafter)
    assert web.get(f"/publishing/calendar?date=2031-03-12&unit_id={other.unit.id}").status_code == 404
    own = web.get("/publishing/calendar?date=2031-03-12")
    assert own.status_code == 200 and "Rahasia tetangga" not in own.text
