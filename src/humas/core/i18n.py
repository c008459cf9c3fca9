"""Gettext catalogs (Babel): Indonesian by default, English on request.

Services mark messages with `_()`; the text is a lazy string rendered in the locale of the current
request (a context variable), so a domain error raised deep in a service reaches the user in their language.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from babel.support import LazyProxy, NullTranslations, Translations

LOCALES = ("id", "en")
DEFAULT_LOCALE = "id"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "messages"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("humas_locale", default=DEFAULT_LOCALE)


@cache
def translations(locale: str) -> NullTranslations:
    """Load the compiled catalog; the msgids are English, so English needs no catalog to work."""
    return Translations.load(str(LOCALE_DIR), [locale], domain=DOMAIN)


def get_locale() -> str:
    return _current.get()


def set_locale(locale: str | None) -> contextvars.Token[str]:
    return _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


@contextmanager
def use_locale(locale: str | None) -> Iterator[None]:
    token = set_locale(locale)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str, **params: Any) -> str:
    text = translations(get_locale()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    text = translations(get_locale()).ngettext(singular, plural, n)
    return text % {"num": n, **params}


def _(message: str, **params: Any) -> Any:
    """Lazy translatable string: rendered when shown, in the locale current at that time."""
    return LazyProxy(gettext, message, enable_cache=False, **params)
