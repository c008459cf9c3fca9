"""Guardrail measures for reports: findings by rule and severity, overrides, blocked submits and sends.

Definitions (docs/metrics.md, "Guardrails"): a *check* is one recorded check of a post (all its variants) or a
reply at submit or at send; *findings* are counted per check, so a finding present at submit and again at send
counts twice (once per stage: ``by_stage`` separates them); an *override* is one blocking finding a reviewer
let through with a written reason; a *blocked send* is a check at send time that stopped the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from humas.compliance.models import GuardrailCheck, GuardrailFinding, GuardrailOverride


@dataclass(frozen=True)
class RuleCount:
    rule: str
    severity: str
    stage: str
    findings: int
    overridden: int


@dataclass(frozen=True)
class GuardrailMeasures:
    checks: int = 0
    checks_with_findings: int = 0
    blocked_submits: int = 0
    blocked_sends: int = 0
    overrides: int = 0
    by_rule: list[RuleCount] = field(default_factory=list)

    @property
    def findings(self) -> int:
        return sum(r.findings for r in self.by_rule)

    def count(self, *, rule: str | None = None, severity: str | None = None, stage: str | None = None) -> int:
        return sum(
            r.findings
            for r in self.by_rule
            if (rule is None or r.rule == rule)
            and (severity is None or r.severity == severity)
            and (stage is None or r.stage == stage)
        )


def guardrail_measures(
    session: Session, *, unit_ids: Sequence[int], start: datetime, end: datetime
) -> GuardrailMeasures:
    """The measures of the units' checks and overrides with ``start <= at < end`` (UTC)."""
    if not unit_ids:
        return GuardrailMeasures()
    ids = list(unit_ids)
    in_period = (GuardrailCheck.unit_id.in_(ids), GuardrailCheck.at >= start, GuardrailCheck.at < end)
    checks = select(
        func.count(),
        func.count().filter(GuardrailCheck.blocked & (GuardrailCheck.stage == "submit")),
        func.count().filter(GuardrailCheck.blocked & (GuardrailCheck.stage == "send")),
    ).where(*in_period)
    total, blocked_submits, blocked_sends = session.execute(checks).one()
    with_findings = session.scalar(
        select(func.count(func.distinct(GuardrailFinding.check_id)))
        .join(GuardrailCheck, GuardrailCheck.id == GuardrailFinding.check_id)
        .where(*in_period)
    )
    rows = session.execute(
        select(
            GuardrailFinding.rule,
            GuardrailFinding.severity,
            GuardrailCheck.stage,
            func.count(),
            func.count().filter(GuardrailFinding.overridden),
        )
        .join(GuardrailCheck, GuardrailCheck.id == GuardrailFinding.check_id)
        .where(*in_period)
        .group_by(GuardrailFinding.rule, GuardrailFinding.severity, GuardrailCheck.stage)
        .order_by(GuardrailFinding.rule, GuardrailFinding.severity, GuardrailCheck.stage)
    )
    overrides = session.scalar(
        select(func.count()).where(
            GuardrailOverride.unit_id.in_(ids), GuardrailOverride.at >= start, GuardrailOverride.at < end
        )
    )
    return GuardrailMeasures(
        checks=total or 0,
        checks_with_findings=with_findings or 0,
        blocked_submits=blocked_submits or 0,
        blocked_sends=blocked_sends or 0,
        overrides=overrides or 0,
        by_rule=[RuleCount(r, s, st, n, o) for r, s, st, n, o in rows],
    )
