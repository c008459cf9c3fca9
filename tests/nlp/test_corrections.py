"""Retraining with corrections on a small model: a correction changes the prediction for its text and its
near-duplicates, a worse retrain is not switched in, a rollback restores the previous model."""

import json
import random
import shutil

import pytest
from typer.testing import CliRunner

from humas.nlp import api, store
from humas.nlp import train as trainer
from humas.nlp.api import Predictor
from humas.nlp.corrections import Correction, CorrectionError, read_corrections, retrain_with_corrections
from humas.nlp.model import ARTIFACTS, LinearModel

POS = ["bagus", "ramah", "cepat", "mantap", "puas", "membantu"]
NEG = ["buruk", "lambat", "kecewa", "ribet", "jutek", "parah"]
NEU = ["jadwal", "alamat", "formulir", "pengumuman", "loket", "berkas"]
THINGS = ["pelayanan", "petugas", "aplikasi", "kantor", "antrean", "proses"]
# "zonk" (a let-down) is slang the small training set never saw; a unit's analysts correct it.
ZONK = [
    "pelayanan kemarin zonk total",
    "aplikasinya zonk lagi hari ini",
    "pengurusan izin di sini zonk",
    "hasil perbaikan jalan zonk",
    "antrean online zonk terus",
    "janji pencairan zonk",
]


def _texts(rng: random.Random, words: list[str], n: int) -> list[str]:
    return [f"{rng.choice(THINGS)} {rng.choice(words)} {rng.choice(words)} sekali" for _ in range(n)]


@pytest.fixture
def small(tmp_path, fresh_nlp):
    """A tiny sentiment data set and model in tmp_path; the local store in tmp_path/local."""
    rng = random.Random(0)
    data = tmp_path / "data"
    (data / "smsa").mkdir(parents=True)
    (data / "nusax_senti_ind").mkdir()
    for name, n in (("train_preprocess.tsv", 30), ("valid_preprocess.tsv", 10)):
        rows = [
            (t, lab)
            for lab, words in (("positive", POS), ("negative", NEG), ("neutral", NEU))
            for t in _texts(rng, words, n)
        ]
        (data / "smsa" / name).write_text("".join(f"{t}\t{lab}\n" for t, lab in rows), encoding="utf-8")
    (data / "nusax_senti_ind" / "train.csv").write_text("id,text,label\n", encoding="utf-8")
    fresh_nlp.setenv("HUMAS_DATA_DIR", str(data))
    fresh_nlp.setenv("HUMAS_NLP_LOCAL_DIR", str(tmp_path / "local"))
    fresh_nlp.setitem(trainer.CONFIGS, "sentiment", trainer.Config(c=10.0, balanced=True, cues=True))
    root = tmp_path / "artifacts"
    root.mkdir()
    shutil.copy(ARTIFACTS / "featurizer.npz", root / "featurizer.npz")
    trainer.train_task("sentiment", root=root)
    return root


def _predict(root, folder, texts):
    model = LinearModel.load(folder, "sentiment")
    predictor = Predictor("sentiment", model, trainer.load_featurizer(root))
    return predictor.decide(predictor.predict_proba(texts))


def test_correction_changes_text_and_near_duplicates(small, tmp_path):
    target, near = ZONK[0], ZONK[0] + " !!"
    assert _predict(small, small, [target, near]) != ["negative", "negative"]
    rows = [Correction(t, "sentiment", "negative", "kppn-jakarta") for t in ZONK]
    decision = retrain_with_corrections("sentiment", rows, root=small)
    assert decision.switched, decision
    assert decision.candidate["cv_accuracy"] > decision.current["cv_accuracy"]
    local = tmp_path / "local"
    assert store.current_version("sentiment", local) == decision.version == "v0001"
    folder = store.version_folder("sentiment", "v0001", local)
    assert _predict(small, folder, [target, near]) == ["negative", "negative"]
    card = json.loads((folder / "sentiment.json").read_text())
    assert card["previous"] == store.PACKAGED and "kppn-jakarta" in card["training_data"]
    assert api.model_card("sentiment")["source"] == "local"  # what get_model() now serves
    assert store.rollback("sentiment", local) == store.PACKAGED
    assert store.current_version("sentiment", local) is None
    assert api.model_card("sentiment")["source"] == "packaged"
    with pytest.raises(store.StoreError, match="nothing to roll back"):
        store.rollback("sentiment", local)


def test_worse_retrain_is_not_switched(small, tmp_path):
    # Poisoned corrections: plainly positive texts marked negative. They agree with each other, so they
    # win the cross-validation on themselves, but the model they make fails the validation split.
    rng = random.Random(5)
    rows = [Correction(t, "sentiment", "negative") for t in _texts(rng, POS, 40)]
    decision = retrain_with_corrections("sentiment", rows, root=small)
    assert not decision.switched
    assert "validation" in decision.reason
    assert decision.candidate["valid_macro_f1"] < decision.current["valid_macro_f1"] - 1
    assert store.current_version("sentiment", tmp_path / "local") is None
    assert not (tmp_path / "local" / "sentiment" / "v0001").exists()


def test_one_text_is_not_enough(small):
    decision = retrain_with_corrections(
        "sentiment", [Correction(ZONK[0], "sentiment", "negative")], root=small
    )
    assert not decision.switched and "at least two" in decision.reason


def test_read_corrections_names_line_and_field(tmp_path):
    labels = {"sentiment": ["negative", "neutral", "positive"]}
    path = tmp_path / "c.jsonl"
    good = {"text": "x", "task": "sentiment", "label": "negative", "unit": "u1"}
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "label": "angry"}) + "\n")
    with pytest.raises(CorrectionError, match="line 2: field 'label': 'angry'"):
        read_corrections(path, labels)
    path.write_text(json.dumps({**good, "task": "abuse"}) + "\n")
    with pytest.raises(CorrectionError, match="line 1: field 'task'"):
        read_corrections(path, labels)
    csv_path = tmp_path / "c.csv"
    csv_path.write_text('text,task,label,unit\n"a, b",sentiment,positive,u2\n')
    assert read_corrections(csv_path, labels) == [Correction("a, b", "sentiment", "positive", "u2")]
    csv_path.write_text("text,label\nx,positive\n")
    with pytest.raises(CorrectionError, match="task"):
        read_corrections(csv_path, labels)


def test_cli_bad_file_and_rollback(tmp_path, fresh_nlp):
    from humas.cli.nlp import app

    fresh_nlp.setenv("HUMAS_NLP_LOCAL_DIR", str(tmp_path / "local"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "task": "sentiment"}\n')
    result = CliRunner().invoke(app, ["train", "--with-corrections", str(bad)])
    assert result.exit_code == 2 and "line 1: field 'label'" in result.stderr
    result = CliRunner().invoke(app, ["rollback", "sentiment"])
    assert result.exit_code == 1 and "nothing to roll back" in result.stderr
