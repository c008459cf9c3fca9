"""Repeated, grouped, stratified cross-validation: how model choices are made and compared.

Near-duplicate texts (NusaX re-samples SmSA; hoax articles copy each other) are kept in one fold, so a
score never rewards remembering a sentence. Figures are macro-F1 in percent, mean and standard deviation over
every fold of every repeat.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold

# fit(x, y, n_classes) -> (weights (features, classes), bias): every model here is linear.
Fit = Callable[[sp.csr_matrix, np.ndarray, int], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class CvResult:
    mean: float
    std: float
    folds: tuple[float, ...]

    def __str__(self) -> str:
        return f"{self.mean:.1f} ± {self.std:.1f}"

    def as_dict(self) -> dict:
        return {"mean": round(self.mean, 2), "std": round(self.std, 2), "folds": len(self.folds)}


def near_duplicate_groups(normalized: Sequence[str], threshold: float = 0.7) -> np.ndarray:
    """A group id per text: texts whose MinHash Jaccard estimate reaches ``threshold`` share one."""
    from humas.nlp.minhash import minhash_lsh, signatures, to_datasketch

    sigs = signatures(list(normalized))
    parent = list(range(len(sigs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    lsh = minhash_lsh(threshold=threshold)
    for i, sig in enumerate(sigs):
        m = to_datasketch(sig)
        for j in lsh.query(m):
            parent[find(i)] = find(int(j))
        lsh.insert(str(i), m)
    # A group is named by its first text: the root union-find reaches follows the order LSH answers in, which
    # follows Python's string hashing, and the folds follow the names (same folds in every process).
    roots = [find(i) for i in range(len(sigs))]
    first: dict[int, int] = {}
    return np.array([first.setdefault(r, i) for i, r in enumerate(roots)], dtype=np.int64)


def repeated_cv(
    x: sp.csr_matrix,
    y: np.ndarray,
    fit: Fit,
    *,
    groups: np.ndarray | None = None,
    seeds: Sequence[int] = (0, 1),
    folds: int = 5,
    extra: tuple[sp.csr_matrix, np.ndarray] | None = None,
    weights: np.ndarray | None = None,
    positive: int | None = None,
) -> CvResult:
    """Macro-F1 over ``folds`` × ``len(seeds)`` grouped stratified folds of ``(x, y)``.

    ``extra`` rows join every training fold and are never scored; ``weights`` (one per row) weight the
    scored rows' F1 (e.g. to score only corrected texts, give the others 0); ``positive``: score the F1 of
    that class alone (a binary label) instead of the macro average.
    """
    n_classes = int(max(y.max(), extra[1].max() if extra else 0)) + 1
    groups = np.arange(len(y)) if groups is None else groups
    scores: list[float] = []
    for seed in seeds:
        splitter = StratifiedGroupKFold(folds, shuffle=True, random_state=seed)
        for tr, te in splitter.split(x, y, groups):
            xt, yt = x[tr], y[tr]
            if extra is not None:
                xt, yt = sp.vstack([xt, extra[0]]).tocsr(), np.concatenate([yt, extra[1]])
            w, b = fit(xt, yt, n_classes)
            pred = np.asarray(x[te] @ w + b).argmax(axis=1)
            sw = None if weights is None else weights[te]
            if sw is not None and sw.sum() == 0:
                continue
            if positive is not None:
                f1 = f1_score(y[te], pred, pos_label=positive, average="binary", sample_weight=sw)
            else:
                labels = np.arange(n_classes)
                f1 = f1_score(y[te], pred, labels=labels, average="macro", sample_weight=sw, zero_division=0)
            scores.append(100 * float(f1))
    arr = np.array(scores)
    return CvResult(float(arr.mean()), float(arr.std()), tuple(round(float(s), 2) for s in arr))


def task_data(task: str) -> tuple[list[str], list[str]]:
    """Train and validation together (sentiment: SmSA + NusaX-Senti train and valid)."""
    import csv

    from humas.nlp import data

    train, valid = data.load(task, "train"), data.load(task, "valid")
    texts, y = list(train.texts) + list(valid.texts), list(train.y) + list(valid.y)
    if task == "sentiment":  # data.load's valid is SmSA's alone
        with (data.data_dir() / "nusax_senti_ind" / "valid.csv").open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))[1:]
        texts += [r[1] for r in rows]
        y += [r[2] for r in rows]
    return texts, y


def cv_task(task: str, cfg, *, seeds: Sequence[int] = (0, 1), folds: int = 5) -> CvResult:
    """Repeated grouped CV of a single-label task's config over train + valid, the way models are chosen
    (``humas nlp cv``). ``cfg.extra_neutral`` and ``cfg.public_voice`` rows join every training fold and are
    never scored; ``type``: folds of its hand-labelled train part, the rule-labelled pool joined
    (``msgtype.cv_data``)."""
    from humas.nlp import data
    from humas.nlp import train as trainer
    from humas.nlp.normalize import normalize

    feat = trainer.load_featurizer()
    joined: list[tuple[str, str]] = []
    if task == "type":  # its valid split is held out: folds of its public train part, the pool joined
        from humas.nlp import msgtype

        scored, joined = msgtype.cv_data()
        texts, labels_raw = [t for t, _ in scored], [lab for _, lab in scored]
    else:
        texts, labels_raw = task_data(task)
    norm = [normalize(t) for t in texts]
    labels = sorted(set(labels_raw) | {lab for _, lab in joined})
    y = np.array([labels.index(v) for v in labels_raw])
    x = feat.transform_normalized(norm)
    extra_texts: list[str] = [t for t, _ in joined]
    extra_y: list[int] = [labels.index(lab) for _, lab in joined]
    if cfg.extra_neutral:
        neutral = data.neutral_sentences()
        extra_texts += neutral
        extra_y += [labels.index("neutral")] * len(neutral)
    if getattr(cfg, "public_voice", False):
        voice, voice_y = data.public_voice()
        extra_texts += voice
        extra_y += [labels.index(v) for v in voice_y]
    extra = None
    if extra_texts:
        extra = (feat.transform_normalized([normalize(t) for t in extra_texts]), np.array(extra_y))

    def fit(xt: sp.csr_matrix, yt: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        cols = trainer._kept(xt, cfg)
        scale = trainer._column_scale(cols, cfg)
        w, b = trainer._blend_fit(trainer._scaled(xt, cols, scale), yt, n, cfg)
        full = np.zeros((xt.shape[1], n))
        full[cols] = trainer.add_priors(w * scale[:, None], cols, cfg, labels)
        return full, b

    groups = near_duplicate_groups(norm)
    return repeated_cv(x, y, fit, groups=groups, seeds=seeds, folds=folds, extra=extra)
