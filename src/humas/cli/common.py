"""Shared CLI plumbing: domain errors become a message on stderr and exit 1."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console

from humas.core.errors import HumasError

err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def fail(message: object, *, code: int = 1) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {message}", markup=True, highlight=False, soft_wrap=True)
    return typer.Exit(code)


def handle_errors(func: F) -> F:
    """Print a HumasError (naming its field) to stderr and exit 1 instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except HumasError as exc:
            where = f" ({exc.field})" if exc.field else ""
            raise fail(f"{exc}{where}") from None

    return wrapper  # type: ignore[return-value]
