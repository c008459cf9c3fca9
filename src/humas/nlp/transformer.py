"""Optional transformer backend: ONNX Runtime + ``tokenizers`` from a local folder, never a model hub.

Layout, per task: ``<HUMAS_NLP_MODEL_DIR>/<task>/model.onnx``, ``tokenizer.json`` and ``labels.json``
(a JSON list of labels, or ``{"labels": [...], "multilabel": true}``). The graph takes ``input_ids`` and
``attention_mask`` (int64, ``[batch, seq]``; ``token_type_ids`` too if it declares it) and returns logits
``[batch, n_labels]`` as its first output: softmax for single-label tasks, sigmoid for multi-label.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

BATCH = 32
MAX_TOKENS = 256


def model_dir() -> Path | None:
    value = os.environ.get("HUMAS_NLP_MODEL_DIR")
    return Path(value) if value else None


def available(task: str) -> bool:
    folder = model_dir()
    return folder is not None and (folder / task / "model.onnx").exists()


class OnnxModel:
    """A fine-tuned transformer for one task; same interface as the linear models."""

    def __init__(self, folder: Path, task: str) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.task = task
        spec = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
        if isinstance(spec, dict):
            self.labels, self.multilabel = list(spec["labels"]), bool(spec.get("multilabel", False))
        else:
            self.labels, self.multilabel = list(spec), False
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        options = ort.SessionOptions()
        threads = int(os.environ.get("HUMAS_NLP_THREADS", "0") or 0)
        if threads:
            options.intra_op_num_threads = threads
        providers = [
            p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in ort.get_available_providers()
        ]
        self.session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=providers)
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.thresholds = {label: 0.5 for label in self.labels}

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities ``(len(texts), len(labels))``; batches texts of similar length together."""
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        if not len(texts):
            return out
        encodings = self.tokenizer.encode_batch(list(texts))
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        for lo in range(0, len(order), BATCH):
            idx = order[lo : lo + BATCH]
            width = max(1, max(len(encodings[i].ids) for i in idx))
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                seq = encodings[i].ids
                ids[row, : len(seq)] = seq
                mask[row, : len(seq)] = 1
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            logits = np.asarray(
                self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]
            )
            out[idx] = _activate(logits.astype(np.float64), self.multilabel)
        return out


def _activate(z: np.ndarray, multilabel: bool) -> np.ndarray:
    if multilabel:
        return 1.0 / (1.0 + np.exp(-z))
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
