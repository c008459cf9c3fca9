"""Prometheus metrics: request latency per route template (measured in each web process) and the state of
the installation (queue depth, outbox backlog, ingest rate, last successful poll per channel), read from the
database and the queue when /metrics is scraped.

Several web processes: `humas serve` points PROMETHEUS_MULTIPROC_DIR at an empty folder before it starts
them, each process writes its histogram there, and a scrape sums every process's files; the gauges come from
the database at scrape time, so any process (on any machine) answers them the same. See
docs/decisions/0082-operations.md.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Iterator
from datetime import timedelta
from functools import lru_cache

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from humas.channels import service as channels_service
from humas.core.time import utcnow
from humas.ingest.models import Mention
from humas.outbox import service as outbox_service

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
OTHER_ROUTE = "<other>"
# The ingest-rate gauge counts the newest rows by primary key only, so a scrape costs the same at any size.
RATE_WINDOW = timedelta(minutes=1)
RATE_SCAN_ROWS = 300_000

REQUEST_SECONDS = Histogram(
    "humas_http_request_duration_seconds",
    "Time to answer a request, by method, route template and status class.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0),
)


class RouteTemplates:
    """The route template (`/channels/{channel_id}`) a path was served by; unknown paths share one label, so
    a scan of random URLs cannot grow the series without bound."""

    def __init__(self, templates: Iterable[str]) -> None:
        self._patterns = [(compile_path(t)[0], t) for t in sorted(set(templates), key=_static_first)]
        self.label = lru_cache(maxsize=4096)(self._label)

    def _label(self, path: str) -> str:
        if path.startswith("/static/"):
            return "/static/{path}"
        for pattern, template in self._patterns:
            if pattern.match(path):
                return template
        return OTHER_ROUTE


def _static_first(template: str) -> tuple[int, str]:
    return (template.count("{"), template)


def route_templates(app: FastAPI) -> list[str]:
    """Every path the app serves: API routes (included routers flattened) and plain routes (webhooks)."""
    from humas.web.app import iter_routes

    found = [info.path for info in iter_routes(app)]
    try:  # FastAPI keeps included routers nested: their plain routes (webhooks) are found through contexts
        from fastapi.routing import iter_route_contexts

        found += [
            c.path for c in iter_route_contexts(app.routes) if c.path and not c.path.startswith("/static")
        ]
    except ImportError:  # pragma: no cover - older FastAPI flattens them into app.routes
        pass
    stack = list(app.router.routes)
    while stack:
        route = stack.pop()
        path = getattr(route, "path", None)
        if isinstance(path, str) and path and not path.startswith("/static"):
            found.append(path)
        stack.extend(getattr(route, "routes", []) or [])
    return found


class RequestMetrics:
    """Pure ASGI middleware: each answered request's time into the latency histogram."""

    def __init__(self, app: ASGIApp, *, routes: RouteTemplates | None = None) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_recording)
        finally:
            templates = self.routes or scope["app"].state.route_templates
            REQUEST_SECONDS.labels(
                scope["method"], templates.label(scope["path"]), f"{status // 100}xx"
            ).observe(time.perf_counter() - started)


# --- the installation's state, read at scrape time ---------------------------------------------------


def queue_depth() -> tuple[str, int, int]:
    """(queue name, tasks waiting, tasks scheduled for later) of the huey queue."""
    from humas.jobs import huey

    return huey.name, int(huey.pending_count()), int(huey.scheduled_count())


def mentions_last_minute(session: Session) -> int:
    """Mentions stored in the last minute (by their fetched_at), among the newest rows by primary key."""
    newest = select(Mention.fetched_at).order_by(Mention.id.desc()).limit(RATE_SCAN_ROWS).subquery()
    since = utcnow() - RATE_WINDOW
    return int(session.scalar(select(func.count()).select_from(newest).where(newest.c.fetched_at >= since)))


def _state_metrics(session: Session) -> Iterator[Metric]:
    name, pending, scheduled = queue_depth()
    queue = GaugeMetricFamily("humas_queue_tasks", "Tasks in the task queue.", labels=["queue", "state"])
    queue.add_metric([name, "pending"], pending)
    queue.add_metric([name, "scheduled"], scheduled)
    yield queue
    outbox = GaugeMetricFamily(
        "humas_outbox_messages",
        "Outbox rows by status (pending, sending, unknown: the backlog).",
        labels=["status"],
    )
    for status, count in sorted(outbox_service.count_by_status(session).items()):
        outbox.add_metric([status], count)
    yield outbox
    yield GaugeMetricFamily(
        "humas_ingest_mentions_last_minute",
        f"Mentions stored in the last minute (counted among the newest {RATE_SCAN_ROWS} rows).",
        value=mentions_last_minute(session),
    )
    polled = GaugeMetricFamily(
        "humas_channel_last_success_timestamp_seconds",
        "When each active channel was last polled successfully (Unix time; 0: never).",
        labels=["channel_id", "platform"],
    )
    for channel_id, platform, last in channels_service.poll_freshness(session):
        polled.add_metric([str(channel_id), platform], last.timestamp() if last else 0.0)
    yield polled


class StateCollector(Collector):
    """The database- and queue-backed gauges of one scrape, on the request's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("humas_state_up", "1 when the database and queue answered this scrape.")
        try:
            metrics = list(_state_metrics(self.session))
        except Exception:  # noqa: BLE001 - a scrape still answers the latencies when the database is down
            self.session.rollback()
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from metrics


def render_metrics(session: Session) -> bytes:
    """The text exposition: every web process's latencies and the installation's state."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessMetrics())
    registry.register(StateCollector(session))
    return generate_latest(registry)


class _ProcessMetrics(Collector):
    """This one process's own series (latency histogram, process and platform collectors)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


NAME_RE = re.compile(r"^# TYPE (\S+) ", re.M)


def series_names(exposition: str) -> set[str]:
    """The metric names a text exposition declares (for tests and `humas cluster` checks)."""
    return set(NAME_RE.findall(exposition))
