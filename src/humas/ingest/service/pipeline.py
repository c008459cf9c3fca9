"""The one pipeline every source feeds.

clean → exact dedupe → analyze → near-duplicates → match queries → store → roll up.

`ingest_items` works on one batch inside the caller's transaction (the edge commits once per batch), so a
crash at any point leaves either the whole batch or none of it; running it again finds the stored rows by
(platform, external_id), only refreshes their metrics, and adds nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from humas.connectors.base import SourceItem
from humas.core.sql import (
    dialect_of,
    insert_ignore,
    pg_copy_insert,
    pg_text_array,
    sqlite_insert,
    upsert_add,
)
from humas.core.time import utcnow
from humas.ingest.models import Mention, MentionRollup, QueryMatch
from humas.ingest.service import neardup, threads
from humas.ingest.service.matcher import Matchable, Matcher, MentionView
from humas.org.models import Unit

Analyzer = Callable[[list[str]], list[Any]]


class Matching(Protocol):
    def match(self, mention: Matchable) -> list[int]: ...


ALL_QUERIES = 0  # rollup rows with query_id 0 count every mention
_TEXT_MAX = 100_000
_ID_MAX = 255


@dataclass
class IngestResult:
    received: int = 0
    added: int = 0
    updated: int = 0
    duplicates: int = 0  # repeated within the batch
    near_duplicates: int = 0
    matches: int = 0
    added_ids: list[int] = field(default_factory=list, repr=False)

    def __iadd__(self, other: IngestResult) -> IngestResult:
        for name in ("received", "added", "updated", "duplicates", "near_duplicates", "matches"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


def default_analyzer(texts: list[str]) -> list[Any]:
    from humas.nlp import analyze

    return analyze(texts)


def clean_text(text: str | None) -> str:
    """The text as stored and analysed (NUL bytes dropped, trimmed, at most 100,000 characters)."""
    return (text or "").replace("\x00", "").strip()[:_TEXT_MAX]


def _clip(value: str | None, limit: int = _ID_MAX) -> str | None:
    return None if value is None else value.replace("\x00", "")[:limit]


def _platform(value: str) -> str:
    return value.strip().lower()[:32]


def match_key(item: SourceItem) -> tuple[str, str, str | None]:
    """(text, platform, author handle) as the row stores them: what a query sees besides the analysis."""
    return clean_text(item.text), _platform(item.platform), _clip(item.author_handle)


def _row(item: SourceItem, *, unit_id: int, channel: str | None, fetched_at: datetime) -> dict[str, Any]:
    return {
        "unit_id": unit_id,
        "platform": _platform(item.platform),
        "external_id": _clip(item.external_id.strip()),
        "kind": item.kind,
        "channel_external_id": _clip(item.channel_external_id or channel),
        "author_id": _clip(item.author_id),
        "author_handle": _clip(item.author_handle),
        "author_name": _clip(item.author_name),
        "author_followers": item.author_followers,
        "url": _clip(item.url, 4000),
        "text": clean_text(item.text),
        "created_at": item.created_at or fetched_at,
        "fetched_at": fetched_at,
        "parent_external_id": _clip(item.parent_external_id),
        "thread_external_id": _clip(item.thread_external_id),
        "thread_root_id": _clip(item.thread_root_id),
        "in_reply_to_id": _clip(item.in_reply_to_id),
        "media_kind": item.media_kind,
        "media_ref": _clip(item.media_ref, 4000),
        "metrics": dict(item.metrics),
        "raw": dict(item.raw),
    }


def _existing_ids(
    session: Session, keys: list[tuple[str, str]], *, fetched_at: datetime | None = None
) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    if keys and fetched_at is None and dialect_of(session) == "postgresql":
        # One statement for the batch, whatever its platforms (a lookup per platform and 900 keys otherwise).
        sql = (
            "SELECT m.id, m.platform, m.external_id FROM mentions m "
            "JOIN unnest(%s::varchar[], %s::varchar[]) AS k(platform, external_id) "
            "ON m.platform = k.platform AND m.external_id = k.external_id"
        )
        params = (pg_text_array([p for p, _e in keys]), pg_text_array([e for _p, e in keys]))
        rows = session.connection().exec_driver_sql(sql, params)
        return {(platform, ext): mid for mid, platform, ext in rows}
    by_platform: dict[str, list[str]] = {}
    for platform, external_id in keys:
        by_platform.setdefault(platform, []).append(external_id)
    for platform, ids in by_platform.items():
        for start in range(0, len(ids), 900):
            stmt = select(Mention.id, Mention.external_id).where(
                Mention.platform == platform, Mention.external_id.in_(ids[start : start + 900])
            )
            if fetched_at is not None:
                stmt = stmt.where(Mention.fetched_at == fetched_at)
            found.update({(platform, ext): mid for mid, ext in session.execute(stmt)})
    return found


def _apply_analysis(row: dict[str, Any], analysis: Any) -> None:
    row.update(
        language=analysis.language,
        sentiment=analysis.sentiment,
        sentiment_score=float(analysis.sentiment_score),
        emotion=analysis.emotion,
        emotion_score=None if analysis.emotion_score is None else float(analysis.emotion_score),
        abuse=list(analysis.abuse),
        hoax_score=float(analysis.hoax_score),
        topic=analysis.topic,
        keyphrases=list(analysis.keyphrases),
    )


def _insert_new(
    session: Session, rows: list[dict[str, Any]], fetched_at: datetime
) -> dict[tuple[str, str], int]:
    """Insert, skipping rows another worker stored meanwhile; returns the ids of the rows this batch added."""
    if dialect_of(session) == "postgresql":
        # COPY and one INSERT in key order (decision 0099): two workers with overlapping batches wait in line.
        returned = pg_copy_insert(
            session, Mention, rows, columns=list(rows[0]), order_by=("platform", "external_id"),
            conflict="ON CONFLICT (platform, external_id) DO NOTHING",
            returning="RETURNING id, platform, external_id",
        )  # fmt: skip
        return {(p, e): mid for mid, p, e in returned}
    conflict = "ON CONFLICT (platform, external_id) DO NOTHING"
    sqlite_insert(session, Mention, rows, columns=list(rows[0]), conflict=conflict)
    # NOTE: the driver's executemany returns no rows; this batch's rows are the ones carrying its fetched_at.
    found = _existing_ids(session, [(r["platform"], r["external_id"]) for r in rows], fetched_at=fetched_at)
    texts = {(r["platform"], r["external_id"]): r["text"] for r in rows}
    # One statement for the batch's full-text rows (see the migration: no per-row trigger on SQLite).
    session.connection().exec_driver_sql(
        "INSERT INTO mentions_fts(rowid, text) VALUES (?, ?)",
        [(mid, texts[key]) for key, mid in found.items()],
    )
    return found


def _hour(value: datetime) -> datetime:
    return value.replace(minute=0, second=0, microsecond=0)


def _rollups(
    rows: list[dict[str, Any]], matches: list[tuple[int, int]], ids: list[int]
) -> list[dict[str, Any]]:
    counts: Counter[tuple[int, int, str, str, datetime]] = Counter()
    by_id = {}
    for mid, row in zip(ids, rows, strict=True):
        key = (row["unit_id"], row["platform"], row["sentiment"] or "unknown", _hour(row["created_at"]))
        by_id[mid] = key
        counts[(key[0], ALL_QUERIES, key[1], key[2], key[3])] += 1
    for query_id, mid in matches:
        unit_id, platform, sentiment, hour = by_id[mid]
        counts[(unit_id, query_id, platform, sentiment, hour)] += 1
    return [
        {"unit_id": u, "query_id": q, "platform": p, "sentiment": s, "hour": h, "count": n}
        for (u, q, p, s, h), n in counts.items()
    ]


ROLLUP_KEYS = ["unit_id", "query_id", "platform", "sentiment", "hour"]


# Domains above ingest that act on newly stored mentions in the same transaction (the inbox routes those
# that need an answer). They register with ``on_stored``; the modules are imported on first use, so every
# process that ingests (web, worker, CLI) has them without ingest importing a higher layer.
StoredListener = Callable[[Session, list[int]], None]
_listeners: list[StoredListener] = []
LISTENER_MODULES = ("humas.inbox.service.intake",)
_listeners_loaded = False


def on_stored(listener: StoredListener) -> None:
    """Call ``listener(session, mention_ids)`` after each batch stores new mentions."""
    if listener not in _listeners:
        _listeners.append(listener)


def _notify_stored(session: Session, mention_ids: list[int]) -> None:
    global _listeners_loaded
    if not _listeners_loaded:
        import importlib

        for name in LISTENER_MODULES:
            importlib.import_module(name)
        _listeners_loaded = True
    for listener in _listeners:
        listener(session, mention_ids)


def ingest_items(
    session: Session,
    items: Sequence[SourceItem],
    *,
    unit: Unit,
    channel: str | None = None,
    matcher: Matcher | Matching | None = None,
    analyzer: Analyzer | None = None,
) -> IngestResult:
    """Store one batch of source items for a unit: analysed, matched, near-duplicates grouped, rolled up."""
    from humas.ingest.service import queries as queries_service

    result = IngestResult(received=len(items))
    fetched_at = utcnow()
    batch: dict[tuple[str, str], dict[str, Any]] = {}
    for item in items:
        row = _row(item, unit_id=unit.id, channel=channel, fetched_at=fetched_at)
        key = (row["platform"], row["external_id"])
        if key in batch:
            result.duplicates += 1
        batch[key] = row  # the latest sighting wins (fresher metrics)
    existing = _existing_ids(session, list(batch))
    seen_again = [(existing[k], r) for k, r in batch.items() if k in existing]
    _refresh_metrics(session, seen_again)
    threads.fill_missing(session, seen_again)
    result.updated = sum(1 for k in batch if k in existing)
    new_rows = [r for k, r in batch.items() if k not in existing]
    if not new_rows:
        return result
    threads.resolve_roots(session, new_rows)
    analyses = (analyzer or default_analyzer)([r["text"] for r in new_rows])
    for row, analysis in zip(new_rows, analyses, strict=True):
        _apply_analysis(row, analysis)
    matcher = matcher if matcher is not None else queries_service.current_matcher(session)
    per_row = [matcher.match(_view(r)) for r in new_rows]
    ids = _insert_new(session, new_rows, fetched_at)
    kept = [
        (ids[(r["platform"], r["external_id"])], r, a, m)
        for r, a, m in zip(new_rows, analyses, per_row, strict=True)
        if (r["platform"], r["external_id"]) in ids
    ]
    if not kept:
        return result
    mention_ids = [k[0] for k in kept]
    result.added, result.added_ids = len(kept), mention_ids
    result.near_duplicates = neardup.assign_groups(session, mention_ids, [k[2].minhash for k in kept])
    matches = [(qid, mid) for mid, _r, _a, qids in kept for qid in qids]
    insert_ignore(session, QueryMatch, [{"query_id": q, "mention_id": m} for q, m in matches])
    result.matches = len(matches)
    upsert_add(
        session,
        MentionRollup,
        _rollups([k[1] for k in kept], matches, mention_ids),
        keys=ROLLUP_KEYS,
        add="count",
    )
    _notify_stored(session, mention_ids)
    return result


def _view(row: dict[str, Any]) -> MentionView:
    return MentionView(
        text=row["text"],
        language=row.get("language"),
        platform=row["platform"],
        author_handle=row.get("author_handle"),
        sentiment=row.get("sentiment"),
    )


def _refresh_metrics(session: Session, pairs: list[tuple[int, dict[str, Any]]]) -> None:
    """A mention seen again keeps its row; only its counts (and the author's followers) move."""
    rows = []
    for mid, row in pairs:
        change: dict[str, Any] = {"id": mid}
        if row["metrics"]:
            change["metrics"] = row["metrics"]
        if row["author_followers"] is not None:
            change["author_followers"] = row["author_followers"]
        if len(change) > 1:
            rows.append(change)
    if rows:
        session.execute(update(Mention), rows)


__all__ = ["IngestResult", "ingest_items"]
