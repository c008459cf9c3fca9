"""The labelled set: every blocking rule keeps precision >= 0.95 (issue 14); CI guards it."""

from __future__ import annotations

from pathlib import Path

from humas.bench.guardrails import load, run, scan, score


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


def test_scan_reads_csv_tsv_and_plain_lines(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text('row_id,text\n1,"NIK 3273014508900001\nbaris dua"\n2,bersih\n')
    (tmp_path / "b.tsv").write_text("hubungi 0812-3456-7890\tneutral\nkuota terbatas\tpositive\n")
    result = scan([tmp_path / "a.csv", tmp_path / "b.tsv"])
    assert result["texts"] == 4
    assert result["findings"] == {"nik/blokir": 1, "phone/peringatan": 1}
