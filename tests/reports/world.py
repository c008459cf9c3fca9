"""A hand-built institution for the report builder tests, with the right answers written beside the data.

Kementerian (root) ─┬─ Kanwil A ─┬─ KPPN A1
                    │            └─ KPPN A2
                    └─ Kanwil B (the sibling: its numbers must never reach Kanwil A's report)

All units are in WIB (UTC+7). The report period is November 2026; the previous one October 2026.
Monday 2 November 2026 08:00 WIB is 01:00 UTC (office hours 08:00-16:00, Monday to Friday).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from humas.channels.models import Channel
from humas.inbox.models import Conversation
from humas.ingest.models import Mention
from humas.org.models import Unit, User, UserRole
from humas.publishing.models import Post, PostMetric, PostVariant
from humas.reports.period import Period
from tests.channels.factories import make_channel
from tests.factories import make_unit
from tests.inbox.factories import make_conversation, make_mention

NOVEMBER = Period.month(2026, 11)
NOV_MON = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 2 Nov 08:00 WIB
OCT_MON = datetime(2026, 10, 5, 1, 0, tzinfo=UTC)  # Monday 5 Oct 08:00 WIB


@dataclass
class World:
    root: Unit
    kanwil_a: Unit
    a1: Unit
    a2: Unit
    kanwil_b: Unit
    leader_a: User  # sees Kanwil A and its subtree
    leader_b: User  # sees Kanwil B only
    channel_a1: Channel
    channel_b: Channel
    conversations: dict[str, Conversation]
    variants: dict[str, PostVariant]
    mentions: dict[str, list[Mention]]


def quick_user(session: Session, unit: Unit, role: str = "pimpinan") -> User:
    """A user without a real password hash (argon2 costs a second per user on a loaded box)."""
    user = User(email=f"pimpinan-{unit.id}@contoh.go.id", name=f"Pimpinan {unit.name}", unit_id=unit.id,
                password_hash="!")  # fmt: skip
    session.add(user)
    session.flush()
    session.add(UserRole(user_id=user.id, role=role))
    session.flush()
    session.refresh(user)
    return user


def conv(session: Session, unit: Unit, opened: datetime, *, answered_after_h: float | None = None,
         **kw: Any) -> Conversation:  # fmt: skip
    first = opened + timedelta(hours=answered_after_h) if answered_after_h is not None else None
    return make_conversation(session, unit=unit, opened_at=opened, first_response_at=first, **kw)


def mentions(session: Session, unit: Unit, at: datetime, sentiment: str, n: int) -> list[Mention]:
    return [
        make_mention(session, unit=unit, at=at + timedelta(minutes=i), sentiment=sentiment) for i in range(n)
    ]


def variant(
    session: Session, unit: Unit, channel: Channel, author: User, published_at: datetime, *,
    reach: int, likes: int, comments: int, shares: int, title: str,
) -> PostVariant:  # fmt: skip
    post = Post(
        unit_id=unit.id, title=title, body=title, kind="umum", status="terbit", created_by_id=author.id
    )
    session.add(post)
    session.flush()
    v = PostVariant(post_id=post.id, channel_id=channel.id, text=title, state="terbit",
                    published_at=published_at, url=f"https://example.test/{post.id}")  # fmt: skip
    session.add(v)
    session.flush()
    session.add(PostMetric(variant_id=v.id, at=published_at + timedelta(hours=1), reach=reach, likes=likes,
                           comments=comments, shares=shares, impressions=None, views=None))  # fmt: skip
    session.flush()
    return v


def build_world(session: Session) -> World:
    root = make_unit(session, name="Kementerian Contoh")
    kanwil_a = make_unit(session, parent=root, name="Kanwil A")
    a1 = make_unit(session, parent=kanwil_a, name="KPPN A1")
    a2 = make_unit(session, parent=kanwil_a, name="KPPN A2")
    kanwil_b = make_unit(session, parent=root, name="Kanwil B")
    leader_a = quick_user(session, kanwil_a)
    leader_b = quick_user(session, kanwil_b)
    c: dict[str, Conversation] = {
        # November: Kanwil A itself 2 (one answered after 2 working hours), A1 2 answered (1 h, 3 h),
        # A2 1 not.
        "a_answered": conv(session, kanwil_a, NOV_MON, answered_after_h=2),
        "a_open": conv(session, kanwil_a, NOV_MON + timedelta(days=1)),
        "a1_one": conv(session, a1, NOV_MON, answered_after_h=1, platform="whatsapp"),
        "a1_three": conv(session, a1, NOV_MON + timedelta(days=2), answered_after_h=3, platform="whatsapp"),
        "a2_open": conv(session, a2, NOV_MON + timedelta(days=3)),
        # October: A1 one unanswered, A2 one answered after 4 h.
        "a1_oct": conv(session, a1, OCT_MON),
        "a2_oct": conv(session, a2, OCT_MON, answered_after_h=4),
        # The sibling: five in November, all answered in an hour; and spam is never counted.
        **{f"b_{i}": conv(session, kanwil_b, NOV_MON, answered_after_h=1) for i in range(5)},
        "a_spam": conv(session, kanwil_a, NOV_MON, message_type="spam"),
    }
    m = {
        "a_pos": mentions(session, kanwil_a, NOV_MON, "positive", 3),
        "a_neg": mentions(session, kanwil_a, NOV_MON, "negative", 1),
        "a1_neg": mentions(session, a1, NOV_MON, "negative", 2),
        "a1_oct": mentions(session, a1, OCT_MON, "negative", 1),
        "b_neg": mentions(session, kanwil_b, NOV_MON, "negative", 10),
    }
    channel_a1 = make_channel(session, unit=a1, platform="x", name="X KPPN A1")
    channel_b = make_channel(session, unit=kanwil_b, platform="facebook", name="FB Kanwil B")
    v = {
        "a1_first": variant(session, a1, channel_a1, leader_a, NOV_MON + timedelta(days=8), reach=1000,
                            likes=50, comments=10, shares=5, title="Layanan KPPN"),
        "a1_second": variant(session, a1, channel_a1, leader_a, NOV_MON + timedelta(days=10), reach=500,
                             likes=20, comments=5, shares=0, title="Jadwal pencairan"),
        "b_post": variant(session, kanwil_b, channel_b, leader_b, NOV_MON + timedelta(days=8), reach=9999,
                          likes=999, comments=99, shares=9, title="Unggahan Kanwil B"),
    }  # fmt: skip
    return World(root, kanwil_a, a1, a2, kanwil_b, leader_a, leader_b, channel_a1, channel_b, c, v, m)
