"""Retraining gives the committed model (a small task, to stay fast).

Byte for byte on the machine that trained it; across machines the BLAS kernels (their instruction set and
thread count) may round the last bits of a weight differently, so the check is the model itself: the same
features, weights equal to float32 rounding, and the same prediction for every validation text."""

import json
import shutil

import numpy as np

from humas.nlp import data, train
from humas.nlp.api import Predictor
from humas.nlp.model import ARTIFACTS, LinearModel, sha256_of


def test_retrain_hoax_reproduces_committed(tmp_path):
    shutil.copy(ARTIFACTS / "featurizer.npz", tmp_path / "featurizer.npz")
    train.train_task("hoax", root=tmp_path)
    retrained = LinearModel.load(tmp_path, "hoax")
    committed = LinearModel.load(ARTIFACTS, "hoax")
    assert np.array_equal(retrained.cols, committed.cols)
    for name in ("weights", "bias", "scale", "shift"):
        assert np.allclose(getattr(retrained, name), getattr(committed, name), rtol=1e-3, atol=1e-5), name

    featurizer = train.load_featurizer(ARTIFACTS)
    texts = data.load("hoax", "valid").texts
    new = Predictor("hoax", retrained, featurizer).predict_proba(texts)
    old = Predictor("hoax", committed, featurizer).predict_proba(texts)
    assert np.array_equal(new.argmax(axis=1), old.argmax(axis=1))
    assert np.abs(new - old).max() < 1e-3

    card = json.loads((ARTIFACTS / "hoax.json").read_text())
    assert card["sha256"] == sha256_of(ARTIFACTS / "hoax.npz")
    assert card["seed"] == train.SEED and "valid_metrics" in card
