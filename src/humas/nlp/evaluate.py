"""Validation metrics in percent: macro-F1 and per-class F1 (abuse: mean of the HS and Abusive F1)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from humas.nlp import data
from humas.nlp.api import Predictor


def evaluate(task: str, model: Predictor, root: Path | None = None) -> dict:
    """``{"macro_f1": ..., "per_class": {label: f1}}`` on the validation split of ``task``."""
    split = data.load(task, "valid", root)
    proba = model.predict_proba(split.texts)
    if model.multilabel:
        y = np.asarray(split.y)
        cut = np.array([model.thresholds[label] for label in model.labels])
        pred = (proba >= cut).astype(int)
        per = {
            label: round(100 * f1_score(y[:, j], pred[:, j], zero_division=0), 2)
            for j, label in enumerate(model.labels)
        }
        return {"macro_f1": round((per["HS"] + per["Abusive"]) / 2, 2), "per_class": per}
    labels = model.labels
    predicted = [labels[j] for j in proba.argmax(axis=1)]
    scores = f1_score(split.y, predicted, labels=labels, average=None, zero_division=0)
    return {
        "macro_f1": round(100 * float(np.mean(scores)), 2),
        "per_class": {label: round(100 * float(s), 2) for label, s in zip(labels, scores, strict=True)},
    }
