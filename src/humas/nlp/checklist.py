"""The behavioural sentiment benchmark (CheckList-style): short sentences humas wrote itself, in the voice of
the public towards a government office, each with its expected label and a category. A benchmark only: no
training code reads it (``tests/nlp/test_checklist.py`` checks that).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

CHECKLIST = Path(__file__).parent / "resources" / "checklist_sentiment.jsonl"
LABELS = ("positive", "neutral", "negative")


@dataclass(frozen=True)
class Case:
    text: str
    label: str
    category: str


def load_checklist(path: Path = CHECKLIST) -> list[Case]:
    """The cases, in file order; a malformed line raises ``ValueError`` naming its number."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            case = Case(str(obj["text"]), str(obj["label"]), str(obj["category"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path.name} line {number}: {exc}") from None
        if case.label not in LABELS:
            raise ValueError(f"{path.name} line {number}: label {case.label!r} is not one of {LABELS}")
        cases.append(case)
    return cases


def _default_predict(texts: Sequence[str]) -> list[str]:
    from humas.nlp.api import get_model

    model = get_model("sentiment")
    return list(model.decide(model.predict_proba(texts)))  # type: ignore[arg-type]


def run_checklist(
    predict: Callable[[Sequence[str]], list[str]] | None = None, cases: list[Case] | None = None
) -> dict:
    """Accuracy in percent overall and per category, with the failed cases (text, expected, got)."""
    cases = load_checklist() if cases is None else cases
    got = (predict or _default_predict)([c.text for c in cases])
    per: dict[str, dict] = {}
    failures = []
    for case, label in zip(cases, got, strict=True):
        row = per.setdefault(case.category, {"cases": 0, "correct": 0})
        row["cases"] += 1
        if label == case.label:
            row["correct"] += 1
        else:
            failures.append(
                {"text": case.text, "category": case.category, "expected": case.label, "got": label}
            )
    for row in per.values():
        row["accuracy"] = round(100 * row["correct"] / row["cases"], 1)
    correct = sum(r["correct"] for r in per.values())
    return {
        "cases": len(cases),
        "accuracy": round(100 * correct / max(len(cases), 1), 1),
        "min_category_accuracy": min((r["accuracy"] for r in per.values()), default=0.0),
        "per_category": per,
        "failures": failures,
    }
