"""Units, users, roles, sessions, API tokens, login throttling and the audit log."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from humas.core.db import Base
from humas.core.time import utcnow


class Role(enum.StrEnum):
    admin = "admin"
    pimpinan = "pimpinan"
    reviewer = "reviewer"
    drafter = "drafter"
    responder = "responder"
    analyst = "analyst"


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Sibling-name uniqueness: SQL treats NULL parents as distinct, so the service checks it and the
    # key `parent_key` (parent id or 0 for roots) lets the database enforce it too.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    parent_key: Mapped[int] = mapped_column(default=0)
    # Materialised path "/1/4/9/": subtree queries are one indexed prefix match on both engines.
    path: Mapped[str] = mapped_column(String(1000), default="")
    depth: Mapped[int] = mapped_column(default=0)
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # IANA zone (Asia/Jakarta, Asia/Pontianak, Asia/Makassar, Asia/Jayapura); NULL: the parent's zone
    # (the root: Jakarta).
    time_zone: Mapped[str | None] = mapped_column(String(64))

    parent: Mapped[Unit | None] = relationship(remote_side=[id], lazy="joined", join_depth=1)

    __table_args__ = (
        Index("ix_units_path", "path"),
        UniqueConstraint("parent_key", "name", name="uq_units_parent_key_name"),
    )

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.name!r}>"


class UnitWorkHours(Base):
    """A unit's own weekly hours: seven rows (Monday = 0), or none to take the parent's."""

    __tablename__ = "unit_work_hours"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    weekday: Mapped[int] = mapped_column(primary_key=True)
    hours: Mapped[str] = mapped_column(String(200), default="")  # "08:00-16:00"; empty: closed


class UnitHoursException(Base):
    """Other hours on a date range (Ramadan hours) for the listed weekdays (bit 0 = Monday)."""

    __tablename__ = "unit_hours_exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    first_on: Mapped[date]
    last_on: Mapped[date]
    weekdays: Mapped[int] = mapped_column(default=0b1111111)
    hours: Mapped[str] = mapped_column(String(200), default="")  # empty: closed on those days
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UnitClosure(Base):
    """A date range a unit is closed on besides the national holidays (a regional holiday)."""

    __tablename__ = "unit_closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    first_on: Mapped[date]
    last_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(8), default="id")
    is_active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    unit: Mapped[Unit] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )

    @property
    def roles(self) -> set[Role]:
        return {Role(r.role) for r in self.role_rows}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class WebSession(Base):
    """A browser session; the cookie carries a signed random id, the row holds its CSRF token."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the random token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")
    unit: Mapped[Unit] = relationship(lazy="joined")


class LoginThrottle(Base):
    """Failed logins per e-mail address, known or not, so the answer never tells which exist."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]


class AuditLog(Base):
    """Append-only: no code path updates or deletes a row, and database triggers refuse it."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now(), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(60))
    object_label: Mapped[str] = mapped_column(Text, default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]


class Notification(Base):
    """Something a person should see in the app: an @mention in a note, an escalation, an approval waiting.

    E-mail and Telegram copies go through the outbox; this row is the in-app one, read or not."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500), default="")
    key: Mapped[str | None] = mapped_column(String(200))  # one notification per key and person
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_notifications_user_read", "user_id", "read_at", "created_at"),
        UniqueConstraint("user_id", "key", name="uq_notifications_user_id_key"),
    )
