"""The behavioural sentiment set: its shape, the README example and its siblings, and that no training
code reads it."""

import json
from collections import Counter
from pathlib import Path

import pytest

from humas.nlp import analyze, get_model
from humas.nlp.checklist import CHECKLIST, LABELS, load_checklist, run_checklist

NLP_SRC = Path(__file__).resolve().parents[2] / "src" / "humas" / "nlp"

# The README's example and its siblings: what a newcomer tries first.
README_CASES = [
    ("pelayanan kppn cepat sekali", "positive"),
    # failed until decision 0100 (a "!" leans negative in SmSA); the public-voice set has praise with "!"
    ("Pelayanan KPPN cepat sekali!", "positive"),
    ("pelayanannya cepat, mantap", "positive"),
    ("pelayanan kppn lambat sekali", "negative"),
    ("pelayanan kppn tidak cepat", "negative"),
    ("pelayanan kppn sangat lambat", "negative"),
]


def test_set_shape():
    cases = load_checklist()
    assert len(cases) >= 300
    assert len({c.text for c in cases}) == len(cases)
    assert {c.label for c in cases} == set(LABELS)
    per = Counter(c.category for c in cases)
    assert len(per) >= 8 and min(per.values()) >= 30


@pytest.mark.parametrize(("text", "label"), README_CASES)
def test_readme_example_and_siblings(text, label):
    model = get_model("sentiment")
    assert model.decide(model.predict_proba([text]))[0] == label
    assert analyze([text])[0].sentiment == label


def test_run_checklist_counts_per_category():
    cases = load_checklist()[:20]
    result = run_checklist(lambda texts: ["neutral"] * len(texts), cases)
    assert result["cases"] == 20
    right = sum(c.label == "neutral" for c in cases)
    assert result["accuracy"] == round(100 * right / 20, 1)
    assert len(result["failures"]) == 20 - right
    assert sum(r["cases"] for r in result["per_category"].values()) == 20


def test_bad_line_names_its_number(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"text": "a", "label": "positive", "category": "x"}) + "\n{oops\n")
    with pytest.raises(ValueError, match="line 2"):
        load_checklist(path)
    path.write_text(json.dumps({"text": "a", "label": "good", "category": "x"}) + "\n")
    with pytest.raises(ValueError, match="line 1: label 'good'"):
        load_checklist(path)


def test_no_training_code_reads_the_checklist():
    assert CHECKLIST.exists()
    for name in (
        "train.py",
        "data.py",
        "msgtype.py",
        "corrections.py",
        "cv.py",
        "lexicon.py",
        "publicvoice.py",
    ):
        source = (NLP_SRC / name).read_text(encoding="utf-8")
        assert "checklist" not in source.lower(), name


def test_bench_nlp_checklist_key(tmp_path):
    import typer
    from typer.testing import CliRunner

    from humas.cli.nlp import bench_nlp

    bench = typer.Typer()
    bench.command("nlp")(bench_nlp)
    bench.command("noop")(lambda: None)
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(bench, ["nlp", "--json", str(out), "--repeat", "1", "--checklist"])
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert {"texts_per_s", "load_s", "peak_rss_mb", "artifacts_mb", "cores", "texts"} <= set(figures)
    checklist = figures["checklist"]
    assert checklist["cases"] == len(load_checklist())
    assert set(checklist["per_category"]) == {c.category for c in load_checklist()}
    assert 0 <= checklist["accuracy"] <= 100
