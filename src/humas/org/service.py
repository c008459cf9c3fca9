"""Units, users and the one permission function that decides every access."""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from humas.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from humas.core.i18n import _
from humas.core.pages import Page, paginate
from humas.core.time import utcnow
from humas.org import audit as audit_service

# A unit's time zone and working calendar live in org.calendars; other domains reach them here.
from humas.org.calendars import add_closure as add_closure
from humas.org.calendars import add_hours_exception as add_hours_exception
from humas.org.calendars import calendar_settings as calendar_settings
from humas.org.calendars import on_calendar_change as on_calendar_change
from humas.org.calendars import remove_closure as remove_closure
from humas.org.calendars import remove_hours_exception as remove_hours_exception
from humas.org.calendars import set_unit_zone as set_unit_zone
from humas.org.calendars import set_work_hours as set_work_hours
from humas.org.calendars import unit_calendar as unit_calendar
from humas.org.calendars import unit_zone as unit_zone
from humas.org.calendars import unit_zone_name as unit_zone_name
from humas.org.models import Role, Unit, User, UserRole
from humas.org.passwords import hash_password, validate_new_password

NAME_MAX = 200
EMAIL_MAX = 254


class Principal(Protocol):
    """Who acts: a logged-in user, or an API token acting as its user within the token's scope."""

    @property
    def id(self) -> int: ...
    @property
    def email(self) -> str: ...
    @property
    def unit(self) -> Unit: ...
    @property
    def roles(self) -> set[Role]: ...


@dataclass(frozen=True)
class TokenPrincipal:
    user: User
    unit: Unit
    roles: set[Role] = field(default_factory=set)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def email(self) -> str:
        return self.user.email


# --- the permission function ------------------------------------------------------------------------


def can_access(actor: Principal, unit: Unit) -> bool:
    """The one rule: an actor sees and changes only its own unit and that unit's descendants."""
    return unit.path.startswith(actor.unit.path)


def has_role(actor: Principal, *roles: Role) -> bool:
    return bool(actor.roles & set(roles))


def require_role(actor: Principal, *roles: Role) -> None:
    if not has_role(actor, *roles):
        raise PermissionDenied(_("Your role does not allow this."))


def visible_unit_ids(session: Session, actor: Principal) -> list[int]:
    return subtree_ids(session, actor.unit)


AUDIT_READERS = (Role.admin, Role.pimpinan)
# Who may create, rename, move and archive units, and invite users, set roles, reset passwords, deactivate.
ORG_MANAGERS = (Role.admin,)


def can_manage_org(actor: Principal) -> bool:
    """Admins change the unit tree and the users of their subtree; every other role only reads them."""
    return has_role(actor, *ORG_MANAGERS)


def can_read_audit(actor: Principal) -> bool:
    """Admins and leaders read the audit log of their subtree."""
    return has_role(actor, *AUDIT_READERS)


def audit_unit_ids(session: Session, actor: Principal) -> list[int]:
    """The units whose audit entries the actor may read: admins and leaders, their own subtree."""
    require_role(actor, *AUDIT_READERS)
    return visible_unit_ids(session, actor)


def subtree_ids(session: Session, unit: Unit) -> list[int]:
    return list(session.scalars(select(Unit.id).where(Unit.path.startswith(unit.path))))


def access_unit(session: Session, actor: Principal, unit_id: int) -> Unit:
    """Fetch a unit the actor may see; any other id is simply not found."""
    unit = session.get(Unit, unit_id)
    if unit is None or not can_access(actor, unit):
        raise NotFound(_("Unit not found."))
    return unit


def access_user(session: Session, actor: Principal, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not can_access(actor, user.unit):
        raise NotFound(_("User not found."))
    return user


# --- units --------------------------------------------------------------------------------------------


def clean_name(value: str | None, *, field_name: str = "name", max_length: int = NAME_MAX) -> str:
    """Trim, refuse empty, over-long and control characters."""
    name = unicodedata.normalize("NFC", (value or "")).strip()
    if not name:
        raise Invalid(_("The name must not be empty."), field=field_name)
    if len(name) > max_length:
        raise Invalid(_("The name is too long (at most %(n)s characters).", n=max_length), field=field_name)
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise Invalid(_("The name contains control characters."), field=field_name)
    return name


def list_units(session: Session, actor: Principal, *, include_archived: bool = False) -> list[Unit]:
    """The actor's subtree in tree order."""
    stmt = select(Unit).where(Unit.path.startswith(actor.unit.path))
    if not include_archived:
        stmt = stmt.where(Unit.archived_at.is_(None))
    units = list(session.scalars(stmt))
    return sort_tree(units)


def sort_tree(units: list[Unit]) -> list[Unit]:
    """Depth-first order, siblings by name (paths hold ids, so sort by the chain of names)."""
    by_id = {u.id: u for u in units}

    def key(unit: Unit) -> list[str]:
        ids = [int(x) for x in unit.path.strip("/").split("/") if x]
        return [by_id[i].name.casefold() if i in by_id else "" for i in ids]

    return sorted(units, key=key)


def _check_sibling_name(
    session: Session, *, parent: Unit | None, name: str, exclude: Unit | None = None
) -> None:
    stmt = select(Unit.id).where(
        Unit.parent_key == (parent.id if parent else 0), func.lower(Unit.name) == name.lower()
    )
    if exclude is not None:
        stmt = stmt.where(Unit.id != exclude.id)
    if session.scalar(stmt) is not None:
        raise Conflict(_("A unit with this name already exists here."), field="name")


def create_root_unit(session: Session, *, name: str) -> Unit:
    """The institution itself (used by `humas init` and the demo)."""
    name = clean_name(name)
    _check_sibling_name(session, parent=None, name=name)
    unit = Unit(name=name, parent_id=None, parent_key=0, depth=0)
    session.add(unit)
    session.flush()
    unit.path = f"/{unit.id}/"
    audit_service.record(session, actor=None, action="unit.create", obj=unit, unit=unit, after={"name": name})
    return unit


def create_unit(session: Session, *, name: str, parent: Unit, actor: Principal) -> Unit:
    """Add a unit under `parent`; sibling names must be unique."""
    require_role(actor, *ORG_MANAGERS)
    if not can_access(actor, parent):
        raise NotFound(_("Unit not found."), field="parent_id")
    if parent.archived_at is not None:
        raise Invalid(_("The parent unit is archived."), field="parent_id")
    name = clean_name(name)
    _check_sibling_name(session, parent=parent, name=name)
    unit = Unit(name=name, parent_id=parent.id, parent_key=parent.id, depth=parent.depth + 1)
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path}{unit.id}/"
    audit_service.record(
        session,
        actor=actor,
        action="unit.create",
        obj=unit,
        unit=unit,
        after={"name": name, "parent_id": parent.id},
    )
    return unit


def rename_unit(session: Session, *, unit: Unit, name: str, actor: Principal) -> Unit:
    require_role(actor, *ORG_MANAGERS)
    name = clean_name(name)
    _check_sibling_name(session, parent=unit.parent, name=name, exclude=unit)
    before = unit.name
    unit.name = name
    audit_service.record(
        session,
        actor=actor,
        action="unit.rename",
        obj=unit,
        unit=unit,
        before={"name": before},
        after={"name": name},
    )
    return unit


def move_unit(session: Session, *, unit: Unit, new_parent: Unit, actor: Principal) -> Unit:
    """Move a unit and its whole subtree under another unit of the actor's subtree."""
    require_role(actor, *ORG_MANAGERS)
    if unit.parent_id is None or unit.id == actor.unit.id:
        raise Invalid(_("This unit cannot be moved."), field="unit_id")
    if not can_access(actor, new_parent):
        raise NotFound(_("Unit not found."), field="parent_id")
    if new_parent.path.startswith(unit.path):
        raise Invalid(_("A unit cannot be moved under itself or its own descendant."), field="parent_id")
    _check_sibling_name(session, parent=new_parent, name=unit.name, exclude=unit)
    before = {"parent_id": unit.parent_id}
    old_path, new_path = unit.path, f"{new_parent.path}{unit.id}/"
    delta = new_parent.depth + 1 - unit.depth
    session.flush()
    session.execute(
        update(Unit)
        .where(Unit.path.startswith(old_path))
        .values(path=func.replace(Unit.path, old_path, new_path), depth=Unit.depth + delta)
        .execution_options(synchronize_session=False)
    )
    unit.parent_id = new_parent.id
    unit.parent_key = new_parent.id
    session.flush()
    session.expire_all()
    audit_service.record(
        session,
        actor=actor,
        action="unit.move",
        obj=unit,
        unit=unit,
        before=before,
        after={"parent_id": new_parent.id},
    )
    return unit


def archive_unit(session: Session, *, unit: Unit, actor: Principal) -> Unit:
    """Archive a unit and its descendants (kept for history, hidden from lists)."""
    require_role(actor, *ORG_MANAGERS)
    if unit.id == actor.unit.id:
        raise Invalid(_("You cannot archive your own unit."), field="unit_id")
    now = utcnow()
    session.execute(
        update(Unit)
        .where(Unit.path.startswith(unit.path), Unit.archived_at.is_(None))
        .values(archived_at=now)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    audit_service.record(
        session, actor=actor, action="unit.archive", obj=unit, unit=unit, after={"archived": True}
    )
    return unit


# --- users --------------------------------------------------------------------------------------------


def clean_email(value: str | None) -> str:
    email = (value or "").strip().lower()
    if not email or len(email) > EMAIL_MAX or "@" not in email or " " in email or email.startswith("@"):
        raise Invalid(_("Enter a valid e-mail address."), field="email")
    return email


def clean_roles(values: Iterable[str]) -> set[Role]:
    roles = set()
    for value in values:
        try:
            roles.add(Role(value))
        except ValueError:
            raise Invalid(_("Unknown role: %(role)s", role=value), field="roles") from None
    if not roles:
        raise Invalid(_("Choose at least one role."), field="roles")
    return roles


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def list_users(session: Session, actor: Principal) -> list[User]:
    stmt = select(User).join(User.unit).where(Unit.path.startswith(actor.unit.path)).order_by(User.email)
    return list(session.scalars(stmt).unique())


def page_users(
    session: Session, actor: Principal, *, unit: Unit | None = None, page: int | None = None
) -> Page[User]:
    """One page of the users of the actor's subtree, or of exactly `unit`, by e-mail, with their total."""
    stmt = select(User).join(User.unit).where(Unit.path.startswith(actor.unit.path)).order_by(User.email)
    if unit is not None:
        stmt = stmt.where(User.unit_id == unit.id)
    return paginate(session, stmt, page=page)


def count_visible(session: Session, actor: Principal) -> tuple[int, int]:
    """How many active units and users the actor's subtree holds (two counts, nothing loaded)."""
    within = Unit.path.startswith(actor.unit.path)
    units = select(func.count(Unit.id)).where(within, Unit.archived_at.is_(None))
    users = select(func.count(User.id)).join(User.unit).where(within)
    return int(session.scalar(units) or 0), int(session.scalar(users) or 0)


def new_one_time_password() -> str:
    return secrets.token_urlsafe(12)


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    unit: Unit,
    roles: Iterable[str],
    actor: Principal | None,
    password: str | None = None,
) -> tuple[User, str | None]:
    """Invite a user; without a password a one-time password is made and must be changed at first login."""
    if actor is not None:
        require_role(actor, *ORG_MANAGERS)
        if not can_access(actor, unit):
            raise NotFound(_("Unit not found."), field="unit_id")
    email = clean_email(email)
    name = clean_name(name)
    role_set = clean_roles(roles)
    if find_user_by_email(session, email) is not None:
        raise Conflict(_("A user with this e-mail address already exists."), field="email")
    one_time = None
    if password is None:
        one_time = password = new_one_time_password()
    else:
        validate_new_password(password)
    user = User(
        email=email,
        name=name,
        unit_id=unit.id,
        password_hash=hash_password(password),
        must_change_password=one_time is not None,
    )
    user.role_rows = [UserRole(role=r.value) for r in sorted(role_set)]
    session.add(user)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="user.create",
        obj=user,
        unit=unit,
        after={"email": email, "unit_id": unit.id, "roles": sorted(role_set)},
        label=email,
    )
    return user, one_time


def _admins_covering(session: Session, unit: Unit) -> list[User]:
    """Active admins at this unit or above it."""
    ancestor_ids = [int(x) for x in unit.path.strip("/").split("/") if x]
    stmt = (
        select(User)
        .join(UserRole)
        .where(UserRole.role == Role.admin.value, User.is_active.is_(True), User.unit_id.in_(ancestor_ids))
    )
    return list(session.scalars(stmt).unique())


def _refuse_last_admin(session: Session, user: User) -> None:
    if (
        Role.admin in user.roles
        and user.is_active
        and [u.id for u in _admins_covering(session, user.unit)] == [user.id]
    ):
        raise Conflict(_("This is the last admin of the unit; appoint another admin first."), field="roles")


def set_roles(session: Session, *, user: User, roles: Iterable[str], actor: Principal) -> User:
    require_role(actor, *ORG_MANAGERS)
    role_set = clean_roles(roles)
    before = sorted(user.roles)
    if Role.admin not in role_set:
        _refuse_last_admin(session, user)
    user.role_rows = [UserRole(role=r.value) for r in sorted(role_set)]
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="user.roles",
        obj=user,
        unit=user.unit,
        before={"roles": before},
        after={"roles": sorted(role_set)},
        label=user.email,
    )
    return user


def deactivate_user(session: Session, *, user: User, actor: Principal) -> User:
    require_role(actor, *ORG_MANAGERS)
    _refuse_last_admin(session, user)
    user.is_active = False
    audit_service.record(
        session,
        actor=actor,
        action="user.deactivate",
        obj=user,
        unit=user.unit,
        after={"is_active": False},
        label=user.email,
    )
    return user


def reset_password(session: Session, *, user: User, actor: Principal) -> str:
    """An admin gives a user a new one-time password; the user must change it at next login."""
    require_role(actor, *ORG_MANAGERS)
    one_time = new_one_time_password()
    user.password_hash = hash_password(one_time)
    user.must_change_password = True
    audit_service.record(
        session, actor=actor, action="user.reset_password", obj=user, unit=user.unit, label=user.email
    )
    return one_time


def set_locale(session: Session, *, user: User, locale: str) -> User:
    from humas.core.i18n import LOCALES

    if locale not in LOCALES:
        raise Invalid(_("Unknown language."), field="locale")
    before = user.locale
    user.locale = locale
    audit_service.record(
        session,
        actor=user,
        action="user.locale",
        obj=user,
        unit=user.unit,
        before={"locale": before},
        after={"locale": locale},
        label=user.email,
    )
    return user


def count_users(session: Session) -> int:
    return session.scalar(select(func.count(User.id))) or 0
