"""``check(text, context=...)``: every enabled rule over one text, findings sorted by position."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date

from humas.guardrails import internal, links, personal, words
from humas.guardrails.election import ElectionList, election
from humas.guardrails.findings import Finding
from humas.guardrails.platform import PlatformLimits, platform
from humas.guardrails.ruleset import DEFAULT, RuleSet


@dataclass(frozen=True)
class Context:
    """What a check needs besides the text; every part is plain data the caller loads."""

    rules: RuleSet = DEFAULT
    election: ElectionList | None = None
    today: date | None = None
    hoax_links: frozenset[str] = field(default_factory=frozenset)
    platform: PlatformLimits | None = None
    abuse_scorer: words.AbuseScorer | None = None


Rule = Callable[[str, Context], Iterable[Finding]]

RULE_FUNCTIONS: dict[str, Rule] = {
    "nik": lambda t, c: personal.sixteen_digit_ids(t),  # also yields kk and new npwp
    "npwp": lambda t, c: personal.npwp_old(t),
    "phone": lambda t, c: personal.phone(t),
    "email": lambda t, c: personal.email(t),
    "bank_account": lambda t, c: personal.bank_account(t),
    "address": lambda t, c: personal.address(t),
    "classification": lambda t, c: internal.classification(t),
    "memo_number": lambda t, c: internal.memo_number(t),
    "letter_number": lambda t, c: internal.letter_number(t),
    "internal_phrase": lambda t, c: internal.internal_phrase(t, c.rules.words.get("internal_phrase", ())),
    "abuse": lambda t, c: _abuse(t, c),
    "sara": lambda t, c: words.word_list(t, rule="sara", extra=c.rules.words.get("sara", ())),
    "election": lambda t, c: (
        election(t, c.election, today=c.today or date.today()) if c.election is not None else ()
    ),
    "shortener": lambda t, c: links.shortener(t),
    "hoax_link": lambda t, c: links.hoax_link(t, c.hoax_links),
    "platform_length": lambda t, c: platform(t, c.platform) if c.platform is not None else (),
}


def _abuse(text: str, context: Context) -> Iterator[Finding]:
    yield from words.word_list(text, rule="abuse", extra=context.rules.words.get("abuse", ()))
    if context.abuse_scorer is not None:
        yield from words.abuse_model(text, context.abuse_scorer)


def check(text: str, *, context: Context | None = None) -> list[Finding]:
    """All findings of the enabled rules, by position; one finding per (rule, span)."""
    context = context or Context()
    rules = context.rules
    found: dict[tuple[str, int, int], Finding] = {}
    for function in RULE_FUNCTIONS.values():
        for f in function(text, context):
            if rules.enabled(f.rule) and (f.rule, f.start, f.end) not in found:
                found[(f.rule, f.start, f.end)] = replace(f, severity=rules.severity(f.rule, f.severity))
    return sorted(found.values(), key=lambda f: (f.start, f.end, f.rule))


def blocked(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "blokir" for f in findings)
