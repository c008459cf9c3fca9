"""Plain factory functions: each adds and flushes."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from humas.org import service as org_service
from humas.org.models import Unit, User

_seq = itertools.count(1)
PASSWORD = "rahasia-yang-panjang"


def make_unit(session: Session, *, parent: Unit | None = None, name: str | None = None) -> Unit:
    name = name or f"Unit {next(_seq)}"
    if parent is None:
        return org_service.create_root_unit(session, name=name)
    unit = org_service.create_root_unit(session, name=f"tmp-{next(_seq)}")
    # Build directly under the parent without needing an admin actor.
    unit.name, unit.parent_id, unit.parent_key = name, parent.id, parent.id
    unit.depth = parent.depth + 1
    unit.path = f"{parent.path}{unit.id}/"
    session.flush()
    return unit


def make_user(
    session: Session,
    *,
    unit: Unit | None = None,
    roles: tuple[str, ...] = ("admin",),
    password: str = PASSWORD,
    **overrides: Any,
) -> User:
    unit = unit or make_unit(session)
    n = next(_seq)
    user, _ = org_service.create_user(
        session,
        email=overrides.pop("email", f"user{n}@example.go.id"),
        name=overrides.pop("name", f"User {n}"),
        unit=unit,
        roles=roles,
        actor=None,
        password=password,
    )
    for key, value in overrides.items():
        setattr(user, key, value)
    session.flush()
    return user
