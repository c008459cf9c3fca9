"""Running a coroutine from a sync test: in a thread of its own, because a browser test earlier in the run
leaves Playwright's event loop in the main thread, where `asyncio.run` refuses to start another."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def run_in_own_thread(coro_fn: Callable[[], Awaitable[T]]) -> T:
    """`asyncio.run(coro_fn())` in a new thread; its result, or its exception raised here."""
    results: list[T] = []
    errors: list[BaseException] = []

    async def main() -> T:
        return await coro_fn()

    def target() -> None:
        try:
            results.append(asyncio.run(main()))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return results[0]
