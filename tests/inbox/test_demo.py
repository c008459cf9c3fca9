"""`humas demo` fills the inbox: a week of conversations on six platforms through the real pipeline and
services, every deadline state from the real computation, once."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
from sqlalchemy import func, select

from humas.core.db import get_engine, session_scope
from humas.core.time import as_utc, utcnow
from humas.demo.inbox import seed_demo_inbox
from humas.demo.inbox_history import seed_demo_history
from humas.demo.inbox_history_script import HISTORY
from humas.demo.inbox_script import THREADS
from humas.demo.listening import _fallback_analyzer, seed_demo_mention_history
from humas.demo.months import history_months, month_start
from humas.demo.org import build_demo
from humas.demo.publishing import seed_demo_publishing
from humas.inbox.models import (
    Conversation,
    ConversationItem,
    LaporForward,
    Reply,
    SlaPolicy,
    Team,
    TeamMember,
    Template,
)
from humas.ingest.models import Mention
from humas.org import service as org_service
from humas.org.models import Notification, Unit
from humas.reports.document import Report
from humas.reports.period import Period
from humas.reports.render.fmt import format_value
from humas.reports.render.pdf import render_pdf
from humas.reports.render.xlsx import render_xlsx, table_name
from humas.reports.service.build import build_report
from tests.reports.render_tools import expected_xlsx_cell, pdf_pages, rasterise

EXPECTED_STATUS = {
    "open": "baru",
    "assigned": "terbuka",
    "answered": "terbuka",
    "closed": "selesai",
    "spam": "selesai",
    "hide": "selesai",
    "waiting": "menunggu",
    "reopened": "terbuka",
    "lapor": "terbuka",
    "pending": "terbuka",
}


def _by_first_text(session) -> dict[str, Conversation]:
    rows = session.execute(
        select(Mention.text, Conversation)
        .join(ConversationItem, ConversationItem.mention_id == Mention.id)
        .join(Conversation, Conversation.id == ConversationItem.conversation_id)
        .where(ConversationItem.from_staff.is_(False))
    ).tuples()
    return {text: conversation for text, conversation in rows}


def _totals(session) -> tuple[int | None, ...]:
    return tuple(session.scalar(select(func.count()).select_from(t)) for t in (Conversation, Reply, Mention))


def _working_moment(engine) -> datetime:
    """Three working hours into the office's latest working day that has begun: the demo's deadline states
    (some at risk) hold while the office works; built after hours, the deadlines that end today are already
    missed and none is at risk, which is right for the clock but not what this test checks."""
    real_now = utcnow()
    with session_scope(engine) as session:
        unit = session.scalars(select(Unit).where(Unit.name == "KPPN Bandung I")).one()
        calendar = org_service.unit_calendar(session, unit)
        day = calendar.local_date(real_now)
        while True:
            spans = calendar.intervals(day) if calendar.is_working_day(day) else []
            if spans:
                moment = calendar.add_working_hours(spans[0][0], 3)
                if moment <= real_now:
                    return moment.replace(second=0, microsecond=0)
            day -= timedelta(days=1)


def test_demo_fills_a_busy_inbox_once(use_database) -> None:
    committing_engine = get_engine()  # the app's own engine: queued follow-up work runs on the same database
    build_demo(committing_engine)
    now = _working_moment(committing_engine)
    assert seed_demo_inbox(committing_engine, analyzer=_fallback_analyzer, now=now) == len(THREADS)
    with session_scope(committing_engine) as session:
        found = _by_first_text(session)
        convs = {t: found[t.texts[0]] for t in THREADS}
        # every thread became its own conversation, with the status its staff work leads to
        assert len({c.id for c in convs.values()}) == len(THREADS)
        office_plans = {t.plan for t in THREADS if t.unit == "KPPN Bandung I"}
        for thread, c in convs.items():
            want = EXPECTED_STATUS[thread.plan]
            if thread.plan == "open" and thread.unit == "KPPN Bandung I":
                want = "terbuka"  # given to a team member by round-robin
            assert c.status == want, (thread.texts[0], c.status)
        assert "pending" in office_plans and "lapor" in office_plans
        assert {c.platform for c in convs.values()} == {
            "facebook", "instagram", "x", "whatsapp", "telegram", "youtube",
        }  # fmt: skip
        assert {c.origin for c in convs.values()} == {"comments", "mention", "dm"}
        # a realistic week: first messages in the last 7 days, inside the unit's working hours
        for c in convs.values():
            assert now - timedelta(days=8) < c.opened_at < now
            assert org_service.unit_calendar(session, c.unit).is_working_time(c.opened_at), c.opened_at

        # deadline states from the computation: the oldest unanswered one missed and escalated, the newest
        # on track, some at risk, waiting ones paused, closed ones answered in time
        states = Counter(c.sla_state for c in convs.values())
        assert states["missed"] >= 2 and states["at_risk"] >= 1 and states["on_track"] >= 3, states
        unanswered = [t for t in THREADS if t.plan in ("open", "assigned")]
        oldest = max(unanswered, key=lambda t: t.age)
        newest = min(unanswered, key=lambda t: t.age)
        assert convs[oldest].sla_state == "missed" and convs[oldest].escalation_level == 2
        assert convs[newest].sla_state == "on_track"
        assert all(convs[t].sla_state == "paused" for t in THREADS if t.plan == "waiting")
        closed = [convs[t] for t in THREADS if t.plan == "closed"]
        assert all(c.sla_state == "met" and c.first_response_met for c in closed)
        escalated = session.scalar(
            select(func.count(Notification.id)).where(Notification.kind.like("inbox.%"))
        )
        assert escalated and escalated > 0
        assert session.scalar(select(func.count(SlaPolicy.id))) == 4  # the LAPOR! preset on the ministry

        # staff work: replies through approval and the outbox, one waiting for a reviewer, a LAPOR!
        # forward with its tracking number, a hidden abusive comment, a round-robin team, a template
        replies = Counter(session.scalars(select(Reply.status)))
        humas_answers = sum(
            1
            for t in THREADS
            if t.plan in ("answered", "closed", "waiting", "reopened", "lapor") and not t.answered_on_platform
        )
        assert replies == {"terkirim": humas_answers, "menunggu_persetujuan": 1}
        approved = session.scalar(select(func.count(Reply.id)).where(Reply.reviewer_id.is_not(None)))
        assert approved and approved > 0
        forward = session.scalars(select(LaporForward)).one()
        assert forward.tracking_number and forward.tier == "aduan"
        hidden = session.scalars(
            select(ConversationItem).where(ConversationItem.hidden_at.is_not(None))
        ).one()
        assert (
            hidden.hidden_reason
            and convs[next(t for t in THREADS if t.plan == "hide")].message_type == "kasar"
        )
        team = session.scalars(select(Team)).one()
        members = set(session.scalars(select(TeamMember.user_id).where(TeamMember.team_id == team.id)))
        office = [c for t, c in convs.items() if t.unit == "KPPN Bandung I" and t.plan != "spam"]
        assignees = Counter(c.assignee_id for c in office)
        assert set(assignees) == members and max(assignees.values()) - min(assignees.values()) <= 1
        assert session.scalar(select(func.count(Template.id))) == 1
        totals = (
            session.scalar(select(func.count(Conversation.id))),
            session.scalar(select(func.count(Reply.id))),
        )

    # a second run adds nothing
    assert seed_demo_inbox(committing_engine, analyzer=_fallback_analyzer) == 0
    with session_scope(committing_engine) as session:
        again = (
            session.scalar(select(func.count(Conversation.id))),
            session.scalar(select(func.count(Reply.id))),
        )
        assert again == totals
    _previous_months_report(committing_engine, now)


def _previous_months_report(engine, now) -> None:
    """With its history (closed conversations, mentions and posts over the two months before the demo's),
    the report of the previous month with descendants has every measure, and its comparison with the month
    before too; a second run adds nothing."""
    assert seed_demo_history(engine, analyzer=_fallback_analyzer, now=now) == len(HISTORY)
    assert seed_demo_mention_history(engine, analyzer=_fallback_analyzer, now=now) > 0
    assert seed_demo_publishing(engine, now=now) > 0
    assert seed_demo_history(engine, analyzer=_fallback_analyzer, now=now) == 0
    assert seed_demo_mention_history(engine, analyzer=_fallback_analyzer, now=now) == 0
    with session_scope(engine) as session:
        root = session.scalars(select(Unit).where(Unit.depth == 0)).one()
        before = month_start(now.astimezone(org_service.unit_zone(session, root)).date(), 1)
        period = Period.month(before.year, before.month)
        report = build_report(
            session, unit=root, period=period, include_descendants=True, locale="id", now=now
        )
        figures = {f.key: f for section in report.sections for f in section.figures}
        for key in ("inbox.received", "publishing.posts", "listening.mentions", "inbox.lapor"):
            assert figures[key].value and figures[key].previous, key
        for key in ("inbox.response_rate", "inbox.first_response_p50", "inbox.resolution_p50"):
            assert figures[key].value is not None and figures[key].previous is not None, key
        assert figures["inbox.sla_met_rate"].previous is not None
        _demo_report_files_say_the_same(report)
        # the later month answers faster than the one before it
        assert figures["inbox.first_response_p50"].value < figures["inbox.first_response_p50"].previous
        # every history conversation is closed, opened in working hours of its unit in one of the two months
        history = session.scalars(
            select(Conversation)
            .join(ConversationItem, ConversationItem.conversation_id == Conversation.id)
            .join(Mention, Mention.id == ConversationItem.mention_id)
            .where(Mention.external_id.like("demo-h-%"), ConversationItem.from_staff.is_(False))
        ).all()
        assert len(history) == len(HISTORY)
        for c in history:
            calendar = org_service.unit_calendar(session, c.unit)
            first, end = history_months(now, calendar.zone)[0][0], history_months(now, calendar.zone)[1][1]
            assert c.status == "selesai" and first <= as_utc(c.opened_at) < end
            assert calendar.is_working_time(c.opened_at), c.opened_at
        assert sum(c.message_type == "spam" for c in history) == 2


def _demo_report_files_say_the_same(report: Report) -> None:
    """The demo's monthly report as PDF (read back with pdftotext, every page rasterised by pdftoppm) and
    XLSX (read back with openpyxl): every summary figure is the service's number, every table its rows."""
    pdf = render_pdf(report)
    pages = pdf_pages(pdf)
    summary = next(p for p in pages[2:] if "Ringkasan" in p.split("\n", 3)[-1][:400])
    for figure in report.section("summary").figures:  # type: ignore[union-attr]
        assert figure.label in summary, figure.key
        assert format_value(figure.value, figure.kind, locale="id", zone=report.zone) in summary, figure.key
    assert len(rasterise(pdf)) == len(pages)
    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    index = 0
    for section in report.sections:
        for table in section.tables:
            index += 1
            if not table.rows:
                continue
            sheet = workbook["Ringkasan" if section.key == "summary" else section.title]
            cells = [[c.value for c in row] for row in sheet[sheet.tables[table_name(index, table.key)].ref]][
                1:
            ]
            expected = [
                [expected_xlsx_cell(row[i] if i < len(row) else None, c.kind, report.zone) for i, c in
                 enumerate(table.columns)]
                for row in table.rows
            ]  # fmt: skip
            assert cells == expected, table.key


def test_history_months_whatever_the_day() -> None:
    """The history covers the two calendar months before the demo's, in the unit's zone, on the first and
    the last day of a month alike."""
    wit = ZoneInfo("Asia/Jayapura")
    for now in (datetime(2026, 12, 1, 1, 0, tzinfo=UTC), datetime(2026, 12, 31, 14, 0, tzinfo=UTC)):
        (a, b), (c, d) = history_months(now, wit)
        assert b == c and a.astimezone(wit).date() == date(2026, 10, 1)
        assert d.astimezone(wit).date() == date(2026, 12, 1) and a.astimezone(wit).hour == 0
    # 2027-01-01 00:30 in WIT is still 31 December in UTC
    (a, _b), _ = history_months(datetime(2026, 12, 31, 15, 30, tzinfo=UTC), wit)
    assert a.astimezone(wit).date() == date(2026, 11, 1)
