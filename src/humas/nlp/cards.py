"""Model cards as an admin page reads them: pure file reads, no model loaded.

Each task's card is the JSON file its training wrote beside the weights (``artifacts/<task>.json``, the
non-commercial ones under ``artifacts/nc/``); where a deployment switched in a model retrained from its
corrections (the local store, ``humas.nlp.store``), that version's card is read instead.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from humas.nlp.data import NC_TASKS, TASKS
from humas.nlp.model import ARTIFACTS
from humas.nlp.normalize import nc_excluded


@dataclass(frozen=True)
class ModelCard:
    task: str
    source: str  # "packaged" or "local" (retrained with corrections)
    version: str | None
    training_data: str
    license: str
    trained_at: str | None  # ISO time from the card; packaged cards: the artifact file's date
    command: str
    labels: tuple[str, ...]
    scores: dict[str, float] = field(default_factory=dict)  # macro-F1 (%) or accuracy, by measure
    per_class: dict[str, float] = field(default_factory=dict)
    previous: str | None = None


def _numbers(prefix: str, values: Any) -> dict[str, float]:
    if not isinstance(values, dict):
        return {}
    out: dict[str, float] = {}
    for key, value in values.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[f"{prefix}{key}"] = float(value)
        elif isinstance(value, dict):
            out.update(_numbers(f"{prefix}{key}.", value))
    return out


def card_from(
    raw: dict[str, Any], *, task: str, source: str, version: str | None, date: str | None
) -> ModelCard:
    """A card file's JSON as a ModelCard (missing fields read as empty, never a failure)."""
    metrics = raw.get("valid_metrics")
    valid: dict[str, Any] = metrics if isinstance(metrics, dict) else {}
    scores = _numbers("valid.", {k: v for k, v in valid.items() if k != "per_class"})
    scores.update(_numbers("cv.", raw.get("cross_validation")))
    scores.update(_numbers("corrections.", raw.get("corrections_cv")))
    per_class = _numbers("", valid.get("per_class"))
    return ModelCard(
        task=task,
        source=source,
        version=version,
        training_data=str(raw.get("training_data") or ""),
        license=str(raw.get("license") or ""),
        trained_at=str(raw.get("trained_at") or date or "") or None,
        command=str(raw.get("command") or ""),
        labels=tuple(str(x) for x in raw.get("labels") or ()),
        scores=scores,
        per_class=per_class,
        previous=str(raw["previous"]) if raw.get("previous") else None,
    )


def _read(path: Path) -> dict[str, Any] | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return raw if isinstance(raw, dict) else None


def _local(task: str) -> ModelCard | None:
    try:
        from humas.nlp import store
    except ImportError:  # a version without the local model store
        return None
    version = store.current_version(task)
    if version is None:
        return None
    raw = _read(store.version_folder(task, version) / f"{task}.json")
    return None if raw is None else card_from(raw, task=task, source="local", version=version, date=None)


def model_cards(root: Path = ARTIFACTS, *, local: bool = True) -> list[ModelCard]:
    """The card of every task's model in use (retrained local version first, else packaged), in task order;
    a task without a card file here (not trained, or non-commercial and excluded) is left out."""
    cards = []
    for task in TASKS:
        if task in NC_TASKS and nc_excluded():
            continue
        found = _local(task) if local else None
        if found is None:
            path = (root / "nc" if task in NC_TASKS else root) / f"{task}.json"
            raw = _read(path)
            if raw is None:
                continue
            date = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date().isoformat()
            found = card_from(raw, task=task, source="packaged", version=None, date=date)
        cards.append(found)
    return cards
