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

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.core.pages import Page, paginate, paginate_list
from humas.inbox.models import Conversation
from humas.inbox.service import measures as inbox_measures
from humas.ingest.models import Mention
from humas.listening.service import measures as listening_measures
from humas.org import service as org_service
from humas.org.models import Unit
from humas.org.service import Principal
from humas.publishing.models import PostVariant
from humas.publishing.service import measures as publishing_measures
from humas.reports.document import DrillTarget
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
    d = F.DEFS.get(figure)
    if d is None or d.target is None:
        raise Invalid(_("This figure has no rows behind it."), field="figure")
    scope = report_scope(session, unit=found, period=period, include_descendants=include_descendants)
    capped = False
    if d.target == "conversations":
        rows, capped = _conversations(session, scope, figure, page, per_page)
    elif d.target == "posts":
        rows, capped = _posts(session, scope, figure, page, per_page, filters or {}, now)
    else:
        rows = _mentions(session, scope, figure, page, per_page)
    return DrillRows(d.target, figure, F.label(figure), found, period, include_descendants, rows, capped)


def _by_ids(
    session: Session, model: Any, ids: Sequence[int], page: int | None, size: int | None
) -> Page[Any]:
    """One page of ``ids`` (in their order) as objects of ``model``."""
    chunk = paginate_list(list(ids), page=page, size=size)
    found = {o.id: o for o in session.scalars(select(model).where(model.id.in_(chunk.items)))}
    items = [found[i] for i in chunk.items if i in found]
    return Page(items, chunk.total, chunk.number, chunk.size)


def _conversations(
    session: Session, scope: Scope, figure: str, page: int | None, size: int | None
) -> tuple[Page[Any], bool]:
    (m,) = inbox_measures.responsiveness(
        session, unit_ids=list(scope.unit_ids), start=scope.start, end=scope.end
    ) or [inbox_measures.Measures(key="all", label="")]
    which = INBOX_LISTS[figure]
    if which == "responded":
        unanswered = set(m.unanswered_ids)
        ids = [i for i in m.received_ids if i not in unanswered]
    else:
        ids = inbox_measures.measure_ids(m, which)
    capped = len(m.received_ids) >= inbox_measures.IDS_MAX
    return _by_ids(session, Conversation, ids, page, size), capped


def _posts(
    session: Session, scope: Scope, figure: str, page: int | None, size: int | None,
    filters: Mapping[str, str], now: datetime | None,
) -> tuple[Page[Any], bool]:  # fmt: skip
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
    return _by_ids(session, PostVariant, ids, page, size), len(ids) >= publishing_measures.IDS_MAX


def _mentions(session: Session, scope: Scope, figure: str, page: int | None, size: int | None) -> Page[Any]:
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
        return _by_ids(session, Mention, [i for i in wanted if i in inside], page, size)
    stmt = select(Mention).where(
        Mention.unit_id.in_(list(scope.unit_ids)),
        Mention.created_at >= scope.start,
        Mention.created_at < scope.end,
    )
    if figure in SENTIMENT:
        stmt = stmt.where(Mention.sentiment == SENTIMENT[figure])
    return paginate(
        session, stmt.order_by(Mention.created_at.desc(), Mention.id.desc()), page=page, size=size
    )
