"""Training of the default models from ``shared/data`` (deterministic: fixed seeds, fixed folds).

Each single-label task is a blend of a linear classifier (multinomial logistic regression or a linear SVM)
and Complement Naive Bayes over the shared tf-idf features (all linear, so the blend is one weight matrix;
either part may be absent), or NB-LR (one-vs-rest logistic
regression over NB log-count-ratio scaled features, folded back into one weight matrix), calibrated by a
temperature fitted on 5-fold out-of-fold logits. ``abuse`` is one logistic regression (or NB-LR) per label,
Platt-calibrated on out-of-fold logits, with a per-label threshold that maximises out-of-fold F1.
Hyper-parameters in ``CONFIGS`` were chosen by 5-fold cross-validation on train, never on valid.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.naive_bayes import ComplementNB
from sklearn.svm import LinearSVC

from humas.nlp import data
from humas.nlp.features import LEX_SCALE, LEX_START, N_HASHED
from humas.nlp.lexicon import LEX_FEATURES
from humas.nlp.model import ARTIFACTS, Featurizer, LinearModel, sha256_of
from humas.nlp.normalize import normalize

SEED = 42
FOLDS = 5
LICENSES = {
    "sentiment": "CC BY-SA 4.0 (SmSA, IndoNLU; NusaX-Senti train)",
    "emotion": "CC BY-NC-SA 4.0 (EmoT, Saputri et al. 2018)",
    "abuse": "CC BY-NC-SA 4.0 (Ibrohim & Budi 2019)",
    "hoax": "CC BY 4.0 (Rahutomo, Pratiwi et al., Mendeley Data)",
    "topic": "CC BY-SA 4.0 (SIB-200 / FLORES-200)",
    "type": "CC BY-SA 4.0 (labelled by humas from SmSA / IndoNLU, SIB-200 and id_hoax_news texts; humas' own "
    "messages to government accounts: CC0 1.0)",
}


@dataclass(frozen=True)
class Config:
    c: float  # inverse L2 strength of the logistic regression
    alpha: float = 0.01  # Complement NB smoothing
    beta: float = 0.0  # weight of the (class-centred) Complement NB log-likelihood in the blend
    min_df: int = 1  # features seen in fewer training texts are dropped
    balanced: bool = False  # class_weight="balanced" in the logistic regression
    nb: bool = False  # NB-LR: one-vs-rest LR over features scaled by their NB log-count ratio
    nb_labels: tuple[str, ...] = ()  # abuse: the labels trained as NB-LR (the others: plain LR)
    linear: str = "lr"  # the discriminative part: "lr", "svm" (squared-hinge LinearSVC) or "none" (CNB alone)
    cues: bool = False  # also use the cue columns (negated unigrams, lexicon counts; see lexicon.py)
    lex_scale: float = LEX_SCALE  # value of a lexicon count in training (folded back into the weights)
    extra_neutral: bool = False  # sentiment: add data.neutral_sentences() to train as "neutral"
    public_voice: bool = False  # sentiment: add humas' public-voice set (publicvoice.py) to train
    # (lexicon feature, label, weight) added to the learnt weights: a prior for a class the training texts
    # barely hold (type: 14 real questions), stated here instead of learnt.
    priors: tuple[tuple[str, str, float], ...] = ()


# 5-fold CV macro-F1 on train of the chosen settings (valid in brackets, for reference only):
# sentiment LinearSVC C=0.5 balanced: 87.4 (87.6; C=0.3 87.1, C=1 87.2, unbalanced 87.3; LR C=30 balanced
#   86.8 (86.5), with 1.0 CNB 84.7; LR + SVM + NB-LR logit average 87.5 (87.1): not worth three fits)
# emotion NB-LR C=100 balanced: 71.1 (70.4; C=10 70.7, C=30 71.0, C=300 71.2 — a plateau, the stronger
#   regularisation kept; LR C=10 69.5 (66.1), with CNB 69.0)
# abuse: NB-LR for Abusive 91.1 (91.1; LR 89.4 (89.7)); HS NB-LR 84.95 = LR 84.98, LR kept.
# sentiment NB-LR balanced 86.2 (84.3), hoax NB-LR 70.3 (82.4), topic NB-LR 61.6: not kept.
# hoax LR C=10 balanced: 72.1 (79.1) · topic Complement NB alone, alpha 0.05: 73.2 (77.7; 3 × 5-fold; alpha
#   0.1 73.1, 0.2 71.9; LR C=10 + 3.0 CNB alpha 0.01, kept before: 71.7 (78.8); LR alone 58.2; SVM 67.5).
# See docs/decisions/0003-nlp-linear-models.md. Sentiment since 0070: cue columns, neutral statements; since
# 0100: humas' public-voice set (publicvoice.py) and the complaint / praise-over-complaint cue columns.
# type (decision 0106), grouped CV on humas' public train part, the rule pool joined (msgtype.cv_data):
#   linear SVM C=1 balanced, lexicon x0.25, no prior, pool at most 150 per label: 88.6 (87.8 with the lexicon
#   before 0105's words, where the others were tried: C=0.5 87.4, C=2 88.0, C=4 88.2: a plateau, the stronger
#   regularisation kept; lexicon x0.5 87.1, x1 86.4; no cue columns 85.8; the question prior of 0070 86.0; the
#   public part alone 89.3, the pool kept for voices humas did not write). Pool size, tried on another draw
#   of it at C=0.5, x0.5: 1,500 per label 80.5, 300 85.7, 150 87.0.
CONFIGS = {
    "sentiment": Config(
        c=0.5, balanced=True, linear="svm", cues=True, lex_scale=2.0, extra_neutral=True, public_voice=True
    ),
    "emotion": Config(c=100.0, balanced=True, nb=True),
    "abuse": Config(c=10.0, min_df=2, nb_labels=("Abusive",)),
    "hoax": Config(c=10.0, balanced=True),
    "topic": Config(c=0.0, alpha=0.05, beta=1.0, linear="none"),
    "type": Config(c=1.0, balanced=True, linear="svm", cues=True, lex_scale=0.25),
}

Progress = Callable[[str], None]


def artifact_dir(task: str, root: Path = ARTIFACTS) -> Path:
    return root / "nc" if task in data.NC_TASKS else root


def build_slang(root: Path = ARTIFACTS) -> Path:
    """Merge the CC BY-NC-SA slang lexicons into ``artifacts/nc/slang.tsv`` (kamusalay wins on conflicts)."""
    src = data.data_dir() / "id_norm_lexicons"
    pairs: dict[str, str] = {}
    for line in (src / "saputri_kamus_singkatan.csv").read_text(encoding="utf-8").splitlines():
        if ";" in line:
            k, v = line.split(";", 1)
            pairs.setdefault(k.strip(), v.strip())
    for line in (src / "ibrohim_new_kamusalay.csv").read_text(encoding="utf-8").splitlines():
        if "," in line:
            k, v = line.split(",", 1)
            pairs[k.strip()] = v.strip()
    out = root / "nc" / "slang.tsv"
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{k}\t{v}" for k, v in sorted(pairs.items()) if k and v and "\t" not in k + v]
    header = (
        "# Merged from shared/data/id_norm_lexicons, CC BY-NC-SA 4.0: new_kamusalay.csv\n"
        "# (Ibrohim & Budi 2019) and kamus_singkatan.csv (Saputri et al. 2018). Built by `humas nlp train`.\n"
    )
    out.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    return out


def build_featurizer(root: Path = ARTIFACTS) -> Featurizer:
    """idf over the openly licensed training texts (sentiment, hoax, topic) only: it carries no NC terms."""
    texts: list[str] = []
    for task in ("sentiment", "hoax", "topic"):
        texts += data.load(task, "train").texts
    feat = Featurizer.fit([normalize(t) for t in texts])
    root.mkdir(parents=True, exist_ok=True)
    feat.save(root / "featurizer.npz")
    return feat


def _nb_lr_fit(x: sp.csr_matrix, y: np.ndarray, n: int, cfg: Config) -> tuple[np.ndarray, np.ndarray]:
    """NB-LR (Wang & Manning 2012): per class, LR on ``x * r`` with ``r`` the log-count ratio of binarised
    features (smoothing 1), one-vs-rest; the scaling folds into the weights: the model stays linear in x."""
    xb = x.copy()
    xb.data[:] = 1.0
    ws, bs = [], []
    for k in range(n if n > 2 else 1):
        pos = y == (k if n > 2 else 1)
        p = 1.0 + np.asarray(xb[pos].sum(axis=0), dtype=np.float64).ravel()
        q = 1.0 + np.asarray(xb[~pos].sum(axis=0), dtype=np.float64).ravel()
        r = np.log(p / p.sum()) - np.log(q / q.sum())
        lr = LogisticRegression(C=cfg.c, max_iter=2000, class_weight="balanced" if cfg.balanced else None)
        lr.fit(x @ sp.diags(r), pos.astype(int))
        ws.append(lr.coef_[0] * r)
        bs.append(lr.intercept_[0])
    w, b = np.stack(ws, axis=1), np.array(bs)
    if n == 2:
        w, b = np.hstack([-w / 2, w / 2]), np.array([-b[0] / 2, b[0] / 2])
    return w, b


def _blend_fit(x: sp.csr_matrix, y: np.ndarray, n: int, cfg: Config) -> tuple[np.ndarray, np.ndarray]:
    """(weights (features, classes), bias) of the LR + beta * centred CNB blend (or NB-LR, ``cfg.nb``)."""
    if cfg.nb:
        return _nb_lr_fit(x, y, n, cfg)
    weight = "balanced" if cfg.balanced else None
    if cfg.linear == "none":
        w, b = np.zeros((x.shape[1], n)), np.zeros(n)
    else:
        if cfg.linear == "svm":
            clf = LinearSVC(C=cfg.c, class_weight=weight, random_state=SEED)
        else:
            clf = LogisticRegression(C=cfg.c, max_iter=2000, class_weight=weight)
        clf.fit(x, y)
        w, b = clf.coef_.T.astype(np.float64), clf.intercept_.astype(np.float64)
    if n == 2 and w.shape[1] == 1:  # binary models return one column: class 1 against class 0
        w, b = np.hstack([-w / 2, w / 2]), np.array([-b[0] / 2, b[0] / 2])
    if cfg.beta:
        nb = ComplementNB(alpha=cfg.alpha).fit(x, y)
        flp = nb.feature_log_prob_.T
        w = w + cfg.beta * (flp - flp.mean(axis=1, keepdims=True))
    return w, b


def _fit_temperature(z: np.ndarray, y: np.ndarray) -> float:
    def nll(log_s: float) -> float:
        s = z * np.exp(log_s)
        s = s - s.max(axis=1, keepdims=True)
        logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(y)), y].mean())

    return float(np.exp(minimize_scalar(nll, bounds=(-6, 4), method="bounded").x))


def _kept(x: sp.csr_matrix, cfg: Config) -> np.ndarray:
    df = np.bincount(x.indices, minlength=x.shape[1])
    cols = np.flatnonzero(df >= cfg.min_df).astype(np.int32)
    return cols if cfg.cues else cols[cols < N_HASHED]


def add_priors(w: np.ndarray, cols: np.ndarray, cfg: Config, labels: list[str]) -> np.ndarray:
    """``w`` (kept columns x labels, for unscaled features) with ``cfg.priors`` added, in place."""
    for feature, label, weight in cfg.priors:
        col = LEX_START + LEX_FEATURES.index(feature)
        at = np.flatnonzero(cols == col)
        if len(at) and label in labels:
            w[at[0], labels.index(label)] += weight
    return w


def _column_scale(cols: np.ndarray, cfg: Config) -> np.ndarray:
    """Multipliers of the kept columns in training: the lexicon counts are rescaled to ``cfg.lex_scale``."""
    return np.where(cols >= LEX_START, cfg.lex_scale / LEX_SCALE, 1.0).astype(np.float32)


def _scaled(x: sp.csr_matrix, cols: np.ndarray, scale: np.ndarray) -> sp.csr_matrix:
    # NOTE: float32 kept, and no product when every multiplier is 1: models trained before the cue columns
    # existed are reproduced byte for byte.
    xk = x[:, cols].tocsr()
    return xk if np.all(scale == 1) else (xk @ sp.diags(scale)).tocsr()


def train_single(task: str, x: sp.csr_matrix, labels_raw: list[str], cfg: Config, progress: Progress):
    labels = sorted(set(labels_raw))
    y = np.array([labels.index(v) for v in labels_raw])
    cols = _kept(x, cfg)
    scale_cols = _column_scale(cols, cfg)
    xk = _scaled(x, cols, scale_cols)
    oof = np.zeros((len(y), len(labels)))
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(xk, y)
    for i, (tr, te) in enumerate(folds):
        progress(f"{task}: fold {i + 1}/{FOLDS}")
        w, b = _blend_fit(xk[tr], y[tr], len(labels), cfg)
        w = add_priors(w * scale_cols[:, None], cols, cfg, labels)
        oof[te] = xk[te] @ (w / scale_cols[:, None]) + b
    scale = _fit_temperature(oof, y)
    progress(f"{task}: final fit")
    w, b = _blend_fit(xk, y, len(labels), cfg)
    w = add_priors(w * scale_cols[:, None], cols, cfg, labels)  # the model takes unscaled features
    cv_f1 = 100 * f1_score(y, oof.argmax(1), average="macro")
    k = len(labels)
    model = LinearModel(
        task,
        labels,
        False,
        cols,
        w.astype(np.float32),
        b.astype(np.float32),
        np.full(k, scale, np.float32),
        np.zeros(k, np.float32),
    )
    return model, {"cv_macro_f1": round(cv_f1, 2), "temperature": round(1 / scale, 4)}


def _binary_fit(x: sp.csr_matrix, y: np.ndarray, cfg: Config) -> tuple[np.ndarray, float]:
    """(weights, bias) of one label's LR or NB-LR (``cfg.nb``): logits of the label against its absence."""
    if cfg.nb:
        w, b = _nb_lr_fit(x, y, 2, cfg)
        return w[:, 1] - w[:, 0], float(b[1] - b[0])
    lr = LogisticRegression(C=cfg.c, max_iter=2000).fit(x, y)
    return lr.coef_[0], float(lr.intercept_[0])


def train_multilabel(task: str, x: sp.csr_matrix, y: np.ndarray, cfg: Config, progress: Progress):
    cols = _kept(x, cfg)
    xk = x[:, cols].tocsr()
    n_labels = y.shape[1]
    ws, bs, scales, shifts, cv = [], [], [], [], {}
    for j in range(n_labels):
        progress(f"{task}: {data.ABUSE_LABELS[j]}")
        label_cfg = replace(cfg, nb=data.ABUSE_LABELS[j] in cfg.nb_labels)
        oof = np.zeros(len(y))
        for tr, te in KFold(FOLDS, shuffle=True, random_state=SEED).split(xk):
            w, b = _binary_fit(xk[tr], y[tr, j], label_cfg)
            oof[te] = xk[te] @ w + b
        platt = LogisticRegression(C=1e4).fit(oof[:, None], y[:, j])
        a, c = float(platt.coef_[0, 0]), float(platt.intercept_[0])
        p = 1 / (1 + np.exp(-(a * oof + c)))
        grid = np.arange(0.2, 0.71, 0.02)
        f1s = [f1_score(y[:, j], p >= t) for t in grid]
        t_best = float(grid[int(np.argmax(f1s))])
        shift = c
        cv[data.ABUSE_LABELS[j]] = {"cv_f1": round(100 * max(f1s), 2), "threshold": round(t_best, 2)}
        w, b = _binary_fit(xk, y[:, j], label_cfg)
        ws.append(w)
        bs.append(b)
        scales.append(a)
        shifts.append(shift)
    model = LinearModel(
        task,
        list(data.ABUSE_LABELS),
        True,
        cols,
        np.stack(ws, axis=1).astype(np.float32),
        np.array(bs, np.float32),
        np.array(scales, np.float32),
        np.array(shifts, np.float32),
    )
    model.card = {"thresholds": {k: v["threshold"] for k, v in cv.items()}}
    return model, {"labels": cv}


def training_data(task: str, cfg: Config) -> tuple[list[str], list[str] | np.ndarray, str]:
    """Texts and labels a task trains on, and a line for its card."""
    split = data.load(task, "train")
    texts, y = list(split.texts), split.y
    note = f"shared/data ({task}, train split, {len(texts)} texts)"
    if task == "type":
        from humas.nlp.msgtype import training_note

        note = training_note(texts)
    if cfg.extra_neutral:
        extra = data.neutral_sentences()
        texts += extra
        y = list(y) + ["neutral"] * len(extra)
        note += f" + {len(extra)} neutral news/encyclopedic sentences (SIB-200, id_hoax_news valid)"
    if cfg.public_voice:
        voice, voice_y = data.public_voice()
        texts += voice
        y = list(y) + voice_y
        note += f" + {len(voice)} sentences of the public's voice towards government offices (humas, CC0)"
    return texts, y, note


def fit_task(
    task: str, texts: list[str], y, feat: Featurizer, cfg: Config, progress: Progress = lambda _: None
) -> tuple[LinearModel, dict]:
    """Fit one task's model on ``texts`` (not saved); returns it with its out-of-fold figures."""
    progress(f"{task}: features")
    x = feat.transform_normalized([normalize(t) for t in texts])
    if task == "abuse":
        return train_multilabel(task, x, np.asarray(y), cfg, progress)
    return train_single(task, x, list(y), cfg, progress)


def load_featurizer(root: Path = ARTIFACTS) -> Featurizer:
    feat_path = root / "featurizer.npz"
    return Featurizer.load(feat_path) if feat_path.exists() else build_featurizer(root)


def train_task(task: str, *, root: Path = ARTIFACTS, progress: Progress = lambda _: None) -> LinearModel:
    """Train one task from train, write ``<task>.npz`` and its card; returns the model."""
    feat = load_featurizer(root)
    cfg = CONFIGS[task]
    texts, y, note = training_data(task, cfg)
    model, extra = fit_task(task, texts, y, feat, cfg, progress)
    model.card = {
        **model.card,
        "training_data": note,
        "license": LICENSES[task],
        "command": f"humas nlp train --task {task}",
        "trained_on": dt.date.today().isoformat(),
        "seed": SEED,
        "config": cfg.__dict__,
        "featurizer_sha256": sha256_of(root / "featurizer.npz"),
        "cross_validation": extra,
    }
    folder = artifact_dir(task, root)
    model.save(folder)
    return model


def record_cv(task: str, figures: dict, root: Path = ARTIFACTS) -> None:
    """Write grouped repeated CV figures (``humas nlp cv --record``) into the card's cross_validation."""
    path = artifact_dir(task, root) / f"{task}.json"
    card = json.loads(path.read_text(encoding="utf-8"))
    card.setdefault("cross_validation", {})["grouped_train_valid"] = figures
    path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def record_metrics(task: str, metrics: dict, root: Path = ARTIFACTS) -> None:
    """Write validation metrics into the model card (the sha256 is of the arrays file, unchanged)."""
    path = artifact_dir(task, root) / f"{task}.json"
    card = json.loads(path.read_text(encoding="utf-8"))
    card["valid_metrics"] = metrics
    path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
