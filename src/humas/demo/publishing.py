"""The demo's publishing: posts of KPPN Bandung I on its demo Instagram, X and Facebook channels from the
start of the month before last (so the previous month's report and the one before it have posts) to two
weeks after today, cleared by a two-step chain (the ministry's reviewer, then its leader): published ones
with demo links and metrics, planned ones, one waiting for approval, one expired, one failed with the
platform's reason.

Nothing reaches a platform: published posts are stored as already published; planned posts are stored as
handed out (``queued_at`` set, no outbox row), so the publishing clock never sends them. Deterministic for a
given ``now`` and idempotent (nothing is added once the unit has a post).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from humas.channels.models import Channel
from humas.core.db import session_scope
from humas.core.time import utcnow
from humas.demo.months import history_start
from humas.org import service as org_service
from humas.org.models import Unit, User
from humas.publishing import service as publishing_service
from humas.publishing.models import Approval, Post, PostMetric, PostStatus, PostVariant, VariantState
from humas.publishing.service import PostInput, StepInput, VariantInput

OFFICE = "KPPN Bandung I"
PLATFORMS = ("instagram", "x", "facebook")
TOPICS = (
    ("Jam layanan KPPN", "KPPN Bandung I melayani Senin-Jumat pukul 08.00-16.00 WIB. #LayananPrima"),
    ("Pencairan dana BOS", "Pencairan dana BOS tahap II diproses paling lambat 3 hari kerja. #KemenkeuSatu"),
    ("Waspada penipuan", "KPPN tidak pernah meminta biaya apa pun. Laporkan penipuan ke 134. #AwasHoaks"),
    ("Sosialisasi SAKTI", "Ikuti sosialisasi aplikasi SAKTI bagi satker mitra, Kamis 09.00 WIB di aula."),
    ("Survei kepuasan", "Isi survei kepuasan layanan KPPN Bandung I, 5 menit saja. Terima kasih!"),
)
# Reasons as the platforms word them (X API v2 problem detail; Graph API error #368).
META_368 = "HTTP 400 from graph.facebook.com: (#368) The action attempted has been deemed abusive or is"
FAILED_REASON = {
    "x": "HTTP 403 from api.x.com: You are not allowed to create a Tweet with duplicate content.",
    "instagram": f"{META_368} otherwise disallowed",
    "facebook": f"{META_368} otherwise disallowed",
}


# Two past days of the last fortnight: (days from today, hour) of the expired and the failed post.
SPECIAL = {(-11, 10): PostStatus.kedaluwarsa, (-10, 15): PostStatus.gagal}


def _link(platform: str, n: int) -> tuple[str, str]:
    """A demo post's external id and link on its platform (no such post exists)."""
    external = {
        "instagram": f"1790000000{n:07d}",
        "x": f"19000000000{n:08d}",
        "facebook": f"100200300401_{n}",
    }
    url = {
        "instagram": f"https://www.instagram.com/p/DEMO{n:05d}/",
        "x": f"https://x.com/kppnbandung1/status/{external['x']}",
        "facebook": f"https://www.facebook.com/100200300401/posts/{n}",
    }
    return external[platform], url[platform]


def seed_demo_publishing(engine: Engine, *, now: datetime | None = None) -> int:
    """Add the demo's month of posts once; returns how many posts were added."""
    now = (now or utcnow()).replace(second=0, microsecond=0)
    with session_scope(engine) as session:
        office = session.scalars(select(Unit).where(Unit.name == OFFICE)).first()
        people = {
            u.email.split("@")[0]: u
            for u in session.scalars(select(User).where(User.email.like("%@demo.go.id")))
        }
        if office is None or session.scalar(select(func.count(Post.id)).where(Post.unit_id == office.id)):
            return 0
        channels = {
            c.platform: c
            for c in session.scalars(
                select(Channel).where(Channel.unit_id == office.id, Channel.platform.in_(PLATFORMS))
            )
        }
        admin, drafter = people.get("admin"), people.get("drafter")
        reviewer, leader = people.get("reviewer"), people.get("pimpinan")
        if not (admin and drafter and reviewer and leader) or len(channels) < len(PLATFORMS):
            return 0
        chain = publishing_service.create_chain(
            session, unit_id=office.id, name="Kasubbag Humas lalu Pimpinan", actor=admin,
            steps=[StepInput(name="Reviewer Kementerian", user_ids=[reviewer.id]),
                   StepInput(name="Pimpinan", user_ids=[leader.id])],
        )  # fmt: skip
        session.flush()
        zone = org_service.unit_zone(session, office)
        today = now.astimezone(zone).date()
        first = (history_start(now, zone).astimezone(zone).date() - today).days
        added, waiting = 0, False
        for offset in range(min(first, -15), 16):
            for hour in (9, 15) if offset % 2 == 0 else (10,):
                at = datetime.combine(today + timedelta(days=offset), time(hour), tzinfo=zone).astimezone(UTC)
                added += 1
                special = SPECIAL.get((offset, hour))
                if not waiting and at > now + timedelta(days=2):
                    special, waiting = PostStatus.menunggu_persetujuan, True
                post = _post(session, office, channels, drafter, at, n=added)
                _state(session, post, chain.id, (drafter, reviewer, leader), now, special)
        return added


def _post(
    session: Session, office: Unit, channels: dict[str, Channel], drafter: User, at: datetime, *, n: int
) -> Post:
    title, text = TOPICS[n % len(TOPICS)]
    image = [{"kind": "image", "url": f"https://kppn-bandung1.example.go.id/demo/{n}.jpg"}]
    variants = [VariantInput(channels[p].id, text, image if p == "instagram" else []) for p in PLATFORMS]
    data = PostInput(title=f"{title} ({n})", body=text, kind="layanan", variants=variants)
    post = publishing_service.create_post(session, unit_id=office.id, data=data, actor=drafter)
    post.scheduled_at = at
    session.flush()
    return post


def _state(
    session: Session, post: Post, chain_id: int, people: tuple[User, User, User], now: datetime,
    special: PostStatus | None,
) -> None:  # fmt: skip
    """Where the post stands today: waiting, expired, planned, published, or failed on every channel."""
    drafter, *approvers = people
    at = post.scheduled_at
    assert at is not None
    post.chain_id, post.approval_round = chain_id, 1
    post.submitted_by_id, post.submitted_at = drafter.id, min(at, now) - timedelta(hours=4)
    if special is PostStatus.menunggu_persetujuan:
        post.status = special.value
        return
    if special is PostStatus.kedaluwarsa:
        post.status, post.finished_at = special.value, at
        return
    for position, approver in enumerate(approvers, start=1):
        decided = min(at, now) - timedelta(hours=3 - position)
        session.add(
            Approval(post_id=post.id, round=1, step_position=position, user_id=approver.id,
                     decision="approve", version=1, created_at=decided)
        )  # fmt: skip
    post.approved_at = min(at, now) - timedelta(hours=1)
    post.status = PostStatus.dijadwalkan.value
    post.queued_at = min(at, now)  # handed out: the publishing clock never sends a demo post
    if at >= now:
        return
    failed = special is PostStatus.gagal
    for variant in post.variants:
        _published(session, variant, at, now, post.id, failed=failed)
    post.status = PostStatus.gagal.value if failed else PostStatus.terbit.value
    post.finished_at = at + timedelta(minutes=1)


def _published(
    session: Session, variant: PostVariant, at: datetime, now: datetime, n: int, *, failed: bool
) -> None:
    channel = session.get(Channel, variant.channel_id)
    assert channel is not None
    if failed:
        variant.state, variant.error = VariantState.gagal.value, FAILED_REASON[channel.platform]
        return
    variant.external_id, variant.url = _link(channel.platform, n)
    variant.state, variant.published_at = VariantState.terbit.value, at + timedelta(minutes=1)
    variant.metrics_next_at = None  # nothing to read back from a demo platform
    for k, hours in enumerate((1, 6, 24)):
        read = at + timedelta(hours=hours)
        if read <= now:
            # audiences grew over the demo's months: older posts reached a little fewer people
            base = int(((n * 37 + k * 11) % 90 + 10) * (1 - min((now - at).days, 90) / 300))
            m = k + 1
            # Instagram and Facebook give reach and impressions; X gives impressions only
            reach = base * 25 * m if channel.platform in ("instagram", "facebook") else None
            session.add(
                PostMetric(variant_id=variant.id, at=read, likes=base * m, comments=base // 10 * m,
                           shares=base // 5 * m, views=base * 40 * m, reach=reach,
                           impressions=base * 34 * m)
            )  # fmt: skip
