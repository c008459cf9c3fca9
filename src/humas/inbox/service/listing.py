"""The inbox list: filters, sort, a page at a time, the navigation counts, the "anything new?" check and CSV.

Everything is scoped to the actor's visible units (the unit and its descendants).

Speed (decision 0087). The list is sorted by latest activity or by next deadline over up to ~50 units and
the open statuses. The count comes first, capped at `COUNT_CAP` ("10.000+"). A short list (`SMALL_LIST`)
is sorted whole. A long one is read by index walks that stop after ``offset + size`` rows: on PostgreSQL one
walk of ``(unit_id, status, last_activity_at)`` per (unit, status) pair (LATERAL); on SQLite that index
holds the rowid, so the plain ORDER BY reads the index only. The deadline sort walks
``(status, next_deadline_at)`` once per status, then those without a deadline.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    String,
    and_,
    func,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from humas.connectors import registry
from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.core.pages import MAX_PAGE_SIZE, PAGE_SIZE, Page
from humas.core.time import utcnow
from humas.inbox.models import OPEN_STATUSES, Conversation, MessageType, SlaState, Status
from humas.inbox.service import conversations as conversations_service
from humas.inbox.service import privacy
from humas.org import service as org_service
from humas.org.models import User, UserRole
from humas.org.service import Principal

SORTS = ("activity", "deadline")
STATUS_CHOICES = ("open", "all", *(s.value for s in Status))
SLA_CHOICES = ("at_risk", "missed")
SENTIMENTS = ("positive", "neutral", "negative")
TYPE_CHOICES = tuple(t.value for t in MessageType)
COUNT_CAP = 10_000
# A list of at most this many matches is sorted whole; a longer one is read by index walks.
SMALL_LIST = 2_000
SUBJECT_QUERY_MAX = 200
EXPORT_MAX = 50_000


@dataclass(frozen=True)
class InboxFilters:
    """What the list shows; every field is optional and combines with the others (AND)."""

    status: str = "open"  # open (every status but selesai) | all | one Status value
    mine: bool = False
    unassigned: bool = False
    sla: str | None = None  # at_risk | missed
    platform: str | None = None
    channel_id: int | None = None
    message_type: str | None = None
    sentiment: str | None = None
    abusive: bool | None = None
    team_id: int | None = None
    assignee_id: int | None = None
    unit_id: int | None = None
    q: str = ""  # words in the subject
    sort: str = "activity"

    def to_dict(self) -> dict[str, Any]:
        """The non-default fields, for a saved view and for links."""
        default = InboxFilters()
        return {k: v for k, v in asdict(self).items() if v != getattr(default, k)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InboxFilters:
        """A saved view's filters (unknown keys from an older version are dropped)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def check_filters(filters: InboxFilters) -> InboxFilters:
    """Refuse a value the list does not know (naming the field), trim the text."""
    choices = {
        "status": STATUS_CHOICES,
        "sla": SLA_CHOICES,
        "message_type": TYPE_CHOICES,
        "sentiment": SENTIMENTS,
        "sort": SORTS,
    }
    for name, allowed in choices.items():
        value = getattr(filters, name)
        if value is not None and value not in allowed:
            raise Invalid(_("Unknown value for %(field)s.", field=name), field=name)
    q = " ".join(filters.q.split())
    if len(q) > SUBJECT_QUERY_MAX:
        raise Invalid(_("At most %(n)s characters.", n=SUBJECT_QUERY_MAX), field="q")
    return replace(filters, q=q)


def can_read(actor: Principal) -> bool:
    """Who reads the inbox (the conversation service's readers); other roles see an empty list."""
    return org_service.has_role(actor, *conversations_service.READERS)


def can_work(actor: Principal) -> bool:
    """Who changes conversations (status, assignment, notes, bulk actions)."""
    return org_service.has_role(actor, *conversations_service.WORKERS)


def workers(session: Session, actor: Principal) -> list[User]:
    """The people of the actor's units a conversation can be assigned to, by name."""
    roles = [r.value for r in conversations_service.WORKERS]
    unit_ids = org_service.visible_unit_ids(session, actor)
    stmt = (
        select(User)
        .where(
            User.unit_id.in_(unit_ids),
            User.is_active.is_(True),
            User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(roles))),
        )
        .order_by(User.name, User.id)
    )
    return list(session.scalars(stmt))


def platform_choices() -> list[tuple[str, str]]:
    """(value, label) of every platform a conversation can come from (for the filter)."""
    return [(name, registry.get_platform(name).label) for name in registry.platform_names()]


def _statuses(filters: InboxFilters) -> list[str]:
    if filters.status == "open":
        return list(OPEN_STATUSES)
    if filters.status == "all":
        return [s.value for s in Status]
    return [filters.status]


def _unit_ids(session: Session, actor: Principal, filters: InboxFilters) -> list[int]:
    if filters.unit_id is not None:
        unit = org_service.access_unit(session, actor, filters.unit_id)
        return org_service.subtree_ids(session, unit)
    return org_service.visible_unit_ids(session, actor)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(actor: Principal, filters: InboxFilters) -> list[ColumnElement[bool]]:
    """Every filter but the unit and status (those shape the branches)."""
    c = Conversation
    out: list[ColumnElement[bool]] = []
    if filters.mine:
        out.append(c.assignee_id == actor.id)
    if filters.unassigned:
        out.append(c.assignee_id.is_(None))
    if filters.assignee_id is not None:
        out.append(c.assignee_id == filters.assignee_id)
    if filters.team_id is not None:
        out.append(c.team_id == filters.team_id)
    if filters.sla is not None:
        out.append(c.sla_state == filters.sla)
    if filters.platform:
        out.append(c.platform == filters.platform)
    if filters.channel_id is not None:
        out.append(c.channel_id == filters.channel_id)
    if filters.message_type:
        out.append(c.message_type == filters.message_type)
    if filters.sentiment:
        out.append(c.sentiment == filters.sentiment)
    if filters.abusive is not None:
        out.append(c.abusive.is_(filters.abusive))
    for word in filters.q.split():
        out.append(func.lower(c.subject).like(f"%{_like_escape(word.lower())}%", escape="\\"))
    return out


def _where(unit_ids: Sequence[int], statuses: Sequence[str], conds: list[ColumnElement[bool]]) -> Any:
    c = Conversation
    return and_(c.unit_id.in_(unit_ids), c.status.in_(statuses), *conds)


def _order(sort: str, cols: Any) -> list[Any]:
    if sort == "deadline":
        # NOTE: soonest deadline first, conversations without one after them (NULLS LAST on both engines).
        return [
            cols.next_deadline_at.is_(None),
            cols.next_deadline_at,
            cols.last_activity_at.desc(),
            cols.id.desc(),
        ]
    return [cols.last_activity_at.desc(), cols.id.desc()]


def _plain_ids(session: Session, where: Any, sort: str, offset: int, size: int) -> list[int]:
    c = Conversation
    stmt = select(c.id).where(where).order_by(*_order(sort, c)).limit(size).offset(offset)
    return list(session.scalars(stmt))


def _lateral_ids(
    session: Session,
    unit_ids: Sequence[int],
    statuses: Sequence[str],
    conds: list[ColumnElement[bool]],
    offset: int,
    size: int,
) -> list[int]:
    """PostgreSQL, newest activity first: one walk of (unit_id, status, last_activity_at) per pair, each
    stopping after offset+size rows (LATERAL), merged; the heap is read for those rows only."""
    c = Conversation
    # NOTE: the pairs come from two array parameters (unnest), so the SQL text is the same for every actor
    # and SQLAlchemy's compiled cache holds; a VALUES list would be compiled again on every request.
    units = func.unnest(literal(list(unit_ids), ARRAY(Integer))).table_valued("u").render_derived(name="pu")
    states = func.unnest(literal(list(statuses), ARRAY(String))).table_valued("s").render_derived(name="ps")
    walk = (
        select(c.id, c.last_activity_at)
        .where(c.unit_id == units.c.u, c.status == states.c.s, *conds)
        .order_by(c.last_activity_at.desc(), c.id.desc())
        .limit(offset + size)
        .lateral("walk")
    )
    stmt = (
        select(walk.c.id)
        .select_from(units)
        .join(states, true())
        .join(walk, true())
        .order_by(walk.c.last_activity_at.desc(), walk.c.id.desc())
        .limit(size)
        .offset(offset)
    )
    return list(session.scalars(stmt))


def _deadline_ids(
    session: Session,
    unit_ids: Sequence[int],
    statuses: Sequence[str],
    conds: list[ColumnElement[bool]],
    offset: int,
    size: int,
) -> list[int]:
    """Soonest deadline first: one walk of (status, next_deadline_at) per status, each stopping after
    offset+size rows of the units; then, past the last deadline, those without one, newest first."""
    c = Conversation
    walks = [
        select(c.id, c.next_deadline_at)
        .where(_where(unit_ids, [st], conds), c.next_deadline_at.is_not(None))
        .order_by(c.next_deadline_at, c.id)
        .limit(offset + size)
        .subquery()
        for st in statuses
    ]
    merged = union_all(*(select(w) for w in walks)).subquery() if len(walks) > 1 else walks[0]
    stmt = select(merged.c.id).order_by(merged.c.next_deadline_at, merged.c.id).limit(size).offset(offset)
    ids = list(session.scalars(stmt))
    if len(ids) == size:
        return ids
    with_deadline = _count(session, unit_ids, statuses, [*conds, c.next_deadline_at.is_not(None)], cap=None)
    rest = _where(unit_ids, statuses, [*conds, c.next_deadline_at.is_(None)])
    return ids + _plain_ids(session, rest, "activity", max(0, offset - with_deadline), size - len(ids))


def _page_ids(
    session: Session,
    unit_ids: Sequence[int],
    statuses: Sequence[str],
    conds: list[ColumnElement[bool]],
    sort: str,
    offset: int,
    size: int,
    total: int,
) -> list[int]:
    """The ids of one page, in order. A short list (at most `SMALL_LIST` matches) is sorted whole; a long
    one is read by index walks that stop after offset+size rows (see the module docstring)."""
    where = _where(unit_ids, statuses, conds)
    if total <= SMALL_LIST:
        return _plain_ids(session, where, sort, offset, size)
    if sort == "deadline":
        return _deadline_ids(session, unit_ids, statuses, conds, offset, size)
    if session.get_bind().dialect.name == "postgresql":
        return _lateral_ids(session, unit_ids, statuses, conds, offset, size)
    # SQLite: (unit_id, status, last_activity_at) holds the rowid (= id), so the sort reads the index only.
    return _plain_ids(session, where, sort, offset, size)


def _count(
    session: Session,
    unit_ids: Sequence[int],
    statuses: Sequence[str],
    conds: list[ColumnElement[bool]],
    cap: int | None = COUNT_CAP,
) -> int:
    """Matching conversations, counted up to `cap` + 1 (so "more than the cap" shows without counting all)."""
    inner = select(literal(1)).select_from(Conversation).where(_where(unit_ids, statuses, conds))
    if cap is not None:
        inner = inner.limit(cap + 1)
    return int(session.scalar(select(func.count()).select_from(inner.subquery())) or 0)


@dataclass(frozen=True)
class InboxPage(Page[Conversation]):
    """A page of conversations; `capped` when there are more than `COUNT_CAP` (the total shows "10.000+")."""

    capped: bool = False


def list_conversations(
    session: Session,
    actor: Principal,
    *,
    filters: InboxFilters,
    page: int | None = None,
    size: int | None = None,
) -> InboxPage:
    """One page of the conversations of the actor's units that match the filters, with the (capped) total."""
    filters = check_filters(filters)
    unit_ids = _unit_ids(session, actor, filters) if can_read(actor) else []
    statuses = _statuses(filters)
    conds = _conditions(actor, filters)
    size = min(max(size or PAGE_SIZE, 1), MAX_PAGE_SIZE)
    total = _count(session, unit_ids, statuses, conds) if unit_ids else 0
    capped = total > COUNT_CAP
    total = min(total, COUNT_CAP)
    pages = max(1, -(-total // size))
    number = min(max(page or 1, 1), pages)
    offset = (number - 1) * size
    ids = _page_ids(session, unit_ids, statuses, conds, filters.sort, offset, size, total) if total else []
    by_id = {c.id: c for c in session.scalars(select(Conversation).where(Conversation.id.in_(ids)))}
    items = [by_id[i] for i in ids if i in by_id]
    return InboxPage(items, total, number, size, capped=capped)


@dataclass(frozen=True)
class Counts:
    open: int
    at_risk: int
    missed: int


def counts_for(session: Session, actor: Principal) -> Counts:
    """Open, at-risk and missed conversations of the actor's units (one grouped query, for the navigation)."""
    c = Conversation
    if not can_read(actor):
        return Counts(0, 0, 0)
    unit_ids = org_service.visible_unit_ids(session, actor)
    stmt = (
        select(c.sla_state, func.count())
        .where(c.unit_id.in_(unit_ids), c.status.in_(OPEN_STATUSES))
        .group_by(c.sla_state)
    )
    by_state = {state: int(n) for state, n in session.execute(stmt)}
    return Counts(
        open=sum(by_state.values()),
        at_risk=by_state.get(SlaState.at_risk.value, 0),
        missed=by_state.get(SlaState.missed.value, 0),
    )


@dataclass(frozen=True)
class LiveCursor:
    """Where an open list stands: the time it was drawn and the newest conversation id then."""

    at: datetime
    last_id: int


def live_cursor(session: Session) -> LiveCursor:
    """The cursor a list page carries to its poll (no scan: the newest id is the primary key's end)."""
    return LiveCursor(utcnow(), int(session.scalar(select(func.max(Conversation.id))) or 0))


def changed_since(
    session: Session, actor: Principal, *, after: datetime, after_id: int | None = None
) -> bool:
    """Whether the actor's units got a conversation after `after_id`, or activity after `after` in an open
    one (a message reopens a closed conversation), the live list's poll. Both are index seeks."""
    if not can_read(actor):
        return False
    c = Conversation
    unit_ids = org_service.visible_unit_ids(session, actor)
    checks = [
        select(c.id).where(c.unit_id.in_(unit_ids), c.status.in_(OPEN_STATUSES), c.last_activity_at > after)
    ]
    if after_id is not None:
        checks.append(select(c.id).where(c.id > after_id, c.unit_id.in_(unit_ids)))
    return any(session.scalar(check.limit(1)) is not None for check in checks)


EXPORT_COLUMNS = (
    "ticket",
    "unit",
    "platform",
    "status",
    "priority",
    "type",
    "sentiment",
    "abusive",
    "sla_state",
    "next_deadline_at",
    "assignee",
    "author",
    "subject",
    "last_activity_at",
    "opened_at",
)


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value  # no formulas from public text in a spreadsheet
    return value


def export_rows(session: Session, actor: Principal, *, filters: InboxFilters) -> Iterator[tuple[Any, ...]]:
    """The filtered list (at most `EXPORT_MAX` rows, in the list's order) with personal data masked."""
    filters = check_filters(filters)
    unit_ids = _unit_ids(session, actor, filters) if can_read(actor) else []
    c = Conversation
    stmt = (
        select(c)
        .where(_where(unit_ids, _statuses(filters), _conditions(actor, filters)))
        .order_by(*_order(filters.sort, c))
        .limit(EXPORT_MAX)
    )
    for conv in session.scalars(stmt).unique():
        author = " ".join(
            x for x in (conv.author_name, f"@{conv.author_handle}" if conv.author_handle else "") if x
        )
        yield (
            conv.ticket, conv.unit.name, conv.platform, conv.status, conv.priority, conv.message_type,
            conv.sentiment or "", bool(conv.abusive), conv.sla_state, conv.next_deadline_at,
            conv.assignee.name if conv.assignee else "", privacy.shown(actor, conv, author),
            privacy.shown(actor, conv, conv.subject), conv.last_activity_at, conv.opened_at,
        )  # fmt: skip


def export_csv(session: Session, actor: Principal, *, filters: InboxFilters) -> Iterator[str]:
    """The filtered list as CSV text chunks (a header row, then one row per conversation)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for row in export_rows(session, actor, filters=filters):
        writer.writerow([_cell(v) for v in row])
        if buffer.tell() > 1 << 16:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def sla_badge(conversation: Conversation) -> str:
    """The deadline state to show: ``missed``, ``at_risk``, ``on_track`` or ``""`` (none, met, paused)."""
    state = conversation.sla_state
    return state if state in (SlaState.missed, SlaState.at_risk, SlaState.on_track) else ""
