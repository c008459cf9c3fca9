"""Rule sets per unit, inherited down the tree, and the central unit's election list.

A unit's stored set is merged onto its parent's effective set (``humas.guardrails.merge``), root first, over
the shipped defaults; a unit may add rules, raise warnings and add words, and a save that would weaken a block
set above it is refused (``weakenings``), so the merge never has to ignore anything silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.compliance.models import GuardrailElectionList, GuardrailRuleSet
from humas.core.errors import Invalid, PermissionDenied
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.guardrails import BLOCK, DEFAULT, RULES, WARN, ElectionList, RuleSet, merge, weakenings
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit
from humas.org.service import Principal

WORD_RULES = ("abuse", "sara", "internal_phrase")
WORD_MAX, WORDS_MAX = 100, 500
ELECTION_FIELDS = ("candidates", "parties", "numbers", "slogans")
OFF = "mati"  # the form's value for "switched off" (a stored None)
EDITORS = (Role.admin,)


def path_ids(unit: Unit) -> list[int]:
    """The unit's line from the root down to itself."""
    return [int(x) for x in unit.path.strip("/").split("/") if x]


def _stored(row: GuardrailRuleSet | None) -> RuleSet:
    if row is None:
        return RuleSet(severities={})
    severities = {k: v for k, v in (row.severities or {}).items() if k in RULES}
    words = {k: tuple(v) for k, v in (row.words or {}).items() if k in WORD_RULES}
    return RuleSet(severities=severities, words=words)


def own_rules(session: Session, unit: Unit) -> RuleSet:
    """What the unit itself set (empty when it set nothing)."""
    return _stored(session.get(GuardrailRuleSet, unit.id))


def effective_rules(session: Session, unit: Unit, *, upto_parent: bool = False) -> RuleSet:
    """The defaults merged with every stored set from the root down to ``unit`` (or to its parent)."""
    ids = path_ids(unit)
    if upto_parent:
        ids = ids[:-1]
    rows = {
        r.unit_id: r
        for r in session.scalars(select(GuardrailRuleSet).where(GuardrailRuleSet.unit_id.in_(ids)))
    }
    rules = DEFAULT
    for unit_id in ids:
        if unit_id in rows:
            rules = merge(rules, _stored(rows[unit_id]))
    return rules


def _clean_severities(values: Mapping[str, str | None]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for rule, value in values.items():
        if rule not in RULES:
            raise Invalid(_("Unknown rule: %(rule)s.", rule=rule), field="severities")
        if value in (None, "", "default"):
            continue
        if value == OFF:
            out[rule] = None
        elif value in (BLOCK, WARN):
            out[rule] = value
        else:
            raise Invalid(_("Unknown severity for %(rule)s.", rule=rule), field=f"severity-{rule}")
    return out


def clean_words(values: Iterable[str] | str, *, field: str, shortest: int = 2) -> list[str]:
    """Words or phrases, one per line; blanks dropped, duplicates once."""
    items = values.splitlines() if isinstance(values, str) else list(values)
    words = list(dict.fromkeys(" ".join(w.split()).lower() for w in items if w and w.strip()))
    if len(words) > WORDS_MAX:
        raise Invalid(_("At most %(n)s entries are kept.", n=WORDS_MAX), field=field)
    for word in words:
        if len(word) > WORD_MAX or len(word) < shortest:
            message = _("Each entry has %(low)s to %(n)s characters.", low=shortest, n=WORD_MAX)
            raise Invalid(message, field=field)
    return words


def _require_editor(actor: Principal, unit: Unit) -> None:
    org_service.require_role(actor, *EDITORS)
    if not org_service.can_access(actor, unit):
        raise PermissionDenied(_("Your role does not allow this."))


def save_rules(
    session: Session,
    *,
    unit: Unit,
    severities: Mapping[str, str | None],
    words: Mapping[str, Iterable[str] | str],
    actor: Principal,
) -> GuardrailRuleSet:
    """Store a unit's own rules; refused when it would weaken a block set above it (or by default)."""
    _require_editor(actor, unit)
    clean = _clean_severities(severities)
    clean_w = {k: clean_words(v, field=f"words-{k}") for k, v in words.items() if k in WORD_RULES}
    child = RuleSet(severities=clean, words={k: tuple(v) for k, v in clean_w.items()})  # type: ignore[arg-type]
    weak = weakenings(effective_rules(session, unit, upto_parent=True), child)
    if weak:
        raise Invalid(
            _("A block set above this unit cannot be weakened: %(rules)s.", rules=", ".join(weak)),
            field="severities",
        )
    row = session.get(GuardrailRuleSet, unit.id)
    before = {"severities": dict(row.severities), "words": dict(row.words)} if row else None
    if row is None:
        row = GuardrailRuleSet(unit_id=unit.id)
        session.add(row)
    row.severities = clean
    row.words = {k: v for k, v in clean_w.items() if v}
    row.updated_by_id, row.updated_at = actor.id, utcnow()
    audit_service.record(
        session, actor=actor, action="guardrails.rules", obj=unit, unit=unit, label=unit.name,
        before=before, after={"severities": row.severities, "words": row.words},
    )  # fmt: skip
    return row


# --- the election list -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElectionInput:
    candidates: str | list[str] = ""
    parties: str | list[str] = ""
    numbers: str | list[str] = ""
    slogans: str | list[str] = ""
    active_from: date | None = None
    active_to: date | None = None


def election_row(session: Session, unit: Unit) -> GuardrailElectionList | None:
    """The list kept by the unit's root (the central unit)."""
    return session.get(GuardrailElectionList, path_ids(unit)[0])


def election_list(session: Session, unit: Unit) -> ElectionList | None:
    row = election_row(session, unit)
    if row is None:
        return None
    return ElectionList(
        candidates=tuple(row.candidates),
        parties=tuple(row.parties),
        numbers=tuple(str(n) for n in row.numbers),
        slogans=tuple(row.slogans),
        active_from=row.active_from,
        active_to=row.active_to,
    )


def save_election_list(
    session: Session, *, unit: Unit, data: ElectionInput, actor: Principal
) -> GuardrailElectionList:
    """The central unit's list of candidates, parties, numbers and slogans, with its campaign period."""
    _require_editor(actor, unit)
    if unit.parent_id is not None:
        raise PermissionDenied(_("Only the central unit keeps the election list."))
    if data.active_from and data.active_to and data.active_to < data.active_from:
        raise Invalid(_("The period ends before it starts."), field="active_to")
    values: dict[str, Any] = {
        f: clean_words(getattr(data, f), field=f, shortest=1 if f == "numbers" else 2)
        for f in ELECTION_FIELDS
    }
    for number in values["numbers"]:
        if not number.isdigit() or len(number) > 2:
            raise Invalid(_("Ballot numbers are 1 or 2 digits."), field="numbers")
    row = session.get(GuardrailElectionList, unit.id)
    if row is None:
        row = GuardrailElectionList(unit_id=unit.id)
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.active_from, row.active_to = data.active_from, data.active_to
    row.updated_by_id, row.updated_at = actor.id, utcnow()
    audit_service.record(
        session, actor=actor, action="guardrails.election_list", obj=unit, unit=unit, label=unit.name,
        after={**values, "active_from": str(data.active_from or ""), "active_to": str(data.active_to or "")},
    )  # fmt: skip
    return row
