"""Add, list, fetch and re-authorise channels; credentials are validated with a real call first."""

from __future__ import annotations

import logging
import secrets as pysecrets
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.channels import platforms
from humas.channels.models import Channel, Health
from humas.channels.redact import scrub
from humas.connectors.errors import AuthExpired, ConnectorError, RateLimited
from humas.core import secrets
from humas.core.errors import Conflict, Invalid, NotFound
from humas.core.i18n import _
from humas.core.pages import Page, paginate
from humas.core.settings import get_settings
from humas.core.time import utcnow
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit
from humas.org.service import Principal

log = logging.getLogger(__name__)
T = TypeVar("T")
VALUE_MAX = 4000
MIN_INTERVAL_S = 60


def get_channel(session: Session, channel_id: int) -> Channel:
    channel = session.get(Channel, channel_id)
    if channel is None:
        raise NotFound(_("Channel not found."))
    return channel


def access_channel(session: Session, actor: Principal, channel_id: int) -> Channel:
    """Fetch a channel of the actor's subtree; any other id is simply not found."""
    channel = session.get(Channel, channel_id)
    if channel is None or not org_service.can_access(actor, channel.unit):
        raise NotFound(_("Channel not found."))
    return channel


def _channels_of(session: Session, actor: Principal | None) -> Any:
    stmt = select(Channel).order_by(Channel.unit_id, Channel.name, Channel.id)
    if actor is not None:
        stmt = stmt.where(Channel.unit_id.in_(org_service.visible_unit_ids(session, actor)))
    return stmt


def list_channels(session: Session, actor: Principal | None = None) -> list[Channel]:
    """Channels of the actor's subtree (all of them for the CLI and jobs), by unit then name."""
    return list(session.scalars(_channels_of(session, actor)))


def page_channels(session: Session, actor: Principal, *, page: int | None = None) -> Page[Channel]:
    """One page of the channels of the actor's subtree, with their total."""
    return paginate(session, _channels_of(session, actor), page=page)


def channels_needing_reauth(session: Session, actor: Principal) -> list[Channel]:
    """Every channel of the actor's subtree whose credentials the platform refuses (shown above any page)."""
    stmt = _channels_of(session, actor).where(Channel.status == Health.needs_reauth.value)
    return list(session.scalars(stmt))


def channel_values(channel: Channel) -> dict[str, Any]:
    """The decrypted credentials; for connectors only, never for display."""
    return secrets.decrypt(channel.credentials_encrypted)


def _clean_values(platform: str, raw: dict[str, Any], *, require: bool) -> dict[str, str]:
    values: dict[str, str] = {}
    for spec_field in platforms.form_fields(platform):
        value = raw.get(spec_field.name)
        value = value.strip() if isinstance(value, str) else ""
        if len(value) > VALUE_MAX or any(ord(c) < 32 for c in value):
            raise Invalid(_("This value is not valid."), field=spec_field.name)
        if value:
            values[spec_field.name] = value
        elif require and spec_field.required:
            raise Invalid(_("This field is required."), field=spec_field.name)
    return values


def _validate(platform: str, values: dict[str, str], *, field: str) -> str | None:
    """The probe call, its errors turned into a user-safe message naming the field to fix."""
    return _platform_call(platform, values, lambda: platforms.probe(platform, values), field=field)


def _platform_call(platform: str, values: dict[str, str], call: Callable[[], T], *, field: str) -> T:
    """One call to the platform with these credentials; its errors become an ``Invalid`` on ``field``."""
    try:
        return call()
    except AuthExpired:
        raise Invalid(_("The platform refused these credentials."), field=field) from None
    except RateLimited as exc:
        raise Invalid(
            _(
                "The platform asks to wait %(seconds)s seconds; try again then.",
                seconds=int(exc.retry_after_s),
            ),
            field=field,
        ) from None
    except (ConnectorError, KeyError, TypeError, ValueError) as exc:
        detail = scrub(str(exc), values.values())[:300]
        log.info("channel credentials check failed on %s: %s", platform, detail)
        raise Invalid(
            _("The platform did not accept the check: %(detail)s", detail=detail), field=field
        ) from None


def _first_secret(platform: str) -> str:
    return next((f.name for f in platforms.form_fields(platform) if f.secret), "platform")


def add_channel(
    session: Session,
    *,
    unit: Unit,
    platform: str,
    name: str,
    values: dict[str, Any],
    actor: Principal,
    interval_s: int = 300,
) -> Channel:
    """Connect an official account of a unit; its credentials are checked with one real call first."""
    org_service.require_role(actor, Role.admin)
    if not org_service.can_access(actor, unit):
        raise NotFound(_("Unit not found."))
    if platform not in platforms.platform_names():
        raise Invalid(_("Choose a platform."), field="platform")
    if interval_s < MIN_INTERVAL_S:
        raise Invalid(_("Poll a channel at most once a minute."), field="interval_s")
    name = org_service.clean_name(name)
    clean = _clean_values(platform, values, require=True)
    secrets.available()  # refuse early and clearly when no Fernet key is configured
    account_field = platforms.spec(platform).account_field
    reported = _validate(platform, clean, field=_first_secret(platform))
    account = reported or (clean.get(account_field) if account_field else None) or name
    duplicate = select(Channel.id).where(
        Channel.unit_id == unit.id, Channel.platform == platform, Channel.account_external_id == account
    )
    if session.scalar(duplicate) is not None:
        raise Conflict(_("This account is already connected for this unit."), field=account_field or "name")
    channel = Channel(
        unit_id=unit.id,
        platform=platform,
        name=name,
        account_external_id=account[:255],
        credentials_encrypted=secrets.encrypt(clean),
        interval_s=interval_s,
        status=Health.never_run.value,
        next_poll_at=utcnow(),
    )
    session.add(channel)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="channel.add",
        obj=channel,
        unit=unit,
        after={"platform": platform, "account": channel.account_external_id, "fields": sorted(clean)},
    )
    return channel


def rotate_credentials(
    session: Session, *, channel: Channel, values: dict[str, Any], actor: Principal
) -> Channel:
    """Re-enter credentials (new tokens after expiry or a leak); checked with a real call like on add."""
    org_service.require_role(actor, Role.admin)
    given = _clean_values(channel.platform, values, require=False)
    secret_names = platforms.secret_names(channel.platform)
    if not set(given) & secret_names:
        raise Invalid(_("Enter the new token or password."), field=_first_secret(channel.platform))
    merged = {**channel_values(channel), **given}
    _validate(channel.platform, merged, field=_first_secret(channel.platform))
    channel.credentials_encrypted = secrets.encrypt(merged)
    channel.credentials_rotated_at = utcnow()
    if channel.status in (Health.needs_reauth.value, Health.error.value):
        channel.status = Health.never_run.value
        channel.consecutive_failures = 0
        channel.last_error = None
    channel.next_poll_at = utcnow()
    audit_service.record(
        session,
        actor=actor,
        action="channel.rotate_credentials",
        obj=channel,
        unit=channel.unit,
        after={"fields": sorted(given)},
    )
    return channel


def webhook_switchable(channel: Channel) -> bool:
    """Whether this channel's platform delivers by a webhook that is switched on and off (Telegram)."""
    hook = platforms.spec(channel.platform).webhook
    return hook is not None and hook.switch is not None


def webhook_switched_on(channel: Channel) -> bool:
    """Whether a switchable webhook is on (its secret is stored): the channel is then not polled."""
    spec = platforms.spec(channel.platform)
    return webhook_switchable(channel) and spec.webhook_on(channel_values(channel))


def _public_webhook_url(route: str, channel: Channel) -> str:
    public = (get_settings().public_url or "").strip().rstrip("/")
    if not public.startswith("https://"):
        raise Invalid(
            _("Set HUMAS_PUBLIC_URL to the https address at which the platforms reach humas."),
            field="public_url",
        )
    return f"{public}/webhooks/{route}/{channel.id}"


def set_webhook_mode(session: Session, *, channel: Channel, enabled: bool, actor: Principal) -> str | None:
    """Switch a channel between webhook delivery and polling; returns the webhook address or None.

    On: the platform is told the address ``HUMAS_PUBLIC_URL``/webhooks/<route>/<id> and a fresh secret
    token, kept (encrypted) with the credentials; from then on the channel is not polled (Telegram's
    ``getUpdates`` fails while a webhook is set). Off: the webhook is removed and the secret dropped, so
    polling resumes. Only for platforms whose webhook is switched (``WebhookSpec.switch``); admins only.
    """
    org_service.require_role(actor, Role.admin)
    spec = platforms.spec(channel.platform)
    if spec.webhook is None or spec.webhook.switch is None:
        raise Invalid(_("This value is not valid."), field="platform")
    hook, switch, field = spec.webhook, spec.webhook.switch, _first_secret(channel.platform)
    values = channel_values(channel)
    url = None
    if enabled:
        url = _public_webhook_url(hook.route, channel)
        secret = values.get(switch.secret_field) or pysecrets.token_urlsafe(32)
        values = {**values, switch.secret_field: secret}
        creds = spec.credentials_from(values)
        _platform_call(spec.name, values, lambda: switch.register(creds, url), field=field)
    else:
        creds = spec.credentials_from(values)
        _platform_call(spec.name, values, lambda: switch.unregister(creds), field=field)
        values = {k: v for k, v in values.items() if k != switch.secret_field}
    channel.credentials_encrypted = secrets.encrypt(values)
    channel.next_poll_at = utcnow()
    audit_service.record(
        session,
        actor=actor,
        action="channel.webhook_on" if enabled else "channel.webhook_off",
        obj=channel,
        unit=channel.unit,
        after={"webhook": url},
    )
    return url


def reencrypt_credentials(session: Session) -> int:
    """Re-encrypt every channel's credentials under the first key of ``HUMAS_FERNET_KEY`` (key rotation).

    All or nothing: one unreadable row raises ``SecretsUnavailable`` naming no value and nothing is written
    (the caller's transaction rolls back). Returns how many channels were re-encrypted; audited once.
    """
    channels = list(session.scalars(select(Channel).order_by(Channel.id)))
    for channel in channels:
        channel.credentials_encrypted = secrets.reencrypt(channel.credentials_encrypted)
    if channels:
        audit_service.record(
            session,
            actor=None,
            action="channel.reencrypt_credentials",
            obj=channels[0],
            label="HUMAS_FERNET_KEY",
            after={"channels": len(channels)},
        )
    return len(channels)


def request_poll(session: Session, *, channel: Channel, actor: Principal) -> None:
    """Poll this channel now (as a job after the transaction commits)."""
    from humas.channels.tasks import poll_channel_task
    from humas.jobs import enqueue_after_commit

    org_service.require_role(actor, Role.admin, Role.responder, Role.analyst)
    if platforms.spec(channel.platform).source is None:
        raise Invalid(_("This platform only pushes: its messages arrive by webhook."), field="platform")
    channel.next_poll_at = utcnow()
    enqueue_after_commit(session, poll_channel_task, channel_id=channel.id)
