"""Content kit factories: a ministry with 50 descendant units (5 regional offices × 9 service offices, each
unit one X channel and one drafter), a kit issued through the service, and a post stored as published."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from humas.channels.models import Channel
from humas.org.models import Unit, User, UserRole
from humas.publishing.kits import ContentKit
from humas.publishing.models import Post, PostMetric, PostStatus, VariantState
from humas.publishing.service import kits as kits_service
from tests.channels.factories import make_channel
from tests.factories import make_unit

_seq = itertools.count(1)
T0 = datetime.fromisoformat("2026-11-02T01:00:00+00:00")  # 08.00 WIB: the window opens
T_END = T0 + timedelta(days=3)


@dataclass
class Network:
    ministry: Unit
    admin: User  # the central bureau
    drafter: User
    units: list[Unit]  # the 50 descendants, regional offices first
    channels: dict[int, Channel]  # unit id -> its X channel
    drafters: dict[int, User]  # unit id -> its drafter


def quick_user(session: Session, unit: Unit, role: str = "drafter") -> User:
    """A user without a real password hash (argon2 for 50 users would cost seconds)."""
    n = next(_seq)
    user = User(email=f"kit{n}-{unit.id}@contoh.go.id", name=f"Humas {unit.name}", unit_id=unit.id,
                password_hash="!")  # fmt: skip
    session.add(user)
    session.flush()
    session.add(UserRole(user_id=user.id, role=role))
    session.flush()
    return user


def _child(session: Session, parent: Unit, name: str) -> Unit:
    """A unit below ``parent``, built directly (the org service's checks cost seconds for 50 units)."""
    unit = Unit(name=name, parent_id=parent.id, parent_key=parent.id, depth=parent.depth + 1, path="")
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path}{unit.id}/"
    return unit


def make_network(session: Session, *, offices: int = 5, per_office: int = 9) -> Network:
    ministry = make_unit(session, name=f"Kementerian Narasi {next(_seq)}")
    units: list[Unit] = []
    kanwil = [_child(session, ministry, f"Kanwil {i + 1}") for i in range(offices)]
    units += kanwil
    for k in kanwil:
        units += [_child(session, k, f"KPPN {k.name[-1]}-{j + 1}") for j in range(per_office)]
    session.flush()
    channels = {u.id: make_channel(session, unit=u, platform="x", name=f"X {u.name}") for u in units}
    drafters = {u.id: quick_user(session, u) for u in units}
    return Network(
        ministry=ministry,
        admin=quick_user(session, ministry, "admin"),
        drafter=quick_user(session, ministry, "drafter"),
        units=units,
        channels=channels,
        drafters=drafters,
    )


def kit_input(**overrides: object) -> kits_service.KitInput:
    values: dict[str, object] = {
        "title": "Uang Kita untuk Rakyat",
        "starts_at": T0,
        "ends_at": T_END,
        "master_text": "APBN 2027 hadir untuk rakyat: belanja pendidikan naik 10%.",
        "key_messages": [
            kits_service.KeyMessage("APBN bekerja untuk rakyat.", locked=True),
            kits_service.KeyMessage("Belanja pendidikan naik.", locked=False),
        ],
        "hashtags": ["#UangKita", "APBNKita"],
        "links": ["https://www.kemenkeu.go.id/apbn2027"],
        "instructions": "Terbitkan di semua kanal resmi sebelum Jumat.",
        "mandatory": True,
    }
    values.update(overrides)
    return kits_service.KitInput(**values)  # type: ignore[arg-type]


def issue(session: Session, net: Network, **overrides: object) -> ContentKit:
    kit = kits_service.create_kit(
        session, unit_id=net.ministry.id, data=kit_input(**overrides), actor=net.drafter
    )
    kits_service.issue_kit(session, kit=kit, target=kits_service.TargetInput(), actor=net.drafter, now=T0)
    session.flush()
    return kit


def adapt(session: Session, kit: ContentKit, net: Network, unit: Unit) -> Post:
    receipt = next(r for r in kit.receipts if r.unit_id == unit.id)
    return kits_service.adapt_kit(session, receipt=receipt, actor=net.drafters[unit.id])


def mark_published(session: Session, post: Post, at: datetime, *, reach: int = 100, likes: int = 10) -> None:
    """Stored as published (as the demo does): nothing reaches a platform."""
    post.status, post.finished_at = PostStatus.terbit.value, at
    for variant in post.variants:
        variant.state, variant.published_at = VariantState.terbit.value, at
        variant.url, variant.external_id = f"https://x.com/humas/status/{post.id}", str(post.id)
        session.add(PostMetric(variant_id=variant.id, at=at + timedelta(hours=1), likes=likes // 2,
                               comments=1, shares=1, views=reach, reach=reach))  # fmt: skip
        session.add(PostMetric(variant_id=variant.id, at=at + timedelta(hours=6), likes=likes, comments=2,
                               shares=3, views=reach * 2, reach=reach * 2))  # fmt: skip
    session.flush()
