"""Jinja2 environment (autoescape everywhere, gettext wired to core.i18n) and the `render` helper."""

from __future__ import annotations

import contextvars
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from humas.core import workcal
from humas.core.i18n import get_locale, translations, use_locale
from humas.ingest.service.threads import display_text
from humas.web.deps import request_locale
from humas.web.nav import nav_items

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


def _gettext(message: str) -> str:
    return translations(get_locale()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return translations(get_locale()).ngettext(singular, plural, n)


# The zone of the page being rendered: the viewer's unit's (WIB, WITA or WIT); see `viewer_zone`.
_zone: contextvars.ContextVar[ZoneInfo | None] = contextvars.ContextVar("humas_zone", default=None)


def viewer_zone(request: Request) -> ZoneInfo:
    """The logged-in viewer's unit zone (filled by `web_auth`); pages without a viewer use the default."""
    view = getattr(request.state, "user_view", None)
    return workcal.zone_of(getattr(view, "zone", None))


def _datetime(value: datetime | None, fmt: str = "medium") -> str:
    """A time in the viewer's zone with its label: "1 Des 2026 09.00 WITA"."""
    if value is None:
        return "—"
    zone = _zone.get() or workcal.zone_of(None)
    text = format_datetime(value, fmt, tzinfo=zone, locale=get_locale())
    return f"{text} {workcal.zone_label(zone, value)}"


def _number(value: float | int | None) -> str:
    """A count in the page's language: "10.000" in Indonesian, "10,000" in English."""
    return "—" if value is None else format_decimal(value, locale=get_locale())


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
    env.filters["mention_text"] = display_text  # a media-only mention shows "[gambar]" etc. (escaped)
    env.globals["nav_items"] = nav_items
    env.filters["number"] = _number
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
    token = _zone.set(viewer_zone(request))
    try:
        with use_locale(context["locale"]):
            return environment().get_template(template).render(context)
    finally:
        _zone.reset(token)


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
