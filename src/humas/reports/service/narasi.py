"""The *narasi tunggal* section: content kits the report's units received in the period and what they made
of them (``publishing.service.kit_tracker.kit_measures``: received, published, coverage, median time to
publish, late), kits the units issued, and the guardrails on their outgoing texts
(``compliance.service.measures.guardrail_measures``).

It says that no kit was issued in the period only when both the received and the issued counts really are
zero (a statement from the data, never a default text).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from humas.compliance.service.measures import GuardrailMeasures, guardrail_measures
from humas.core.i18n import gettext
from humas.publishing.kits import ContentKit
from humas.publishing.service.kit_tracker import KitMeasures, kit_measures
from humas.reports.document import Column, Figure, Section, Table
from humas.reports.service import figures as F
from humas.reports.service.scope import Scope


@dataclass(frozen=True)
class KitCounts:
    received: KitMeasures
    issued: int
    received_before: KitMeasures
    issued_before: int
    guardrails: GuardrailMeasures
    guardrails_before: GuardrailMeasures


def _issued(session: Session, ids: list[int], start: object, end: object) -> int:
    stmt = select(func.count(ContentKit.id)).where(
        ContentKit.issuer_unit_id.in_(ids), ContentKit.issued_at >= start, ContentKit.issued_at < end
    )
    return int(session.scalar(stmt) or 0)


def load(session: Session, scope: Scope, now: datetime) -> KitCounts:
    ids = list(scope.unit_ids)
    return KitCounts(
        received=kit_measures(session, unit_ids=ids, start=scope.start, end=scope.end, now=now),
        issued=_issued(session, ids, scope.start, scope.end),
        received_before=kit_measures(
            session, unit_ids=ids, start=scope.prev_start, end=scope.prev_end, now=now
        ),
        issued_before=_issued(session, ids, scope.prev_start, scope.prev_end),
        guardrails=guardrail_measures(session, unit_ids=ids, start=scope.start, end=scope.end),
        guardrails_before=guardrail_measures(
            session, unit_ids=ids, start=scope.prev_start, end=scope.prev_end
        ),
    )


def figures(kits: KitCounts) -> dict[str, Figure]:
    g, b = kits.guardrails, kits.guardrails_before
    r, rb = kits.received, kits.received_before
    return {
        "narasi.kits_received": F.figure("narasi.kits_received", r.kits_received, rb.kits_received),
        "narasi.kits_published": F.figure("narasi.kits_published", r.published, rb.published),
        "narasi.coverage": F.figure("narasi.coverage", r.coverage, rb.coverage),
        "narasi.median_hours": F.figure("narasi.median_hours", r.median_hours, rb.median_hours),
        "narasi.kits_late": F.figure("narasi.kits_late", r.late, rb.late),
        "narasi.kits_issued": F.figure("narasi.kits_issued", kits.issued, kits.issued_before),
        "guardrails.checks": F.figure("guardrails.checks", g.checks, b.checks),
        "guardrails.findings": F.figure("guardrails.findings", g.findings, b.findings),
        "guardrails.overrides": F.figure("guardrails.overrides", g.overrides, b.overrides),
        "guardrails.blocked_sends": F.figure("guardrails.blocked_sends", g.blocked_sends, b.blocked_sends),
    }


def _rules_table(g: GuardrailMeasures) -> Table:
    return Table(
        key="guardrails.by_rule",
        title=gettext("Guardrail findings by rule"),
        columns=(
            Column("rule", gettext("Rule"), "text"),
            Column("severity", gettext("Severity"), "text"),
            Column("stage", gettext("Stage"), "text"),
            Column("findings", F.label("guardrails.findings"), "count"),
            Column("overridden", gettext("Overridden"), "count"),
        ),
        rows=tuple((r.rule, r.severity, r.stage, r.findings, r.overridden) for r in g.by_rule),
        definition=gettext(
            "Findings are counted per check: a finding present at submit and again at send counts once per "
            "stage. An override is a blocking finding a reviewer let through with a written reason."
        ),
    )


def section(kits: KitCounts, draft: tuple[str, ...]) -> Section:
    sentences = list(draft)
    if kits.received.kits_received == 0 and kits.issued == 0:
        sentences.insert(0, gettext("No content kits were issued to or by these units in the period."))
    return Section(
        key="narasi",
        title=gettext("Single narrative (narasi tunggal)"),
        figures=tuple(figures(kits).values()),
        tables=(_rules_table(kits.guardrails),) if kits.guardrails.by_rule else (),
        draft=tuple(sentences),
    )
