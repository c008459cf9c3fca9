"""The demo's content kit (*materi narasi tunggal*): the ministry issued "Uang Kita: APBN 2027" to every unit
below it three days ago; its window closed two hours ago. KPPN Bandung I and KPKNL Makassar adapted it and
published it on Instagram, X and Facebook (stored as published, with demo links and read-backs: nothing
reaches a platform); every other unit is late, so the tracker shows both, and the reminder button has
someone to remind. Deterministic for a given ``now`` and idempotent (nothing is added once the kit exists).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from humas.channels.models import Channel
from humas.core.db import session_scope
from humas.core.time import utcnow
from humas.demo.org import MINISTRY
from humas.org.models import Unit, User
from humas.publishing.kits import ContentKit, KitReceipt
from humas.publishing.models import PostMetric, PostStatus, VariantState
from humas.publishing.service import kits as kits_service

TITLE = "Uang Kita: APBN 2027 untuk Rakyat"
PUBLISHERS = {"KPPN Bandung I": 5, "KPKNL Makassar": 19}  # unit -> hours after the start it published
PLATFORMS = ("instagram", "x", "facebook")


def seed_demo_kits(engine: Engine, *, now: datetime | None = None) -> int:
    """Issue the demo kit once; returns how many units received it (0 when it exists or cannot be made)."""
    now = (now or utcnow()).replace(second=0, microsecond=0)
    with session_scope(engine) as session:
        ministry = session.scalars(select(Unit).where(Unit.name == MINISTRY)).first()
        admin = session.scalars(select(User).where(User.email == "admin@demo.go.id")).first()
        if ministry is None or admin is None:
            return 0
        if session.scalars(select(ContentKit.id).where(ContentKit.title == TITLE)).first() is not None:
            return 0
        start = now - timedelta(days=3)
        data = kits_service.KitInput(
            title=TITLE, starts_at=start, ends_at=now - timedelta(hours=2),
            master_text="APBN 2027 hadir untuk rakyat: sekolah, puskesmas, jalan desa dibiayai pajak kita.",
            key_messages=[kits_service.KeyMessage("Uang kita kembali untuk rakyat.", locked=True),
                          kits_service.KeyMessage("Belanja pendidikan naik menjadi 20% APBN.")],
            hashtags=["#UangKita", "#APBN2027"], links=["https://www.kemenkeu.go.id/apbn"],
            instructions="Terbitkan di Instagram, X dan Facebook resmi paling lambat Jumat pukul 15.00.",
            mandatory=True,
        )  # fmt: skip
        kit = kits_service.create_kit(session, unit_id=ministry.id, data=data, actor=admin)
        receipts = kits_service.issue_kit(
            session, kit=kit, target=kits_service.TargetInput(), actor=admin, now=start
        )
        for receipt in receipts:
            if receipt.unit.name in PUBLISHERS:
                _published(session, receipt, admin, start + timedelta(hours=PUBLISHERS[receipt.unit.name]))
        return len(receipts)


def _published(session: Session, receipt: KitReceipt, admin: User, at: datetime) -> None:
    """The unit's adaptation, published on its Instagram, X and Facebook (its other channels left out)."""
    post = kits_service.adapt_kit(session, receipt=receipt, actor=admin)
    channels = session.scalars(select(Channel).where(Channel.unit_id == receipt.unit_id))
    platforms = {c.id: c.platform for c in channels}
    post.variants[:] = [v for v in post.variants if platforms.get(v.channel_id) in PLATFORMS]
    post.status, post.finished_at, post.approved_at = PostStatus.terbit.value, at, at - timedelta(hours=1)
    session.flush()
    for n, variant in enumerate(post.variants, start=1):
        variant.state, variant.published_at = VariantState.terbit.value, at
        variant.external_id = f"demo-kit-{post.id}-{n}"
        variant.url = f"https://www.{platforms[variant.channel_id]}.com/demo/uangkita/{post.id}-{n}"
        for hours, scale in ((1, 1), (24, 3)):
            base = 40 + 17 * n + receipt.unit_id % 7
            session.add(
                PostMetric(variant_id=variant.id, at=at + timedelta(hours=hours), likes=base * scale,
                           comments=base // 8 * scale, shares=base // 4 * scale, views=base * 30 * scale,
                           reach=base * 25 * scale)
            )  # fmt: skip
    session.flush()
