"""Saved queries (topik pantauan): create, edit, list, archive, the compiled matcher, history backfill."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from humas.core.errors import Conflict, Invalid, NotFound
from humas.core.i18n import _
from humas.core.pages import Page, paginate
from humas.core.sql import dialect_of, insert_ignore, upsert_add
from humas.core.time import utcnow
from humas.ingest.models import IngestJob, Mention, MentionRollup, QueryMatch, SavedQuery
from humas.ingest.service import fts
from humas.ingest.service.matcher import Matcher
from humas.ingest.service.querylang import Node, parse, to_text
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit, User
from humas.org.service import Principal

BACKFILL_CHUNK = 20_000
_cache_lock = threading.Lock()
_cache: dict[str, tuple[tuple[Any, ...], Matcher]] = {}
# Who may create, edit and archive saved queries (everyone in the subtree may read them).
MANAGERS = (Role.admin, Role.analyst)


def check_query(query: str) -> Node:
    """Parse a query; raises QuerySyntaxError (Invalid) with the column of the problem."""
    return parse(query)


def _clean_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise Invalid(_("A name is required."), field="name")
    if len(name) > 200:
        raise Invalid(_("The name is too long."), field="name")
    return name


def can_manage(actor: Principal) -> bool:
    """Whether the actor may create, edit and archive saved queries."""
    return org_service.has_role(actor, *MANAGERS)


def _require_manager(actor: Principal | None) -> None:
    if actor is not None:
        org_service.require_role(actor, *MANAGERS)


def _check_name_free(session: Session, *, unit_id: int, name: str, query_id: int | None = None) -> None:
    holder = session.scalar(select(SavedQuery).where(SavedQuery.unit_id == unit_id, SavedQuery.name == name))
    if holder is None or holder.id == query_id:
        return
    if holder.archived_at is not None:
        # NOTE: archived queries keep their name (their matches and history stay), so it stays taken.
        raise Conflict(_("An archived query of this unit has this name; choose another name."), field="name")
    raise Conflict(_("A query with this name already exists in this unit."), field="name")


def create_query(session: Session, *, unit: Unit, name: str, query: str, actor: User | None) -> SavedQuery:
    """Save a query for a unit and queue the backfill of its matches over stored mentions."""
    if actor is not None and not org_service.can_access(actor, unit):
        raise NotFound(_("Unit not found."))
    _require_manager(actor)
    tree = check_query(query)
    name = _clean_name(name)
    _check_name_free(session, unit_id=unit.id, name=name)
    saved = SavedQuery(
        unit_id=unit.id, name=name, query=to_text(tree), created_by_id=actor.id if actor else None
    )
    session.add(saved)
    session.flush()
    audit_service.record(
        session, actor=actor, action="query.create", obj=saved, unit=unit, after={"query": saved.query}
    )
    start_backfill(session, query=saved)
    return saved


def update_query(
    session: Session, *, query: SavedQuery, name: str, text: str, actor: User | None
) -> SavedQuery:
    """Rename a query or change its text; a new text re-matches every stored mention from scratch."""
    _require_manager(actor)
    if query.archived_at is not None:
        raise Conflict(_("An archived query cannot be changed."))
    new_text = to_text(check_query(text))
    name = _clean_name(name)
    _check_name_free(session, unit_id=query.unit_id, name=name, query_id=query.id)
    before = {"name": query.name, "query": query.query}
    after = {"name": name, "query": new_text}
    if before == after:
        return query
    query.name = name
    if new_text != before["query"]:
        query.query = new_text
        # The matcher cache of every process notices the change through updated_at (current_matcher).
        query.updated_at = utcnow()
        _forget_matches(session, query=query)
    audit_service.record(
        session, actor=actor, action="query.update", obj=query, unit=query.unit, before=before, after=after
    )
    if new_text != before["query"]:
        start_backfill(session, query=query)
    return query


def _forget_matches(session: Session, *, query: SavedQuery) -> None:
    """Drop what the old text matched (tags, hourly counts) and stop its unfinished backfill."""
    session.execute(delete(QueryMatch).where(QueryMatch.query_id == query.id))
    session.execute(delete(MentionRollup).where(MentionRollup.query_id == query.id))
    session.execute(
        update(IngestJob)
        .where(IngestJob.kind == "backfill", IngestJob.key == f"query:{query.id}")
        .where(IngestJob.status.in_(("pending", "running")))
        .values(status="cancelled", finished_at=utcnow(), updated_at=utcnow())
    )


def archive_query(session: Session, *, query: SavedQuery, actor: User | None) -> SavedQuery:
    """Stop a query from tagging new mentions (its matches stay)."""
    _require_manager(actor)
    if query.archived_at is not None:
        return query
    query.is_active = False
    query.archived_at = utcnow()
    audit_service.record(session, actor=actor, action="query.archive", obj=query, unit=query.unit)
    return query


def list_queries(
    session: Session, actor: Principal | None = None, *, active_only: bool = True, unit: Unit | None = None
) -> list[SavedQuery]:
    """Saved queries of the actor's units (or of one unit), by unit then name."""
    stmt = select(SavedQuery).order_by(SavedQuery.unit_id, SavedQuery.name)
    if active_only:
        stmt = stmt.where(SavedQuery.is_active.is_(True))
    if unit is not None:
        stmt = stmt.where(SavedQuery.unit_id == unit.id)
    if actor is not None:
        stmt = stmt.where(SavedQuery.unit_id.in_(org_service.visible_unit_ids(session, actor)))
    return list(session.scalars(stmt))


def page_queries(
    session: Session, actor: Principal, *, unit: Unit | None = None, page: int | None = None
) -> Page[SavedQuery]:
    """One page of the active saved queries of the actor's units (or of one unit), by unit then name."""
    stmt = select(SavedQuery).where(SavedQuery.is_active.is_(True))
    stmt = stmt.where(SavedQuery.unit_id.in_(select(Unit.id).where(Unit.path.startswith(actor.unit.path))))
    if unit is not None:
        stmt = stmt.where(SavedQuery.unit_id == unit.id)
    return paginate(session, stmt.order_by(SavedQuery.unit_id, SavedQuery.name, SavedQuery.id), page=page)


def access_query(session: Session, actor: Principal, query_id: int) -> SavedQuery:
    """A saved query of a unit the actor may see; any other id is not found."""
    query = session.get(SavedQuery, query_id)
    if query is None or not org_service.can_access(actor, query.unit):
        raise NotFound(_("Query not found."))
    return query


def current_matcher(session: Session) -> Matcher:
    """The compiled matcher over every active query, rebuilt only when the set of queries changes."""
    version = tuple(
        session.execute(
            select(
                func.count(SavedQuery.id),
                func.max(SavedQuery.id),
                func.sum(SavedQuery.id),
                func.max(SavedQuery.updated_at),
            ).where(SavedQuery.is_active.is_(True))
        ).one()
    )
    key = str(session.get_bind().engine.url)
    with _cache_lock:
        cached = _cache.get(key)
        if cached and cached[0] == version:
            return cached[1]
    rows = session.execute(
        select(SavedQuery.id, SavedQuery.query).where(SavedQuery.is_active.is_(True))
    ).all()
    matcher = Matcher.from_texts((int(qid), str(text)) for qid, text in rows)
    with _cache_lock:
        _cache[key] = (version, matcher)
    return matcher


# --- backfill over stored mentions ------------------------------------------------------------------------


def start_backfill(session: Session, *, query: SavedQuery) -> IngestJob:
    """Record a backfill job for a query and queue it once the transaction commits."""
    from humas.ingest import tasks
    from humas.jobs import enqueue_after_commit

    total = session.scalar(select(func.max(Mention.id))) or 0
    job = IngestJob(
        kind="backfill", unit_id=query.unit_id, key=f"query:{query.id}", label=query.name, total=total
    )
    job.status = "pending"
    session.add(job)
    session.flush()
    enqueue_after_commit(session, tasks.backfill_query_task, job_id=job.id)
    return job


def backfill_step(session: Session, *, job: IngestJob) -> bool:
    """Match one chunk of stored mentions (by id range) against the job's query; True when finished."""
    query_id = int(job.key.split(":", 1)[1])
    query = session.get(SavedQuery, query_id)
    if job.status == "cancelled":
        return True
    if query is None or job.cursor >= job.total:
        _finish(job)
        return True
    upper = min(job.cursor + BACKFILL_CHUNK, job.total)
    condition = fts.condition(parse(query.query), dialect_of(session))
    stmt = (
        select(Mention.id, Mention.unit_id, Mention.platform, Mention.sentiment, Mention.created_at)
        .where(Mention.id > job.cursor, Mention.id <= upper, condition)
        .where(~Mention.id.in_(select(QueryMatch.mention_id).where(QueryMatch.query_id == query_id)))
    )
    rows = session.execute(stmt).all()
    insert_ignore(session, QueryMatch, [{"query_id": query_id, "mention_id": r.id} for r in rows])
    counts: Counter[tuple[int, str, str, datetime]] = Counter(
        (
            r.unit_id,
            r.platform,
            r.sentiment or "unknown",
            r.created_at.replace(minute=0, second=0, microsecond=0),
        )
        for r in rows
    )
    rollups = [
        {"unit_id": u, "query_id": query_id, "platform": p, "sentiment": s, "hour": h, "count": n}
        for (u, p, s, h), n in counts.items()
    ]
    upsert_add(
        session,
        MentionRollup,
        rollups,
        keys=["unit_id", "query_id", "platform", "sentiment", "hour"],
        add="count",
    )
    job.status, job.cursor, job.done = "running", upper, upper
    job.added += len(rows)
    job.updated_at = utcnow()
    if upper >= job.total:
        _finish(job)
        return True
    return False


def _finish(job: IngestJob) -> None:
    job.status = "done"
    job.done = job.total
    job.finished_at = job.updated_at = utcnow()


def search_ids(session: Session, query: str, *, limit: int = 100) -> list[int]:
    """Ids of stored mentions a query matches, newest first (CLI `query test`, tests)."""
    condition = fts.condition(parse(query), dialect_of(session))
    stmt = (
        select(Mention.id)
        .where(condition)
        .order_by(Mention.created_at.desc(), Mention.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))
