"""The demo institution: a ministry, 2 directorates general, 4 regional offices, 7 service offices in all
three Indonesian time zones (WIB, WITA in Makassar, WIT in Jayapura), and one user for each role."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from humas.core import migrations
from humas.core.db import session_scope
from humas.org import service as org_service
from humas.org.models import Role, Unit, User

DEMO_DOMAIN = "demo.go.id"
MINISTRY = "Kementerian Keuangan (Demo)"
TREE: dict[str, dict[str, list[str]]] = {
    "Direktorat Jenderal Perbendaharaan": {
        "Kanwil DJPb Provinsi Jawa Barat": ["KPPN Bandung I", "KPPN Bekasi"],
        "Kanwil DJPb Provinsi Jawa Timur": ["KPPN Surabaya I", "KPPN Malang"],
        "Kanwil DJPb Provinsi Papua": ["KPPN Jayapura"],
    },
    "Direktorat Jenderal Kekayaan Negara": {
        "Kanwil DJKN Sulawesi Selatan": ["KPKNL Makassar", "KPKNL Parepare"],
    },
}
# Units outside WIB (their offices below inherit the zone); the rest take the ministry's Asia/Jakarta.
ZONES = {"Kanwil DJKN Sulawesi Selatan": "Asia/Makassar", "Kanwil DJPb Provinsi Papua": "Asia/Jayapura"}
# Where each role's demo user works.
PLACEMENT = {
    Role.admin: MINISTRY,
    Role.pimpinan: MINISTRY,
    Role.reviewer: MINISTRY,
    Role.analyst: MINISTRY,
    Role.drafter: "Kanwil DJPb Provinsi Jawa Barat",
    Role.responder: "KPPN Bandung I",
}


@dataclass(frozen=True)
class DemoCredential:
    role: str
    email: str
    password: str
    unit: str


def build_demo(engine: Engine) -> list[DemoCredential]:
    """Create the demo tree and users in an empty database; returns credentials (empty when it exists)."""
    migrations.upgrade(engine)
    with session_scope(engine) as session:
        if org_service.count_users(session) > 0:
            return []
        root = org_service.create_root_unit(session, name=MINISTRY)
        credentials = [_add_user(session, Role.admin, root, actor=None)]
        admin = org_service.find_user_by_email(session, credentials[0].email)
        assert admin is not None
        units = {MINISTRY: root, **_build_tree(session, root, admin)}
        _calendars(session, units, admin)
        for role, unit_name in PLACEMENT.items():
            if role is not Role.admin:
                credentials.append(_add_user(session, role, units[unit_name], actor=admin))
        return credentials


def _build_tree(session: Session, root: Unit, admin: User) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for dg, offices in TREE.items():
        units[dg] = org_service.create_unit(session, name=dg, parent=root, actor=admin)
        for office, service_offices in offices.items():
            units[office] = org_service.create_unit(session, name=office, parent=units[dg], actor=admin)
            for name in service_offices:
                units[name] = org_service.create_unit(session, name=name, parent=units[office], actor=admin)
    return units


def _calendars(session: Session, units: dict[str, Unit], admin: User) -> None:
    """Zones, Ramadan hours for everyone, and a regional holiday in South Sulawesi."""
    for name, zone in ZONES.items():
        org_service.set_unit_zone(session, unit=units[name], zone=zone, actor=admin)
    first, last, root = date(2027, 2, 8), date(2027, 3, 9), units[MINISTRY]
    for hours, weekdays in (("08:00-15:00", {0, 1, 2, 3}), ("08:00-15:30", {4})):
        org_service.add_hours_exception(
            session, unit=root, name="Ramadan 1448 H", first_on=first, last_on=last, hours=hours,
            weekdays=weekdays, actor=admin,
        )  # fmt: skip
    anniversary = date(2026, 10, 19)
    org_service.add_closure(
        session, unit=units["Kanwil DJKN Sulawesi Selatan"], name="Hari Jadi Sulawesi Selatan",
        first_on=anniversary, last_on=anniversary, actor=admin,
    )  # fmt: skip


def _add_user(session: Session, role: Role, unit: Unit, *, actor: User | None) -> DemoCredential:
    password = secrets.token_urlsafe(9)
    user, _ = org_service.create_user(
        session,
        email=f"{role.value}@{DEMO_DOMAIN}",
        name=f"{role.value.title()} Demo",
        unit=unit,
        roles=[role.value],
        actor=actor,
        password=password,
    )
    return DemoCredential(role.value, user.email, password, unit.name)
