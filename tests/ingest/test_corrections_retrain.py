"""Corrections leave humas and come back as a model (both engines): `humas nlp corrections export`, the
trainer's retrain on a small model, and the scheduled job (off by default)."""

from __future__ import annotations

import csv
import json
import random
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from humas.cli.main import app
from humas.core import migrations
from humas.core.db import get_engine, session_scope
from humas.core.settings import get_settings
from humas.ingest import retrain
from humas.ingest.models import Mention
from humas.ingest.service import pipeline
from humas.listening.service import corrections as listening_corrections
from humas.nlp import api, store
from humas.nlp import train as trainer
from humas.nlp.api import Predictor
from humas.nlp.corrections import read_corrections, retrain_with_corrections
from humas.nlp.model import ARTIFACTS, LinearModel
from tests.factories import make_unit, make_user
from tests.ingest.helpers import fake_analyze, item

runner = CliRunner()
POS, NEG = ["bagus", "ramah", "cepat", "mantap", "puas"], ["buruk", "lambat", "kecewa", "ribet", "parah"]
NEU = ["jadwal", "alamat", "formulir", "pengumuman", "loket"]
THINGS = ["pelayanan", "petugas", "aplikasi", "kantor", "antrean"]
# "zonk" (a let-down) is slang the small training set never saw: the analysts of a KPPN correct it.
ZONK = [
    "pelayanan kemarin zonk total",
    "aplikasinya zonk lagi hari ini",
    "pengurusan izin di sini zonk",
    "antrean online zonk terus",
    "janji pencairan zonk",
]
NEAR = ["pelayanan kemarin ZONK total !!", "Pelayanan kemarin zonk totall"]


@pytest.fixture
def small_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A tiny sentiment data set and model in tmp_path (like tests/nlp), the local store in tmp_path/local."""
    rng = random.Random(0)
    data = tmp_path / "data"
    (data / "smsa").mkdir(parents=True)
    (data / "nusax_senti_ind").mkdir()
    for name, n in (("train_preprocess.tsv", 30), ("valid_preprocess.tsv", 10)):
        lines = [
            f"{rng.choice(THINGS)} {rng.choice(words)} {rng.choice(words)} sekali\t{label}\n"
            for label, words in (("positive", POS), ("negative", NEG), ("neutral", NEU))
            for _ in range(n)
        ]
        (data / "smsa" / name).write_text("".join(lines), encoding="utf-8")
    (data / "nusax_senti_ind" / "train.csv").write_text("id,text,label\n", encoding="utf-8")
    api.reset_cache()
    monkeypatch.setenv("HUMAS_DATA_DIR", str(data))
    monkeypatch.setenv("HUMAS_NLP_LOCAL_DIR", str(tmp_path / "local"))
    monkeypatch.setitem(trainer.CONFIGS, "sentiment", trainer.Config(c=10.0, balanced=True, cues=True))
    root = tmp_path / "artifacts"
    root.mkdir()
    shutil.copy(ARTIFACTS / "featurizer.npz", root / "featurizer.npz")
    trainer.train_task("sentiment", root=root)
    yield root
    api.reset_cache()


def _predict(root: Path, folder: Path, texts: list[str]) -> list[str]:
    predictor = Predictor("sentiment", LinearModel.load(folder, "sentiment"), trainer.load_featurizer(root))
    return list(predictor.decide(predictor.predict_proba(texts)))


def _corrected_in_humas(texts: list[str]) -> tuple[int, int]:
    """A KPPN's mentions, each corrected to negative by its analyst through the service the page uses."""
    migrations.upgrade(get_engine())
    with session_scope() as session:
        root = make_unit(session, name="Kementerian")
        unit, other = make_unit(session, parent=root, name="KPPN Jakarta I"), make_unit(session, parent=root)
        analyst = make_user(session, unit=unit, roles=("analyst",))
        ids = pipeline.ingest_items(session, [item(t) for t in texts], unit=unit, analyzer=fake_analyze)
        for mention_id in ids.added_ids:
            mention = session.get(Mention, mention_id)
            assert mention is not None
            listening_corrections.correct_label(
                session, mention=mention, task="sentiment", label="negative", actor=analyst
            )
        return unit.id, other.id


def test_a_correction_exported_and_retrained_changes_the_prediction_of_its_text_and_near_duplicates(
    use_database, small_model, tmp_path
):
    assert "negative" not in _predict(small_model, small_model, [ZONK[0], *NEAR])
    unit_id, other_id = _corrected_in_humas(ZONK)
    out = tmp_path / "corrections.jsonl"
    result = runner.invoke(app, ["nlp", "corrections", "export", "--unit", str(unit_id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = read_corrections(out)  # the trainer's own reader accepts the export as it is
    assert [(r.text, r.task, r.label, r.unit) for r in rows] == [
        (t, "sentiment", "negative", "KPPN Jakarta I") for t in ZONK
    ]
    decision = retrain_with_corrections("sentiment", rows, root=small_model)
    assert decision.switched, decision
    folder = store.version_folder("sentiment", decision.version or "", tmp_path / "local")
    assert _predict(small_model, folder, [ZONK[0], *NEAR]) == ["negative"] * 3
    empty = runner.invoke(app, ["nlp", "corrections", "export", "--unit", str(other_id)])
    assert empty.exit_code == 0 and empty.stdout == ""  # another unit's export holds none of them


def test_export_formats_and_bad_options(use_database, tmp_path):
    unit_id, _other = _corrected_in_humas(ZONK[:2])
    out = tmp_path / "c.csv"
    result = runner.invoke(app, ["nlp", "corrections", "export", "-o", str(out)])
    assert result.exit_code == 0 and "2 corrections written" in result.output
    with out.open(encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert [(r["text"], r["label"], r["unit_id"]) for r in table] == [
        (t, "negative", str(unit_id)) for t in ZONK[:2]
    ]
    assert table[0]["previous_label"] == "neutral" and table[0]["corrected_by"].endswith("@example.go.id")
    lines = runner.invoke(app, ["nlp", "corrections", "export", "--task", "sentiment"]).stdout.splitlines()
    assert [json.loads(x)["text"] for x in lines] == ZONK[:2]
    bad = runner.invoke(app, ["nlp", "corrections", "export", "--task", "mood"])
    assert bad.exit_code == 2 and "--task: unknown task 'mood'" in bad.output
    missing = runner.invoke(app, ["nlp", "corrections", "export", "--unit", "Tidak Ada"])
    assert missing.exit_code == 1 and "unknown unit 'Tidak Ada'" in missing.output


def test_the_retrain_job_is_off_by_default_and_runs_on_its_schedule(
    use_database, small_model, monkeypatch, tmp_path
):
    sunday_2am = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
    assert get_settings().nlp_retrain_with_corrections == ""
    assert not retrain.due(sunday_2am)
    monkeypatch.setenv("HUMAS_NLP_RETRAIN_WITH_CORRECTIONS", "0 2 * * 0")
    get_settings.cache_clear()
    assert retrain.due(sunday_2am) and not retrain.due(sunday_2am.replace(hour=3))
    migrations.upgrade(get_engine())
    assert retrain.run(root=small_model) == []  # nothing corrected yet: nothing trained
    _corrected_in_humas(ZONK)
    decisions = retrain.run(root=small_model)
    assert [(d["task"], d["switched"]) for d in decisions] == [("sentiment", True)]
    assert store.current_version("sentiment", tmp_path / "local") == decisions[0]["version"]
    monkeypatch.setenv("HUMAS_NLP_RETRAIN_WITH_CORRECTIONS", "every sunday")
    get_settings.cache_clear()
    with pytest.raises(ValueError, match="HUMAS_NLP_RETRAIN_WITH_CORRECTIONS: expected five cron fields"):
        get_settings()
