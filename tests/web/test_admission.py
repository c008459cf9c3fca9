"""The admission gate keeps a burst of requests from deadlocking the worker threads against the database pool:
at most `limit` requests are inside the app at once; the rest wait without a thread or a connection."""

from __future__ import annotations

import asyncio

from humas.web.app import ADMITTED, AdmissionLimit
from tests.aio import run_in_own_thread


def test_at_most_limit_requests_are_inside_and_all_are_answered() -> None:
    inside, most, answered = 0, 0, []

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        await asyncio.sleep(0.01)
        inside -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": scope["path"].encode()})

    gate = AdmissionLimit(app, limit=3)

    async def one(i: int) -> None:
        async def send(message):  # type: ignore[no-untyped-def]
            if message["type"] == "http.response.body":
                answered.append(message["body"])

        await gate({"type": "http", "path": f"/p{i}", "method": "GET"}, None, send)

    async def burst() -> None:
        await asyncio.gather(*(one(i) for i in range(40)))

    run_in_own_thread(burst)
    assert most == 3
    assert sorted(answered) == sorted(f"/p{i}".encode() for i in range(40))
    # a second event loop (a new TestClient, a new uvicorn worker) gets its own gate
    answered.clear()
    run_in_own_thread(burst)
    assert len(answered) == 40


def test_static_files_do_not_wait_and_the_default_fits_the_pool() -> None:
    from sqlalchemy.pool import QueuePool

    pool = QueuePool(lambda: None)  # SQLAlchemy's defaults, as make_engine uses them
    assert ADMITTED < pool.size() + pool._max_overflow  # room left for the process's own background use
    seen = []

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        seen.append(scope["path"])

    gate = AdmissionLimit(app, limit=1)

    async def both() -> None:
        await asyncio.gather(*(gate({"type": "http", "path": "/static/x.css"}, None, None) for _ in range(5)))

    run_in_own_thread(both)
    assert seen == ["/static/x.css"] * 5
