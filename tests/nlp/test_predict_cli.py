import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from humas.cli.nlp import app
from humas.nlp import ABUSE_LABELS

runner = CliRunner()
TEXTS = [
    "Pelayanannya cepat dan ramah, terima kasih!",
    "antrian lama banget, petugasnya gk jelas",
    "Timnas menang 2-0 di stadion GBK",
]
LABELS = {
    "sentiment": {"positive", "neutral", "negative"},
    "emotion": {"anger", "fear", "happy", "love", "sadness"},
    "hoax": {"hoax", "valid"},
    "topic": {"science/technology", "travel", "politics", "sports", "health", "entertainment", "geography"},
    "type": {"pertanyaan", "keluhan", "apresiasi", "saran", "spam", "lainnya"},
}


def _lines(texts):
    return "".join(json.dumps({"text": t}) + "\n" for t in texts)


@pytest.mark.parametrize("task", sorted(LABELS))
def test_predict_single_label(task):
    result = runner.invoke(app, ["predict", "--task", task], input=_lines(TEXTS))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == len(TEXTS)
    for row in rows:
        assert set(row) == {"label", "scores"}
        assert set(row["scores"]) == LABELS[task]
        assert row["label"] == max(row["scores"], key=row["scores"].get)
        assert abs(sum(row["scores"].values()) - 1) < 1e-3


def test_predict_abuse(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(_lines(TEXTS + ["dasar bego lu, anjing"]), encoding="utf-8")
    result = runner.invoke(app, ["predict", "--task", "abuse", "--input", str(path)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 4
    for row in rows:
        assert set(row) == {"labels", "scores"}
        assert set(row["scores"]) == set(ABUSE_LABELS)
        assert set(row["labels"]) <= set(ABUSE_LABELS)
    assert "Abusive" in rows[-1]["labels"]


def test_order_is_kept():
    one = [runner.invoke(app, ["predict", "-t", "sentiment"], input=_lines([t])).stdout for t in TEXTS]
    batch = runner.invoke(app, ["predict", "-t", "sentiment"], input=_lines(TEXTS)).stdout
    assert batch == "".join(one)


@pytest.mark.parametrize("bad", ["not json", '{"txt": "x"}', '{"text": 3}', "[1, 2]"])
def test_bad_line_names_line_number(bad):
    data = _lines(TEXTS[:1]) + bad + "\n" + _lines(TEXTS[1:])
    result = runner.invoke(app, ["predict", "--task", "sentiment"], input=data)
    assert result.exit_code == 2
    assert "line 2" in result.stderr
    assert result.stdout == ""


def test_skip_bad():
    data = _lines(TEXTS[:1]) + "oops\n" + _lines(TEXTS[1:])
    result = runner.invoke(app, ["predict", "--task", "sentiment", "--skip-bad"], input=data)
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == len(TEXTS)
    assert "line 2" in result.stderr


def test_unknown_task_is_usage_error():
    result = runner.invoke(app, ["predict", "--task", "nope"], input=_lines(TEXTS))
    assert result.exit_code == 2


def test_excluded_nc_model_fails_cleanly(fresh_nlp):
    fresh_nlp.setenv("HUMAS_NLP_EXCLUDE_NC", "1")
    result = runner.invoke(app, ["predict", "--task", "emotion"], input=_lines(TEXTS))
    assert result.exit_code == 1
    assert "excluded" in result.stderr


def test_eval_json(tmp_path):
    out = tmp_path / "eval.json"
    result = runner.invoke(app, ["eval", "--task", "topic", "--json", str(out)])
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert set(figures) == {"topic"}
    assert 0 < figures["topic"]["macro_f1"] <= 100
    assert len(figures["topic"]["per_class"]) == 7


def test_bench_nlp_json(tmp_path):
    import typer

    from humas.cli.nlp import bench_nlp

    bench = typer.Typer()
    bench.command("nlp")(bench_nlp)
    bench.command("noop")(lambda: None)  # two commands, so "nlp" is addressed by name as in `humas bench nlp`
    out = tmp_path / "bench.json"
    result = runner.invoke(bench, ["nlp", "--json", str(out), "--repeat", "1"])
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert {"texts_per_s", "load_s", "peak_rss_mb", "artifacts_mb", "cores"} <= set(figures)
    assert figures["texts_per_s"] > 0 and figures["cores"] == 1
    assert figures["date"] == datetime.now(UTC).date().isoformat()  # the day measured, not a written-in one
