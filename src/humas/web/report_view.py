"""What the report pages read from the query string, and a report document turned into what a page shows.

The report's own numbers come from `humas.reports` (the builder, or a finalised snapshot); this module only
formats them for the page (the renderers' `format_value` / `format_change`, so the page and the PDF agree)
and builds the links: a figure's drill-down, a table row's object, the downloads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Depends, Query, Request
from pydantic import Field

from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.reports.document import Drill, Figure, Report, Section, Table
from humas.reports.period import Period
from humas.reports.render.charts import prepared_spec
from humas.reports.render.fmt import change_tone, format_change, format_value
from humas.web.deps import OptionalAuth
from humas.web.params import OptionalDateParam, OptionalIdParam
from humas.web.templating import viewer_zone

PERIOD_MAX = 40  # "2026-11-03..2026-11-20" and room to spare; a longer value is refused by FastAPI
PeriodParam = Annotated[Annotated[str, Field(max_length=PERIOD_MAX)] | None, Query()]
FlagParam = Annotated[Literal["0", "1"] | None, Query()]
# The detail page of one object behind a report row (the drill-down's and the tables' links).
DETAIL_PAGES = {"conversation": "/inbox/{}", "post": "/publishing/posts/{}", "mention": "/mentions/{}"}
TARGET_OBJECT = {"conversations": "conversation", "posts": "post", "mentions": "mention"}


@dataclass(frozen=True)
class ReportQuery:
    """The report a page asks for: a unit (None: the viewer's own), a period, with descendants or not."""

    unit_id: int | None
    period: Period
    include_descendants: bool

    def params(self, unit_id: int | None = None) -> dict[str, str]:
        """The canonical query string (`unit`, `period`, `turunan`), as links and forms carry it."""
        unit = unit_id if unit_id is not None else self.unit_id
        out = {"period": self.period.key, "turunan": "1" if self.include_descendants else "0"}
        return {"unit": str(unit), **out} if unit is not None else out

    def qs(self, unit_id: int | None = None, **extra: str) -> str:
        return urlencode({**self.params(unit_id), **extra})


def default_period(today: date) -> Period:
    """The report a leader usually asks for: last month."""
    return Period.containing("month", today).previous()


def resolve_period(period: str | None, since: date | None, until: date | None, *, today: date) -> Period:
    """The picker's choice: a period key, or `custom` with the two dates (DD/MM/YYYY or YYYY-MM-DD)."""
    if period == "custom" or (not period and (since or until)):
        if since is None or until is None:
            raise Invalid(
                _("Choose both dates of a custom period."), field="dari" if since is None else "sampai"
            )
        return Period.custom(since, until)
    if not period:
        return default_period(today)
    return Period.parse(period)


def report_query(
    request: Request,
    _auth: OptionalAuth,  # resolved first: it sets the viewer's zone "last month" is counted in
    unit: OptionalIdParam = None,
    period: PeriodParam = None,
    turunan: FlagParam = None,
    dari: OptionalDateParam = None,
    sampai: OptionalDateParam = None,
) -> ReportQuery:
    """`?unit=…&period=2026-11&turunan=1` (or `period=custom&dari=…&sampai=…` from the picker)."""
    today = utcnow().astimezone(viewer_zone(request)).date()
    chosen = resolve_period(period, dari, sampai, today=today)
    return ReportQuery(unit, chosen, turunan == "1")


ReportQueryDep = Annotated[ReportQuery, Depends(report_query)]


# --- the page's view of a report ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureView:
    figure: Figure
    value: str
    previous: str
    change: str  # "▲ 12,2%": the renderers' own text, so the page and the PDF agree
    tone: str  # "good", "bad", "neutral"
    href: str | None  # the drill-down, when rows stand behind the figure


def drill_href(
    drill: Drill | None, query: ReportQuery, unit_id: int, archive_id: int | None = None
) -> str | None:
    """Where a figure or a table row leads: one object's own page, else the drill-down of the report (a
    finalised version's drill-down names the version: ``arsip``, decision 0095); a child's row of the
    children tables leads to that child with the units below it."""
    if drill is None:
        return None
    params = {k: v for k, v in drill.params.items() if k not in ("unit", "period", "turunan")}
    child = drill.params.get("unit", "")
    for name, template in DETAIL_PAGES.items():
        value = params.get(name)
        if value and value.isdigit() and len(params) == 1:  # one object: straight to its page
            return template.format(value)
    if archive_id is not None:
        where = {"arsip": str(archive_id), **({"unit": child} if child.isdigit() else {})}
        return "/laporan/rincian?" + urlencode({**where, **params})
    if child.isdigit() and int(child) != unit_id:
        below = ReportQuery(int(child), query.period, True)  # the child with the units below it
        return "/laporan/rincian?" + urlencode({**below.params(), **params})
    return "/laporan/rincian?" + query.qs(unit_id, **params)


def figure_view(
    figure: Figure, *, query: ReportQuery, unit_id: int, locale: str, zone: ZoneInfo, links: bool = True,
    archive_id: int | None = None,
) -> FigureView:  # fmt: skip
    return FigureView(
        figure=figure,
        value=format_value(figure.value, figure.kind, locale=locale, zone=zone),
        previous=format_value(figure.previous, figure.kind, locale=locale, zone=zone),
        change=format_change(figure, locale=locale),
        tone=change_tone(figure),
        href=drill_href(figure.drill, query, unit_id, archive_id) if links else None,
    )


@dataclass(frozen=True)
class TableView:
    table: Table
    rows: list[tuple[list[str], str | None]]  # each row's cells as text, and where the row leads


def table_view(
    table: Table, *, query: ReportQuery, unit_id: int, locale: str, zone: ZoneInfo, links: bool = True,
    archive_id: int | None = None,
) -> TableView:  # fmt: skip
    rows = []
    for i, row in enumerate(table.rows):
        cells = [
            format_value(value, column.kind, locale=locale, zone=zone)
            for value, column in zip(row, table.columns, strict=False)
        ]
        drill = table.drills[i] if i < len(table.drills) else None
        rows.append((cells, drill_href(drill, query, unit_id, archive_id) if links else None))
    return TableView(table, rows)


@dataclass(frozen=True)
class SectionView:
    section: Section
    figures: list[FigureView]
    tables: list[TableView]
    charts: list[tuple[str, str, str]]  # (key, title, spec as JSON for data-vl-spec)
    paragraphs: list[str]  # the analyst's text, by blank line


def report_view(
    report: Report, *, query: ReportQuery, locale: str, zone: ZoneInfo, links: bool = True,
    archive_id: int | None = None,
) -> list[SectionView]:  # fmt: skip
    """Every section of a report as the page shows it (values formatted; links built when ``links``; a
    finalised version's drill-down links name it by ``archive_id``)."""
    out = []
    for section in report.sections:
        kw: dict[str, Any] = {"query": query, "unit_id": report.unit_id, "locale": locale, "zone": zone}
        kw["links"], kw["archive_id"] = links, archive_id
        out.append(
            SectionView(
                section=section,
                figures=[figure_view(f, **kw) for f in section.figures],
                tables=[table_view(t, **kw) for t in section.tables],
                charts=[(c.key, c.title, _spec_json(c.spec, locale)) for c in section.charts],
                paragraphs=[p.strip() for p in section.text.split("\n\n") if p.strip()],
            )
        )
    return out


def _spec_json(spec: dict[str, Any], locale: str) -> str:
    """The chart as the PDF draws it (the renderers' locale config: ``1.234`` on the axes), for vega-embed."""
    return json.dumps(prepared_spec(spec, locale=locale), ensure_ascii=False)


def detail_href(target: str, object_id: int) -> str:
    """The existing page of one row behind a figure (a conversation, a post, a mention)."""
    return DETAIL_PAGES[TARGET_OBJECT[target]].format(object_id)


def period_choices(today: date) -> list[tuple[str, list[Period]]]:
    """The picker's recent periods, grouped: months, quarters, half-years, years (newest first)."""
    groups: list[tuple[str, list[Period]]] = []
    for label, kind, count in (
        (_("Month"), "month", 13),
        (_("Quarter"), "quarter", 8),
        (_("Half-year"), "half", 4),
        (_("Year"), "year", 4),
    ):
        current = Period.containing(kind, today)  # type: ignore[arg-type]
        items = [current]
        for _i in range(count - 1):
            items.append(items[-1].previous())
        groups.append((str(label), items))
    return groups


# --- the drill-down ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrillRowView:
    id: int
    href: str
    cells: list[Any]  # text (escaped by the template) or datetimes (shown in the viewer's zone)
    changed: bool = False  # a finalised version's drill-down: arrived or changed after it was finalised


def drill_view(
    target: str, items: list[Any], actor: Any, changed: frozenset[int] = frozenset()
) -> tuple[list[str], list[DrillRowView]]:
    """The columns and rows of a drill-down page: each row links to the object's own page; ``changed``
    (object ids: conversations, post variants, mentions) marks rows that changed after a version was
    finalised."""
    from humas.inbox.service import privacy
    from humas.ingest.service.threads import display_text
    from humas.web.labels import label_text

    if target == "conversations":
        columns = [
            str(_("Ticket")),
            str(_("Subject")),
            str(_("Platform")),
            str(_("Status")),
            str(_("Opened")),
        ]
        rows = []
        for c in items:
            subject = c.subject if privacy.may_see_personal(actor, c) else privacy.mask_personal(c.subject)
            cells = [c.ticket, subject, c.platform, c.status, c.opened_at]
            rows.append(DrillRowView(c.id, detail_href("conversations", c.id), cells, c.id in changed))
        return columns, rows
    if target == "posts":
        columns = [str(_("Post")), str(_("Text")), str(_("Status")), str(_("Published"))]
        return columns, [
            DrillRowView(
                v.post_id,
                detail_href("posts", v.post_id),
                [v.post.title, v.text[:200], v.state, v.published_at],
                v.id in changed,
            )
            for v in items
        ]
    columns = [str(_("Time")), str(_("Author")), str(_("Text")), str(_("Platform")), str(_("Sentiment"))]
    return columns, [
        DrillRowView(
            m.id,
            detail_href("mentions", m.id),
            [
                m.created_at,
                m.author_name or m.author_handle or "",
                display_text(m)[:280],
                m.platform,
                label_text("sentiment", m.sentiment or ""),
            ],
            m.id in changed,
        )  # fmt: skip
        for m in items
    ]
