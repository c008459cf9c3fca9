"""Login, logout, the forced password change, and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from humas.core.errors import Invalid
from humas.core.i18n import LOCALES, _
from humas.core.settings import get_settings
from humas.org import auth as auth_service
from humas.org import service as org_service
from humas.org.auth import LoginRefused
from humas.web.deps import (
    ANON_CSRF_COOKIE,
    LOCALE_COOKIE,
    SESSION_COOKIE,
    CurrentUser,
    DbSession,
    OptionalAuth,
    anon_csrf_token,
    safe_next,
    sign,
)
from humas.web.errors import with_form
from humas.web.flash import N_, redirect
from humas.web.templating import render

router = APIRouter(include_in_schema=False)

YEAR = 365 * 24 * 3600


def _login_page(
    request: Request, *, next_url: str, error: object = None, email: str = "", status_code: int = 200
) -> HTMLResponse:
    anon_csrf_token(request)
    response = render(
        request,
        "auth/login.html",
        next=next_url,
        error=error,
        values={"email": email},
        status_code=status_code,
    )
    new = getattr(request.state, "new_anon_csrf", None)
    if new:
        response.set_cookie(
            ANON_CSRF_COOKIE,
            sign(new, salt="humas.csrf"),
            httponly=True,
            samesite="lax",
            secure=get_settings().cookie_secure,
            path="/",
        )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, auth: OptionalAuth, next: str = "/") -> Response:
    """The login page (a logged-in user goes straight on)."""
    if auth is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next_url=safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: DbSession,
    email: Annotated[str, Form(max_length=1000)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the password; the refusal reads the same for unknown e-mails, and repeated failures lock."""
    result = auth_service.authenticate(session, email=email, password=password)
    if isinstance(result, LoginRefused):
        # The failure count is committed: this is a normal answer, not an exception.
        status = 429 if result.locked else 401
        return _login_page(request, next_url=safe_next(next), error=result, email=email, status_code=status)
    token, _web_session = auth_service.start_session(session, user=result)
    target = "/password" if result.must_change_password else safe_next(next)
    response = RedirectResponse(target, status_code=303)
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        sign(token, salt="humas.session"),
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        max_age=settings.session_hours * 3600,
        path="/",
    )
    response.set_cookie(
        LOCALE_COOKIE, result.locale, max_age=YEAR, samesite="lax", path="/", secure=settings.cookie_secure
    )
    response.delete_cookie(ANON_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(session: DbSession, auth: OptionalAuth) -> Response:
    """End the browser session on the server and forget the cookie."""
    if auth is not None:
        auth_service.end_session(session, auth.token)
    response = redirect("/login", N_("You are logged out."))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/password", response_class=HTMLResponse)
def password_form(request: Request, user: CurrentUser) -> HTMLResponse:
    """Choose a new password (forced after an admin set a one-time password)."""
    return render(request, "auth/password.html", error=None)


@router.post("/password")
def change_password(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    current_password: Annotated[str, Form(max_length=1000)] = "",
    new_password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    with_form(request, "auth/password.html")
    auth_service.change_password(session, user=user, current=current_password, new=new_password)
    return redirect("/", N_("Your password has been changed."))


@router.post("/locale")
def switch_locale(
    request: Request,
    session: DbSession,
    auth: OptionalAuth,
    locale: Annotated[str, Form(max_length=8)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Switch the interface language; for a logged-in user it is saved with the account."""
    if auth is not None:
        org_service.set_locale(session, user=auth.user, locale=locale)
    elif locale not in LOCALES:
        raise Invalid(_("Unknown language."), field="locale")
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        LOCALE_COOKIE, locale, max_age=YEAR, samesite="lax", path="/", secure=get_settings().cookie_secure
    )
    return response
