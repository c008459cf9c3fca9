"""`humas demo` shows a month of planned and published posts around today, one waiting for approval, one
expired, one failed with the platform's reason; nothing queued for a platform; a second run adds nothing."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from humas.core.db import get_engine, session_scope
from humas.core.time import as_utc, utcnow
from humas.demo.inbox import seed_demo_inbox
from humas.demo.kits import TITLE, seed_demo_kits
from humas.demo.listening import _fallback_analyzer
from humas.demo.org import build_demo
from humas.demo.publishing import seed_demo_publishing
from humas.outbox.models import OutboxMessage
from humas.publishing import service as publishing_service
from humas.publishing.kits import CellState, ContentKit
from humas.publishing.models import Post, PostMetric, PostVariant
from humas.publishing.service import kit_tracker


def test_demo_has_a_month_of_posts_once(use_database) -> None:
    engine = get_engine()
    build_demo(engine)
    now = utcnow().replace(second=0, microsecond=0)
    seed_demo_inbox(engine, analyzer=_fallback_analyzer, now=now)
    added = seed_demo_publishing(engine, now=now)
    assert added >= 45
    with session_scope(engine) as session:
        posts = list(session.scalars(select(Post)))
        by_status = Counter(p.status for p in posts)
        assert by_status["menunggu_persetujuan"] == 1 and by_status["kedaluwarsa"] == 1
        assert by_status["gagal"] == 1 and by_status["terbit"] >= 15 and by_status["dijadwalkan"] >= 15
        times = [as_utc(p.scheduled_at) for p in posts]
        assert min(times) < now - timedelta(days=14) and max(times) > now + timedelta(days=14)
        failed = next(p for p in posts if p.status == "gagal")
        assert all(v.state == "gagal" and "HTTP 4" in (v.error or "") for v in failed.variants)
        links = session.scalars(select(PostVariant.url).where(PostVariant.state == "terbit")).all()
        assert links and all(u.startswith("https://") for u in links)
        assert session.scalar(select(func.count(PostMetric.id))) > 0
        assert (
            session.scalar(
                select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "publishing.variant")
            )
            == 0
        )
        assert publishing_service.due_post_ids(session, now=now + timedelta(days=40)) == []  # never sent
    assert seed_demo_publishing(engine, now=now) == 0
    _demo_kit(engine, now)


def _demo_kit(engine, now) -> None:
    """The ministry's content kit went to every unit below it: two offices published it on Instagram, X and
    Facebook, every other unit is late; a second run adds nothing."""
    assert seed_demo_kits(engine, now=now) == 13
    with session_scope(engine) as session:
        kit = session.scalars(select(ContentKit).where(ContentKit.title == TITLE)).one()
        board = kit_tracker.tracker(session, kit=kit, now=now)
        published = {r.unit.name for r in board.rows if r.state is CellState.terbit}
        assert published == {"KPPN Bandung I", "KPKNL Makassar"}
        assert board.counts["terlambat"] == 11 and board.reach > 0 and board.engagement > 0
        bandung = next(r for r in board.rows if r.unit.name == "KPPN Bandung I")
        assert sum(c.state is CellState.terbit for _ch, c in bandung.cells) == 3
    assert seed_demo_kits(engine, now=now) == 0
