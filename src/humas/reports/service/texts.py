"""The analyst's evaluation text per section, saved (audited) before the report is finalised.

One draft row per report identity (unit, period key, descendants or not, locale); finalising applies its
texts to the built report. Who may write them: the roles that may finalise (``archive.FINALISERS``).
"""

from __future__ import annotations

import re
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.core.errors import Invalid, NotFound
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit
from humas.reports.document import Report
from humas.reports.models import ReportDraft
from humas.reports.period import Period
from humas.reports.service.scope import clean_locale

# The sections a report may have (document.Section.key); a text for any other key is refused.
SECTION_KEYS = ("summary", "publishing", "responsiveness", "listening", "narasi", "children")
TEXT_MAX = 20_000
EDITORS = (Role.admin, Role.pimpinan, Role.analyst)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_unit_access(actor: org_service.Principal, unit: Unit, *roles: Role) -> None:
    """The actor sees the unit (its own or a descendant) and has one of the roles."""
    if not org_service.can_access(actor, unit):
        raise NotFound(_("Unit not found."))
    org_service.require_role(actor, *roles)


def find_draft(
    session: Session, *, unit: Unit, period: Period, include_descendants: bool, locale: str
) -> ReportDraft | None:
    return session.scalar(
        select(ReportDraft).where(
            ReportDraft.unit_id == unit.id,
            ReportDraft.period_key == period.key,
            ReportDraft.include_descendants == include_descendants,
            ReportDraft.locale == locale,
        )
    )


def section_texts(
    session: Session, *, unit: Unit, period: Period, include_descendants: bool, locale: str
) -> dict[str, str]:
    """The saved texts of a report, by section key (empty when none was written)."""
    draft = find_draft(
        session, unit=unit, period=period, include_descendants=include_descendants, locale=locale
    )
    return {str(k): str(v) for k, v in (draft.texts if draft else {}).items()}


def clean_text(text: str | None) -> str:
    value = _CONTROL.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(value) > TEXT_MAX:
        raise Invalid(
            _("The text is %(n)s characters long; at most %(max)s are kept.", n=len(value), max=TEXT_MAX),
            field="text",
        )
    return value


def save_section_text(
    session: Session,
    *,
    unit: Unit,
    period: Period,
    include_descendants: bool,
    locale: str,
    section: str,
    text: str,
    actor: org_service.Principal,
) -> ReportDraft:
    """Save the analyst's evaluation of one section (empty text removes it); audited."""
    check_unit_access(actor, unit, *EDITORS)
    locale = clean_locale(locale)
    if section not in SECTION_KEYS:
        raise Invalid(_("Unknown report section %(key)s.", key=str(section)[:40]), field="section")
    value = clean_text(text)
    draft = find_draft(
        session, unit=unit, period=period, include_descendants=include_descendants, locale=locale
    )
    if draft is None:
        draft = ReportDraft(
            unit_id=unit.id,
            period_key=period.key,
            include_descendants=include_descendants,
            locale=locale,
            texts={},
        )
        session.add(draft)
    before = str(draft.texts.get(section, ""))
    texts = {k: v for k, v in draft.texts.items() if k != section}
    if value:
        texts[section] = value
    draft.texts = texts  # a new dict: JSON columns track assignment, not mutation
    draft.updated_at = utcnow()
    draft.updated_by_id = actor.id
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="report.text",
        obj=draft,
        unit=unit,
        before={"section": section, "text": before},
        after={"section": section, "text": value},
        label=f"{period.key} {section}",
    )
    return draft


def apply_texts(report: Report, texts: dict[str, str]) -> Report:
    """The report with each section's saved text (a section without one keeps the builder's text)."""
    sections = tuple(replace(s, text=texts[s.key]) if texts.get(s.key) else s for s in report.sections)
    return replace(report, sections=sections)
