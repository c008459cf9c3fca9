"""Building the evaluation report of a unit for a period: every section's figures (each with the previous
period's value), tables, charts and a first draft of its text, in the report's language.

The numbers come from the domains' measures, each called for the report's units only (the unit, or its
subtree): ``listening_measures``, ``responsiveness`` (inbox), ``publishing_measures`` and the kit tables.
Sections: summary, publishing, responsiveness, listening, narasi, and for a report with descendants,
children. Decision record: docs/decisions/0092-report-builder.md.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from humas.core.i18n import gettext, use_locale
from humas.core.time import utcnow
from humas.org import service as org_service
from humas.org.models import Unit
from humas.org.service import Principal
from humas.reports.document import Figure, Report, Section
from humas.reports.period import Period
from humas.reports.service import children, draft, listening, narasi, publishing, responsiveness
from humas.reports.service import figures as F
from humas.reports.service.scope import Scope, clean_locale, report_scope, root_name


def build_report(
    session: Session,
    *,
    unit: Unit,
    period: Period,
    include_descendants: bool,
    locale: str,
    actor: Principal | None = None,
    now: datetime | None = None,
) -> Report:
    """The report of ``unit`` (and its descendants when asked) for ``period``, built in ``locale``.

    ``actor``, when given, must see the unit (the same rule as every other read); ``now`` is the build time
    (the report's ``generated_at`` and the bound of the on-time measure)."""
    if actor is not None:
        unit = org_service.access_unit(session, actor, unit.id)
    locale = clean_locale(locale)
    now = now or utcnow()
    scope = report_scope(session, unit=unit, period=period, include_descendants=include_descendants)
    with use_locale(locale):
        sections = _sections(session, scope, now)
        title = gettext("Social media evaluation report")
        previous = period.previous()
    return Report(
        unit_id=unit.id,
        unit_name=unit.name,
        institution=root_name(session, unit),
        period=period,
        previous=previous,
        include_descendants=include_descendants,
        unit_ids=scope.unit_ids,
        zone=scope.zone_name,
        locale=locale,
        generated_at=now,
        title=title,
        sections=sections,
    )


def _sections(session: Session, scope: Scope, now: datetime) -> tuple[Section, ...]:
    before = scope.previous.label()
    inbox = responsiveness.load(session, scope)
    pub = publishing.load(session, scope, now)
    lis = listening.load(session, scope)
    kits = narasi.load(session, scope, now)

    inbox_figs = responsiveness.figures(inbox)
    pub_figs = publishing.figures(pub)
    lis_figs = listening.figures(lis)
    every: dict[str, Figure] = {**lis_figs, **inbox_figs, **pub_figs}

    summary = Section(
        key="summary",
        title=gettext("Summary"),
        figures=tuple(every[k] for k in F.SUMMARY if k in every),
        draft=tuple(draft.changes((every[k] for k in F.SUMMARY if k in every), before)),
    )
    best = pub.now.best[0] if pub.now.best else None
    sections = [
        summary,
        publishing.section(
            pub,
            draft.publishing_draft(
                pub_figs, before, best=(best.title, best.channel_name, best.engagement_rate) if best else None
            ),
        ),
        responsiveness.section(inbox, tuple(draft.changes(inbox_figs.values(), before))),
        listening.section(
            lis,
            draft.listening_draft(
                lis_figs,
                before,
                topic_negative=lis.topic_negative,
                spikes=len(lis.measures.spikes),
                hoaxes=len(lis.measures.hoaxes),
                weeks=listening.trend_weeks(lis),
            ),
        ),  # fmt: skip
        narasi.section(kits, tuple(draft.changes(narasi.figures(kits).values(), before))),
    ]
    rows = children.child_rows(session, scope, inbox, pub)
    if rows:
        improved = [
            (F.figure(key, r.now.get(key), r.before.get(key)), r.unit.name)
            for key, r in children.most_improved(rows)
        ]
        sections.append(children.section(rows, draft.children_draft(improved)))
    return tuple(sections)
