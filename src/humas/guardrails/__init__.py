"""Guardrails (pemeriksaan kepatuhan): pure checks of an outgoing text; text in, findings out, no database.

Personal data, classified/internal material, abuse and SARA, election neutrality, links and platform limits;
see docs/decisions/0090-guardrails.md.
"""

from humas.guardrails.check import Context, blocked, check
from humas.guardrails.election import ElectionList
from humas.guardrails.findings import BLOCK, RULES, WARN, Finding, Severity
from humas.guardrails.platform import PlatformLimits
from humas.guardrails.ruleset import DEFAULT, RuleSet, merge, weakenings

__all__ = [
    "BLOCK",
    "DEFAULT",
    "RULES",
    "WARN",
    "Context",
    "ElectionList",
    "Finding",
    "PlatformLimits",
    "RuleSet",
    "Severity",
    "blocked",
    "check",
    "merge",
    "weakenings",
]
