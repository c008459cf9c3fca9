"""A rule set: which rules run, at which severity, with which extra words; inherited down the unit tree.

``merge(parent, child)``: the child may add rules, raise a warning to a block and add words; it may switch off
or lower only warnings. A block set above stays a block (``weakenings`` lists what a child tried to weaken, so
an editor can refuse to save it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from humas.guardrails.findings import BLOCK, RULES, WARN, Severity

DEFAULT_SEVERITIES: Mapping[str, Severity] = MappingProxyType(
    {
        "nik": BLOCK,
        "kk": BLOCK,
        "npwp": BLOCK,
        "phone": WARN,
        "email": WARN,
        "bank_account": BLOCK,
        "address": BLOCK,
        "classification": BLOCK,
        "memo_number": BLOCK,
        "letter_number": WARN,
        "internal_phrase": WARN,
        "abuse": WARN,  # the word list may name a word a block (words.tsv severity)
        "sara": WARN,
        "election": BLOCK,
        "shortener": WARN,
        "hoax_link": BLOCK,
        "dead_link": WARN,
        "platform_length": BLOCK,
        "platform_hashtags": BLOCK,
        # A warning: every image humas sends is a derived copy without EXIF (decision 0097).
        "exif_gps": WARN,
    }
)


def _frozen(value: Mapping[str, object]) -> Mapping[str, object]:
    return MappingProxyType(dict(value))


@dataclass(frozen=True)
class RuleSet:
    """``severities``: rule -> severity for each rule that runs (``None`` in a child's map switches it off);
    ``words``: extra words per word rule ("abuse", "sara", "internal_phrase")."""

    severities: Mapping[str, Severity | None] = field(default_factory=lambda: DEFAULT_SEVERITIES)
    words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.severities) - set(RULES)
        if unknown:
            raise ValueError(f"unknown guardrail rules: {sorted(unknown)}")
        object.__setattr__(self, "severities", _frozen(self.severities))
        object.__setattr__(self, "words", _frozen(self.words))

    def enabled(self, rule: str) -> bool:
        return self.severities.get(rule) is not None

    def severity(self, rule: str, found: Severity) -> Severity:
        """The severity a finding gets: the rule set's, raised to a block when the rule itself blocked it."""
        configured = self.severities.get(rule) or found
        return BLOCK if BLOCK in (configured, found) else WARN


def weakenings(parent: RuleSet, child: RuleSet) -> list[str]:
    """The rules a child tries to switch off or lower although the parent blocks them."""
    return sorted(
        rule
        for rule, severity in child.severities.items()
        if parent.severities.get(rule) == BLOCK and severity != BLOCK
    )


def merge(parent: RuleSet, child: RuleSet) -> RuleSet:
    severities: dict[str, Severity | None] = dict(parent.severities)
    for rule, severity in child.severities.items():
        if parent.severities.get(rule) == BLOCK:
            continue  # a block set above cannot be weakened
        severities[rule] = severity
    words = {
        k: tuple(dict.fromkeys(parent.words.get(k, ()) + child.words.get(k, ())))
        for k in {*parent.words, *child.words}
    }
    return RuleSet(severities=severities, words=words)


DEFAULT = RuleSet()
