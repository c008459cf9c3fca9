"""Alert rules: create, edit, pause and resume (their evaluation and history are in `alerts.py`).

A rule watches from the moment it is created, changed to another kind, or resumed: its cursor starts at the
newest mention (keyword) or spike (spike, negative share), so nothing older and nothing that happened while
it was paused ever fires.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from humas.core import secrets
from humas.core.errors import Invalid, NotFound
from humas.core.i18n import _
from humas.core.pages import Page, paginate
from humas.ingest import service as ingest_service
from humas.ingest.models import Mention
from humas.listening.alert_text import AlertKind
from humas.listening.models import AlertRule, SpikeRecord
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Unit, User
from humas.org.service import Principal

KINDS = tuple(k.value for k in AlertKind)


def access_rule(session: Session, actor: Principal, rule_id: int) -> AlertRule:
    """An alert rule of a unit the actor may see; any other id is not found."""
    rule = session.get(AlertRule, rule_id)
    if rule is None or not org_service.can_access(actor, rule.unit):
        raise NotFound(_("Alert rule not found."))
    return rule


def list_rules(session: Session, actor: Principal) -> list[AlertRule]:
    ids = org_service.visible_unit_ids(session, actor)
    return list(session.scalars(select(AlertRule).where(AlertRule.unit_id.in_(ids)).order_by(AlertRule.id)))


def page_rules(session: Session, actor: Principal, *, page: int | None = None) -> Page[AlertRule]:
    """One page of the actor's alert rules (oldest first) with their total."""
    ids = select(Unit.id).where(Unit.path.startswith(actor.unit.path))
    stmt = select(AlertRule).where(AlertRule.unit_id.in_(ids)).order_by(AlertRule.id)
    return paginate(session, stmt, page=page)


@dataclass(frozen=True)
class RuleInput:
    name: str
    kind: str
    keyword: str | None = None
    threshold: float | None = None
    cooldown_min: int = 60
    emails: tuple[str, ...] = ()
    telegram_chat_id: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    query_id: int | None = None


def _check(data: RuleInput) -> None:
    if not data.name.strip():
        raise Invalid(_("Give the rule a name."), field="name")
    if data.kind not in KINDS:
        raise Invalid(_("Choose what the rule watches."), field="kind")
    if data.kind == AlertKind.KEYWORD and not (data.keyword or "").strip():
        raise Invalid(_("Enter the keyword to watch."), field="keyword")
    if data.kind == AlertKind.NEGATIVE_SHARE and data.threshold is not None and not 0 < data.threshold < 1:
        raise Invalid(_("Enter the negative share as a number between 0 and 1."), field="threshold")
    if not 1 <= data.cooldown_min <= 7 * 24 * 60:
        raise Invalid(_("The cool-down is between 1 minute and 7 days."), field="cooldown_min")
    for email in data.emails:
        if "@" not in email or len(email) > 254:
            raise Invalid(_("Enter valid e-mail addresses."), field="emails")
    if data.webhook_url and not data.webhook_url.startswith(("https://", "http://")):
        raise Invalid(_("The webhook URL must start with https://."), field="webhook_url")
    if data.webhook_url and not data.webhook_secret:
        raise Invalid(_("A webhook needs a signing secret."), field="webhook_secret")


def webhook_secret(rule: AlertRule) -> str | None:
    """The rule's webhook signing secret, decrypted (stored encrypted under HUMAS_FERNET_KEY)."""
    if not rule.webhook_secret_encrypted:
        return None
    return str(secrets.decrypt(rule.webhook_secret_encrypted).get("secret") or "") or None


def _set_webhook_secret(rule: AlertRule, secret: str | None) -> None:
    rule.webhook_secret_encrypted = secrets.encrypt({"secret": secret}) if secret else None


def reencrypt_secrets(session: Session) -> int:
    """Re-encrypt every rule's webhook secret under the first key of HUMAS_FERNET_KEY (key rotation).

    All or nothing like ``channels.reencrypt_credentials``; returns how many rules were re-encrypted.
    """
    rules = list(session.scalars(select(AlertRule).where(AlertRule.webhook_secret_encrypted.is_not(None))))
    for rule in rules:
        rule.webhook_secret_encrypted = secrets.reencrypt(rule.webhook_secret_encrypted or "")
    if rules:
        audit_service.record(
            session,
            actor=None,
            action="alert_rule.reencrypt_secrets",
            obj=rules[0],
            label="HUMAS_FERNET_KEY",
            after={"alert_rules": len(rules)},
        )
    return len(rules)


def _apply(rule: AlertRule, data: RuleInput) -> None:
    rule.query_id = data.query_id or None
    rule.name = data.name.strip()[:200]
    rule.kind = data.kind
    rule.keyword = (data.keyword or "").strip()[:200] or None
    rule.threshold = data.threshold
    rule.cooldown_min = data.cooldown_min
    rule.emails = list(data.emails)
    rule.telegram_chat_id = data.telegram_chat_id or None
    rule.webhook_url = data.webhook_url or None
    if data.webhook_secret != webhook_secret(rule):
        _set_webhook_secret(rule, data.webhook_secret or None)


def create_rule(session: Session, *, unit: Unit, data: RuleInput, actor: User) -> AlertRule:
    """Add an alert rule to a unit; it starts watching from now on (nothing older fires)."""
    _check(data)
    if data.query_id:
        ingest_service.access_query(session, actor, data.query_id)
    rule = AlertRule(unit_id=unit.id, created_by_id=actor.id, cursor=_start_cursor(session, data.kind))
    _apply(rule, data)
    session.add(rule)
    session.flush()
    rule.unit = unit
    audit_service.record(
        session,
        actor=actor,
        action="alert_rule.create",
        obj=rule,
        unit=unit,
        after={"kind": rule.kind, "keyword": rule.keyword, "cooldown_min": rule.cooldown_min},
    )
    return rule


def update_rule(session: Session, *, rule: AlertRule, data: RuleInput, actor: User) -> AlertRule:
    """Change what a rule watches and whom it tells; an empty webhook secret keeps the stored one."""
    if data.webhook_url and not data.webhook_secret and data.webhook_url == rule.webhook_url:
        data = replace(data, webhook_secret=webhook_secret(rule))
    _check(data)
    if data.query_id and data.query_id != rule.query_id:
        ingest_service.access_query(session, actor, data.query_id)
    before = _audited(rule)
    old_kind, old_secret = rule.kind, webhook_secret(rule)
    _apply(rule, data)
    after = _audited(rule)
    secret_changed = webhook_secret(rule) != old_secret
    if before == after and not secret_changed:
        return rule
    if rule.kind != old_kind:
        # Mention ids and spike ids are different counters: a new kind starts watching from now.
        rule.cursor = _start_cursor(session, rule.kind)
    if secret_changed:
        after["webhook_secret"] = "changed"  # never the secret itself
    audit_service.record(
        session, actor=actor, action="alert_rule.update", obj=rule, unit=rule.unit, before=before, after=after
    )
    return rule


def _audited(rule: AlertRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "kind": rule.kind,
        "query_id": rule.query_id,
        "keyword": rule.keyword,
        "threshold": rule.threshold,
        "cooldown_min": rule.cooldown_min,
        "emails": list(rule.emails or []),
        "telegram_chat_id": rule.telegram_chat_id,
        "webhook_url": rule.webhook_url,
    }


def _start_cursor(session: Session, kind: str) -> int:
    if kind == AlertKind.KEYWORD:
        return int(session.scalar(select(func.max(Mention.id))) or 0)
    if kind in (AlertKind.SPIKE, AlertKind.NEGATIVE_SHARE):
        return int(session.scalar(select(func.max(SpikeRecord.id))) or 0)
    return 0


def set_rule_active(session: Session, *, rule: AlertRule, active: bool, actor: User) -> AlertRule:
    """Pause a rule (it never fires) or resume it (watching from now: nothing seen while paused fires)."""
    if rule.is_active == active:
        return rule
    rule.is_active = active
    if active:
        rule.cursor = _start_cursor(session, rule.kind)
    audit_service.record(
        session,
        actor=actor,
        action="alert_rule.activate" if active else "alert_rule.pause",
        obj=rule,
        unit=rule.unit,
    )
    return rule
