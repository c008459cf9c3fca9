"""Request dependencies: the unit of work, the logged-in user, API principals, CSRF and locale.

Every route gets its database session from `get_db` (commit on success, roll back on error; tests override it
through `app.dependency_overrides[get_db]`). Pages take `CurrentUser`; the JSON API takes `ApiActor`.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from itsdangerous import BadSignature, Signer
from sqlalchemy import case, func, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from humas.core.db import session_scope
from humas.core.errors import AuthenticationFailed, HumasError, PermissionDenied
from humas.core.i18n import DEFAULT_LOCALE, LOCALES, _
from humas.core.settings import get_settings
from humas.core.time import as_utc, utcnow
from humas.org import auth as auth_service
from humas.org import service as org_service
from humas.org.models import Role, Unit, User, UserRole, WebSession
from humas.org.service import Principal
from humas.web.nav import permissions as nav_permissions

# Typed, bounded ids live in humas.web.params (the one parsing path); re-exported for the page modules.
from humas.web.params import MAX_ID, IdForm, IdPath, OptionalIdForm  # noqa: F401

SESSION_COOKIE = "humas_session"
ANON_CSRF_COOKIE = "humas_csrf"
LOCALE_COOKIE = "humas_locale"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Pages a user who must change their password may still open.
PASSWORD_CHANGE_PATHS = ("/password", "/logout", "/locale", "/static/")


class LoginRequired(HumasError):
    """Raised by `CurrentUser` when nobody is logged in: pages redirect to /login, the API answers 401."""

    status_code = 401
    code = "login_required"


class PasswordChangeRequired(HumasError):
    status_code = 403
    code = "password_change_required"


class CsrfFailed(PermissionDenied):
    code = "csrf_failed"


@dataclass(frozen=True)
class UserView:
    """A plain snapshot of the logged-in user for templates (safe to use after the session closed)."""

    id: int
    name: str
    email: str
    unit_id: int
    unit_name: str
    roles: frozenset[str]
    locale: str
    # The page permissions of humas.web.nav.PERMISSIONS the user holds (the routes' own service rules).
    permissions: frozenset[str] = frozenset()
    # The IANA zone of the user's unit (inherited down the tree): pages show times in it, with its label.
    zone: str | None = None

    @property
    def is_admin(self) -> bool:
        return Role.admin.value in self.roles

    def may(self, what: str) -> bool:
        """Whether a link, tile or button leading to `what` may be shown (see humas.web.nav.PERMISSIONS)."""
        return what in self.permissions


def _signer(salt: str) -> Signer:
    return Signer(get_settings().secret_key, salt=salt)


def sign(value: str, *, salt: str) -> str:
    return _signer(salt).sign(value).decode()


def unsign(value: str | None, *, salt: str) -> str | None:
    if not value:
        return None
    try:
        return _signer(salt).unsign(value).decode()
    except BadSignature:
        return None


# --- unit of work -----------------------------------------------------------------------------------------


def get_db() -> Iterator[Session]:
    """One transaction per request: commit when the route returns, roll back when it raises."""
    with session_scope() as session:
        yield session


DbSession = Annotated[Session, Depends(get_db, scope="function")]


# --- locale ------------------------------------------------------------------------------------------------


def request_locale(request: Request) -> str:
    """Before login: the language cookie, then Accept-Language, then Indonesian."""
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in LOCALES:
        return cookie
    header = request.headers.get("accept-language", "")
    for part in header.split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LOCALES:
            return tag
    return get_settings().default_locale if get_settings().default_locale in LOCALES else DEFAULT_LOCALE


# --- browser session ---------------------------------------------------------------------------------------


@dataclass
class WebAuth:
    user: User
    web_session: WebSession
    token: str


# How long a web process keeps what it resolved for a session cookie (the user with its unit and roles, the
# page permissions, the zone inherited from the unit's ancestors). Every request still checks the session in
# the database with one statement (`_fingerprint`): a session ended, a user deactivated, a role, the unit,
# the language or the name changed anywhere applies to the next request; only a zone set on an *ancestor*
# unit can take up to this long. Decision 0101.
VIEWER_TTL_S = 60.0
ROLE_BITS = {role.value: 1 << i for i, role in enumerate(Role)}


@dataclass(frozen=True)
class CachedViewer:
    user: User  # a detached copy (unit and role rows loaded): merged into each request's session, no query
    web_session: WebSession  # a detached copy; only its CSRF token and expiry are read
    view: UserView
    fingerprint: tuple[Any, ...]
    fresh_until: float


class ViewerCache:
    """Per web process: session token → the resolved viewer, reused while its fingerprint (the session row,
    the user's columns, roles and unit) is unchanged, for at most `VIEWER_TTL_S` seconds (bounded LRU)."""

    def __init__(
        self, ttl: float = VIEWER_TTL_S, size: int = 20_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.size = size
        self.clock = clock
        self._entries: OrderedDict[str, CachedViewer] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def get(self, token: str, fingerprint: tuple[Any, ...]) -> CachedViewer | None:
        with self._lock:
            entry = self._entries.get(token)
            if entry is None:
                return None
            if entry.fresh_until <= self.clock() or entry.fingerprint != fingerprint:
                del self._entries[token]
                return None
            self.hits += 1
            return entry

    def put(
        self, token: str, user: User, web_session: WebSession, view: UserView, fingerprint: tuple[Any, ...]
    ) -> None:
        copies = _detached_copy(user, 2), _detached_copy(web_session, 0)
        entry = CachedViewer(*copies, view, fingerprint, self.clock() + self.ttl)
        with self._lock:
            self._entries[token] = entry
            self._entries.move_to_end(token)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _fingerprint(session: Session, token: str) -> tuple[Any, ...] | None:
    """One statement: the live session's row with everything a cached viewer depends on, or None when the
    session is gone, expired or its user deactivated."""
    roles = (
        select(func.coalesce(func.sum(case(ROLE_BITS, value=UserRole.role, else_=0)), 0))
        .where(UserRole.user_id == User.id)
        .scalar_subquery()
    )
    row = session.execute(
        select(
            WebSession.expires_at,
            WebSession.csrf_token,
            User.id,
            User.is_active,
            User.must_change_password,
            User.locale,
            User.name,
            User.email,
            User.unit_id,
            Unit.path,
            Unit.name,
            Unit.time_zone,
            Unit.parent_id,
            roles,
        )  # fmt: skip
        .join(User, User.id == WebSession.user_id)
        .join(Unit, Unit.id == User.unit_id)
        .where(WebSession.id == hashlib.sha256(token.encode()).hexdigest())
    ).first()
    if row is None or as_utc(row[0]) <= utcnow() or not row[3]:
        return None
    return tuple(row)


def viewer_cache(request: Request) -> ViewerCache:
    """This app's (web process's) viewer cache, made on first use."""
    cache = getattr(request.app.state, "viewer_cache", None)
    if cache is None:
        cache = request.app.state.viewer_cache = ViewerCache()
    return cache


def _detached_copy(obj: Any, depth: int) -> Any:
    """A detached copy of a loaded ORM object (its columns, and its loaded relationships `depth` levels down)
    that `Session.merge(load=False)` can bring into another session without a query."""
    state = inspect(obj)
    mapper = state.mapper
    copy = mapper.class_manager.new_instance()
    for attr in mapper.column_attrs:
        if attr.key in state.dict:
            set_committed_value(copy, attr.key, state.dict[attr.key])
    if depth > 0:
        for rel in mapper.relationships:
            if rel.key not in state.dict:
                continue
            value = state.dict[rel.key]
            if value is None:
                set_committed_value(copy, rel.key, None)
            elif rel.uselist:
                set_committed_value(copy, rel.key, [_detached_copy(v, depth - 1) for v in value])
            else:
                set_committed_value(copy, rel.key, _detached_copy(value, depth - 1))
    make_transient_to_detached(copy)
    return copy


async def web_auth(request: Request, session: DbSession) -> WebAuth | None:
    """The browser session from the signed cookie, or None; fills the request state for templates.

    GET and HEAD check the session with one statement (`_fingerprint`) and, while nothing it reads has
    changed, reuse what this process resolved for the same cookie (the user is merged into this request's
    session as loaded then, for at most `VIEWER_TTL_S` seconds); any other method resolves it in full and
    empties the cache.
    """
    token = unsign(request.cookies.get(SESSION_COOKIE), salt="humas.session")
    safe = request.method in SAFE_METHODS
    viewers = viewer_cache(request)
    if not safe:
        viewers.clear()
    if not token:
        return None
    cached, fingerprint = None, None
    if safe:
        # One statement in a worker thread: the session still valid and the user unchanged?
        fingerprint = await run_in_threadpool(_fingerprint, session, token)
        if fingerprint is None:
            return None
        cached = viewers.get(token, fingerprint)
    if cached is not None:
        # The session's own copy if it holds one already (what `session.get` would return), else the
        # cached copy merged in as loaded (no query).
        key = inspect(cached.user).key
        held = session.identity_map.get(key) if key is not None else None
        user = held if isinstance(held, User) else session.merge(cached.user, load=False)
        web_session, view = cached.web_session, cached.view
    else:
        # Read in full (in a worker thread): a state-changing request, a first visit or a changed viewer.
        found = await run_in_threadpool(_resolve, session, token)
        if found is None:
            return None
        user, web_session, view = found
        if fingerprint is not None:
            viewers.put(token, user, web_session, view, fingerprint)
    request.state.user_view = view
    request.state.csrf_token = web_session.csrf_token
    request.state.locale = user.locale if user.locale in LOCALES else DEFAULT_LOCALE
    return WebAuth(user=user, web_session=web_session, token=token)


def _resolve(session: Session, token: str) -> tuple[User, WebSession, UserView] | None:
    resolved = auth_service.resolve_session(session, token)
    if resolved is None:
        return None
    user, web_session = resolved
    view = UserView(
        id=user.id,
        name=user.name,
        email=user.email,
        unit_id=user.unit_id,
        unit_name=user.unit.name,
        roles=frozenset(r.value for r in user.roles),
        locale=user.locale,
        permissions=nav_permissions(user),
        zone=org_service.unit_zone_name(session, user.unit),
    )
    return user, web_session, view


OptionalAuth = Annotated[WebAuth | None, Depends(web_auth)]


async def current_user(request: Request, auth: OptionalAuth) -> User:
    # NOTE: async (no I/O here): runs in the event loop, no hop to a worker thread and back (decision 0101).
    if auth is None:
        raise LoginRequired(_("Please log in."))
    if auth.user.must_change_password and not request.url.path.startswith(PASSWORD_CHANGE_PATHS):
        raise PasswordChangeRequired(_("Choose a new password first."))
    return auth.user


CurrentUser = Annotated[User, Depends(current_user)]


def require_admin_page(user: CurrentUser) -> User:
    if Role.admin not in user.roles:
        raise PermissionDenied(_("Your role does not allow this."))
    return user


AdminUser = Annotated[User, Depends(require_admin_page)]


# --- CSRF --------------------------------------------------------------------------------------------------


def anon_csrf_token(request: Request) -> str:
    """The pre-login CSRF token (double-submit: a signed cookie and the same value in the form)."""
    existing = unsign(request.cookies.get(ANON_CSRF_COOKIE), salt="humas.csrf")
    token = existing or secrets.token_urlsafe(32)
    request.state.csrf_token = token
    request.state.new_anon_csrf = None if existing else token
    return token


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _sep, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def csrf_protect(request: Request, auth: OptionalAuth) -> None:
    """Every state-changing request carries the session's CSRF token (form field or X-CSRF-Token header).

    Bearer-token API calls are exempt: a browser never attaches that header by itself.
    """
    if request.method in SAFE_METHODS or _bearer(request) is not None:
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if auth is not None:
        expected: str | None = auth.web_session.csrf_token
    else:
        expected = unsign(request.cookies.get(ANON_CSRF_COOKIE), salt="humas.csrf")
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        raise CsrfFailed(_("The form has expired or did not come from humas. Reload the page and try again."))


# --- API principal -----------------------------------------------------------------------------------------


def api_actor(request: Request, session: DbSession, auth: OptionalAuth) -> Principal:
    """`Authorization: Bearer hms_...` (scoped to the token's unit and role), or the browser session."""
    bearer = _bearer(request)
    if bearer is not None:
        principal = auth_service.resolve_api_token(session, bearer)
        if principal is None:
            raise AuthenticationFailed(_("The API token is invalid or revoked."))
        if "accept-language" not in request.headers and principal.user.locale in LOCALES:
            request.state.locale = principal.user.locale
        return principal
    if auth is None:
        raise AuthenticationFailed(_("Send an API token: Authorization: Bearer hms_..."))
    return auth.user


ApiActor = Annotated[Principal, Depends(api_actor)]


@contextmanager
def error_field(name: str) -> Iterator[None]:
    """Name the field for an error raised without one (e.g. "Unit not found." for a body's `parent_id`)."""
    try:
        yield
    except HumasError as error:
        if error.field is None:
            error.field = name
        raise


def safe_next(value: str | None, default: str = "/") -> str:
    """Only local paths, so a link cannot send a user elsewhere after login."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    return value
