"""Units, users, audit log, the caller, and API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from humas.org import audit as audit_service
from humas.org import auth as auth_service
from humas.org import service as org_service
from humas.org.models import User
from humas.org.schemas import (
    AuditRead,
    MeRead,
    RolesUpdate,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UnitCreate,
    UnitMove,
    UnitRead,
    UnitRename,
    UserCreate,
    UserCreated,
    UserRead,
)
from humas.org.service import TokenPrincipal
from humas.web.deps import ApiActor, DbSession, error_field
from humas.web.params import DateQuery, IdPath, LimitQuery, OffsetQuery

router = APIRouter(tags=["org"])


def _user_of(actor: ApiActor) -> User:
    return actor.user if isinstance(actor, TokenPrincipal) else actor  # type: ignore[return-value]


@router.get("/me", response_model=MeRead)
def me(actor: ApiActor) -> MeRead:
    """The caller: its user, and the unit and roles it acts with."""
    user = _user_of(actor)
    return MeRead(
        user=UserRead.of(user),
        unit=UnitRead.model_validate(user.unit),
        acting_unit_id=actor.unit.id,
        acting_roles=sorted(r.value for r in actor.roles),
    )


@router.get("/units", response_model=list[UnitRead])
def list_units(session: DbSession, actor: ApiActor, include_archived: bool = False) -> list[UnitRead]:
    """The caller's subtree in tree order."""
    return [
        UnitRead.model_validate(u)
        for u in org_service.list_units(session, actor, include_archived=include_archived)
    ]


@router.post("/units", response_model=UnitRead, status_code=201)
def create_unit(body: UnitCreate, session: DbSession, actor: ApiActor) -> UnitRead:
    """Create a unit under `parent_id` (admin)."""
    with error_field("parent_id"):
        parent = org_service.access_unit(session, actor, body.parent_id)
    unit = org_service.create_unit(session, name=body.name, parent=parent, actor=actor)
    return UnitRead.model_validate(unit)


@router.get("/units/{unit_id}", response_model=UnitRead)
def get_unit(unit_id: IdPath, session: DbSession, actor: ApiActor) -> UnitRead:
    """One unit of the caller's subtree."""
    return UnitRead.model_validate(org_service.access_unit(session, actor, unit_id))


@router.post("/units/{unit_id}/rename", response_model=UnitRead)
def rename_unit(unit_id: IdPath, body: UnitRename, session: DbSession, actor: ApiActor) -> UnitRead:
    """Rename a unit (admin)."""
    unit = org_service.access_unit(session, actor, unit_id)
    return UnitRead.model_validate(org_service.rename_unit(session, unit=unit, name=body.name, actor=actor))


@router.post("/units/{unit_id}/move", response_model=UnitRead)
def move_unit(unit_id: IdPath, body: UnitMove, session: DbSession, actor: ApiActor) -> UnitRead:
    """Move a unit and its subtree under `parent_id` (admin)."""
    unit = org_service.access_unit(session, actor, unit_id)
    with error_field("parent_id"):
        new_parent = org_service.access_unit(session, actor, body.parent_id)
    org_service.move_unit(session, unit=unit, new_parent=new_parent, actor=actor)
    return UnitRead.model_validate(org_service.access_unit(session, actor, unit_id))


@router.post("/units/{unit_id}/archive", response_model=UnitRead)
def archive_unit(unit_id: IdPath, session: DbSession, actor: ApiActor) -> UnitRead:
    """Archive a unit and its subtree (admin)."""
    unit = org_service.access_unit(session, actor, unit_id)
    org_service.archive_unit(session, unit=unit, actor=actor)
    return UnitRead.model_validate(org_service.access_unit(session, actor, unit_id))


@router.get("/users", response_model=list[UserRead])
def list_users(session: DbSession, actor: ApiActor) -> list[UserRead]:
    """Users of the caller's subtree."""
    return [UserRead.of(u) for u in org_service.list_users(session, actor)]


@router.post("/users", response_model=UserCreated, status_code=201)
def create_user(body: UserCreate, session: DbSession, actor: ApiActor) -> UserCreated:
    """Invite a user; the answer carries the one-time password, once (admin)."""
    with error_field("unit_id"):
        unit = org_service.access_unit(session, actor, body.unit_id)
    user, one_time = org_service.create_user(
        session, email=body.email, name=body.name, unit=unit, roles=body.roles, actor=actor
    )
    return UserCreated(user=UserRead.of(user), one_time_password=one_time or "")


@router.get("/users/{user_id}", response_model=UserRead)
def get_user(user_id: IdPath, session: DbSession, actor: ApiActor) -> UserRead:
    """One user of the caller's subtree."""
    return UserRead.of(org_service.access_user(session, actor, user_id))


@router.put("/users/{user_id}/roles", response_model=UserRead)
def set_roles(user_id: IdPath, body: RolesUpdate, session: DbSession, actor: ApiActor) -> UserRead:
    """Replace a user's roles (admin)."""
    user = org_service.access_user(session, actor, user_id)
    return UserRead.of(org_service.set_roles(session, user=user, roles=body.roles, actor=actor))


@router.get("/audit", response_model=list[AuditRead])
def list_audit(
    session: DbSession,
    actor: ApiActor,
    action: Annotated[str | None, Query(max_length=200)] = None,
    actor_email: Annotated[str | None, Query(max_length=320)] = None,
    object_type: Annotated[str | None, Query(max_length=200)] = None,
    since: DateQuery = None,
    until: DateQuery = None,
    limit: LimitQuery = 100,
    offset: OffsetQuery = 0,
) -> list[AuditRead]:
    """Audit entries of the caller's subtree, newest first (admin, pimpinan)."""
    unit_ids = org_service.audit_unit_ids(session, actor)
    filters = audit_service.AuditFilter(
        action=action, actor=actor_email, object_type=object_type, since=since, until=until
    )
    entries = audit_service.list_entries(
        session,
        unit_ids=unit_ids,
        filters=filters,
        limit=limit,
        offset=offset,
    )
    return [AuditRead.model_validate(e) for e in entries]


@router.get("/tokens", response_model=list[TokenRead])
def list_tokens(session: DbSession, actor: ApiActor) -> list[TokenRead]:
    """The caller's own API tokens."""
    return [TokenRead.model_validate(t) for t in auth_service.list_api_tokens(session, user=_user_of(actor))]


@router.post("/tokens", response_model=TokenCreated, status_code=201)
def create_token(body: TokenCreate, session: DbSession, actor: ApiActor) -> TokenCreated:
    """Make a token for the caller's user, scoped to a unit and role; the secret is returned once."""
    with error_field("unit_id"):
        unit = org_service.access_unit(session, actor, body.unit_id)
    token, secret = auth_service.create_api_token(
        session, user=_user_of(actor), unit=unit, role=body.role, name=body.name, actor=actor
    )
    return TokenCreated(token=TokenRead.model_validate(token), secret=secret)


@router.post("/tokens/{token_id}/revoke", response_model=TokenRead)
def revoke_token(token_id: IdPath, session: DbSession, actor: ApiActor) -> TokenRead:
    """Revoke a token (one's own; an admin may revoke others' in the subtree)."""
    token = auth_service.access_api_token(session, actor, token_id)
    return TokenRead.model_validate(auth_service.revoke_api_token(session, token=token, actor=actor))
