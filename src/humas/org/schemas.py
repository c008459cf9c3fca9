"""Pydantic schemas of the org JSON API (`XCreate` / `XUpdate` / `XRead`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

# Ids are 32-bit integers in the database (PostgreSQL `integer`).
DbId = Annotated[int, Field(ge=1, le=2**31 - 1)]
# Generous caps: the services give the precise message (e.g. at most 200 characters for a name).
TEXT_MAX = 20_000


class UnitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    parent_id: int | None
    depth: int
    path: str
    archived_at: datetime | None


class UnitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=TEXT_MAX)
    parent_id: DbId


class UnitRename(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=TEXT_MAX)


class UnitMove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parent_id: DbId


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    unit_id: int
    roles: list[str]
    locale: str
    is_active: bool
    must_change_password: bool
    last_login_at: datetime | None

    @classmethod
    def of(cls, user: Any) -> UserRead:
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            unit_id=user.unit_id,
            roles=sorted(r.value for r in user.roles),
            locale=user.locale,
            is_active=user.is_active,
            must_change_password=user.must_change_password,
            last_login_at=user.last_login_at,
        )


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=TEXT_MAX)
    name: str = Field(max_length=TEXT_MAX)
    unit_id: DbId
    roles: list[str] = Field(max_length=20)


class UserCreated(BaseModel):
    user: UserRead
    one_time_password: str = Field(description="Shown once; the user must change it at first login.")


class RolesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: list[str] = Field(max_length=20)


class MeRead(BaseModel):
    user: UserRead
    unit: UnitRead
    # For a token: the token's unit and role; for a browser session: the user's own.
    acting_unit_id: int
    acting_roles: list[str]


class AuditRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_label: str
    action: str
    object_type: str
    object_id: str | None
    object_label: str
    unit_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    role: str
    unit_id: int
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=TEXT_MAX)
    role: str = Field(max_length=40)
    unit_id: DbId


class TokenCreated(BaseModel):
    token: TokenRead
    secret: str = Field(description="The token itself (hms_...); shown once.")
