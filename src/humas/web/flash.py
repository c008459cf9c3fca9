"""One-shot notices after a redirect ("Unit created."), carried in a short signed cookie."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from humas.core.i18n import gettext as translate
from humas.core.settings import get_settings
from humas.web.deps import sign, unsign

FLASH_COOKIE = "humas_flash"


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated when shown."""
    return message


def redirect(url: str, message: str | None = None, **params: Any) -> RedirectResponse:
    """303 to `url`, with an optional notice (a msgid marked with N_) shown on the next page."""
    response = RedirectResponse(url, status_code=303)
    if message:
        payload = json.dumps({"m": message, "p": {k: str(v) for k, v in params.items()}})
        response.set_cookie(
            FLASH_COOKIE,
            sign(payload, salt="humas.flash"),
            max_age=60,
            httponly=True,
            samesite="lax",
            path="/",
            secure=get_settings().cookie_secure,
        )
    return response


def pop_flash(request: Request, response: Response) -> str | None:
    """The pending notice in the current locale, cleared from the browser."""
    raw = unsign(request.cookies.get(FLASH_COOKIE), salt="humas.flash")
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/")
    if not raw:
        return None
    try:
        data = json.loads(raw)
        return translate(data["m"], **data.get("p", {}))
    except (ValueError, KeyError, TypeError):
        return None
