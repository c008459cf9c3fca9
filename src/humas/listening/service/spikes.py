"""Spike detection on hourly rollups, for every unit's subtree and every saved query.

Volume: a streaming `SpikeDetector` per scope, its state saved after each run, fed only complete hours
(the running hour is still filling up). Negative share: `detect_share` over the last four weeks at each run
(the share detector keeps no state), upserted by overlap so a re-run never records a spike twice. A spike
records its start, peak, size, and the keyphrases and mentions that drive it.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from humas.core.errors import Invalid
from humas.core.time import utcnow
from humas.ingest.models import Mention, MentionRollup, QueryMatch, SavedQuery
from humas.listening.models import DetectorState, SpikeMetric, SpikeRecord
from humas.listening.service.scope import Scope, floor_hour
from humas.listening.spike_detector import SpikeDetector, detect_share
from humas.listening.spike_parts import Spike
from humas.org.models import Unit

log = logging.getLogger(__name__)
HOUR = timedelta(hours=1)
FIRST_RUN_DAYS = 35
SHARE_WINDOW = timedelta(days=28)


@dataclass(frozen=True)
class Target:
    unit: Unit
    unit_ids: tuple[int, ...]
    query_id: int


def targets(session: Session) -> list[Target]:
    """Every active unit's subtree, and every active saved query within its owner's subtree."""
    units = list(session.scalars(select(Unit).where(Unit.archived_at.is_(None)).order_by(Unit.path)))
    subtree = {u.id: tuple(v.id for v in units if v.path.startswith(u.path)) for u in units}
    out = [Target(u, subtree[u.id], 0) for u in units]
    queries = session.scalars(
        select(SavedQuery).where(SavedQuery.is_active.is_(True), SavedQuery.archived_at.is_(None))
    )
    out += [Target(q.unit, subtree.get(q.unit_id, (q.unit_id,)), q.id) for q in queries]
    return out


def target_keys(session: Session) -> list[tuple[int, int]]:
    """(unit id, query id) of every scope of `targets`, for a job that commits one scope at a time."""
    units = session.execute(select(Unit.id).where(Unit.archived_at.is_(None)).order_by(Unit.path))
    queries = session.execute(
        select(SavedQuery.unit_id, SavedQuery.id)
        .join(Unit, Unit.id == SavedQuery.unit_id)
        .where(SavedQuery.is_active.is_(True), SavedQuery.archived_at.is_(None), Unit.archived_at.is_(None))
        .order_by(SavedQuery.id)
    )
    return [(int(u), 0) for (u,) in units] + [(int(u), int(q)) for u, q in queries]


def _target(session: Session, unit_id: int, query_id: int) -> Target | None:
    unit = session.get(Unit, unit_id)
    if unit is None or unit.archived_at is not None:
        return None
    if query_id:
        query = session.get(SavedQuery, query_id)
        if query is None or query.unit_id != unit_id or not query.is_active or query.archived_at is not None:
            return None
    ids = session.scalars(select(Unit.id).where(Unit.path.startswith(unit.path), Unit.archived_at.is_(None)))
    return Target(unit, tuple(ids), query_id)


def detect_scope(
    session: Session, *, unit_id: int, query_id: int, now: datetime | None = None
) -> list[SpikeRecord]:
    """`run_detection` for one scope, in the caller's (short) transaction; a scope gone since is skipped."""
    target = _target(session, unit_id, query_id)
    if target is None:
        return []
    end = floor_hour(now or utcnow())
    return _detect_volume(session, target, end) + _detect_share(session, target, end)


def _series(session: Session, t: Target, start: datetime, end: datetime) -> list[tuple[datetime, int, int]]:
    """(hour, all mentions, negative mentions) for every hour in [start, end), zero-filled."""
    stmt = (
        select(MentionRollup.hour, MentionRollup.sentiment, func.sum(MentionRollup.count))
        .where(
            MentionRollup.unit_id.in_(t.unit_ids),
            MentionRollup.query_id == t.query_id,
            MentionRollup.hour >= start,
            MentionRollup.hour < end,
        )
        .group_by(MentionRollup.hour, MentionRollup.sentiment)
    )
    total: Counter[datetime] = Counter()
    negative: Counter[datetime] = Counter()
    for hour, label, n in session.execute(stmt):
        total[hour] += int(n)
        if label == "negative":
            negative[hour] += int(n)
    out, hour = [], start
    while hour < end:
        out.append((hour, total[hour], negative[hour]))
        hour += HOUR
    return out


def _first_hour(session: Session, t: Target, end: datetime) -> datetime | None:
    stmt = select(func.min(MentionRollup.hour)).where(
        MentionRollup.unit_id.in_(t.unit_ids), MentionRollup.query_id == t.query_id
    )
    first = session.scalar(stmt)
    return None if first is None else max(first, end - timedelta(days=FIRST_RUN_DAYS))


def run_detection(session: Session, *, now: datetime | None = None) -> list[SpikeRecord]:
    """Feed every scope's complete hours since its last run to its detectors; returns spikes touched."""
    end = floor_hour(now or utcnow())
    touched: list[SpikeRecord] = []
    for target in targets(session):
        try:
            with session.begin_nested():
                touched += _detect_volume(session, target, end)
                touched += _detect_share(session, target, end)
        except Exception:  # noqa: BLE001 - one scope's failure never stops the others
            log.exception("spike detection failed for unit %s query %s", target.unit.id, target.query_id)
    return touched


def _detect_volume(session: Session, t: Target, end: datetime) -> list[SpikeRecord]:
    key = (t.unit.id, t.query_id, SpikeMetric.volume.value)
    state = session.get(DetectorState, key)
    if state is not None and state.last_hour is not None and not _readable(state):
        state.last_hour = None  # rebuilt from the stored rollups (spikes already recorded are upserted)
    if state is None or state.last_hour is None:
        start = _first_hour(session, t, end)
        if start is None:
            return []
        detector = SpikeDetector(HOUR)
        state = state or DetectorState(unit_id=key[0], query_id=key[1], metric=key[2])
        session.add(state)
    else:
        start = state.last_hour + HOUR
        detector = SpikeDetector.from_state(state.state)
    touched = []
    for hour, total, _neg in _series(session, t, start, end):
        result = detector.update(hour, total)
        spike = result.ended or result.started
        if spike is not None and not spike.level_shift:
            touched.append(_record(session, t, SpikeMetric.volume, spike, ongoing=result.ended is None))
    current = detector.current
    if current is not None and touched == []:
        touched.append(_record(session, t, SpikeMetric.volume, current, ongoing=True))
    if start < end:
        state.state = detector.to_state()
        state.last_hour = end - HOUR
    return touched


def _readable(state: DetectorState) -> bool:
    """Whether this version resumes the saved detector (older versions' states upgrade; others do not)."""
    try:
        SpikeDetector.from_state(state.state)
    except (Invalid, KeyError, TypeError, ValueError):
        log.warning("unreadable spike state (unit %s, query %s): rebuilt", state.unit_id, state.query_id)
        return False
    return True


def _detect_share(session: Session, t: Target, end: datetime) -> list[SpikeRecord]:
    rows = _series(session, t, end - SHARE_WINDOW, end)
    if sum(total for _h, total, _n in rows) < 50:
        return []
    found = detect_share([(h, neg, total) for h, total, neg in rows], interval=HOUR)
    return [
        _record(session, t, SpikeMetric.negative_share, s, ongoing=s.ongoing)
        for s in found
        if not s.level_shift and s.end >= end - timedelta(days=7)
    ]


def _record(session: Session, t: Target, metric: SpikeMetric, spike: Spike, *, ongoing: bool) -> SpikeRecord:
    """Insert the spike, or update the recorded one it overlaps (same scope and metric)."""
    stmt = select(SpikeRecord).where(
        SpikeRecord.unit_id == t.unit.id,
        SpikeRecord.query_id == t.query_id,
        SpikeRecord.metric == metric.value,
        SpikeRecord.start_at <= spike.end,
        SpikeRecord.end_at >= spike.start,
    )
    record = session.scalars(stmt.limit(1)).first()
    if record is None:
        record = SpikeRecord(
            unit_id=t.unit.id, query_id=t.query_id, metric=metric.value, start_at=spike.start
        )
        session.add(record)
    record.start_at = min(record.start_at, spike.start)
    record.peak_at, record.end_at = spike.peak, max(spike.end, record.end_at or spike.end)
    record.score, record.peak_value, record.expected = spike.score, spike.peak_value, spike.expected
    record.excess, record.ongoing = spike.excess, ongoing
    record.detected_at = record.detected_at or spike.detected_at or spike.start
    record.keyphrases, record.mention_ids = _drivers(session, t, record.start_at, record.end_at + HOUR)
    session.flush()
    return record


def _drivers(session: Session, t: Target, start: datetime, end: datetime) -> tuple[list[Any], list[Any]]:
    """The keyphrases most frequent in the spike, and a sample of its mentions (widest reach first)."""
    stmt = select(Mention.id, Mention.keyphrases, Mention.author_followers).where(
        Mention.unit_id.in_(t.unit_ids), Mention.created_at >= start, Mention.created_at < end
    )
    if t.query_id:
        stmt = stmt.join(QueryMatch, QueryMatch.mention_id == Mention.id).where(
            QueryMatch.query_id == t.query_id
        )
    rows = session.execute(stmt.limit(5000)).all()
    phrases = Counter(p for r in rows for p in (r.keyphrases or [])[:5] if isinstance(p, str))
    sample = sorted(rows, key=lambda r: -(r.author_followers or 0))[:10]
    return [p for p, _n in phrases.most_common(8)], [r.id for r in sample]


def list_spikes(session: Session, *, scope: Scope, limit: int = 50) -> list[SpikeRecord]:
    """Spikes of the scope's units (and its query, when one is chosen) overlapping its range."""
    stmt = select(SpikeRecord).where(
        SpikeRecord.unit_id.in_(scope.unit_ids),
        SpikeRecord.end_at >= scope.since,
        SpikeRecord.start_at < scope.until,
    )
    if scope.query is not None:
        stmt = stmt.where(SpikeRecord.query_id == scope.query.id)
    return list(session.scalars(stmt.order_by(SpikeRecord.start_at.desc()).limit(limit)))
