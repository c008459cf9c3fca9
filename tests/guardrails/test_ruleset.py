"""Rule sets inherit down the tree: a child adds and raises, never weakens a block set above it."""

from __future__ import annotations

import pytest

from humas.guardrails import DEFAULT, Context, RuleSet, check, merge, weakenings

TEXT = "Hubungi 0812-3456-7890, NIK 3273014508900001. Dasar payah."


def test_child_adds_rules_words_and_raises_a_warning() -> None:
    child = RuleSet(severities={"phone": "blokir"}, words={"abuse": ("payah",)})
    merged = merge(DEFAULT, child)
    found = {f.rule: f.severity for f in check(TEXT, context=Context(rules=merged))}
    assert found == {"phone": "blokir", "nik": "blokir", "abuse": "peringatan"}


def test_child_cannot_weaken_a_block() -> None:
    child = RuleSet(severities={"nik": None, "classification": "peringatan", "phone": None})
    merged = merge(DEFAULT, child)
    assert weakenings(DEFAULT, child) == ["classification", "nik"]
    assert merged.severities["nik"] == "blokir" and merged.severities["classification"] == "blokir"
    found = {f.rule: f.severity for f in check(TEXT, context=Context(rules=merged))}
    assert found == {"nik": "blokir"}  # the phone warning may be switched off below


def test_merge_down_three_levels_keeps_the_top_block() -> None:
    ministry = merge(DEFAULT, RuleSet(severities={"email": "blokir"}, words={"abuse": ("payah",)}))
    province = merge(ministry, RuleSet(severities={"email": "peringatan"}, words={"abuse": ("lelet",)}))
    office = merge(province, RuleSet(severities={"email": None}))
    assert office.severities["email"] == "blokir"
    assert office.words["abuse"] == ("payah", "lelet")


def test_word_list_block_survives_a_warning_rule() -> None:
    found = check("Jancuk!", context=Context(rules=RuleSet()))
    assert [(f.rule, f.severity) for f in found] == [("abuse", "blokir")]


def test_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown guardrail rules"):
        RuleSet(severities={"nope": "blokir"})
