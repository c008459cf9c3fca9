"""The labelled set: every blocking rule keeps precision >= 0.95 (issue 14); CI guards it."""

from __future__ import annotations

from humas.bench.guardrails import load, run, score


def test_labelled_set_is_large_and_half_clean() -> None:
    _context, rows = load()
    assert len(rows) >= 300
    assert sum(1 for r in rows if not r.expected) >= len(rows) / 2


def test_blocking_rules_precision_and_every_rule_recall() -> None:
    context, rows = load()
    table = score(context, rows)
    blocking = {rule: v for rule, v in table.items() if v["severity"] == "blokir"}
    assert {"nik", "kk", "npwp", "bank_account", "address", "classification", "memo_number"} <= set(blocking)
    for rule, v in blocking.items():
        assert v["precision"] is not None and v["precision"] >= 0.95, (rule, v)
    for rule, v in table.items():
        assert v["recall"] is not None and v["recall"] >= 0.9, (rule, v)


def test_bench_reports_speed() -> None:
    result = run(repeat=1)
    assert result["texts_per_second"] > 0 and result["texts"] == len(load()[1])
