"""Pengaturan → Kanal (/channels): health, connect, re-enter credentials, poll now; webhook receivers.

The webhook receivers are plain Starlette routes: they bypass the app's session and CSRF dependencies
(a platform has neither a cookie nor a CSRF token; each delivery is verified by its signature or secret
token instead) and stay out of the OpenAPI schema.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from humas.channels import platforms
from humas.channels import service as channels_service
from humas.channels.models import Channel
from humas.connectors.registry import webhook_routes
from humas.connectors.spec import WebhookSpec
from humas.core.errors import HumasError, Invalid
from humas.core.i18n import _
from humas.org import service as org_service
from humas.org.models import User
from humas.web.deps import CurrentUser, DbSession, get_db
from humas.web.errors import with_form
from humas.web.flash import N_, redirect
from humas.web.params import IdPath, OptionalId, OptionalPageParam, parse_field
from humas.web.templating import render

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
BASE = "/channels"
FIELD_MAX = 4_000


@dataclass(frozen=True)
class ChannelRow:
    """Plain data for templates: health and identity, never credentials."""

    id: int
    name: str
    platform: str
    platform_label: str
    unit_id: int
    unit_name: str
    account: str
    status: str
    last_polled_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    rate_limited_until: datetime | None
    next_poll_at: datetime | None
    credentials_rotated_at: datetime
    polls: bool
    webhook: str | None  # the verification scheme of the platform's webhook, if it pushes
    webhook_route: str | None
    webhook_switchable: bool  # the webhook is switched on and off here (Telegram), instead of polling


def channel_row(channel: Channel) -> ChannelRow:
    spec = platforms.spec(channel.platform)
    return ChannelRow(
        id=channel.id,
        name=channel.name,
        platform=channel.platform,
        platform_label=spec.label,
        unit_id=channel.unit_id,
        unit_name=channel.unit.name,
        account=channel.account_external_id,
        status=channel.status,
        last_polled_at=channel.last_polled_at,
        last_success_at=channel.last_success_at,
        last_error=channel.last_error,
        consecutive_failures=channel.consecutive_failures,
        rate_limited_until=channel.rate_limited_until,
        next_poll_at=channel.next_poll_at,
        credentials_rotated_at=channel.credentials_rotated_at,
        polls=spec.source is not None,
        webhook=spec.webhook.kind if spec.webhook else None,
        webhook_route=spec.webhook.route if spec.webhook else None,
        webhook_switchable=bool(spec.webhook and spec.webhook.switch),
    )


def _platform_choices() -> list[tuple[str, str]]:
    return [(name, platforms.spec(name).label) for name in platforms.platform_names()]


def _fields(platform: str) -> list[dict[str, Any]]:
    return [
        {
            "name": f.name,
            "label": f.label,
            "secret": f.secret,
            "required": f.required,
        }
        for f in platforms.form_fields(platform)
    ]


def _public_values(platform: str, values: dict[str, Any]) -> dict[str, Any]:
    """What a form may show again after an error: never a secret."""
    secret = platforms.secret_names(platform) if platform in platforms.platform_names() else set()
    return {k: v for k, v in values.items() if k not in secret}


@router.get(BASE, response_class=HTMLResponse)
def channels_page(
    request: Request, session: DbSession, user: CurrentUser, page: OptionalPageParam = None
) -> HTMLResponse:
    """Channels of the user's subtree with their health, a page at a time."""
    listed = channels_service.page_channels(session, user, page=page)
    return render(
        request,
        "channels/index.html",
        rows=[channel_row(c) for c in listed],
        page=listed,
        reauth=[channel_row(c) for c in channels_service.channels_needing_reauth(session, user)],
        platforms=_platform_choices(),
    )


def _new_context(session: Session, user: User, platform: str) -> dict[str, Any]:
    if platform not in platforms.platform_names():
        raise Invalid(_("Choose a platform."), field="platform")
    units = [(u.id, u.name, u.depth) for u in org_service.list_units(session, user)]
    return {
        "platform": platform,
        "platform_label": platforms.spec(platform).label,
        "fields": _fields(platform),
        "units": units,
        "base_depth": min((d for _i, _n, d in units), default=0),
    }


@router.get(BASE + "/new", response_class=HTMLResponse, response_model=None)
def new_channel_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    platform: Annotated[str, Query(max_length=FIELD_MAX)] = "",
) -> Response:
    """The form to connect an account of one platform (without one: back to the platform chooser)."""
    if platform not in platforms.platform_names():
        return redirect(f"{BASE}#platform-choices", N_("Choose a platform."))
    context = _new_context(session, user, platform)
    return render(request, "channels/new.html", **context, error=None, values={})


@router.post(BASE)
async def add_channel(request: Request, session: DbSession, user: CurrentUser) -> Response:
    """Connect an account: its credentials are checked with one call to the platform."""
    data = await _form_data(request)
    # NOTE: the credentials check calls the platform: keep it off the event loop.
    return await run_in_threadpool(_add_channel, request, session, user, data)


async def _form_data(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and len(v) <= FIELD_MAX}


def _add_channel(request: Request, session: Session, user: User, data: dict[str, str]) -> Response:
    platform = data.get("platform", "")
    context = _new_context(session, user, platform)
    with_form(request, "channels/new.html", values=_public_values(platform, data), **context)
    unit_id = parse_field(OptionalId, data.get("unit_id", ""), field="unit_id")
    if unit_id is None:
        raise Invalid(_("Choose a unit."), field="unit_id")
    unit = org_service.access_unit(session, user, unit_id)
    channel = channels_service.add_channel(
        session, unit=unit, platform=platform, name=data.get("name", ""), values=data, actor=user
    )
    return redirect(f"{BASE}/{channel.id}", N_("Channel %(name)s connected."), name=channel.name)


def _detail_context(session: Session, channel: Channel, request: Request) -> dict[str, Any]:
    row = channel_row(channel)
    base = str(request.base_url).rstrip("/")
    webhook_url = f"{base}/webhooks/{row.webhook_route}/{channel.id}" if row.webhook_route else None
    outbox = channels_service.list_outbox(session, channel=channel, limit=20)
    return {
        "channel": row,
        "webhook_switched_on": channels_service.webhook_switched_on(channel),
        "fields": _fields(channel.platform),
        "webhook_url": webhook_url,
        "outbox": [
            (e.id, e.medium, e.shown_status, e.attempts, e.external_id, e.created_at, e.last_error)
            for e in outbox
        ],
    }


@router.get(BASE + "/{channel_id}", response_class=HTMLResponse)
def channel_page(request: Request, session: DbSession, user: CurrentUser, channel_id: IdPath) -> HTMLResponse:
    """One channel: health, webhook address, re-enter credentials, poll now, recent writes."""
    channel = channels_service.access_channel(session, user, channel_id)
    return render(
        request, "channels/detail.html", **_detail_context(session, channel, request), error=None, values={}
    )


@router.post(BASE + "/{channel_id}/credentials")
async def rotate_credentials(
    request: Request, session: DbSession, user: CurrentUser, channel_id: IdPath
) -> Response:
    """Re-enter a channel's credentials (after expiry or a leak)."""
    data = await _form_data(request)
    return await run_in_threadpool(_rotate, request, session, user, channel_id, data)


def _rotate(
    request: Request, session: Session, user: User, channel_id: int, data: dict[str, str]
) -> Response:
    channel = channels_service.access_channel(session, user, channel_id)
    with_form(
        request,
        "channels/detail.html",
        values=_public_values(channel.platform, data),
        **_detail_context(session, channel, request),
    )
    channels_service.rotate_credentials(session, channel=channel, values=data, actor=user)
    return redirect(f"{BASE}/{channel.id}", N_("New credentials saved for %(name)s."), name=channel.name)


@router.post(BASE + "/{channel_id}/poll")
def poll_now(request: Request, session: DbSession, user: CurrentUser, channel_id: IdPath) -> Response:
    """Poll the channel now (a job; the page shows the outcome when it has run)."""
    channel = channels_service.access_channel(session, user, channel_id)
    channels_service.request_poll(session, channel=channel, actor=user)
    return redirect(f"{BASE}/{channel.id}", N_("Poll of %(name)s queued."), name=channel.name)


@router.post(BASE + "/{channel_id}/writes/{message_id}/retry")
def retry_write(
    request: Request, session: DbSession, user: CurrentUser, channel_id: IdPath, message_id: IdPath
) -> Response:
    """Send a failed write again (from the channel's recent writes)."""
    channel = channels_service.access_channel(session, user, channel_id)
    entry = channels_service.access_write(session, channel=channel, message_id=message_id)
    channels_service.retry_write(session, channel=channel, entry=entry, actor=user)
    return redirect(f"{BASE}/{channel.id}", N_("The write will be sent again."))


@router.post(BASE + "/{channel_id}/webhook-mode")
async def webhook_mode(
    request: Request, session: DbSession, user: CurrentUser, channel_id: IdPath
) -> Response:
    """Switch a channel to webhook delivery (Telegram's setWebhook) or back to polling."""
    data = await _form_data(request)
    return await run_in_threadpool(_webhook_mode, request, session, user, channel_id, data)


def _webhook_mode(
    request: Request, session: Session, user: User, channel_id: int, data: dict[str, str]
) -> Response:
    channel = channels_service.access_channel(session, user, channel_id)
    with_form(request, "channels/detail.html", values={}, **_detail_context(session, channel, request))
    enabled = data.get("enabled") == "1"
    channels_service.set_webhook_mode(session, channel=channel, enabled=enabled, actor=user)
    if enabled:
        return redirect(
            f"{BASE}/{channel.id}", N_("The platform now delivers %(name)s by webhook."), name=channel.name
        )
    return redirect(f"{BASE}/{channel.id}", N_("%(name)s is polled again."), name=channel.name)


# --- webhook receivers ---------------------------------------------------------------------------------


def _db_session(request: Request) -> Any:
    """The request's unit of work, as pages get it from `get_db` (which tests may override)."""
    return contextmanager(request.app.dependency_overrides.get(get_db, get_db))()


async def _read_body(request: Request) -> bytes | None:
    """The raw body (signatures are over these exact bytes); ``None`` when it is too large."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > channels_service.MAX_WEBHOOK_BODY:
            return None
    return body


def _answer(fn: Any, request: Request, **kwargs: Any) -> Response:
    try:
        with _db_session(request) as session:
            result = fn(session, **kwargs)
    except channels_service.DeliveryRefused as exc:
        return PlainTextResponse(_refusal_text(exc.status_code), status_code=exc.status_code)
    except HumasError as exc:
        log.warning("webhook for channel %s failed: %s", kwargs.get("channel_id"), exc.code)
        return PlainTextResponse("unavailable", status_code=503)
    if isinstance(result, str):
        return PlainTextResponse(result)
    return PlainTextResponse("ok")


def _refusal_text(status: int) -> str:
    return {400: "malformed", 401: "bad signature", 403: "forbidden", 404: "unknown channel"}.get(
        status, "refused"
    )


def _receiver(kind: str) -> Any:
    """The receiver of one webhook kind: a subscription handshake (GET), if any, then deliveries (POST)."""

    async def receive(request: Request) -> Response:
        channel_id = int(request.path_params["channel_id"])
        if request.method == "GET":
            params = dict(request.query_params)
            return await run_in_threadpool(
                _answer,
                channels_service.answer_handshake,
                request,
                channel_id=channel_id,
                kind=kind,
                params=params,
            )
        body = await _read_body(request)
        if body is None:
            return PlainTextResponse("too large", status_code=413)
        return await run_in_threadpool(
            _answer,
            channels_service.receive_delivery,
            request,
            channel_id=channel_id,
            kind=kind,
            raw_body=body,
            headers=dict(request.headers),
        )

    return receive


def _webhook_route(route: str, hook: WebhookSpec) -> Route:
    methods = ["GET", "POST"] if hook.handshake is not None else ["POST"]
    return Route(f"/webhooks/{route}/{{channel_id:int}}", _receiver(hook.kind), methods=methods)


router.routes.extend(_webhook_route(route, hook) for route, hook in webhook_routes().items())
