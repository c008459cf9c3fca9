"""Retraining gives the committed model, byte for byte (a small task, to stay fast)."""

import json
import shutil

from humas.nlp import train
from humas.nlp.model import ARTIFACTS, sha256_of


def test_retrain_hoax_reproduces_committed(tmp_path):
    shutil.copy(ARTIFACTS / "featurizer.npz", tmp_path / "featurizer.npz")
    train.train_task("hoax", root=tmp_path)
    assert sha256_of(tmp_path / "hoax.npz") == sha256_of(ARTIFACTS / "hoax.npz")
    card = json.loads((ARTIFACTS / "hoax.json").read_text())
    assert card["sha256"] == sha256_of(ARTIFACTS / "hoax.npz")
    assert card["seed"] == train.SEED and "valid_metrics" in card
