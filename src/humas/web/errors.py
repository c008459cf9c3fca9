"""The one error handler: a HumasError becomes JSON for /api, a toast for htmx, the form with its field
marked when the route registered one, or a full error page."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from humas.core.errors import HumasError, Invalid, NotFound
from humas.core.i18n import _, use_locale
from humas.web.deps import LoginRequired, PasswordChangeRequired, request_locale
from humas.web.params import problem_text
from humas.web.templating import render

logger = logging.getLogger(__name__)


@dataclass
class FormContext:
    """What a route shows again when its service call fails: the template, plain-data context, and the
    submitted values (never ORM objects: the session is rolled back and closed by then)."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


def with_form(
    request: Request, template: str, *, values: dict[str, Any] | None = None, **context: Any
) -> None:
    """Register the form to re-render if the service raises."""
    request.state.form = FormContext(template, context, values or {})


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _locale(request: Request) -> str:
    return getattr(request.state, "locale", None) or request_locale(request)


def humas_error_response(request: Request, error: HumasError) -> Response:
    locale = _locale(request)
    request.state.locale = locale
    if is_api(request):
        with use_locale(locale):
            return JSONResponse(error.to_dict(), status_code=error.status_code)
    if isinstance(error, LoginRequired):
        target = "/login?next=" + quote(
            request.url.path + (f"?{request.url.query}" if request.url.query else "")
        )
        return _redirect(request, target)
    if isinstance(error, PasswordChangeRequired):
        return _redirect(request, "/password")
    if request.headers.get("hx-request") == "true":
        # NOTE: htmx is configured (base.html) to swap error responses; the headers send the toast to
        # the toast area instead of the request's own target.
        return render(
            request,
            "_toast.html",
            error=error,
            status_code=error.status_code,
            headers={"HX-Retarget": "#toasts", "HX-Reswap": "beforeend"},
        )
    form: FormContext | None = getattr(request.state, "form", None)
    if form is not None and request.method not in ("GET", "HEAD"):
        return render(
            request,
            form.template,
            status_code=error.status_code,
            error=error,
            values=form.values,
            **form.context,
        )
    return render(request, "error.html", error=error, status_code=error.status_code)


def _redirect(request: Request, target: str) -> Response:
    if request.headers.get("hx-request") == "true":
        return HTMLResponse("", headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    errors = exc.errors()
    first = errors[0] if errors else {}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "form")]
    field_name = ".".join(loc) or None
    error = Invalid(
        _("Check the field %(field)s: %(problem)s", field=field_name or "?", problem=problem_text(first)),
        field=field_name,
    )
    response = humas_error_response(request, error)
    if is_api(request) and isinstance(response, JSONResponse):
        body = error.to_dict()
        body["errors"] = [
            {"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"), "message": e.get("msg", "")}
            for e in errors
        ]
        with use_locale(_locale(request)):
            body["message"] = str(error.message)
        return JSONResponse(body, status_code=422)
    return response


def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if exc.status_code == 404:
        return humas_error_response(request, NotFound(_("Page not found.")))
    if exc.status_code == 400:  # a body that is not JSON or form data at all: one vocabulary, a 422
        return humas_error_response(request, Invalid(_("The request body could not be read."), field="body"))
    error = HumasError(str(exc.detail))
    error.status_code = exc.status_code
    response = humas_error_response(request, error)
    for name, value in (exc.headers or {}).items():
        response.headers.setdefault(name, value)
    if exc.status_code == 405:
        response.headers["Allow"] = _allowed_methods(request) or response.headers.get("Allow", "")
    return response


def _allowed_methods(request: Request) -> str:
    """Every method the path answers (Starlette's own header names only the first route that matched)."""
    table = getattr(request.app.state, "route_methods", ())
    methods = {m for pattern, ms in table if pattern.match(request.url.path) for m in ms}
    return ", ".join(sorted(methods))


def _data_error(request: Request, exc: DataError) -> Response:
    # NOTE: a value the database cannot hold (an id past 32 bits on PostgreSQL, a number out of range) that a
    # route did not bound itself. The transaction is already rolled back; answer 422, not 500, and log it.
    logger.warning("database refused a value on %s %s: %s", request.method, request.url.path, exc.orig)
    return humas_error_response(request, Invalid(_("A value is out of range.")))


def install(app: FastAPI) -> None:
    app.add_exception_handler(HumasError, humas_error_response)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(DataError, _data_error)  # type: ignore[arg-type]
