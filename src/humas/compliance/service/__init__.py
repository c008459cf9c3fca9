"""The compliance service: ``from humas.compliance import service as compliance_service``.

rules (rule sets per unit, inherited; the central election list), checks (a unit's context, verdicts,
recorded checks, overrides), links (resolving links when sending), images (EXIF GPS), measures (reports).
"""

from __future__ import annotations

from humas.compliance.service.checks import (
    REVIEWERS,
    Part,
    PartFindings,
    Verdict,
    can_override,
    check_text,
    clean_reason,
    fingerprint,
    hoax_links,
    override,
    record,
    unit_context,
    verdict,
)
from humas.compliance.service.images import has_gps
from humas.compliance.service.links import resolve
from humas.compliance.service.measures import GuardrailMeasures, RuleCount, guardrail_measures
from humas.compliance.service.rules import (
    OFF,
    WORD_RULES,
    ElectionInput,
    effective_rules,
    election_list,
    election_row,
    own_rules,
    save_election_list,
    save_rules,
)

__all__ = [
    "OFF",
    "REVIEWERS",
    "WORD_RULES",
    "ElectionInput",
    "GuardrailMeasures",
    "Part",
    "PartFindings",
    "RuleCount",
    "Verdict",
    "can_override",
    "check_text",
    "clean_reason",
    "effective_rules",
    "election_list",
    "election_row",
    "fingerprint",
    "guardrail_measures",
    "has_gps",
    "hoax_links",
    "override",
    "own_rules",
    "record",
    "resolve",
    "save_election_list",
    "save_rules",
    "unit_context",
    "verdict",
]
