"""The inbox list: filters, sort, a page at a time, the navigation counts, the "anything new?" check and CSV.

Everything is scoped to the actor's visible units (the unit and its descendants).

Speed (decision 0087). The list is sorted by latest activity or by next deadline over up to ~50 units and
the open statuses. A plain ``unit_id IN (…) AND status IN (…) ORDER BY last_activity_at`` makes the database
read and sort every matching row. Instead each (unit, status) pair is one branch that walks the index
``(unit_id, status, last_activity_at)`` and stops after ``offset + size`` rows; the union of the branches
holds the page, so the work is bounded by branches × page depth, not by the table. The deadline sort walks
``(status, next_deadline_at)`` per status the same way. Counts stop at `COUNT_CAP` ("10.000+").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, select, union_all
from sqlalchemy.orm import Session

from humas.connectors import registry
from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.core.pages import MAX_PAGE_SIZE, PAGE_SIZE, Page
from humas.inbox.models import OPEN_STATUSES, Conversation, MessageType, SlaState, Status
from humas.inbox.service import conversations as conversations_service
from humas.inbox.service import privacy
from humas.org import service as org_service
from humas.org.models import User
from humas.org.service import Principal

SORTS = ("activity", "deadline")
STATUS_CHOICES = ("open", "all", *(s.value for s in Status))
SLA_CHOICES = ("at_risk", "missed")
SENTIMENTS = ("positive", "neutral", "negative")
TYPE_CHOICES = tuple(t.value for t in MessageType)
COUNT_CAP = 10_000
# Beyond this many (unit, status) branches the plain query is used (SQLite allows 500 terms in a union).
MAX_BRANCHES = 240
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
    roles = {r.value for r in conversations_service.WORKERS}
    people = [
        u
        for u in org_service.list_users(session, actor)
        if u.is_active and {r.value for r in u.roles} & roles
    ]
    return sorted(people, key=lambda u: (u.name.casefold(), u.id))


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


def _branch(stmt: Select[Any], sort: str, depth: int) -> Select[Any]:
    c = Conversation
    if sort == "deadline":
        stmt = stmt.order_by(c.next_deadline_at)
    else:
        stmt = stmt.order_by(c.last_activity_at.desc())
    return select(stmt.limit(depth).subquery())


def _page_ids(
    session: Session,
    unit_ids: Sequence[int],
    statuses: Sequence[str],
    conds: list[ColumnElement[bool]],
    sort: str,
    offset: int,
    size: int,
) -> list[int]:
    """The ids of one page, in order: per-branch index walks of at most offset+size rows, then merged."""
    c = Conversation
    cols = (c.id, c.last_activity_at, c.next_deadline_at)
    depth = offset + size
    branches: list[Select[Any]] = []
    if sort == "deadline":
        # One walk of (status, next_deadline_at) per status for those with a deadline, and one walk of
        # (unit, status, last_activity_at) per pair for those without (they come after, newest first).
        for status in statuses:
            base = select(*cols).where(_where(unit_ids, [status], conds), c.next_deadline_at.is_not(None))
            branches.append(_branch(base, "deadline", depth))
        pairs = [(u, s) for u in unit_ids for s in statuses]
        if len(pairs) + len(branches) <= MAX_BRANCHES:
            for unit_id, status in pairs:
                base = select(*cols).where(_where([unit_id], [status], conds), c.next_deadline_at.is_(None))
                branches.append(_branch(base, "activity", depth))
        else:
            base = select(*cols).where(_where(unit_ids, statuses, conds), c.next_deadline_at.is_(None))
            branches.append(_branch(base, "activity", depth))
    else:
        pairs = [(u, s) for u in unit_ids for s in statuses]
        if len(pairs) <= MAX_BRANCHES:
            branches = [
                _branch(select(*cols).where(_where([u], [s], conds)), "activity", depth) for u, s in pairs
            ]
        else:
            branches = [_branch(select(*cols).where(_where(unit_ids, statuses, conds)), "activity", depth)]
    merged = union_all(*branches).subquery() if len(branches) > 1 else branches[0].subquery()
    stmt = select(merged.c.id).order_by(*_order(sort, merged.c)).limit(size).offset(offset)
    return list(session.scalars(stmt))


def _count(
    session: Session, unit_ids: Sequence[int], statuses: Sequence[str], conds: list[ColumnElement[bool]]
) -> int:
    inner = select(literal(1)).select_from(Conversation).where(_where(unit_ids, statuses, conds))
    return int(session.scalar(select(func.count()).select_from(inner.limit(COUNT_CAP + 1).subquery())) or 0)


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
    ids = _page_ids(session, unit_ids, statuses, conds, filters.sort, offset, size) if total else []
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


def latest_activity(session: Session, actor: Principal) -> datetime | None:
    """The newest activity in the actor's units (the live list's cursor)."""
    c = Conversation
    unit_ids = org_service.visible_unit_ids(session, actor)
    return session.scalar(select(func.max(c.last_activity_at)).where(c.unit_id.in_(unit_ids)))


def changed_since(session: Session, actor: Principal, *, after: datetime) -> bool:
    """Whether any conversation of the actor's units had activity after `after` (the live list's poll)."""
    c = Conversation
    unit_ids = org_service.visible_unit_ids(session, actor)
    stmt = select(c.id).where(c.unit_id.in_(unit_ids), c.last_activity_at > after).limit(1)
    return session.scalar(stmt) is not None


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
