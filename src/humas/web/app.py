"""The web application: pages, the JSON API under /api/v1, static assets, security headers.

Routers are found by module name, so a domain adds pages by adding `humas/web/<domain>.py` (exposing
`router`) and its API by adding `humas/web/api/<domain>.py`, and naming it in the lists below.
"""

from __future__ import annotations

import asyncio
import importlib
import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from humas.web import errors
from humas.web.api.responses import ERROR_RESPONSES
from humas.web.deps import CurrentUser, csrf_protect
from humas.web.metrics import RequestMetrics, RouteTemplates, route_templates
from humas.web.nav import NAV
from humas.web.templating import render

STATIC_DIR = Path(__file__).resolve().parent / "static"
PAGE_MODULES = (
    "auth",
    "home",
    "units",
    "users",
    "audit",
    "profile",
    "mentions",
    "queries",
    "listening",
    "channels",
    "corrections",
    "ops",
    "publishing",
    "publishing_calendar",
    "publishing_post",
    "publishing_media",
    "publishing_admin",
    "publishing_kits",
    "publishing_campaigns",
    "inbox",
    # Before inbox_conversation, whose /inbox/{conversation_id} would take /inbox/approvals and the like.
    "inbox_policies",
    "inbox_replies",
    "inbox_lapor",
    "inbox_teams",
    "guardrails",
    "inbox_conversation",
    "reports",
    "reports_archive",
)
API_MODULES = ("org", "mentions", "listening", "channels", "inbox", "reports")
API_PREFIX = "/api/v1"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    """Pure ASGI middleware: security headers on every response; pages are never cached by proxies."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _v in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                if b"cache-control" not in present:
                    value = b"public, max-age=3600" if is_static else b"no-store"
                    headers.append((b"cache-control", value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


# Requests let into the app at once, per web process: below the database pool's size (SQLAlchemy's default
# 5 + 10 overflow, leaving room for the process's own background use). Without it, a burst of requests
# deadlocks: every worker thread waits for a pooled connection inside a dependency while the requests that
# hold the connections wait for a worker thread to run their endpoint (seen with 100 users in `humas bench
# load`: the pool timed out after 30 s with the CPUs idle). Waiting here holds neither a thread nor a
# connection.
ADMITTED = 12


class AdmissionLimit:
    """Pure ASGI middleware: at most ``limit`` requests inside the app at once; the rest wait their turn
    (first come, first served). Static files pass without waiting: they touch no database."""

    def __init__(self, app: ASGIApp, limit: int = ADMITTED) -> None:
        self.app = app
        self.limit = limit
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(self.limit)
        async with gate:
            await self.app(scope, receive, send)


class HeadAsGet:
    """Pure ASGI middleware: a page answers HEAD as its GET without the body (RFC 9110); FastAPI routes
    list only the methods they declare, so HEAD /login would otherwise be a 405. The JSON API is left as
    its schema declares it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD" or scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)


def _import_router(module: str) -> APIRouter | None:
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise
    return getattr(mod, "router", None)


@dataclass(frozen=True)
class RouteInfo:
    """One served route, with the prefix of the router it was included by."""

    path: str
    methods: frozenset[str]
    route: APIRoute


def iter_routes(app: FastAPI) -> Iterator[RouteInfo]:
    """Every API route of the app, included routers flattened (FastAPI keeps them nested and lazy)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI flattens included routers itself
        for route in app.routes:
            if isinstance(route, APIRoute):
                yield RouteInfo(route.path, frozenset(route.methods or ()), route)
        return
    for context in iter_route_contexts(app.routes):
        original = context.original_route
        if isinstance(original, APIRoute) and context.path:
            yield RouteInfo(context.path, frozenset(context.methods or ()), original)


def _add_placeholders(app: FastAPI) -> tuple[str, ...]:
    """Navigation sections nobody serves yet get an honest "not available yet" page; returns their keys."""
    served = {r.path for r in iter_routes(app) if "GET" in r.methods}
    missing = []
    for item in NAV:
        if item.href in served:
            continue
        missing.append(item.key)

        def placeholder(request: Request, user: CurrentUser, _item=item) -> HTMLResponse:  # noqa: B008
            return render(request, "placeholder.html", item=_item)

        app.add_api_route(
            item.href,
            placeholder,
            methods=["GET"],
            include_in_schema=False,
            response_class=HTMLResponse,
            name=f"placeholder_{item.key}",
        )
    return tuple(missing)


def create_app() -> FastAPI:
    """Build the app (served by `humas serve` as `humas.web.app:create_app` with factory=True)."""
    app = FastAPI(
        title="humas API",
        version="1",
        description="JSON API of humas. Authenticate with `Authorization: Bearer hms_...` (tokens are made "
        "on the profile page).",
        openapi_url=f"{API_PREFIX}/openapi.json",
        # NOTE: the interactive docs load scripts from a CDN; humas must work offline, so they are off.
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(csrf_protect)],
    )
    errors.install(app)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(HeadAsGet)
    app.add_middleware(AdmissionLimit)
    app.add_middleware(RequestMetrics)  # outermost: latencies include the wait for admission
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for name in PAGE_MODULES:
        router = _import_router(f"humas.web.{name}")
        if router is not None:
            app.include_router(router)
    for name in API_MODULES:
        router = _import_router(f"humas.web.api.{name}")
        if router is not None:
            app.include_router(router, prefix=API_PREFIX, responses=ERROR_RESPONSES)
    app.state.unbuilt_sections = _add_placeholders(app)
    app.state.served_get_paths = frozenset(r.path for r in iter_routes(app) if "GET" in r.methods)
    app.state.route_methods = _route_methods(app)
    app.state.route_templates = RouteTemplates(route_templates(app))
    return app


def _route_methods(app: FastAPI) -> tuple[tuple[re.Pattern[str], frozenset[str]], ...]:
    """Each served path (as a pattern) with every method it answers, for a 405's `Allow` header."""
    by_path: dict[str, set[str]] = {}
    for info in iter_routes(app):
        by_path.setdefault(info.path, set()).update(info.methods)
    return tuple((compile_path(path)[0], frozenset(methods)) for path, methods in by_path.items())
