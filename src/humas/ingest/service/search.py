"""The mention explorer: query-language search with filters, sort and pages; access; export rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, cast, select
from sqlalchemy.orm import Session

from humas.connectors.base import KINDS
from humas.connectors.registry import mention_platforms
from humas.core.errors import Invalid, NotFound
from humas.core.i18n import _
from humas.core.sql import dialect_of
from humas.ingest.models import Mention, QueryMatch, SavedQuery
from humas.ingest.service import fts
from humas.ingest.service.querylang import parse
from humas.org import service as org_service
from humas.org.models import Unit, User

SORTS = ("newest", "oldest", "followers")
PER_PAGE_MAX = 200
EXPORT_MAX = 50_000
EXPORT_COLUMNS = (
    "id", "platform", "external_id", "kind", "created_at", "author_handle", "author_name", "author_followers",
    "url", "text", "language", "sentiment", "sentiment_score", "emotion", "abuse", "hoax_score", "topic",
    "near_dup_group", "likes", "replies", "shares", "views",
)  # fmt: skip


@dataclass
class MentionFilters:
    q: str = ""
    since: datetime | None = None
    until: datetime | None = None
    unit_id: int | None = None
    query_id: int | None = None
    platform: str | None = None
    kind: str | None = None
    sentiment: str | None = None
    emotion: str | None = None
    abuse: str | None = None  # a label, or "any"
    sort: str = "newest"
    page: int = 1
    per_page: int = 50

    def as_params(self) -> dict[str, Any]:
        """Non-empty filters as query-string values (for links to other pages and exports)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, "") or f.name == "page":
                continue
            out[f.name] = value.strftime("%Y-%m-%d") if isinstance(value, datetime) else value
        return out


@dataclass
class MentionPage:
    items: list[Mention]
    page: int
    per_page: int
    has_next: bool
    filters: MentionFilters = field(repr=False, default_factory=MentionFilters)


def access_mention(session: Session, actor: User, mention_id: int) -> Mention:
    """The only permission-checked fetch of a mention: another unit's mention is simply not found."""
    mention = session.get(Mention, mention_id)
    if mention is None:
        raise NotFound(_("Mention not found."))
    unit = session.get(Unit, mention.unit_id)
    if unit is None or not org_service.can_access(actor, unit):
        raise NotFound(_("Mention not found."))
    return mention


ANY_ABUSE = "any"
FILTER_FIELDS = ("platform", "kind", "sentiment", "emotion", "abuse")


def filter_choices() -> dict[str, tuple[str, ...]]:
    """The values each explorer filter accepts: platforms from the connector registry, kinds from the
    connectors' item kinds, labels from the models that write them (``humas.nlp.labels``)."""
    from humas import nlp  # NOTE: lazy: the web process loads the models only when it analyses text

    return {
        "platform": mention_platforms(),
        "kind": KINDS,
        "sentiment": nlp.labels("sentiment"),
        "emotion": nlp.labels("emotion"),
        "abuse": (ANY_ABUSE, *nlp.labels("abuse")),
    }


def check_filters(filters: MentionFilters) -> None:
    """Refuse a filter value no mention can have (it would silently match nothing), naming the field."""
    choices = filter_choices()
    for name in FILTER_FIELDS:
        value = getattr(filters, name)
        if value is not None and value not in choices[name]:
            raise Invalid(
                _("Unknown value for %(field)s: %(value)s.", field=name, value=str(value)[:64]), field=name
            )
    if filters.sort not in SORTS:
        raise Invalid(_("Unknown sort order."), field="sort")


def _visible(session: Session, actor: User | None, stmt: Select[Any], unit_id: int | None) -> Select[Any]:
    if unit_id is not None:
        unit = (
            org_service.access_unit(session, actor, unit_id)
            if actor is not None
            else session.get(Unit, unit_id)
        )
        if unit is None:
            raise NotFound(_("Unit not found."))
        return stmt.where(Mention.unit_id.in_(select(Unit.id).where(Unit.path.startswith(unit.path))))
    if actor is None:
        return stmt
    return stmt.where(Mention.unit_id.in_(select(Unit.id).where(Unit.path.startswith(actor.unit.path))))


def filtered(session: Session, actor: User | None, filters: MentionFilters) -> Select[tuple[Mention]]:
    """The statement selecting the mentions the filters describe, in order, without paging."""
    check_filters(filters)
    stmt = _visible(session, actor, select(Mention), filters.unit_id)
    if filters.q.strip():
        stmt = stmt.where(fts.condition(parse(filters.q), dialect_of(session)))
    if filters.since:
        stmt = stmt.where(Mention.created_at >= filters.since)
    if filters.until:
        stmt = stmt.where(Mention.created_at < filters.until)
    if filters.query_id:
        stmt = stmt.where(
            Mention.id.in_(select(QueryMatch.mention_id).where(QueryMatch.query_id == filters.query_id))
        )
    for name in ("platform", "kind", "sentiment", "emotion"):
        value = getattr(filters, name)
        if value:
            stmt = stmt.where(getattr(Mention, name) == value)
    if filters.abuse == ANY_ABUSE:
        stmt = stmt.where(cast(Mention.abuse, String).notin_(["[]", "null"]))
    elif filters.abuse:
        stmt = stmt.where(cast(Mention.abuse, String).like(f'%"{filters.abuse}"%'))
    if filters.sort == "oldest":
        return stmt.order_by(Mention.created_at.asc(), Mention.id.asc())
    if filters.sort == "followers":
        return stmt.order_by(Mention.author_followers.desc().nulls_last(), Mention.id.desc())
    return stmt.order_by(Mention.created_at.desc(), Mention.id.desc())


def search_mentions(session: Session, *, actor: User | None, filters: MentionFilters) -> MentionPage:
    """One page of the explorer: full-text query language plus filters, newest first by default."""
    per_page = max(1, min(filters.per_page, PER_PAGE_MAX))
    page = max(1, filters.page)
    stmt = filtered(session, actor, filters).limit(per_page + 1).offset((page - 1) * per_page)
    rows = list(session.scalars(stmt))
    return MentionPage(rows[:per_page], page, per_page, len(rows) > per_page, filters)


def list_query_choices(session: Session, actor: User | None) -> list[SavedQuery]:
    stmt = select(SavedQuery).where(SavedQuery.is_active.is_(True)).order_by(SavedQuery.name)
    if actor is not None:
        stmt = stmt.where(SavedQuery.unit_id.in_(org_service.visible_unit_ids(session, actor)))
    return list(session.scalars(stmt))


def export_row(m: Any) -> list[Any]:
    metrics = m.metrics or {}
    values = {
        **{c: getattr(m, c, None) for c in EXPORT_COLUMNS},
        "abuse": ", ".join(m.abuse or []),
        "created_at": m.created_at.isoformat() if m.created_at else "",
        **{k: metrics.get(k) for k in ("likes", "replies", "shares", "views")},
    }
    return [values[c] for c in EXPORT_COLUMNS]


# The columns an export reads: plain rows, not whole mentions (their raw payload is most of a row's bytes).
_EXPORT_READ = tuple(c for c in EXPORT_COLUMNS if hasattr(Mention, c)) + ("metrics",)


def export_rows(session: Session, *, actor: User | None, filters: MentionFilters) -> Iterator[list[Any]]:
    """The current result (every page, at most EXPORT_MAX rows), as rows of EXPORT_COLUMNS."""
    stmt = filtered(session, actor, filters).limit(EXPORT_MAX)
    columns = [getattr(Mention, c) for c in _EXPORT_READ]
    for row in session.execute(stmt.with_only_columns(*columns).execution_options(yield_per=2000)):
        yield export_row(row)


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value  # no formulas from public text in a spreadsheet
    return value


def export_csv(session: Session, *, actor: User | None, filters: MentionFilters) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for row in export_rows(session, actor=actor, filters=filters):
        writer.writerow([_cell(v) for v in row])
        if buffer.tell() > 1 << 16:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_xlsx(session: Session, *, actor: User | None, filters: MentionFilters) -> bytes:
    return b"".join(export_xlsx_chunks(session, actor=actor, filters=filters))


def export_xlsx_chunks(
    session: Session, *, actor: User | None, filters: MentionFilters, chunk: int = 1 << 16
) -> Iterator[bytes]:
    """The workbook in chunks, for a streamed download: written (openpyxl write-only) to a temporary file
    that stays on disk past 8 MiB instead of in memory, then read back."""
    import tempfile

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("mentions")
    sheet.append(list(EXPORT_COLUMNS))
    for row in export_rows(session, actor=actor, filters=filters):
        sheet.append([_cell(_xlsx_safe(v)) for v in row])
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as out:
        book.save(out)
        out.seek(0)
        while data := out.read(chunk):
            yield data


_XML_CONTROL = {c: None for c in range(32) if chr(c) not in "\t\n\r"}


def _xlsx_safe(value: Any) -> Any:
    if isinstance(value, str):
        # openpyxl refuses control characters that XML cannot carry.
        return value.translate(_XML_CONTROL)
    return value


def matched_queries(session: Session, *, mention: Mention, actor: User | None) -> list[SavedQuery]:
    """The saved queries (of units the actor sees) that tag this mention."""
    stmt = (
        select(SavedQuery)
        .join(QueryMatch, QueryMatch.query_id == SavedQuery.id)
        .where(QueryMatch.mention_id == mention.id)
        .order_by(SavedQuery.name)
    )
    if actor is not None:
        stmt = stmt.where(SavedQuery.unit_id.in_(org_service.visible_unit_ids(session, actor)))
    return list(session.scalars(stmt))


def near_duplicates(
    session: Session, *, mention: Mention, actor: User | None, limit: int = 20
) -> list[Mention]:
    """Other visible mentions in the same near-duplicate group."""
    if mention.near_dup_group is None:
        return []
    stmt = select(Mention).where(Mention.near_dup_group == mention.near_dup_group, Mention.id != mention.id)
    stmt = _visible(session, actor, stmt, None).order_by(Mention.id).limit(limit)
    return list(session.scalars(stmt))
