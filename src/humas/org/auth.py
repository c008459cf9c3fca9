"""Login with throttling, browser sessions with CSRF tokens, and API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from humas.core.errors import Invalid, NotFound, PermissionDenied
from humas.core.i18n import _
from humas.core.pages import Page, paginate
from humas.core.settings import get_settings
from humas.core.time import as_utc, utcnow
from humas.org import audit as audit_service
from humas.org.models import ApiToken, LoginThrottle, Role, Unit, User, WebSession
from humas.org.passwords import hash_password, validate_new_password, verify_password
from humas.org.service import Principal, TokenPrincipal, can_access, clean_name, require_role

TOKEN_PREFIX = "hms_"


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# --- login --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginRefused:
    """Why a login was refused; the same words whether or not the e-mail exists."""

    message: object
    locked: bool


def authenticate(session: Session, *, email: str, password: str) -> User | LoginRefused:
    """Check a login; failures are counted per e-mail and lock it for a while after too many.

    Returns a refusal instead of raising, so the edge commits the failure count.
    """
    settings = get_settings()
    key = (email or "").strip().lower()[:254]
    now = utcnow()
    throttle = session.get(LoginThrottle, key)
    if throttle and throttle.locked_until and as_utc(throttle.locked_until) > now:
        minutes = max(1, int((as_utc(throttle.locked_until) - now).total_seconds() // 60) + 1)
        return LoginRefused(
            _("Too many failed attempts. Try again in %(n)s minutes.", n=minutes), locked=True
        )
    user = session.scalar(select(User).where(User.email == key))
    ok = verify_password(user.password_hash if user else None, password or "")
    if ok and user is not None and user.is_active:
        if throttle:
            session.delete(throttle)
        user.last_login_at = now
        audit_service.record(
            session, actor=user, action="auth.login", obj=user, unit=user.unit, label=user.email
        )
        return user
    if throttle is None:
        throttle = LoginThrottle(key=key, failures=0)
        session.add(throttle)
    throttle.failures += 1
    throttle.last_failure_at = now
    if throttle.failures >= settings.login_max_failures:
        # Backoff doubles with every lock: 15, 30, 60 ... minutes, at most a day.
        rounds = throttle.failures - settings.login_max_failures
        minutes = min(settings.login_lock_minutes * (2**rounds), 24 * 60)
        throttle.locked_until = now + timedelta(minutes=minutes)
        return LoginRefused(
            _("Too many failed attempts. Try again in %(n)s minutes.", n=minutes), locked=True
        )
    return LoginRefused(_("Wrong e-mail or password."), locked=False)


def change_password(session: Session, *, user: User, current: str, new: str) -> User:
    if not verify_password(user.password_hash, current or ""):
        raise Invalid(_("The current password is wrong."), field="current_password")
    validate_new_password(new or "")
    if current == new:
        raise Invalid(_("The new password must differ from the current one."), field="new_password")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    audit_service.record(
        session, actor=user, action="user.change_password", obj=user, unit=user.unit, label=user.email
    )
    return user


# --- browser sessions -----------------------------------------------------------------------------------


def start_session(session: Session, *, user: User) -> tuple[str, WebSession]:
    """A new browser session; returns the raw token for the (signed) cookie."""
    token = secrets.token_urlsafe(32)
    web_session = WebSession(
        id=_sha256(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utcnow() + timedelta(hours=get_settings().session_hours),
    )
    session.add(web_session)
    session.flush()
    return token, web_session


def resolve_session(session: Session, token: str) -> tuple[User, WebSession] | None:
    web_session = session.get(WebSession, _sha256(token))
    if web_session is None or as_utc(web_session.expires_at) <= utcnow():
        return None
    user = session.get(User, web_session.user_id)
    if user is None or not user.is_active:
        return None
    return user, web_session


def end_session(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id == _sha256(token)))


def csrf_matches(web_session: WebSession, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(web_session.csrf_token, token or "")


def purge_expired_sessions(session: Session) -> int:
    """Delete browser sessions past their expiry; returns how many."""
    result = session.execute(delete(WebSession).where(WebSession.expires_at <= utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)  # a DML result (CursorResult) carries rowcount


# --- API tokens ---------------------------------------------------------------------------------------------


def create_api_token(
    session: Session, *, user: User, unit: Unit, role: str, name: str, actor: Principal
) -> tuple[ApiToken, str]:
    """A token acting as `user`, limited to `unit`'s subtree and one of the user's roles."""
    if actor.id != user.id:
        require_role(actor, Role.admin)
    if not can_access(user, unit):
        raise NotFound(_("Unit not found."), field="unit_id")
    try:
        role_value = Role(role)
    except ValueError:
        raise Invalid(_("Unknown role: %(role)s", role=role), field="role") from None
    if role_value not in user.roles:
        raise Invalid(_("The user does not have this role."), field="role")
    if isinstance(actor, TokenPrincipal) and role_value not in actor.roles:
        # A token cannot mint a token with more power than itself.
        raise PermissionDenied(_("Your role does not allow this."), field="role")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        unit_id=unit.id,
        role=role_value.value,
        name=clean_name(name),
        prefix=plaintext[:12],
        token_hash=_sha256(plaintext),
    )
    session.add(token)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="api_token.create",
        obj=token,
        unit=unit,
        after={"role": role_value.value, "unit_id": unit.id, "prefix": token.prefix},
    )
    return token, plaintext


def resolve_api_token(session: Session, plaintext: str) -> TokenPrincipal | None:
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _sha256(plaintext)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    # NOTE: the scope is re-checked on every use: a user moved out of the unit loses the token's reach.
    if not can_access(token.user, token.unit) or Role(token.role) not in token.user.roles:
        return None
    token.last_used_at = utcnow()
    return TokenPrincipal(user=token.user, unit=token.unit, roles={Role(token.role)})


def list_api_tokens(session: Session, *, user: User) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc()))
    )


def page_api_tokens(session: Session, *, user: User, page: int | None = None) -> Page[ApiToken]:
    """One page of the user's API tokens, newest first, with their total."""
    stmt = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    return paginate(session, stmt, page=page)


def access_api_token(session: Session, actor: Principal, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if (
        token is None
        or not can_access(actor, token.unit)
        or (token.user_id != actor.id and Role.admin not in actor.roles)
    ):
        raise NotFound(_("Token not found."))
    return token


def revoke_api_token(session: Session, *, token: ApiToken, actor: Principal) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit_service.record(session, actor=actor, action="api_token.revoke", obj=token, unit=token.unit)
    return token
