"""The ONNX backend, with a tiny randomly initialised model built here (nothing downloaded)."""

import json

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from tokenizers import Tokenizer, models, pre_tokenizers  # noqa: E402

LABELS = ["entertainment", "geography", "health", "politics", "science/technology", "sports", "travel"]
WORDS = ["[PAD]", "[UNK]", "timnas", "menang", "gunung", "obat", "pemilu", "film", "wisata", "<url>"]


def build_tiny_model(folder, labels, multilabel=False, seed=0):
    rng = np.random.default_rng(seed)
    dim = 8
    emb = numpy_helper.from_array(rng.normal(size=(len(WORDS), dim)).astype(np.float32), "emb")
    w = numpy_helper.from_array(rng.normal(size=(dim, len(labels))).astype(np.float32), "w")
    b = numpy_helper.from_array(rng.normal(size=(len(labels),)).astype(np.float32), "b")
    axes = numpy_helper.from_array(np.array([1], dtype=np.int64), "axes")
    axes2 = numpy_helper.from_array(np.array([2], dtype=np.int64), "axes2")
    nodes = [
        helper.make_node("Gather", ["emb", "input_ids"], ["h"]),
        helper.make_node("Cast", ["attention_mask"], ["m"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["m", "axes2"], ["m3"]),
        helper.make_node("Mul", ["h", "m3"], ["hm"]),
        helper.make_node("ReduceSum", ["hm", "axes"], ["pooled"], keepdims=0),
        helper.make_node("MatMul", ["pooled", "w"], ["z"]),
        helper.make_node("Add", ["z", "b"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]),
        ],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", len(labels)])],
        initializer=[emb, w, b, axes, axes2],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    folder.mkdir(parents=True)
    onnx.save(model, str(folder / "model.onnx"))
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.save(str(folder / "tokenizer.json"))
    spec = {"labels": labels, "multilabel": True} if multilabel else labels
    (folder / "labels.json").write_text(json.dumps(spec))


@pytest.fixture
def model_dir(tmp_path, fresh_nlp):
    build_tiny_model(tmp_path / "topic", LABELS)
    from humas.nlp import ABUSE_LABELS

    build_tiny_model(tmp_path / "abuse", list(ABUSE_LABELS), multilabel=True, seed=1)
    fresh_nlp.setenv("HUMAS_NLP_MODEL_DIR", str(tmp_path))
    return tmp_path


def test_onnx_backend_batches_and_matches_single(model_dir):
    from humas.nlp import get_model

    model = get_model("topic")
    assert model.kind == "onnx" and model.labels == LABELS
    rng = np.random.default_rng(3)
    texts = [
        " ".join(rng.choice(WORDS[2:] + ["kata", "lain"], size=int(rng.integers(0, 40)))) for _ in range(75)
    ]
    proba = model.predict_proba(texts)
    assert proba.shape == (75, len(LABELS))
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    singles = np.vstack([model.predict_proba([t]) for t in texts[:10]])
    np.testing.assert_allclose(proba[:10], singles, rtol=1e-4, atol=1e-6)


def test_onnx_backend_in_analyze_and_other_tasks_stay_linear(model_dir):
    from humas.nlp import analyze, get_model

    assert get_model("sentiment").kind == "linear"
    assert get_model("abuse").multilabel and get_model("abuse").kind == "onnx"
    out = analyze(["Timnas menang!", "obat gratis di puskesmas"])
    assert all(a.topic in LABELS for a in out)
    assert all(set(a.abuse_scores) == set(get_model("abuse").labels) for a in out)


def test_predict_cli_uses_onnx(model_dir):
    from typer.testing import CliRunner

    from humas.cli.nlp import app

    result = CliRunner().invoke(app, ["predict", "--task", "topic"], input='{"text": "timnas menang"}\n')
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)
    assert row["label"] in LABELS and set(row["scores"]) == set(LABELS)
