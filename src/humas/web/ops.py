"""Operations endpoints: `/healthz` (the process answers), `/readyz` (it can serve: database and queue
reachable) and `/metrics` (Prometheus). None needs a login; /metrics answers loopback clients, or anyone
with the `HUMAS_METRICS_TOKEN` bearer token. See docs/deploy.md (monitoring)."""

from __future__ import annotations

import hmac
import ipaddress
import logging
from functools import cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from humas.core.settings import get_settings
from humas.web.deps import DbSession
from humas.web.metrics import render_metrics

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
PROBE_TIMEOUT_S = 2


@router.get("/healthz")
def healthz() -> JSONResponse:
    """Liveness: the process is up and answering (touches neither the database nor the queue)."""
    return JSONResponse({"status": "ok"}, headers={"cache-control": "no-store"})


@router.get("/readyz")
def readyz(session: DbSession) -> JSONResponse:
    """Readiness: 200 when the database (and Redis, when configured) answer within a short time; 503 with
    the failing check's reason otherwise, so a load balancer stops sending requests here."""
    checks = {"database": _check_database(session)}
    if get_settings().redis_url:
        checks["queue"] = _check_redis(get_settings().redis_url or "")
    ready = all(value == "ok" for value in checks.values())
    body: dict[str, Any] = {"status": "ready" if ready else "unavailable", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503, headers={"cache-control": "no-store"})


def _check_database(session: Session) -> str:
    try:
        if session.get_bind().dialect.name == "postgresql":
            # NOTE: set_config(..., true) lasts until the transaction ends; put the old value back, since a
            # test's transaction outlives this request.
            old = session.scalar(text("SELECT current_setting('statement_timeout')"))
            session.execute(
                text("SELECT set_config('statement_timeout', :v, true)"), {"v": f"{PROBE_TIMEOUT_S}s"}
            )
            session.execute(text("SELECT 1"))
            session.execute(text("SELECT set_config('statement_timeout', :v, true)"), {"v": old})
        else:
            session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as exc:
        session.rollback()
        log.warning("readiness: database unreachable: %s", exc)
        return f"unreachable: {type(exc).__name__}"
    return "ok"


@cache
def _redis_client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=PROBE_TIMEOUT_S, socket_timeout=PROBE_TIMEOUT_S)


def _check_redis(url: str) -> str:
    import redis

    try:
        _redis_client(url).ping()
    except (redis.RedisError, OSError) as exc:
        log.warning("readiness: queue unreachable: %s", exc)
        return f"unreachable: {type(exc).__name__}"
    return "ok"


@router.get("/metrics")
def metrics(request: Request, session: DbSession) -> Response:
    """Prometheus metrics: for loopback clients, or with `Authorization: Bearer <HUMAS_METRICS_TOKEN>`."""
    if not _may_scrape(request):
        return JSONResponse({"error": "metrics_forbidden"}, status_code=403)
    return Response(render_metrics(session), media_type=CONTENT_TYPE_LATEST)


def _may_scrape(request: Request) -> bool:
    token = get_settings().metrics_token
    header = request.headers.get("authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").encode(), token.encode())
    # uvicorn's proxy_headers put the address from X-Forwarded-For here when the proxy is trusted (loopback),
    # so a request through the reverse proxy is not mistaken for a local one.
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
