"""The rows behind a report's figure: the conversations, posts or mentions a click on it lists.

The drill-down rebuilds the report's scope (the unit alone or its subtree, the period's bounds in the unit's
zone) after checking that the actor sees the unit, and lists only rows of those units, from the ids the
measures return for that figure (conversations and posts) or the mentions of those units in the period, so
a unit's drill-down never shows a sibling's rows.

What each figure leads to:
- ``inbox.received``, ``inbox.lapor``: the conversations received, forwarded to LAPOR!;
- ``inbox.response_rate``, ``inbox.unanswered``: the conversations without a response (what pulls the rate
  down);
- ``inbox.first_response_p50``, ``inbox.first_response_p90``: the conversations answered (the measured times);
- ``inbox.sla_met_rate``, ``inbox.sla_missed``: the conversations whose deadline was missed;
- ``publishing.*``: the published posts (variants); ``publishing.on_time_rate``: the planned ones late or
  missed;
- ``listening.mentions``, ``listening.net_sentiment``: the mentions; ``listening.negative``,
  ``listening.negative_share``: the negative mentions; ``listening.positive``: the positive ones;
  ``listening.spikes``: the mentions that drove the spikes (of the report's units only).
The lists of conversations and posts are capped by the measures (``IDS_MAX``); ``DrillRows.capped`` says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from humas.core.errors import Invalid, NotFound
from humas.core.i18n import _
from humas.core.pages import Page, paginate, paginate_list
from humas.core.time import as_utc
from humas.inbox.models import Conversation
from humas.inbox.service import measures as inbox_measures
from humas.ingest.models import LabelCorrection, Mention
from humas.listening.service import measures as listening_measures
from humas.org import service as org_service
from humas.org.models import Unit
from humas.org.service import Principal
from humas.publishing.models import PostMetric, PostVariant
from humas.publishing.service import measures as publishing_measures
from humas.reports.document import DrillTarget, Figure, Report
from humas.reports.models import ArchivedReport
from humas.reports.period import Period
from humas.reports.service import figures as F
from humas.reports.service.scope import Scope, report_scope

INBOX_LISTS = {
    "inbox.received": "received",
    "inbox.lapor": "lapor",
    "inbox.response_rate": "unanswered",
    "inbox.unanswered": "unanswered",
    "inbox.first_response_p50": "responded",
    "inbox.first_response_p90": "responded",
    "inbox.sla_met_rate": "missed",
    "inbox.sla_missed": "missed",
}
SENTIMENT = {
    "listening.negative": "negative",
    "listening.negative_share": "negative",
    "listening.positive": "positive",
}


@dataclass(frozen=True)
class DrillRows:
    """One page of the rows behind a figure."""

    target: DrillTarget
    figure: str
    label: str  # the figure's label in the current locale
    unit: Unit
    period: Period
    include_descendants: bool
    page: Page[Any]  # Conversation, PostVariant or Mention objects
    capped: bool  # the measure's list of ids was cut at its cap: more rows are behind the figure


def drill_rows(
    session: Session,
    *,
    actor: Principal,
    unit: Unit | int,
    period: Period,
    include_descendants: bool,
    figure: str,
    page: int | None = 1,
    per_page: int | None = None,
    filters: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> DrillRows:
    """One page of the conversations, posts or mentions behind ``figure`` of the unit's report for the
    period; the unit must be one the actor sees. ``filters``: ``post`` (a post id) narrows a posts figure."""
    unit_id = unit if isinstance(unit, int) else unit.id
    found = org_service.access_unit(session, actor, unit_id)
    target = _target(figure)
    scope = report_scope(session, unit=found, period=period, include_descendants=include_descendants)
    rows, capped, _ids = _rows(session, scope, target, figure, page, per_page, filters or {}, now)
    return DrillRows(target, figure, F.label(figure), found, period, include_descendants, rows, capped)


@dataclass(frozen=True)
class Frozen:
    """A finalised version's drill-down: the figure as its snapshot holds it, when it was frozen, and which
    rows behind it arrived or changed after that (decision 0095, "Drill-down of a finalised version")."""

    report_id: int
    version: int
    finalised_at: datetime
    figure: Figure | None  # the frozen figure (None for a child's row of the children tables)
    changed_ids: frozenset[int]  # objects of this page (conversation, variant, mention ids) changed since
    changed_total: int  # of every row behind the figure (within the measure's cap)


def archived_drill_rows(
    session: Session,
    *,
    actor: Principal,
    archived: ArchivedReport,
    report: Report,
    figure: str,
    unit_id: int | None = None,
    page: int | None = 1,
    per_page: int | None = None,
    filters: Mapping[str, str] | None = None,
) -> tuple[DrillRows, Frozen]:
    """One page of the rows behind ``figure`` of a finalised version (``report``: its snapshot, read by the
    caller with its checksum checked): the snapshot's own units (not today's subtree: a unit added or moved
    later is not read) and period in its zone, as the rows are today, with those that arrived or changed
    after the version was finalised named. ``unit_id``: a child's row of the children tables (that child's
    units among the snapshot's)."""
    if archived.finalised_at is None or report.finalised_at is None:
        raise NotFound(_("Report not found."))
    top = org_service.access_unit(session, actor, report.unit_id)
    target = _target(figure)
    ids = set(report.unit_ids)
    unit, frozen_figure = top, report.figures().get(figure)
    if unit_id is not None and unit_id != top.id:
        unit = org_service.access_unit(session, actor, unit_id)
        ids &= set(org_service.subtree_ids(session, unit))
        frozen_figure = None
        if not ids:
            raise NotFound(_("Unit not found."))
    zone = ZoneInfo(report.zone)
    start, end = report.period.bounds(zone)
    prev_start, prev_end = report.previous.bounds(zone)
    scope = Scope(unit, tuple(sorted(ids)), report.include_descendants or unit is not top, zone,
                  report.period, report.previous, start, end, prev_start, prev_end)  # fmt: skip
    at = as_utc(report.finalised_at)
    rows, capped, all_ids = _rows(session, scope, target, figure, page, per_page, filters or {}, at, as_of=at)
    page_ids = [o.id for o in rows.items]
    if target == "mentions" and all_ids is None:
        changed_total = _mentions_changed_count(session, scope, figure, at)
    else:
        changed_total = len(_changed(session, target, all_ids or [], at))
    frozen = Frozen(archived.id, archived.version, at, frozen_figure,
                    frozenset(_changed(session, target, page_ids, at)), changed_total)  # fmt: skip
    drill = DrillRows(target, figure, F.label(figure), unit, report.period, scope.include_descendants, rows,
                      capped)  # fmt: skip
    return drill, frozen


def _target(figure: str) -> DrillTarget:
    d = F.DEFS.get(figure)
    if d is None or d.target is None:
        raise Invalid(_("This figure has no rows behind it."), field="figure")
    return d.target


def _rows(
    session: Session, scope: Scope, target: DrillTarget, figure: str, page: int | None, size: int | None,
    filters: Mapping[str, str], now: datetime | None, *, as_of: datetime | None = None,
) -> tuple[Page[Any], bool, list[int] | None]:  # fmt: skip
    """The page, whether the measure's id list was capped, and every id behind the figure (None for the
    mentions of a period, which are paged in SQL). ``as_of``: a finalised version's time (see
    ``_conversations``)."""
    if target == "conversations":
        return _conversations(session, scope, figure, page, size, as_of)
    if target == "posts":
        return _posts(session, scope, figure, page, size, filters, now)
    return _mentions(session, scope, figure, page, size)


CHUNK = 900  # ids per IN list (SQLite's old limit of bound parameters is 999)


def _changed(session: Session, target: DrillTarget, ids: Sequence[int], at: datetime) -> set[int]:
    """Which of ``ids`` arrived or changed after ``at``: a conversation updated (answered, closed, moved,
    reclassified), a post variant published or its counts read again, a mention stored or its sentiment
    corrected."""
    out: set[int] = set()
    for i in range(0, len(ids), CHUNK):
        chunk = list(ids[i : i + CHUNK])
        if target == "conversations":
            stmt = select(Conversation.id).where(
                Conversation.id.in_(chunk), or_(Conversation.created_at > at, Conversation.updated_at > at)
            )
        elif target == "posts":
            reread = select(PostMetric.variant_id).where(PostMetric.variant_id.in_(chunk), PostMetric.at > at)
            stmt = select(PostVariant.id).where(
                PostVariant.id.in_(chunk), or_(PostVariant.published_at > at, PostVariant.id.in_(reread))
            )
        else:
            stmt = select(Mention.id).where(Mention.id.in_(chunk), _mention_changed(at))
        out.update(int(x) for x in session.scalars(stmt))
    return out


def _mention_changed(at: datetime) -> Any:
    corrected = select(LabelCorrection.mention_id).where(
        LabelCorrection.task == "sentiment", LabelCorrection.corrected_at > at
    )
    return or_(Mention.fetched_at > at, Mention.id.in_(corrected))


def _mentions_changed_count(session: Session, scope: Scope, figure: str, at: datetime) -> int:
    stmt = _mentions_stmt(scope, figure).where(_mention_changed(at))
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def _by_ids(
    session: Session, model: Any, ids: Sequence[int], page: int | None, size: int | None
) -> Page[Any]:
    """One page of ``ids`` (in their order) as objects of ``model``."""
    chunk = paginate_list(list(ids), page=page, size=size)
    found = {o.id: o for o in session.scalars(select(model).where(model.id.in_(chunk.items)))}
    items = [found[i] for i in chunk.items if i in found]
    return Page(items, chunk.total, chunk.number, chunk.size)


def _conversations(
    session: Session, scope: Scope, figure: str, page: int | None, size: int | None,
    as_of: datetime | None = None,
) -> tuple[Page[Any], bool, list[int] | None]:  # fmt: skip
    """The conversations behind an inbox figure. ``as_of`` (a finalised version's time): the answered and
    unanswered lists are those of that moment — a conversation first answered after it is still listed
    behind "without a response" (and no longer behind the response times), as the frozen figure counted it."""
    (m,) = inbox_measures.responsiveness(
        session, unit_ids=list(scope.unit_ids), start=scope.start, end=scope.end
    ) or [inbox_measures.Measures(key="all", label="")]
    which = INBOX_LISTS[figure]
    unanswered = set(m.unanswered_ids)
    later = _answered_after(session, [i for i in m.received_ids if i not in unanswered], as_of)
    if which == "responded":
        ids = [i for i in m.received_ids if i not in unanswered and i not in later]
    elif which == "unanswered" and later:
        ids = [i for i in m.received_ids if i in unanswered or i in later]
    else:
        ids = inbox_measures.measure_ids(m, which)
    capped = len(m.received_ids) >= inbox_measures.IDS_MAX
    return _by_ids(session, Conversation, ids, page, size), capped, ids


def _answered_after(session: Session, ids: Sequence[int], at: datetime | None) -> set[int]:
    """Which of these answered conversations got their first response after ``at`` (none without ``at``)."""
    out: set[int] = set()
    if at is None:
        return out
    for i in range(0, len(ids), CHUNK):
        chunk = list(ids[i : i + CHUNK])
        stmt = select(Conversation.id).where(Conversation.id.in_(chunk), Conversation.first_response_at > at)
        out.update(int(x) for x in session.scalars(stmt))
    return out


def _posts(
    session: Session, scope: Scope, figure: str, page: int | None, size: int | None,
    filters: Mapping[str, str], now: datetime | None,
) -> tuple[Page[Any], bool, list[int] | None]:  # fmt: skip
    m = publishing_measures.publishing_measures(
        session, unit_ids=list(scope.unit_ids), start=scope.start, end=scope.end, now=now
    )
    ids = m.ids("late" if figure == "publishing.on_time_rate" else "posts")
    post = filters.get("post", "")
    if post:
        if not post.isdigit():
            raise Invalid(_("Unknown post."), field="post")
        wanted = set(session.scalars(select(PostVariant.id).where(PostVariant.post_id == int(post))))
        ids = [i for i in ids if i in wanted]
    return _by_ids(session, PostVariant, ids, page, size), len(ids) >= publishing_measures.IDS_MAX, ids


def _mentions(
    session: Session, scope: Scope, figure: str, page: int | None, size: int | None
) -> tuple[Page[Any], bool, list[int] | None]:
    if figure == "listening.spikes":
        m = listening_measures.listening_measures(
            session, unit_ids=list(scope.unit_ids), start=scope.start, end=scope.end, zone=scope.zone
        )
        wanted = m.ids("spike_mentions")
        inside = set(
            session.scalars(
                select(Mention.id).where(Mention.id.in_(wanted), Mention.unit_id.in_(list(scope.unit_ids)))
            )
        ) if wanted else set()  # fmt: skip
        ids = [i for i in wanted if i in inside]
        return _by_ids(session, Mention, ids, page, size), False, ids
    stmt = _mentions_stmt(scope, figure)
    rows = paginate(
        session, stmt.order_by(Mention.created_at.desc(), Mention.id.desc()), page=page, size=size
    )
    return rows, False, None


def _mentions_stmt(scope: Scope, figure: str) -> Select[tuple[Mention]]:
    """The units' mentions in the period (negative or positive ones for the sentiment figures)."""
    stmt = select(Mention).where(
        Mention.unit_id.in_(list(scope.unit_ids)),
        Mention.created_at >= scope.start,
        Mention.created_at < scope.end,
    )
    if figure in SENTIMENT:
        stmt = stmt.where(Mention.sentiment == SENTIMENT[figure])
    return stmt
