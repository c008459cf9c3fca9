"""Checking an outgoing text for a unit, recording what was found at submit and send, and overrides.

A subject is what a reviewer lets through as a whole: a post (its variants are its parts, keyed by channel
id) or an inbox reply (one part). An override names one blocking finding of the subject by its rule and the
keyed fingerprint of the matched text, so the same finding found again later (at send, after an unrelated
edit) stays let through, and a new one (another NIK) blocks again.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.compliance.models import GuardrailCheck, GuardrailFinding, GuardrailOverride
from humas.compliance.service import links as links_service
from humas.compliance.service import rules as rules_service
from humas.connectors.registry import find_platform
from humas.core.errors import Conflict, Invalid, PermissionDenied
from humas.core.i18n import _
from humas.core.settings import get_settings
from humas.core.time import utcnow
from humas.guardrails import BLOCK, Context, Finding, PlatformLimits, check
from humas.guardrails import links as guard_links
from humas.ingest.models import Mention
from humas.listening.models import Narrative, NarrativeLabel, NarrativeMention
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit
from humas.org.service import Principal

REVIEWERS = (Role.admin, Role.reviewer)
REASON_MIN, REASON_MAX = 10, 2000
HOAX_LABELS = (NarrativeLabel.hoaks.value, NarrativeLabel.disinformasi.value)
HOAX_LINKS_MAX = 5000
Resolver = Callable[[str, float], bool]


@dataclass(frozen=True)
class Part:
    """One text of a subject: ``key`` (a variant's channel id, "" for a reply), the text, its platform."""

    key: str
    text: str
    platform: str | None = None
    with_media: bool = False
    extra: tuple[Finding, ...] = ()  # findings made outside the text (EXIF GPS of an attached image)


@dataclass
class PartFindings:
    part: Part
    findings: list[Finding]


@dataclass
class Verdict:
    """The findings of every part, and which blocking ones a reviewer has let through."""

    parts: list[PartFindings]
    overridden: set[tuple[str, str]] = field(default_factory=set)

    def fingerprint(self, finding: Finding) -> str:
        return fingerprint(finding)

    def is_overridden(self, finding: Finding) -> bool:
        return (finding.rule, fingerprint(finding)) in self.overridden

    @property
    def findings(self) -> list[tuple[Part, Finding]]:
        return [(p.part, f) for p in self.parts for f in p.findings]

    @property
    def blocking(self) -> list[tuple[Part, Finding]]:
        """Blocking findings no reviewer has let through."""
        return [(p, f) for p, f in self.findings if f.severity == BLOCK and not self.is_overridden(f)]

    @property
    def blocked(self) -> bool:
        return bool(self.blocking)

    @property
    def warnings(self) -> list[tuple[Part, Finding]]:
        return [(p, f) for p, f in self.findings if f.severity != BLOCK]


def fingerprint(finding: Finding) -> str:
    """A keyed hash of the rule and the matched text: recognises a finding without storing the text."""
    key = get_settings().secret_key.encode()
    message = f"{finding.rule}\x00{' '.join(finding.text.split()).lower()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# --- the context a unit's texts are checked in -------------------------------------------------------------


def hoax_links(session: Session, unit: Unit) -> frozenset[str]:
    """Addresses the hoax desk labelled: the labelled narratives' mentions (their pages and the links they
    spread), over the unit's whole institution (a hoax is one for every unit)."""
    # NOTE: read-only query of listening's tables (no listening service function lists them yet).
    root = f"/{rules_service.path_ids(unit)[0]}/"
    stmt = (
        select(Mention.url, Mention.text)
        .join(NarrativeMention, NarrativeMention.mention_id == Mention.id)
        .join(Narrative, Narrative.id == NarrativeMention.narrative_id)
        .join(Unit, Unit.id == Narrative.unit_id)
        .where(Narrative.label.in_(HOAX_LABELS), Unit.path.startswith(root))
        .order_by(Mention.id.desc())
        .limit(HOAX_LINKS_MAX)
    )
    found: set[str] = set()
    for url, text in session.execute(stmt):
        if url:
            found.add(url)
        found.update(u for _s, _e, _h, u in guard_links.urls(text or ""))
    return frozenset(found)


def platform_limits(platform: str | None, *, with_media: bool = False) -> PlatformLimits | None:
    spec = find_platform(platform) if platform else None
    if spec is None:
        return None
    limits = spec.limits
    return PlatformLimits(limits.count_text, limits.text_limit(with_media=with_media), limits.hashtags_max)


@dataclass(frozen=True)
class UnitContext:
    """Everything but the platform: loaded once per unit and reused for each part."""

    base: Context

    def for_part(self, part: Part) -> Context:
        return Context(
            rules=self.base.rules,
            election=self.base.election,
            today=self.base.today,
            hoax_links=self.base.hoax_links,
            platform=platform_limits(part.platform, with_media=part.with_media),
        )


def unit_context(session: Session, unit: Unit, *, today: date | None = None) -> UnitContext:
    """The unit's effective rules, the central election list, the hoax desk's links, today in its zone."""
    today = today or utcnow().astimezone(org_service.unit_zone(session, unit)).date()
    return UnitContext(
        Context(
            rules=rules_service.effective_rules(session, unit),
            election=rules_service.election_list(session, unit),
            today=today,
            hoax_links=hoax_links(session, unit),
        )
    )


def check_text(
    session: Session, *, unit: Unit, text: str, platform: str | None = None, today: date | None = None
) -> list[Finding]:
    """One text checked with the unit's stored rules (the live editors and ``humas guardrails check``)."""
    return check(text, context=unit_context(session, unit, today=today).for_part(Part("", text, platform)))


def _overrides(session: Session, subject_type: str, subject_id: int) -> set[tuple[str, str]]:
    stmt = select(GuardrailOverride.rule, GuardrailOverride.fingerprint).where(
        GuardrailOverride.subject_type == subject_type, GuardrailOverride.subject_id == subject_id
    )
    return {(r, f) for r, f in session.execute(stmt)}


def verdict(
    session: Session,
    *,
    unit: Unit,
    subject_type: str,
    subject_id: int | None,
    parts: Sequence[Part],
    resolve: Resolver | None = None,
    today: date | None = None,
) -> Verdict:
    """Check every part; with ``resolve`` (when sending), each link is also resolved with a short timeout."""
    context = unit_context(session, unit, today=today)
    out = []
    for part in parts:
        found = check(part.text, context=context.for_part(part))
        if resolve is not None and context.base.rules.enabled("dead_link"):
            dead = list(guard_links.resolve_links(part.text, resolve, timeout=links_service.TIMEOUT_S))
            found += dead[: links_service.LINKS_MAX]
        found += [f for f in part.extra if context.base.rules.enabled(f.rule)]
        out.append(PartFindings(part, sorted(found, key=lambda f: (f.start, f.end, f.rule))))
    overridden = _overrides(session, subject_type, subject_id) if subject_id is not None else set()
    return Verdict(out, overridden)


def record(
    session: Session, *, unit: Unit, subject_type: str, subject_id: int, stage: str, result: Verdict
) -> GuardrailCheck:
    """Store what a submit or a send found (counted by ``guardrail_measures``), blocked or not."""
    row = GuardrailCheck(
        unit_id=unit.id, subject_type=subject_type, subject_id=subject_id, stage=stage, blocked=result.blocked
    )
    for part, finding in result.findings:
        row.findings.append(
            GuardrailFinding(
                part=part.key[:40], rule=finding.rule, severity=finding.severity, start=finding.start,
                end=finding.end, fingerprint=fingerprint(finding), overridden=result.is_overridden(finding),
            )
        )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def can_override(actor: Principal, *, unit: Unit, author_ids: set[int]) -> bool:
    """A reviewer or admin over the unit, who is not one of the text's authors."""
    return (
        org_service.has_role(actor, *REVIEWERS)
        and org_service.can_access(actor, unit)
        and actor.id not in author_ids
    )


def clean_reason(reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) < REASON_MIN:
        raise Invalid(
            _("Write why this may be published (at least %(n)s characters).", n=REASON_MIN), field="reason"
        )
    if len(reason) > REASON_MAX:
        raise Invalid(_("The reason is too long."), field="reason")
    return reason


def override(
    session: Session,
    *,
    unit: Unit,
    subject_type: str,
    subject_id: int,
    author_ids: set[int],
    result: Verdict,
    reason: str,
    actor: Principal,
    obj: Any,
    label: str,
) -> list[GuardrailOverride]:
    """A reviewer lets every current blocking finding through with a written reason; audited with them."""
    if actor.id in author_ids:
        raise PermissionDenied(_("You cannot override the findings of your own text; ask a reviewer."))
    if not can_override(actor, unit=unit, author_ids=author_ids):
        raise PermissionDenied(_("Only a reviewer or an admin can override a block."))
    reason = clean_reason(reason)
    blocking = result.blocking
    if not blocking:
        raise Conflict(_("Nothing is blocked here."))
    rows = []
    for _part, finding in blocking:
        row = GuardrailOverride(
            unit_id=unit.id, subject_type=subject_type, subject_id=subject_id, rule=finding.rule,
            fingerprint=fingerprint(finding), reason=reason, actor_id=actor.id,
        )  # fmt: skip
        session.add(row)
        rows.append(row)
        result.overridden.add((finding.rule, row.fingerprint))
    audit_service.record(
        session, actor=actor, action="guardrails.override", obj=obj, unit=unit, label=label,
        after={
            "subject": f"{subject_type}:{subject_id}",
            "reason": reason,
            "findings": [
                {"rule": f.rule, "severity": f.severity, "part": p.key, "start": f.start, "end": f.end}
                for p, f in blocking
            ],
        },
    )  # fmt: skip
    return rows
