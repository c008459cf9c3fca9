"""`humas bench guardrails`: per-rule precision and recall of the guardrail checker on the labelled set, and
its speed (texts per second). A finding is right when an expected span of the same rule overlaps it."""

from __future__ import annotations

import csv
import json
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from humas.guardrails import Context, ElectionList, check
from humas.guardrails.personal import valid_nik
from humas.guardrails.ruleset import DEFAULT_SEVERITIES
from humas.guardrails.words import nlp_abuse_scorer

LABELLED = Path(__file__).resolve().parents[1] / "guardrails" / "resources" / "labelled.jsonl"


@dataclass(frozen=True)
class Labelled:
    text: str
    expected: tuple[tuple[str, int, int], ...]  # (rule, start, end)
    note: str = ""


def load(path: Path = LABELLED) -> tuple[Context, list[Labelled]]:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    raw = lines[0]["context"]
    e = raw["election"]
    election = ElectionList(
        candidates=tuple(e["candidates"]),
        parties=tuple(e["parties"]),
        numbers=tuple(e["numbers"]),
        slogans=tuple(e["slogans"]),
        active_from=date.fromisoformat(e["active_from"]),
        active_to=date.fromisoformat(e["active_to"]),
    )
    context = Context(
        election=election, today=date.fromisoformat(raw["today"]), hoax_links=frozenset(raw["hoax_links"])
    )
    rows = []
    for line in lines[1:]:
        text, spans, taken = line["text"], [], Counter[str]()
        for item in line["expected"]:
            # The n-th expectation of the same span text is its n-th occurrence in the text.
            at = -1
            for _ in range(taken[item["text"]] + 1):
                at = text.index(item["text"], at + 1)
            taken[item["text"]] += 1
            spans.append((item["rule"], at, at + len(item["text"])))
        rows.append(Labelled(text, tuple(spans), line.get("note", "")))
    return context, rows


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score(context: Context, rows: list[Labelled]) -> dict[str, dict[str, Any]]:
    tp, fp, fn = Counter[str](), Counter[str](), Counter[str]()
    for row in rows:
        found = [(f.rule, f.start, f.end) for f in check(row.text, context=context)]
        for rule, start, end in found:
            hit = any(r == rule and _overlap((start, end), (s, e)) for r, s, e in row.expected)
            (tp if hit else fp)[rule] += 1
        for rule, start, end in row.expected:
            if not any(r == rule and _overlap((start, end), (s, e)) for r, s, e in found):
                fn[rule] += 1
    table = {}
    for rule in sorted(set(tp) | set(fp) | set(fn)):
        found_n, expected_n = tp[rule] + fp[rule], tp[rule] + fn[rule]
        table[rule] = {
            "severity": DEFAULT_SEVERITIES.get(rule, "peringatan"),
            "tp": tp[rule],
            "fp": fp[rule],
            "fn": fn[rule],
            "precision": round(tp[rule] / found_n, 3) if found_n else None,
            "recall": round(tp[rule] / expected_n, 3) if expected_n else None,
        }
    return table


def random_number_rate(n: int = 10_000) -> float:
    """Share of uniformly random 16-digit numbers, with no context words, that pass as a NIK: the floor of the
    NIK rule's false positives on other long numbers (order, ticket ids) that come without a naming word."""
    rng = random.Random(90)
    numbers = (f"{rng.randrange(10**16):016d}" for _ in range(n))
    return round(sum(1 for number in numbers if valid_nik(number)) / n, 4)


def read_texts(path: Path) -> list[str]:
    """Texts of a corpus file: a CSV or TSV with a ``text`` column, else one text per line (a trailing
    tab-separated label dropped)."""
    csv.field_size_limit(1 << 30)
    with path.open(encoding="utf-8", newline="") as fh:
        head = fh.readline()
        fh.seek(0)
        delimiter = "\t" if "\t" in head else ","
        if "text" in next(csv.reader([head], delimiter=delimiter), []):
            return [row["text"] for row in csv.DictReader(fh, delimiter=delimiter)]
        return [line.rsplit("\t", 1)[0] for line in fh if line.strip()]


def scan(paths: list[Path]) -> dict[str, Any]:
    """Findings per rule and severity on unlabelled real text (no election list, no hoax links): each blocking
    finding there is read by hand to judge it (BENCHMARKS.md)."""
    texts = [t for p in paths for t in read_texts(p)]
    counts = Counter[str]()
    started = time.perf_counter()
    for text in texts:
        counts.update(f"{f.rule}/{f.severity}" for f in check(text))
    seconds = time.perf_counter() - started
    return {
        "texts": len(texts),
        "characters": sum(map(len, texts)),
        "texts_per_second": round(len(texts) / seconds),
        "findings": dict(sorted(counts.items())),
    }


def run(*, path: Path = LABELLED, repeat: int = 20, abuse_model: bool = False) -> dict[str, Any]:
    context, rows = load(path)
    table = score(context, rows)
    started = time.perf_counter()
    for _ in range(repeat):
        for row in rows:
            check(row.text, context=context)
    seconds = time.perf_counter() - started
    return {
        "date": date.today().isoformat(),
        "cores": os.cpu_count(),
        "texts": len(rows),
        "clean": sum(1 for r in rows if not r.expected),
        "texts_per_second": round(repeat * len(rows) / seconds),
        "random_16_digits_valid_nik": random_number_rate(),
        "rules": table,
        # Texts written after the rules were tuned, labelled before the checker saw them: closer to new text.
        "fresh": score(context, [r for r in rows if r.note == "fresh"]),
        # The abuse rule with humas.nlp's abuse model added (whole-text warning at score >= 0.8); not timed.
        "abuse_with_model": (
            score(replace(context, abuse_scorer=nlp_abuse_scorer()), rows).get("abuse")
            if abuse_model
            else None
        ),
    }
