"""Linear models over the shared hashed features, stored as plain arrays (``.npz``) plus a JSON card.

A model holds, for each output, weights over the features it saw in training (``cols``), a weight for
the row sum of the features (how a Complement Naive Bayes term enters a blended linear model), a bias,
and a calibration: a temperature for softmax tasks, a Platt scale and shift per label for multi-label.
Loading never executes code: ``np.load(..., allow_pickle=False)`` and ``json.load``.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from humas.nlp.features import LEX_SCALE, N_FEATURES, fit_idf, hashed_counts, tfidf

ARTIFACTS = Path(__file__).parent / "artifacts"


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_npz(path: Path, **arrays: np.ndarray) -> None:
    """Like ``np.savez_compressed`` but byte-for-byte reproducible (fixed zip timestamps)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue())


@dataclass
class Featurizer:
    """Hashed n-gram counts to tf-idf, with the idf learnt from the openly licensed training texts."""

    idf: np.ndarray

    def transform_normalized(self, normalized: Sequence[str]) -> sp.csr_matrix:
        return tfidf(hashed_counts(normalized), self.idf)

    @classmethod
    def fit(cls, normalized: Sequence[str]) -> Featurizer:
        return cls(fit_idf(hashed_counts(normalized)))

    def save(self, path: Path) -> None:
        write_npz(path, idf=self.idf.astype(np.float32))

    @classmethod
    def load(cls, path: Path) -> Featurizer:
        with np.load(path, allow_pickle=False) as z:
            idf = z["idf"].astype(np.float32)
        if len(idf) < N_FEATURES:  # lexicon columns added after the idf was fitted: their fixed value
            idf = np.concatenate([idf, np.full(N_FEATURES - len(idf), LEX_SCALE, np.float32)])
        return cls(idf)


@dataclass
class LinearModel:
    """Calibrated linear classifier; ``multilabel`` means one independent sigmoid per label."""

    task: str
    labels: list[str]
    multilabel: bool
    cols: np.ndarray  # int32 feature indices with a weight
    weights: np.ndarray  # float32 (len(cols), n_labels)
    bias: np.ndarray  # float32 (n_labels,)
    scale: np.ndarray  # float32 (n_labels,): logit multiplier (1 / temperature, or Platt slope)
    shift: np.ndarray  # float32 (n_labels,): Platt intercept (zeros for softmax tasks)
    card: dict = field(default_factory=dict)
    _dense: np.ndarray | None = None

    def dense(self) -> np.ndarray:
        if self._dense is None:
            d = np.zeros((N_FEATURES, len(self.labels)), dtype=np.float32)
            d[self.cols] = self.weights
            self._dense = d
        return self._dense

    def logits(self, x: sp.csr_matrix) -> np.ndarray:
        return np.asarray(x @ self.dense()) + self.bias

    def proba_from_features(self, x: sp.csr_matrix) -> np.ndarray:
        return self.proba_from_logits(self.logits(x))

    def proba_from_logits(self, z: np.ndarray) -> np.ndarray:
        z = z * self.scale + self.shift
        if self.multilabel:
            return 1.0 / (1.0 + np.exp(-z))
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def save(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.task}.npz"
        write_npz(
            path,
            cols=self.cols.astype(np.int32),
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
            scale=self.scale.astype(np.float32),
            shift=self.shift.astype(np.float32),
        )
        card = dict(self.card)
        card.update(task=self.task, labels=self.labels, multilabel=self.multilabel, sha256=sha256_of(path))
        (folder / f"{self.task}.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
        return path

    @classmethod
    def load(cls, folder: Path, task: str) -> LinearModel:
        card = json.loads((folder / f"{task}.json").read_text(encoding="utf-8"))
        with np.load(folder / f"{task}.npz", allow_pickle=False) as z:
            arrays = {k: z[k] for k in ("cols", "weights", "bias", "scale", "shift")}
        return cls(task=task, labels=card["labels"], multilabel=card["multilabel"], card=card, **arrays)
