"""Jinja2 environment (autoescape everywhere, gettext wired to core.i18n) and the `render` helper."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_datetime, get_timezone
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from humas.core.i18n import get_locale, translations, use_locale
from humas.web.deps import request_locale
from humas.web.nav import nav_items

# NOTE: times are shown in WIB for now; a per-unit time zone (WITA, WIT) belongs to the unit settings.
JAKARTA = get_timezone("Asia/Jakarta")
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


def _gettext(message: str) -> str:
    return translations(get_locale()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return translations(get_locale()).ngettext(singular, plural, n)


def _datetime(value: datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return "—"
    return format_datetime(value, fmt, tzinfo=JAKARTA, locale=get_locale())


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        # NOTE: autoescape for every template, whatever its extension: user text is hostile input.
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["datetime"] = _datetime
    env.globals["nav_items"] = nav_items
    return env


def add_template_dir(path: Path) -> None:
    """Let another domain's web module add its own template folder (searched after the shell's)."""
    loader = environment().loader
    assert isinstance(loader, FileSystemLoader)
    if str(path) not in loader.searchpath:
        loader.searchpath.append(str(path))


def render_string(request: Request, template: str, **ctx: Any) -> str:
    state = request.state
    context = {
        "request": request,
        "user": getattr(state, "user_view", None),
        "csrf_token": getattr(state, "csrf_token", None),
        "locale": getattr(state, "locale", None) or request_locale(request),
        "current_path": request.url.path,
        **ctx,
    }
    with use_locale(context["locale"]):
        return environment().get_template(template).render(context)


def render(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **ctx: Any,
) -> HTMLResponse:
    """Render a template with the shell's context (user, CSRF token, locale) in the request's locale."""
    from humas.web.flash import pop_flash

    response = HTMLResponse("", status_code=status_code, headers=headers)
    with use_locale(getattr(request.state, "locale", None) or request_locale(request)):
        ctx.setdefault("flash", pop_flash(request, response))
    response.body = response.render(render_string(request, template, **ctx))
    response.headers["content-length"] = str(len(response.body))
    return response
