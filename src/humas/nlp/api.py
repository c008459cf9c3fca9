"""Model access and the one-pass batch entry point ``analyze``."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import cast

import numpy as np
import scipy.sparse as sp

from humas.nlp import store, transformer
from humas.nlp.data import ABUSE_LABELS, NC_TASKS, TASKS
from humas.nlp.features import N_FEATURES, Spans
from humas.nlp.keyphrases import keyphrases_normalized
from humas.nlp.language import detect_languages
from humas.nlp.minhash import signatures
from humas.nlp.model import ARTIFACTS, Featurizer, LinearModel
from humas.nlp.normalize import nc_excluded, normalize

__all__ = [
    "Analysis",
    "ModelExcluded",
    "Predictor",
    "analyze",
    "get_model",
    "labels",
    "load_all",
    "model_card",
    "model_cards",
    "reset_cache",
]

_lock = threading.Lock()


class ModelExcluded(LookupError):
    """The task's model is trained on non-commercial data and ``HUMAS_NLP_EXCLUDE_NC`` is set."""


@dataclass(frozen=True, slots=True)
class Analysis:
    normalized: str
    language: str
    sentiment: str
    sentiment_score: float
    emotion: str | None
    emotion_score: float | None
    abuse: list[str]
    abuse_scores: dict[str, float]
    hoax_score: float
    topic: str
    topic_score: float
    keyphrases: list[str]
    minhash: tuple[int, ...]
    # What a message asks of the unit (task "type"): pertanyaan, keluhan, apresiasi, saran, spam, lainnya.
    message_type: str = ""
    message_type_score: float = 0.0


class Predictor:
    """One task's model: ``labels``, ``multilabel``, ``thresholds`` and ``predict_proba(texts)``."""

    def __init__(
        self, task: str, backend: LinearModel | transformer.OnnxModel, featurizer: Featurizer
    ) -> None:
        self.task = task
        self.backend = backend
        self.featurizer = featurizer
        self.labels: list[str] = list(backend.labels)
        self.multilabel: bool = backend.multilabel
        if isinstance(backend, LinearModel):
            thresholds = backend.card.get("thresholds", {})
        else:
            thresholds = backend.thresholds
        self.thresholds = {label: float(thresholds.get(label, 0.5)) for label in self.labels}

    @property
    def kind(self) -> str:
        return "linear" if isinstance(self.backend, LinearModel) else "onnx"

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, ``(len(texts), len(labels))``, for raw texts."""
        normalized = [normalize(t) for t in texts]
        return self.proba_normalized(normalized)

    def proba_normalized(self, normalized: Sequence[str], x: sp.csr_matrix | None = None) -> np.ndarray:
        if isinstance(self.backend, transformer.OnnxModel):
            return self.backend.predict_proba(normalized)
        if x is None:
            x = self.featurizer.transform_normalized(normalized)
        return self.backend.proba_from_features(x)

    def decide(self, proba: np.ndarray) -> list[list[str]] | list[str]:
        """Multi-label: the labels at or over their threshold; otherwise the arg-max label."""
        if self.multilabel:
            cut = np.array([self.thresholds[label] for label in self.labels])
            return [[self.labels[j] for j in np.flatnonzero(row >= cut)] for row in proba]
        return [self.labels[j] for j in proba.argmax(axis=1)]


@lru_cache(maxsize=4)
def _featurizer(root: Path) -> Featurizer:
    return Featurizer.load(root / "featurizer.npz")


@lru_cache(maxsize=16)
def _load(
    task: str, root: Path, exclude_nc: bool, model_dir: str | None, local: tuple[str, str] | None = None
) -> Predictor:
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    if task in NC_TASKS and exclude_nc:
        raise ModelExcluded(f"the {task} model is excluded (HUMAS_NLP_EXCLUDE_NC is set)")
    feat = _featurizer(root)
    if transformer.available(task):
        return Predictor(task, transformer.OnnxModel(Path(model_dir or "") / task, task), feat)
    folder = root / "nc" if task in NC_TASKS else root
    if local is not None:  # a retrained model switched in (see store.py)
        folder = store.version_folder(task, local[1], Path(local[0]))
    model = LinearModel.load(folder, task)
    return Predictor(task, model, feat)


def _local(task: str) -> tuple[str, str] | None:
    root = store.local_dir()
    version = store.current_version(task, root)
    return None if version is None else (str(root), version)


def get_model(task: str, *, root: Path | None = None) -> Predictor:
    """The model for ``task`` (cached): the ONNX one under ``HUMAS_NLP_MODEL_DIR`` if present, else the
    version switched in from the local store (``HUMAS_NLP_LOCAL_DIR``), else the packaged linear model."""
    folder = transformer.model_dir()
    local = _local(task) if root is None else None
    with _lock:
        return _load(task, root or ARTIFACTS, nc_excluded(), str(folder) if folder else None, local)


def model_card(task: str) -> dict:
    """The card of the model ``get_model(task)`` uses (training data, license, date, config, scores), with
    ``source`` ("packaged", "local" or "onnx") and ``version``; for an admin page or an audit."""
    model = get_model(task)
    if not isinstance(model.backend, LinearModel):
        return {"task": task, "labels": model.labels, "source": "onnx", "version": None}
    local = _local(task)
    card = dict(model.backend.card)
    card.update(source="local" if local else "packaged", version=local[1] if local else None)
    return card


def model_cards() -> dict[str, dict]:
    """``model_card`` of every available task (NC ones left out when excluded)."""
    return {task: model_card(task) for task in _models(set(TASKS))}


def labels(task: str) -> tuple[str, ...]:
    """Every label ``task``'s model can output, as stored on mentions (read from its model card; the linear
    model itself is not loaded). Filters and pages take their choices from here."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    if transformer.available(task) or _local(task) is not None:
        try:
            return tuple(get_model(task).labels)
        except ModelExcluded:
            pass
    return _card_labels(ARTIFACTS / "nc" if task in NC_TASKS else ARTIFACTS, task)


@lru_cache(maxsize=16)
def _card_labels(folder: Path, task: str) -> tuple[str, ...]:
    card = json.loads((folder / f"{task}.json").read_text(encoding="utf-8"))
    return tuple(str(label) for label in card["labels"])


def load_all() -> dict[str, Predictor]:
    """Every available model (NC ones left out when excluded)."""
    return _models(set(TASKS))


def _models(wanted: set[str]) -> dict[str, Predictor]:
    out = {}
    for task in TASKS:
        if task not in wanted:
            continue
        try:
            out[task] = get_model(task)
        except ModelExcluded:
            continue
    return out


def analyze(texts: Sequence[str], *, tasks: set[str] | None = None) -> list[Analysis]:
    """Normalize, identify the language, classify with every model, extract keyphrases and sign, in one pass.

    ``tasks`` limits the classifiers run; the others get empty values (label ``""``, score 0).
    """
    texts = list(texts)
    if not texts:
        return []
    wanted = set(TASKS) if tasks is None else set(tasks)
    normalized = [normalize(t) for t in texts]
    languages = detect_languages(texts)
    spans = Spans(normalized)
    models = _models(wanted)
    x = None
    if any(m.kind == "linear" for m in models.values()):
        feat = next(m.featurizer for m in models.values())
        x = feat.transform_normalized(normalized)
    probs = _probabilities(models, normalized, x)
    sigs = signatures(normalized, spans)
    return [_one(i, normalized[i], languages[i], probs, models, sigs[i]) for i in range(len(texts))]


@lru_cache(maxsize=4)
def _stacked(linear: tuple[Predictor, ...]) -> tuple[np.ndarray, list[int]]:
    # NOTE: one (features x all labels) matrix: a single sparse x dense product touches each feature's
    # weights once for every task instead of once per task (cache misses dominate that product).
    # Scattered straight from each model's sparse weights: no per-model dense copy is made for analyze(),
    # which halves the memory of the loaded models.
    backends = [m.backend for m in linear if isinstance(m.backend, LinearModel)]
    offsets = np.cumsum([0] + [len(b.labels) for b in backends]).tolist()
    stacked = np.zeros((N_FEATURES, offsets[-1]), dtype=np.float32)
    for i, b in enumerate(backends):
        stacked[b.cols, offsets[i] : offsets[i + 1]] = b.weights
    return stacked, offsets


def _probabilities(models: dict[str, Predictor], normalized: list[str], x) -> dict[str, np.ndarray]:
    linear = tuple(m for m in models.values() if m.kind == "linear")
    out = {t: m.proba_normalized(normalized) for t, m in models.items() if m.kind != "linear"}
    if linear:
        stacked, offsets = _stacked(linear)
        z = np.asarray(x @ stacked)
        for i, m in enumerate(linear):
            backend = cast(LinearModel, m.backend)  # kind "linear" is a LinearModel backend
            out[m.task] = backend.proba_from_logits(z[:, offsets[i] : offsets[i + 1]] + backend.bias)
    return out


def _top(task: str, probs: dict[str, np.ndarray], models: dict[str, Predictor], i: int) -> tuple[str, float]:
    if task not in probs:
        return "", 0.0
    row = probs[task][i]
    j = int(row.argmax())
    return models[task].labels[j], float(row[j])


def _one(i: int, norm: str, lang: str, probs, models, sig: np.ndarray) -> Analysis:
    sentiment, s_score = _top("sentiment", probs, models, i)
    topic, t_score = _top("topic", probs, models, i)
    emotion: str | None = None
    e_score: float | None = None
    if "emotion" in probs:
        emotion, e_score = _top("emotion", probs, models, i)
    abuse: list[str] = []
    abuse_scores: dict[str, float] = {}
    if "abuse" in probs:
        m = models["abuse"]
        row = probs["abuse"][i]
        abuse_scores = {label: float(v) for label, v in zip(m.labels, row, strict=True)}
        abuse = [
            label for label in ABUSE_LABELS if abuse_scores.get(label, 0.0) >= m.thresholds.get(label, 0.5)
        ]
    hoax = 0.0
    if "hoax" in probs:
        hoax = float(probs["hoax"][i][models["hoax"].labels.index("hoax")])
    message_type, m_score = _top("type", probs, models, i)
    return Analysis(
        normalized=norm,
        language=lang,
        sentiment=sentiment,
        sentiment_score=s_score,
        emotion=emotion,
        emotion_score=e_score,
        abuse=abuse,
        abuse_scores=abuse_scores,
        hoax_score=hoax,
        topic=topic,
        topic_score=t_score,
        keyphrases=keyphrases_normalized(norm),
        minhash=tuple(int(v) for v in sig),
        message_type=message_type,
        message_type_score=m_score,
    )


def reset_cache() -> None:
    """Forget loaded models (after training, or when the environment changed)."""
    from humas.nlp.normalize import slang_map

    _load.cache_clear()
    _featurizer.cache_clear()
    _stacked.cache_clear()
    slang_map.cache_clear()
