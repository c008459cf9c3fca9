"""Daily facet rollups (keyphrases, hashtags, emotions, authors) kept up to date from new mentions.

The ingest pipeline rolls up volume, sentiment and platform per hour as it stores a batch; the facets the
dashboard also shows are rolled up here, incrementally, by mention id (a cursor), so the dashboard never
scans raw mentions. Running it twice adds nothing: the cursor moves in the same transaction as the counts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.orm import Session

from humas.core.sql import dialect_of, insert_for, upsert_add
from humas.core.time import utcnow
from humas.ingest.models import IngestJob, Mention, QueryMatch
from humas.listening.models import AuthorTop, DailyRollup, FacetRollup, ListeningCursor
from humas.listening.service.scope import bucket_of, floor_hour

CURSOR = "facets"
REBUILT = "query-rebuilt:"  # + query id: the last finished backfill job folded into that query's rollups
HASHTAG = re.compile(r"#(\w{2,60})")
KEY_MAX = 200
# "Top authors by reach" needs only accounts that reach many; keeping every one-off author per day made
# the facet table as large as the mentions. Smaller authors still count in volume and sentiment.
AUTHOR_MIN_FOLLOWERS = 500
# Authors kept a day in AuthorTop (the panel shows dashboard.TOP = 15; see decision 0083).
AUTHOR_TOP = 15


def get_cursor(session: Session, name: str) -> ListeningCursor:
    cursor = session.get(ListeningCursor, name)
    if cursor is None:
        cursor = ListeningCursor(name=name, value=0)
        session.add(cursor)
        session.flush()
    return cursor


def hashtags(text: str) -> list[str]:
    return list(dict.fromkeys(t.lower() for t in HASHTAG.findall(text or "")))[:10]


def _facets(row: Any) -> Iterable[tuple[str, str, int]]:
    for phrase in list(row.keyphrases or [])[:8]:
        if isinstance(phrase, str) and phrase.strip():
            yield "kp", phrase.strip().lower()[:KEY_MAX], 0
    for tag in hashtags(row.text):
        yield "tag", "#" + tag[: KEY_MAX - 1], 0
    if row.emotion:
        yield "emo", row.emotion, 0
    who = row.author_handle or row.author_name
    if who and int(row.author_followers or 0) >= AUTHOR_MIN_FOLLOWERS:
        yield "author", f"{row.platform}:{who}"[:KEY_MAX], int(row.author_followers or 0)


def _matches(session: Session, ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        stmt = select(QueryMatch.mention_id, QueryMatch.query_id).where(QueryMatch.mention_id.in_(chunk))
        for mid, qid in session.execute(stmt):
            found.setdefault(mid, []).append(qid)
    return found


COLUMNS = (
    Mention.id,
    Mention.unit_id,
    Mention.created_at,
    Mention.keyphrases,
    Mention.emotion,
    Mention.text,
    Mention.platform,
    Mention.sentiment,
    Mention.author_handle,
    Mention.author_name,
    Mention.author_followers,
)


def update_facets(session: Session, *, batch: int = 5000, max_batches: int | None = None) -> int:
    """Roll up the facets of mentions added since the last run; returns how many mentions were read."""
    cursor = get_cursor(session, CURSOR)
    done = 0
    while max_batches is None or max_batches > 0:
        rows = session.execute(
            select(*COLUMNS).where(Mention.id > cursor.value).order_by(Mention.id).limit(batch)
        ).all()
        if not rows:
            break
        add_rows(session, rows, _matches(session, [r.id for r in rows]))
        cursor.value = rows[-1].id
        cursor.updated_at = utcnow()
        session.flush()
        done += len(rows)
        if max_batches is not None:
            max_batches -= 1
    return done


def rebuild_backfilled_queries(session: Session, *, batch: int = 5000) -> list[int]:
    """Rebuild the daily and facet rollups of every query whose backfill finished since its last rebuild.

    The forward job counts a mention for the queries it matched when the job read it; a backfill (a new
    query, or a changed text) tags older mentions later. Returns the ids of the rebuilt queries.
    """
    finished = session.execute(
        select(IngestJob.key, func.max(IngestJob.id))
        .where(IngestJob.kind == "backfill", IngestJob.status == "done")
        .group_by(IngestJob.key)
    ).all()
    # One read of every marker (this runs each minute), not one per query.
    markers = select(ListeningCursor.name, ListeningCursor.value)
    markers = markers.where(ListeningCursor.name.startswith(REBUILT))
    folded = {name: value for name, value in session.execute(markers)}
    rebuilt = []
    for key, job_id in sorted(finished, key=lambda r: r[1]):
        query_id = int(key.split(":", 1)[1])
        if folded.get(f"{REBUILT}{query_id}", 0) >= job_id:
            continue
        marker = get_cursor(session, f"{REBUILT}{query_id}")
        rebuild_query(session, query_id, batch=batch)
        marker.value, marker.updated_at = job_id, utcnow()
        rebuilt.append(query_id)
    return rebuilt


def rebuild_query(session: Session, query_id: int, *, batch: int = 5000) -> int:
    """Recount one query's daily and facet rollups from its matches, up to the forward job's cursor (later
    mentions are counted by the forward job itself); returns how many mentions were read."""
    upto = get_cursor(session, CURSOR).value
    session.execute(delete(DailyRollup).where(DailyRollup.query_id == query_id))
    session.execute(delete(FacetRollup).where(FacetRollup.query_id == query_id))
    session.execute(delete(AuthorTop).where(AuthorTop.query_id == query_id))
    last, done = 0, 0
    while True:
        rows = session.execute(
            select(*COLUMNS)
            .join(QueryMatch, QueryMatch.mention_id == Mention.id)
            .where(QueryMatch.query_id == query_id, Mention.id > last, Mention.id <= upto)
            .order_by(Mention.id)
            .limit(batch)
        ).all()
        if not rows:
            return done
        add_rows(session, rows, {r.id: [query_id] for r in rows}, include_all=False)
        last, done = rows[-1].id, done + len(rows)


def add_rows(
    session: Session, rows: Iterable[Any], matches: dict[int, list[int]], *, include_all: bool = True
) -> None:
    """Add the facets of mention rows (id, unit_id, created_at, keyphrases, emotion, text, author...) to the
    rollups of their queries, and (``include_all``) to the unit's all-mentions rollup (query 0)."""
    counts: Counter[tuple[int, int, str, datetime, str]] = Counter()
    daily: Counter[tuple[int, int, datetime, str, str]] = Counter()
    reach: dict[tuple[int, int, str, datetime, str], int] = {}
    everything = (0,) if include_all else ()
    for row in rows:
        day = bucket_of(floor_hour(row.created_at), "day")
        for query_id in (*everything, *matches.get(row.id, ())):
            daily[(row.unit_id, query_id, day, row.platform, row.sentiment or "unknown")] += 1
            for facet, key, followers in _facets(row):
                k = (row.unit_id, query_id, facet, day, key)
                counts[k] += 1
                reach[k] = max(reach.get(k, 0), followers)
    values = [
        {"unit_id": u, "query_id": q, "facet": f, "day": d, "key": key, "count": n, "reach": reach[k]}
        for k, n in counts.items()
        for (u, q, f, d, key) in [k]
    ]
    upsert_facets(session, values)
    keep_top_authors(session, {(u, q, d, key): r for (u, q, f, d, key), r in reach.items() if f == "author"})
    upsert_add(
        session,
        DailyRollup,
        [
            {"unit_id": u, "query_id": q, "day": d, "platform": p, "sentiment": s, "count": n}
            for (u, q, d, p, s), n in daily.items()
        ],
        keys=["unit_id", "query_id", "day", "platform", "sentiment"],
        add="count",
    )


def upsert_facets(session: Session, values: list[dict[str, Any]]) -> None:
    if not values:
        return
    stmt: Any = insert_for(session, FacetRollup)
    table = FacetRollup.__table__
    greatest = func.max if dialect_of(session) == "sqlite" else func.greatest
    stmt = stmt.on_conflict_do_update(
        index_elements=["unit_id", "query_id", "facet", "day", "key"],
        set_={
            "count": table.c["count"] + stmt.excluded["count"],
            "reach": greatest(table.c["reach"], stmt.excluded["reach"]),
        },
    )
    for start in range(0, len(values), 2000):
        session.execute(stmt, values[start : start + 2000])


Cell = tuple[int, int, datetime]  # unit, query, WIB day


def keep_top_authors(session: Session, reach: dict[tuple[int, int, datetime, str], int]) -> None:
    """Merge a batch's (unit, query, day, author) -> reach into each day's top `AUTHOR_TOP` by reach.

    Exact without reading FacetRollup: reach only grows (the largest follower count seen), so an author
    outside a day's top whose batch reach does not beat the last one stays outside, and one that beats it
    enters with the batch's reach. Only the days whose top changed are rewritten.
    """
    if not reach:
        return
    batch: dict[Cell, dict[str, int]] = {}
    for (u, q, d, key), r in reach.items():
        batch.setdefault((u, q, d), {})[key] = r
    cells = list(batch)
    old: dict[Cell, dict[str, int]] = {cell: {} for cell in cells}
    t = AuthorTop
    for start in range(0, len(cells), 300):
        chunk = cells[start : start + 300]
        stmt = select(t.unit_id, t.query_id, t.day, t.key, t.reach).where(
            tuple_(t.unit_id, t.query_id, t.day).in_(chunk)
        )
        for u, q, d, key, r in session.execute(stmt):
            old[(u, q, d)][key] = r
    changed: list[Cell] = []
    rows: list[dict[str, Any]] = []
    for cell, current in old.items():
        merged = dict(current)
        for key, r in batch[cell].items():
            merged[key] = max(merged.get(key, 0), r)
        top = dict(sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))[:AUTHOR_TOP])
        if top != current:
            changed.append(cell)
            rows += [{"unit_id": u, "query_id": q, "day": d, "key": k, "reach": r} for (u, q, d) in [cell]
                     for k, r in top.items()]  # fmt: skip
    for start in range(0, len(changed), 300):
        gone = delete(t).where(tuple_(t.unit_id, t.query_id, t.day).in_(changed[start : start + 300]))
        session.execute(gone)
    if rows:
        session.execute(insert_for(session, AuthorTop), rows)
