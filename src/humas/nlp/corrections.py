"""Retraining with a deployment's own label corrections, switched in only when it is better.

``read_corrections(path)`` reads an export (JSON lines or CSV with ``text, task, label, unit``).
``retrain_with_corrections(task, corrections)``:

1. training data = the task's training data, minus texts a correction relabels, plus every corrected text
   ``CORRECTION_WEIGHT`` times;
2. the candidate is scored by grouped K-fold cross-validation **on the corrections** (near-duplicates in one
   fold): each fold's corrections are predicted by a model trained without them, the current model predicts
   them all (it has never seen them); the score is accuracy against the corrected labels;
3. guard: the candidate (fitted on everything) may lose at most ``VALID_TOLERANCE`` points of macro-F1 on the
   task's validation split against the current model;
4. it is switched in (a new version in the local store, ``store.py``) only if it beats the current model on
   the corrections and passes the guard; the previous model stays for ``rollback``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import GroupKFold

from humas.nlp import store
from humas.nlp import train as trainer
from humas.nlp.api import Predictor
from humas.nlp.cv import near_duplicate_groups
from humas.nlp.data import TASKS
from humas.nlp.model import ARTIFACTS, Featurizer, LinearModel
from humas.nlp.normalize import normalize

CORRECTION_WEIGHT = 5
VALID_TOLERANCE = 1.0
FIELDS = ("text", "task", "label", "unit")


class CorrectionError(ValueError):
    """A corrections file or row humas cannot use; the message names the line and the field."""


@dataclass(frozen=True)
class Correction:
    text: str
    task: str
    label: str
    unit: str = ""


@dataclass
class Decision:
    task: str
    switched: bool
    reason: str
    corrections: int
    current: dict = field(default_factory=dict)
    candidate: dict = field(default_factory=dict)
    version: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _rows(path: Path) -> list[tuple[int, object]]:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorrectionError(f"{path}: cannot read ({exc})") from None
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(raw))
        missing = [f for f in FIELDS[:3] if f not in (reader.fieldnames or [])]
        if missing:
            raise CorrectionError(f"{path.name}: header lacks column(s) {', '.join(missing)}")
        return [(n, row) for n, row in enumerate(reader, start=2)]
    out: list[tuple[int, object]] = []
    for n, line in enumerate(raw.splitlines(), start=1):
        if line.strip():
            try:
                out.append((n, json.loads(line)))
            except ValueError as exc:
                raise CorrectionError(f"{path.name} line {n}: not JSON ({exc})") from None
    return out


def _check(name: str, n: int, row: object, labels: dict[str, list[str]]) -> Correction:
    if not isinstance(row, dict):
        raise CorrectionError(f"{name} line {n}: expected an object with text, task, label")
    for key in FIELDS[:3]:
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise CorrectionError(f"{name} line {n}: field {key!r} must be a non-empty string")
    task, label = row["task"].strip(), row["label"].strip()
    if task not in labels:
        raise CorrectionError(f"{name} line {n}: field 'task': {task!r} cannot take corrections here")
    if label not in labels[task]:
        choices = ", ".join(labels[task])
        raise CorrectionError(f"{name} line {n}: field 'label': {label!r} is not a {task} label ({choices})")
    return Correction(row["text"], task, label, str(row.get("unit") or ""))


def read_corrections(path: Path, labels: dict[str, list[str]] | None = None) -> list[Correction]:
    """Every row of a corrections export, checked; ``labels`` maps each task that takes corrections (every
    single-label task by default) to its labels."""
    if labels is None:
        labels = _task_labels()
    return [_check(path.name, n, row, labels) for n, row in _rows(path)]


def _task_labels() -> dict[str, list[str]]:
    from humas.nlp.api import labels

    out = {}
    for task in TASKS:
        try:
            if task != "abuse":
                out[task] = list(labels(task))
        except OSError:  # a task without a model here takes no corrections
            continue
    return out


def _fold_predict(x_tr, y_tr: np.ndarray, x_te, names: list[str], cfg: trainer.Config) -> np.ndarray:
    cols = trainer._kept(x_tr, cfg)
    scale = trainer._column_scale(cols, cfg)
    w, b = trainer._blend_fit(trainer._scaled(x_tr, cols, scale), y_tr, len(names), cfg)
    w = trainer.add_priors(w * scale[:, None], cols, cfg, names)
    return np.asarray(x_te[:, cols] @ w + b).argmax(axis=1)


def _cv_accuracy(
    base, cx, cy: np.ndarray, groups: np.ndarray, names: list[str], cfg: trainer.Config
) -> float:
    base_x, base_y = base
    pred = np.zeros(len(cy), dtype=np.int64)
    for tr, te in GroupKFold(min(5, len(set(groups)))).split(cx, cy, groups):
        rep = np.tile(tr, CORRECTION_WEIGHT)
        x_tr = sp.vstack([base_x, cx[rep]]).tocsr()
        pred[te] = _fold_predict(x_tr, np.concatenate([base_y, cy[rep]]), cx[te], names, cfg)
    return float(np.mean(pred == cy))


def _current(task: str, root: Path, store_root: Path, feat: Featurizer) -> tuple[Predictor, str]:
    version = store.current_version(task, store_root)
    if version is None:
        folder = trainer.artifact_dir(task, root)
        return Predictor(task, LinearModel.load(folder, task), feat), store.PACKAGED
    return Predictor(
        task, LinearModel.load(store.version_folder(task, version, store_root), task), feat
    ), version


def _valid_f1(task: str, model: Predictor, data_root: Path | None) -> float:
    from humas.nlp.evaluate import evaluate

    return float(evaluate(task, model, data_root)["macro_f1"])


def _training_set(task: str, corrections: Sequence[Correction], feat: Featurizer, cfg: trainer.Config):
    """(base features, base labels), (correction features, labels, normalized texts), label names."""
    texts, y, _ = trainer.training_data(task, cfg)
    latest = {normalize(c.text): c.label for c in corrections}  # a later correction of a text wins
    norm = [normalize(t) for t in texts]
    keep = [i for i, t in enumerate(norm) if t not in latest]
    names = sorted(set(y) | set(latest.values()))
    base_x = feat.transform_normalized([norm[i] for i in keep])
    base_y = np.array([names.index(y[i]) for i in keep])
    c_norm = list(latest)
    cx = feat.transform_normalized(c_norm)
    cy = np.array([names.index(v) for v in latest.values()])
    return (base_x, base_y), (cx, cy, c_norm), names


def retrain_with_corrections(
    task: str,
    corrections: Sequence[Correction],
    *,
    store_root: Path | None = None,
    root: Path = ARTIFACTS,
    data_root: Path | None = None,
    progress: trainer.Progress = lambda _: None,
) -> Decision:
    """Retrain ``task`` with ``corrections`` and switch the new model in only if it is better (module doc)."""
    store_root = store_root or store.local_dir()
    rows = [c for c in corrections if c.task == task]
    if task == "abuse":
        raise CorrectionError("abuse is multi-label: corrections are not supported for it yet")
    cfg = trainer.CONFIGS[task]
    feat = trainer.load_featurizer(root)
    current, current_version = _current(task, root, store_root, feat)
    (base_x, base_y), (cx, cy, c_norm), names = _training_set(task, rows, feat, cfg)
    if names != current.labels:
        raise CorrectionError(f"{task}: the corrected labels do not match the model's ({current.labels})")
    groups = near_duplicate_groups(c_norm)
    decision = Decision(task, False, "", len(c_norm))
    if len(set(groups)) < 2:
        decision.reason = "needs corrections of at least two different texts to cross-validate"
        return decision
    progress(f"{task}: cross-validation on {len(c_norm)} corrected texts")
    cur_pred = current.proba_normalized(c_norm).argmax(axis=1)
    decision.current = {"version": current_version, "cv_accuracy": round(float(np.mean(cur_pred == cy)), 4)}
    cand_acc = _cv_accuracy((base_x, base_y), cx, cy, groups, names, cfg)
    decision.candidate = {"cv_accuracy": round(cand_acc, 4)}
    if cand_acc <= decision.current["cv_accuracy"]:
        decision.reason = "the retrained model is not better on the corrections"
        return decision
    progress(f"{task}: final fit")
    rep = np.tile(np.arange(len(cy)), CORRECTION_WEIGHT)
    x_all = sp.vstack([base_x, cx[rep]]).tocsr()
    y_all = [names[j] for j in np.concatenate([base_y, cy[rep]])]
    model, extra = trainer.train_single(task, x_all, y_all, cfg, progress)
    candidate = Predictor(task, model, feat)
    cur_f1, cand_f1 = _valid_f1(task, current, data_root), _valid_f1(task, candidate, data_root)
    decision.current["valid_macro_f1"], decision.candidate["valid_macro_f1"] = cur_f1, cand_f1
    if cand_f1 < cur_f1 - VALID_TOLERANCE:
        decision.reason = (
            f"the retrained model loses more than {VALID_TOLERANCE} points on the validation split"
        )
        return decision
    decision.version = _save(task, model, extra, rows, decision, current_version, store_root)
    decision.switched, decision.reason = True, "better on the corrections, validation kept"
    return decision


def _save(
    task, model: LinearModel, extra: dict, rows, decision: Decision, previous: str, store_root: Path
) -> str:
    version, folder = store.new_version(task, store_root)
    base = trainer.CONFIGS[task]
    model.card = {
        **model.card,
        "training_data": f"{trainer.training_data(task, base)[2]} + {decision.corrections} corrected texts"
        f" (units: {', '.join(sorted({c.unit for c in rows if c.unit})) or '-'}), each x{CORRECTION_WEIGHT}",
        "license": trainer.LICENSES[task] + "; corrections: the deployment's own data",
        "command": f"humas nlp train --task {task} --with-corrections FILE",
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seed": trainer.SEED,
        "config": base.__dict__,
        "cross_validation": extra,
        "corrections_cv": {"current": decision.current, "candidate": decision.candidate},
        "valid_metrics": {"macro_f1": decision.candidate.get("valid_macro_f1")},
        "previous": previous,
        "version": version,
    }
    model.save(folder)
    store.switch_to(task, version, store_root)
    return version
