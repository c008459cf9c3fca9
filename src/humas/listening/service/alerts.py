"""Alert rules' evaluation (cool-down and grouping: one incident, one alert) and the history.

A rule watches a unit's subtree (or one saved query) for a spike, a negative share above a level, a keyword
appearing, or a narrative growing. Each evaluation reads only what is new since the rule's cursor; firings
are grouped by incident (`alerting.group_key`) and held back during the rule's cool-down, the held-back
firings counted on the alert that went out. Every alert is stored (the in-app history) with one delivery per
channel, an outbox row (`deliveries.py`): the outbox sends and retries them. Rules are managed in
`rules.py`; a paused rule is never evaluated.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from humas.core.errors import NotFound
from humas.core.i18n import _
from humas.core.pages import Page, paginate
from humas.core.time import utcnow
from humas.ingest.models import Mention, MentionRollup, QueryMatch
from humas.listening.alert_text import Alert, AlertKind, Firing, group_firings, group_key, render_alert
from humas.listening.models import AlertEvent, AlertRule, Narrative, SpikeMetric, SpikeRecord
from humas.listening.service import deliveries
from humas.org import service as org_service
from humas.org.models import Unit
from humas.org.service import Principal
from humas.outbox.models import OutboxMessage

MAX_KEYWORD_SCAN = 5000


def list_events(session: Session, actor: Principal, *, limit: int = 100) -> list[AlertEvent]:
    """The alert history of the actor's units, newest first."""
    ids = org_service.visible_unit_ids(session, actor)
    stmt = select(AlertEvent).where(AlertEvent.unit_id.in_(ids)).order_by(AlertEvent.id.desc()).limit(limit)
    return list(session.scalars(stmt))


EVENTS_PAGE = 20


def page_events(session: Session, actor: Principal, *, page: int | None = None) -> Page[AlertEvent]:
    """One page of the alert history of the actor's units, newest first, with the total."""
    ids = select(Unit.id).where(Unit.path.startswith(actor.unit.path))
    stmt = select(AlertEvent).where(AlertEvent.unit_id.in_(ids)).order_by(AlertEvent.id.desc())
    return paginate(session, stmt, page=page, size=EVENTS_PAGE)


def access_delivery(session: Session, actor: Principal, delivery_id: int) -> OutboxMessage:
    """One delivery (an outbox row of an alert) of the actor's units."""
    delivery, event = deliveries.get_delivery(session, delivery_id)
    if not org_service.can_access(actor, event.rule.unit):
        raise NotFound(_("Delivery not found."))
    return delivery


# --- evaluation -------------------------------------------------------------------------------------


def _subtree(session: Session, rule: AlertRule) -> list[int]:
    return org_service.subtree_ids(session, rule.unit)


def _subject(rule: AlertRule) -> str:
    return rule.unit.name if not rule.query_id else f"{rule.unit.name} · {rule.name}"


def _spike_firings(session: Session, rule: AlertRule, metric: SpikeMetric) -> list[Firing]:
    stmt = select(SpikeRecord).where(
        SpikeRecord.id > rule.cursor,
        SpikeRecord.unit_id.in_(_subtree(session, rule)),
        SpikeRecord.metric == metric.value,
        SpikeRecord.query_id == (rule.query_id or 0),
    )
    spikes = list(session.scalars(stmt.order_by(SpikeRecord.id)))
    rule.cursor = max([rule.cursor, *(s.id for s in spikes)])
    kind = AlertKind.SPIKE if metric is SpikeMetric.volume else AlertKind.NEGATIVE_SHARE
    out = []
    for s in spikes:
        alert = Alert(
            kind=kind,
            subject=_subject(rule),
            occurred_at=s.detected_at or s.start_at,
            value=s.peak_value,
            expected=s.expected,
            keyphrases=tuple(s.keyphrases or ()),
            url=f"/listening/spikes?unit_id={s.unit_id}",
        )
        if kind is AlertKind.NEGATIVE_SHARE:
            alert = _share_alert(session, rule, alert, s)
        out.append(
            Firing(group_key(rule_id=rule.id, kind=kind, scope=str(s.unit_id)), alert.occurred_at, alert)
        )
    return out


def _share_alert(session: Session, rule: AlertRule, alert: Alert, spike: SpikeRecord) -> Alert:
    total = session.scalar(
        select(func.sum(MentionRollup.count)).where(
            MentionRollup.unit_id.in_(_subtree(session, rule)),
            MentionRollup.query_id == (rule.query_id or 0),
            MentionRollup.hour == spike.peak_at,
        )
    )
    total = max(int(total or 0), 1)
    return Alert(
        kind=alert.kind,
        subject=alert.subject,
        occurred_at=alert.occurred_at,
        value=min(spike.peak_value / total, 1.0),
        expected=min(spike.expected / total, 1.0),
        keyphrases=alert.keyphrases,
        url=alert.url,
    )


def _threshold_firing(session: Session, rule: AlertRule, now: datetime) -> list[Firing]:
    """Negative share over the last three complete hours at or above the rule's level (10+ mentions)."""
    if rule.threshold is None:
        return []
    end = now.replace(minute=0, second=0, microsecond=0)
    stmt = (
        select(MentionRollup.sentiment, func.sum(MentionRollup.count))
        .where(
            MentionRollup.unit_id.in_(_subtree(session, rule)),
            MentionRollup.query_id == (rule.query_id or 0),
            MentionRollup.hour >= end - timedelta(hours=3),
            MentionRollup.hour < end,
        )
        .group_by(MentionRollup.sentiment)
    )
    counts = {label: int(n) for label, n in session.execute(stmt)}
    total = sum(counts.values())
    share = counts.get("negative", 0) / total if total else 0.0
    if total < 10 or share < rule.threshold:
        return []
    alert = Alert(
        kind=AlertKind.NEGATIVE_SHARE,
        subject=_subject(rule),
        occurred_at=now,
        value=share,
        expected=rule.threshold,
        url=f"/listening?unit_id={rule.unit_id}&days=1",
    )
    return [
        Firing(group_key(rule_id=rule.id, kind=AlertKind.NEGATIVE_SHARE, scope=str(rule.unit_id)), now, alert)
    ]


def _keyword_firings(session: Session, rule: AlertRule) -> list[Firing]:
    keyword = (rule.keyword or "").lower()
    newest = int(session.scalar(select(func.max(Mention.id))) or 0)
    stmt = select(Mention).where(
        Mention.id > max(rule.cursor, newest - MAX_KEYWORD_SCAN),
        Mention.unit_id.in_(_subtree(session, rule)),
        func.lower(Mention.text).contains(keyword, autoescape=True),
    )
    if rule.query_id:
        stmt = stmt.join(QueryMatch, QueryMatch.mention_id == Mention.id).where(
            QueryMatch.query_id == rule.query_id
        )
    found = list(session.scalars(stmt.order_by(Mention.id).limit(200)))
    rule.cursor = max(rule.cursor, newest)
    if not found:
        return []
    first = found[0]
    alert = Alert(
        kind=AlertKind.KEYWORD,
        subject=_subject(rule),
        occurred_at=first.created_at,
        keyword=rule.keyword,
        value=len(found),
        examples=tuple(m.text for m in found[:3]),
        url=f"/mentions/{first.id}",
    )
    key = group_key(rule_id=rule.id, kind=AlertKind.KEYWORD, scope=str(rule.unit_id), detail=rule.keyword)
    return [Firing(key, utcnow(), alert)]


def _narrative_firings(session: Session, rule: AlertRule, now: datetime) -> list[Firing]:
    threshold = int(rule.threshold or 10)
    stmt = select(Narrative).where(
        Narrative.unit_id.in_(_subtree(session, rule)),
        Narrative.size >= threshold,
        Narrative.last_seen_at >= now - timedelta(days=1),
    )
    out = []
    for n in session.scalars(stmt):
        alert = Alert(
            kind=AlertKind.NARRATIVE,
            subject=n.representative_text[:120],
            occurred_at=n.last_seen_at,
            value=n.size,
            examples=(n.representative_text,),
            url=f"/listening/narratives/{n.id}",
        )
        key = group_key(rule_id=rule.id, kind=AlertKind.NARRATIVE, scope=str(n.unit_id), detail=str(n.id))
        out.append(Firing(key, now, alert))
    return out


def firings_of(session: Session, rule: AlertRule, now: datetime) -> list[Firing]:
    if not rule.is_active:
        return []  # a paused rule never fires
    if rule.kind == AlertKind.SPIKE:
        return _spike_firings(session, rule, SpikeMetric.volume)
    if rule.kind == AlertKind.NEGATIVE_SHARE:
        return _spike_firings(session, rule, SpikeMetric.negative_share) + _threshold_firing(
            session, rule, now
        )
    if rule.kind == AlertKind.KEYWORD:
        return _keyword_firings(session, rule)
    return _narrative_firings(session, rule, now)


def evaluate_rules(session: Session, *, now: datetime | None = None) -> list[AlertEvent]:
    """Evaluate every active (not paused) rule; store the alerts that pass the cool-down with deliveries."""
    now = now or utcnow()
    events: list[AlertEvent] = []
    for rule in session.scalars(
        select(AlertRule).where(AlertRule.is_active.is_(True)).order_by(AlertRule.id)
    ):
        firings = firings_of(session, rule, now)
        if firings:
            events += _emit(session, rule, firings)
    session.flush()
    return events


def _emit(session: Session, rule: AlertRule, firings: list[Firing]) -> list[AlertEvent]:
    keys = {f.key for f in firings}
    last = {
        key: (at, eid)
        for key, at, eid in session.execute(
            select(AlertEvent.group_key, func.max(AlertEvent.occurred_at), func.max(AlertEvent.id))
            .where(AlertEvent.group_key.in_(keys))
            .group_by(AlertEvent.group_key)
        )
    }
    send, suppressed = group_firings(
        firings, last_sent={k: v[0] for k, v in last.items()}, cooldown=timedelta(minutes=rule.cooldown_min)
    )
    sent_keys = {f.key for f in send}
    for firing in suppressed:
        if firing.key in last and firing.key not in sent_keys:
            previous = session.get(AlertEvent, last[firing.key][1])
            if previous is not None:
                previous.suppressed += firing.alert.count
    return [_store(session, rule, firing) for firing in send]


def _store(session: Session, rule: AlertRule, firing: Firing) -> AlertEvent:
    rendered = render_alert(firing.alert, locale="id", tz=org_service.unit_zone(session, rule.unit))
    event = AlertEvent(
        rule_id=rule.id,
        unit_id=rule.unit_id,
        group_key=firing.key,
        kind=str(firing.alert.kind),
        occurred_at=firing.at,
        subject=rendered.subject,
        text=rendered.text,
        count=firing.alert.count,
        payload={
            "html": rendered.html,
            "kind": str(firing.alert.kind),
            "value": firing.alert.value,
            "expected": firing.alert.expected,
            "url": firing.alert.url,
            "keyword": firing.alert.keyword,
        },
    )
    session.add(event)
    session.flush()
    deliveries.queue_deliveries(session, event=event, rule=rule)
    return event
