"""Dashboard data: every figure comes from rollups (hourly mention rollups, daily facet rollups).

Each function takes a `Scope` that `resolve_scope` built after checking access; the unit ids in it are the
only units read, so a user never sees a count from outside their subtree.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from humas.ingest.models import Mention, MentionRollup, QueryMatch, SavedQuery
from humas.listening.models import FacetRollup
from humas.listening.service.scope import Scope, bucket_of, floor_hour

SENTIMENTS = ("positive", "neutral", "negative")
TOP = 15


def _rollup_where(scope: Scope, *, query_id: int | None = None) -> list[Any]:
    return [
        MentionRollup.unit_id.in_(scope.unit_ids),
        MentionRollup.query_id == (scope.query_id if query_id is None else query_id),
        MentionRollup.hour >= floor_hour(scope.since),
        MentionRollup.hour < scope.until,
    ]


def _buckets(scope: Scope) -> list[datetime]:
    step = timedelta(hours=1) if scope.bucket == "hour" else timedelta(days=1)
    out, t = [], bucket_of(floor_hour(scope.since), scope.bucket)
    while t < scope.until:
        out.append(t)
        t += step
    return out


def volume(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Mentions per hour (ranges up to 3 days) or per WIB day, zero-filled."""
    stmt = (
        select(MentionRollup.hour, func.sum(MentionRollup.count))
        .where(*_rollup_where(scope))
        .group_by(MentionRollup.hour)
    )
    counts: dict[datetime, int] = defaultdict(int)
    for hour, n in session.execute(stmt):
        counts[bucket_of(hour, scope.bucket)] += int(n)
    return [{"t": t.isoformat(), "count": counts.get(t, 0)} for t in _buckets(scope)]


def sentiment(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Per bucket: positive / neutral / negative counts and net sentiment ((pos - neg) / all, -1..1)."""
    stmt = (
        select(MentionRollup.hour, MentionRollup.sentiment, func.sum(MentionRollup.count))
        .where(*_rollup_where(scope))
        .group_by(MentionRollup.hour, MentionRollup.sentiment)
    )
    counts: dict[datetime, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SENTIMENTS, 0))
    for hour, label, n in session.execute(stmt):
        key = label if label in SENTIMENTS else "neutral"
        counts[bucket_of(hour, scope.bucket)][key] += int(n)
    rows = []
    for t in _buckets(scope):
        c = counts.get(t, dict.fromkeys(SENTIMENTS, 0))
        total = sum(c.values())
        net = round((c["positive"] - c["negative"]) / total, 3) if total else 0.0
        rows.append({"t": t.isoformat(), **c, "net": net})
    return rows


def summary(session: Session, scope: Scope) -> dict[str, Any]:
    """Totals of the range: mentions, sentiment shares, net sentiment, and the previous period's total."""

    def totals(s: Scope) -> dict[str, int]:
        stmt = (
            select(MentionRollup.sentiment, func.sum(MentionRollup.count))
            .where(*_rollup_where(s))
            .group_by(MentionRollup.sentiment)
        )
        out = dict.fromkeys(SENTIMENTS, 0)
        for label, n in session.execute(stmt):
            out[label if label in SENTIMENTS else "neutral"] += int(n)
        return out

    now, before = totals(scope), totals(scope.previous())
    total = sum(now.values())
    return {
        "total": total,
        "previous_total": sum(before.values()),
        **now,
        "negative_share": round(now["negative"] / total, 3) if total else 0.0,
        "net": round((now["positive"] - now["negative"]) / total, 3) if total else 0.0,
    }


def platforms(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Mentions per platform, largest first, with their share."""
    stmt = (
        select(MentionRollup.platform, func.sum(MentionRollup.count))
        .where(*_rollup_where(scope))
        .group_by(MentionRollup.platform)
    )
    rows = [(p, int(n)) for p, n in session.execute(stmt)]
    total = sum(n for _p, n in rows) or 1
    rows.sort(key=lambda r: (-r[1], r[0]))
    return [{"platform": p, "count": n, "share": round(n / total, 3)} for p, n in rows]


def share_of_voice(session: Session, scope: Scope, queries: list[SavedQuery]) -> list[dict[str, Any]]:
    """Mentions matched by each saved query within the scope's units (the institution vs. its topics)."""
    ids = [q.id for q in queries]
    if not ids:
        return []
    stmt = (
        select(MentionRollup.query_id, func.sum(MentionRollup.count))
        .where(
            MentionRollup.unit_id.in_(scope.unit_ids),
            MentionRollup.query_id.in_(ids),
            MentionRollup.hour >= floor_hour(scope.since),
            MentionRollup.hour < scope.until,
        )
        .group_by(MentionRollup.query_id)
    )
    counts = {qid: int(n) for qid, n in session.execute(stmt)}
    total = sum(counts.values()) or 1
    rows: list[dict[str, Any]] = [
        {"query": q.name, "query_id": q.id, "count": counts.get(q.id, 0)} for q in queries
    ]
    for row in rows:
        row["share"] = round(row["count"] / total, 3)
    return sorted(rows, key=lambda r: -r["count"])


def _facet_sums(session: Session, scope: Scope, facet: str, *, keys: list[str] | None = None) -> Any:
    stmt = (
        select(FacetRollup.key, func.sum(FacetRollup.count), func.max(FacetRollup.reach))
        .where(
            FacetRollup.unit_id.in_(scope.unit_ids),
            FacetRollup.query_id == scope.query_id,
            FacetRollup.facet == facet,
            FacetRollup.day >= bucket_of(floor_hour(scope.since), "day"),
            FacetRollup.day < scope.until,
        )
        .group_by(FacetRollup.key)
    )
    if keys is not None:
        stmt = stmt.where(FacetRollup.key.in_(keys))
    else:
        stmt = stmt.order_by(func.sum(FacetRollup.count).desc()).limit(200)
    return session.execute(stmt).all()


def trending(session: Session, scope: Scope, *, facet: str = "kp") -> list[dict[str, Any]]:
    """Keyphrases (facet "kp") or hashtags ("tag") growing against their own previous period.

    The score is a Poisson z-score of the count against the baseline (the same span just before), so a
    phrase that is always frequent does not trend, and one that went from 0 to 3 trends less than 5 to 60.
    """
    current = {key: int(n) for key, n, _r in _facet_sums(session, scope, facet)}
    if not current:
        return []
    rows: list[dict[str, Any]] = []
    base = {key: int(n) for key, n, _r in _facet_sums(session, scope.previous(), facet, keys=list(current))}
    for key, n in current.items():
        b = base.get(key, 0)
        score = (n - b) / math.sqrt(b + 1)
        rows.append(
            {
                "key": key,
                "count": n,
                "baseline": b,
                "growth": round((n + 1) / (b + 1), 2),
                "score": round(score, 2),
            }
        )
    rows.sort(key=lambda r: (-r["score"], -r["count"], r["key"]))
    return [r for r in rows if r["count"] >= 2][:TOP]


def emotions(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Mentions per emotion in the range (from the emotion model), largest first."""
    rows = [(key, int(n)) for key, n, _r in _facet_sums(session, scope, "emo")]
    total = sum(n for _k, n in rows) or 1
    return [
        {"emotion": k, "count": n, "share": round(n / total, 3)} for k, n in sorted(rows, key=lambda r: -r[1])
    ]


def authors(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Authors with the widest reach (most followers) in the range, with how often they spoke."""
    rows = _facet_sums(session, scope, "author")
    out = []
    for key, n, reach in rows:
        platform, _sep, who = key.partition(":")
        out.append({"author": who, "platform": platform, "mentions": int(n), "reach": int(reach or 0)})
    out.sort(key=lambda r: (-r["reach"], -r["mentions"]))
    return out[:TOP]


def latest(session: Session, scope: Scope, *, limit: int = 20) -> list[Mention]:
    """The newest mentions of the scope (links go to the explorer)."""
    stmt = (
        select(Mention)
        .where(
            Mention.unit_id.in_(scope.unit_ids),
            Mention.created_at >= scope.since,
            Mention.created_at < scope.until,
        )
        .order_by(Mention.created_at.desc(), Mention.id.desc())
        .limit(limit)
    )
    if scope.query is not None:
        stmt = stmt.join(QueryMatch, QueryMatch.mention_id == Mention.id).where(
            QueryMatch.query_id == scope.query.id
        )
    return list(session.scalars(stmt))
