"""Dashboard data: every figure comes from rollups (hourly mention rollups, daily facet rollups).

Each function takes a `Scope` that `resolve_scope` built after checking access; the unit ids in it are the
only units read, so a user never sees a count from outside their subtree.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, literal, literal_column, select
from sqlalchemy.orm import Session

from humas.ingest.models import Mention, MentionRollup, QueryMatch, SavedQuery
from humas.listening.models import AuthorTop, DailyRollup, FacetRollup, ListeningCursor
from humas.listening.service.facets import CURSOR as FACETS_CURSOR
from humas.listening.service.scope import WIB, Scope, bucket_of, floor_hour

SENTIMENTS = ("positive", "neutral", "negative")
TOP = 15


def _buckets(scope: Scope) -> list[datetime]:
    step = timedelta(hours=1) if scope.bucket == "hour" else timedelta(days=1)
    out, t = [], bucket_of(floor_hour(scope.since), scope.bucket, scope.offset)
    while t < scope.until:
        out.append(t)
        t += step
    return out


Cell = tuple[int, datetime, str, str, int]  # query id, bucket start, platform, sentiment, count


def cells(session: Session, scope: Scope, *, query_ids: list[int] | None = None) -> list[Cell]:
    """Counts per query, bucket, platform and sentiment.

    Hour buckets read the ingest's hourly rollup. Day buckets read listening's daily rollup (WIB days), which
    holds the mentions up to the facet job's cursor, plus the few newer mentions counted live, so a new
    mention is on the dashboard as soon as ingest commits it. A WITA or WIT unit's day starts one or two
    hours before the WIB day: `_zone_shift` moves those hours to the local day they belong to.
    """
    qids = query_ids if query_ids is not None else [scope.query_id]
    if not qids:
        return []
    if scope.bucket == "hour":
        r = MentionRollup
        stmt = (
            select(r.query_id, r.hour, r.platform, r.sentiment, func.sum(r.count))
            .where(
                r.unit_id.in_(scope.unit_ids),
                r.query_id.in_(qids),
                r.hour >= floor_hour(scope.since),
                r.hour < scope.until,
            )
            .group_by(r.query_id, r.hour, r.platform, r.sentiment)
        )
        return [(q, h, p, s, int(n)) for q, h, p, s, n in session.execute(stmt)]
    d = DailyRollup
    stmt = (
        select(d.query_id, d.day, d.platform, d.sentiment, func.sum(d.count))
        .where(d.unit_id.in_(scope.unit_ids), d.query_id.in_(qids), d.day >= scope.since, d.day < scope.until)
        .group_by(d.query_id, d.day, d.platform, d.sentiment)
    )
    out = [(q, day, p, s, int(n)) for q, day, p, s, n in session.execute(stmt)]
    out += _live(session, scope, qids)
    return out + _zone_shift(session, scope, qids, out) if scope.offset > WIB else out


def _zone_shift(session: Session, scope: Scope, qids: list[int], cells: list[Cell]) -> list[Cell]:
    """Corrections that turn WIB-day cells into the unit's days: each local day's first hours (00:00-01:00
    WITA, 00:00-02:00 WIT) are the last hours of the WIB day before; read from the hourly rollup, they are
    taken off that WIB day's cell (-n) and put on their own hour (+n), which the callers fold into its day.

    Only those 1-2 hours a day are read, through the whole primary key (unit, query, platform, sentiment,
    hour IN ...), so it costs a few index seeks per day instead of a scan of the hourly rollup.
    """
    shift = int((scope.offset - WIB) / timedelta(hours=1))
    d = DailyRollup
    around = (d.day >= scope.since - timedelta(days=1), d.day < scope.until + timedelta(days=1))
    stmt_kinds = select(d.platform, d.sentiment).where(
        d.unit_id.in_(scope.unit_ids), d.query_id.in_(qids), *around
    )
    kinds = {(p, s) for p, s in session.execute(stmt_kinds.distinct())} | {(c[2], c[3]) for c in cells}
    if not kinds:
        return []
    hours, day = [], bucket_of(floor_hour(scope.since), "day", scope.offset)
    while day <= scope.until:
        hours += [day + timedelta(hours=h) for h in range(shift)]
        day += timedelta(days=1)
    r = MentionRollup
    stmt = (
        select(r.query_id, r.hour, r.platform, r.sentiment, func.sum(r.count))
        .where(
            r.unit_id.in_(scope.unit_ids),
            r.query_id.in_(qids),
            r.platform.in_({p for p, _s in kinds}),
            r.sentiment.in_({s for _p, s in kinds}),
            r.hour.in_(hours),
        )
        .group_by(r.query_id, r.hour, r.platform, r.sentiment)
    )
    out: list[Cell] = []
    for q, hour, platform, sentiment, n in session.execute(stmt):
        wib_day = bucket_of(hour, "day", WIB)
        if scope.since <= wib_day < scope.until:
            out.append((q, wib_day, platform, sentiment, -int(n)))
        if scope.since <= hour < scope.until:
            out.append((q, hour, platform, sentiment, int(n)))
    return out


def _live(session: Session, scope: Scope, qids: list[int]) -> list[Cell]:
    # NOTE: only the primary key bounds these reads (the rows past the cursor are a minute's worth); with the
    # unit and time conditions in SQL, SQLite chose the unit index and read every mention of the units.
    cursor = session.get(ListeningCursor, FACETS_CURSOR)
    since_id = cursor.value if cursor is not None else 0
    units = set(scope.unit_ids)
    counts: Counter[tuple[int, datetime, str, str]] = Counter()
    columns = (Mention.unit_id, Mention.created_at, Mention.platform, Mention.sentiment)
    if 0 in qids:
        stmt = select(literal(0), *columns).where(Mention.id > since_id)
        _count_live(session.execute(stmt), scope, units, counts)
    named = [q for q in qids if q]
    if named:
        stmt = (
            select(QueryMatch.query_id, *columns)
            .join(QueryMatch, QueryMatch.mention_id == Mention.id)
            .where(Mention.id > since_id, QueryMatch.query_id.in_(named))
        )
        _count_live(session.execute(stmt), scope, units, counts)
    return [(q, b, p, s, n) for (q, b, p, s), n in counts.items()]


def _count_live(rows: Any, scope: Scope, units: set[int], counts: Counter[Any]) -> None:
    for q, unit_id, at, platform, sentiment in rows:
        if unit_id in units and scope.since <= at < scope.until:
            counts[(q, bucket_of(floor_hour(at), "day", WIB), platform, sentiment or "unknown")] += 1


def _sentiment_key(label: str | None) -> str:
    return label if label in SENTIMENTS else "neutral"


def volume(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Mentions per hour (ranges up to 3 days) or per day of the unit's zone, zero-filled; `t` is the
    bucket's start in that zone."""
    counts: dict[datetime, int] = defaultdict(int)
    for _q, t, _p, _s, n in cells(session, scope):
        counts[bucket_of(t, scope.bucket, scope.offset)] += n
    return [{"t": scope.local(t).isoformat(), "count": counts.get(t, 0)} for t in _buckets(scope)]


def sentiment(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Per bucket: positive / neutral / negative counts and net sentiment ((pos - neg) / all, -1..1)."""
    counts: dict[datetime, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SENTIMENTS, 0))
    for _q, t, _p, label, n in cells(session, scope):
        counts[bucket_of(t, scope.bucket, scope.offset)][_sentiment_key(label)] += n
    rows = []
    for t in _buckets(scope):
        c = counts.get(t, dict.fromkeys(SENTIMENTS, 0))
        total = sum(c.values())
        net = round((c["positive"] - c["negative"]) / total, 3) if total else 0.0
        rows.append({"t": scope.local(t).isoformat(), **c, "net": net})
    return rows


def _totals(session: Session, scope: Scope) -> dict[str, int]:
    out = dict.fromkeys(SENTIMENTS, 0)
    for _q, _t, _p, label, n in cells(session, scope):
        out[_sentiment_key(label)] += n
    return out


def summary(session: Session, scope: Scope) -> dict[str, Any]:
    """Totals of the range: mentions, sentiment shares, net sentiment, and the previous period's total."""
    now, before = _totals(session, scope), _totals(session, scope.previous())
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
    counts: Counter[str] = Counter()
    for _q, _t, platform, _s, n in cells(session, scope):
        counts[platform] += n
    total = sum(counts.values()) or 1
    rows = sorted(counts.items(), key=lambda r: (-r[1], r[0]))
    return [{"platform": p, "count": n, "share": round(n / total, 3)} for p, n in rows]


def share_of_voice(session: Session, scope: Scope, queries: list[SavedQuery]) -> list[dict[str, Any]]:
    """Mentions matched by each saved query within the scope's units (the institution vs. its topics)."""
    counts: Counter[int] = Counter()
    for q, _t, _p, _s, n in cells(session, scope, query_ids=[q.id for q in queries]):
        counts[q] += n
    total = sum(counts.values()) or 1
    rows: list[dict[str, Any]] = [
        {"query": q.name, "query_id": q.id, "count": counts.get(q.id, 0)} for q in queries
    ]
    for row in rows:
        row["share"] = round(row["count"] / total, 3)
    return sorted(rows, key=lambda r: -r["count"])


def _facet_sums(
    session: Session, scope: Scope, facet: str, *, keys: list[str] | None = None, by_reach: bool = False
) -> Any:
    """(key, count, reach) of a facet in the scope: the given keys, or the 200 largest by count (by reach)."""
    stmt = (
        select(FacetRollup.key, func.sum(FacetRollup.count), func.max(FacetRollup.reach))
        .where(
            FacetRollup.unit_id.in_(scope.unit_ids),
            FacetRollup.query_id == scope.query_id,
            FacetRollup.facet == facet,
            FacetRollup.day >= _facet_since(scope),
            FacetRollup.day < scope.until,
        )
        .group_by(FacetRollup.key)
    )
    if keys is not None:
        stmt = stmt.where(FacetRollup.key.in_(keys))
    else:
        largest = func.max(FacetRollup.reach) if by_reach else func.sum(FacetRollup.count)
        stmt = stmt.order_by(largest.desc(), FacetRollup.key).limit(200)
    return session.execute(stmt).all()


def _facet_since(scope: Scope) -> datetime:
    """The first WIB-day facet rollup of the range: the one of the same date as the range's first local day
    (a WITA or WIT range's facet totals are its dates' WIB days, an hour or two apart at each end)."""
    local_day = bucket_of(floor_hour(scope.since), "day", scope.offset)
    return local_day + (scope.offset - WIB)


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
    """Authors with the widest reach (most followers) in the range, with how often they spoke.

    Ranked from AuthorTop (each day's widest-reaching accounts, a few rows a day, decision 0083), then only
    those accounts are counted in the facet rollup, through its partial author index.
    """
    t = AuthorTop
    since = _facet_since(scope)
    ranked = session.execute(
        select(t.key, func.max(t.reach))
        .where(
            t.unit_id.in_(scope.unit_ids), t.query_id == scope.query_id, t.day >= since, t.day < scope.until
        )
        .group_by(t.key)
        .order_by(func.max(t.reach).desc(), t.key)
        .limit(TOP)
    ).all()
    if not ranked:
        return []
    f = FacetRollup
    # NOTE: the facet is a literal, not a bound parameter: a generic (prepared) plan cannot use a partial
    # index whose predicate it only learns at execution.
    counts: dict[str, int] = {
        key: int(n)
        for key, n in session.execute(
            select(f.key, func.sum(f.count))
            .where(
                f.facet == literal_column("'author'"),
                f.query_id == scope.query_id,
                f.key.in_([key for key, _r in ranked]),
                f.day >= since,
                f.day < scope.until,
                f.unit_id.in_(scope.unit_ids),
            )
            .group_by(f.key)
        )
    }
    out = []
    for key, reach in ranked:
        platform, _sep, who = key.partition(":")
        out.append(
            {
                "author": who,
                "platform": platform,
                "mentions": int(counts.get(key, 0)),
                "reach": int(reach or 0),
            }
        )
    out.sort(key=lambda r: (-r["reach"], -r["mentions"]))
    return out


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
