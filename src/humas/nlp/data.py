"""Loaders for the training and validation splits in ``shared/data`` (see each folder's README)."""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ABUSE_LABELS = (
    "HS",
    "Abusive",
    "HS_Individual",
    "HS_Group",
    "HS_Religion",
    "HS_Race",
    "HS_Physical",
    "HS_Gender",
    "HS_Other",
    "HS_Weak",
    "HS_Moderate",
    "HS_Strong",
)
TASKS = ("sentiment", "emotion", "abuse", "hoax", "topic", "type")
# The five tasks of the first release: the benchmark's text set (humas bench nlp) is their validation splits.
BENCH_TASKS = ("sentiment", "emotion", "abuse", "hoax", "topic")
NC_TASKS = frozenset({"emotion", "abuse"})


@dataclass(frozen=True)
class Split:
    texts: list[str]
    # Single-label tasks: a list of label strings; abuse: an (n, 12) 0/1 int array.
    y: list[str] | np.ndarray


def data_dir() -> Path:
    """``HUMAS_DATA_DIR`` or the ``shared/data`` folder beside the repository."""
    env = os.environ.get("HUMAS_DATA_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3].parent / "shared" / "data"


def _rows(path: Path, *, delimiter: str = ",", header: bool = True) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL))
    return rows[1:] if header else rows


def _tsv_no_quotes(path: Path) -> list[list[str]]:
    # NOTE: SmSA texts contain bare quote characters; csv quoting would merge lines.
    with path.open(encoding="utf-8") as f:
        return [line.rstrip("\n").rsplit("\t", 1) for line in f if line.strip()]


_EMOT_PLACEHOLDERS = (("[USERNAME]", "@user"), ("[URL]", "http://url"), ("[SENSITIVE-NO]", "0812 0000 0000"))
_TWEET_USER = re.compile(r"\bUSER\b")
_TWEET_URL = re.compile(r"\bURL\b")


def _emot_text(text: str) -> str:
    # The datasets replaced mentions and links by their own markers; turn them back into what the
    # normalizer sees in real posts, so training and run time agree.
    for marker, real in _EMOT_PLACEHOLDERS:
        text = text.replace(marker, real)
    return text


def _tweet_text(text: str) -> str:
    text = _TWEET_USER.sub("@user", text)
    text = _TWEET_URL.sub("http://url", text)
    return text.replace("\\n", " ")


def load(task: str, split: str, root: Path | None = None) -> Split:
    """Load ``split`` ("train" or "valid") of ``task``; sentiment train adds NusaX train."""
    root = root or data_dir()
    if task == "sentiment":
        name = "train_preprocess.tsv" if split == "train" else "valid_preprocess.tsv"
        rows = _tsv_no_quotes(root / "smsa" / name)
        texts, y = [r[0] for r in rows], [r[1] for r in rows]
        if split == "train":
            nusax = _rows(root / "nusax_senti_ind" / "train.csv")
            texts += [r[1] for r in nusax]
            y += [r[2] for r in nusax]
        return Split(texts, y)
    if task == "emotion":
        name = "train_preprocess.csv" if split == "train" else "valid_preprocess.csv"
        rows = _rows(root / "emot" / name)
        return Split([_emot_text(r[1]) for r in rows], [r[0] for r in rows])
    if task == "abuse":
        rows = _rows(root / "id_multilabel_hatespeech" / f"{split}.csv")
        flags = np.array([[int(v) for v in r[2:14]] for r in rows], dtype=np.int8)
        return Split([_tweet_text(r[1]) for r in rows], flags)
    if task == "hoax":
        rows = _rows(root / "id_hoax_news" / f"{split}.csv")
        return Split([r[1] for r in rows], [r[2].strip().lower() for r in rows])
    if task == "topic":
        name = "train.tsv" if split == "train" else "dev.tsv"
        rows = _rows(root / "sib200_ind" / name, delimiter="\t")
        return Split([r[2] for r in rows], [r[1] for r in rows])
    if task == "type":
        from humas.nlp.msgtype import load_split

        texts, labels = load_split(split, root)
        return Split(texts, labels)
    raise ValueError(f"unknown task {task!r}")


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


def neutral_sentences(root: Path | None = None, per_article: int = 2) -> list[str]:
    """Weakly labelled neutral sentences in the register of news and announcements (sentiment training):
    SIB-200 train (encyclopedic, CC BY-SA 4.0) and the first ``per_article`` plain statements (40-240
    characters, no quote, question or exclamation mark) of every *valid* id_hoax_news train article
    (CC BY 4.0).
    """
    out = list(load("topic", "train", root).texts)
    hoax = load("hoax", "train", root)
    for text, label in zip(hoax.texts, hoax.y, strict=True):
        if label != "valid":
            continue
        kept = 0
        for sentence in _SENTENCE.split(text.replace("\n", " ")):
            sentence = sentence.strip()
            if kept < per_article and 40 <= len(sentence) <= 240 and not set(sentence) & set('"?!'):
                out.append(sentence)
                kept += 1
    return out


def public_voice() -> tuple[list[str], list[str]]:
    """humas' own sentences of the public towards government offices, with their sentiment (CC0 1.0;
    ``publicvoice.py``): praise, complaints, sarcasm, negation, questions, announcements."""
    from humas.nlp import publicvoice

    return publicvoice.load()


def unlabelled_texts(root: Path | None = None) -> list[str]:
    """Every training text of every task, for self-training and document frequencies."""
    out: list[str] = []
    for task in BENCH_TASKS:  # "type" re-uses SmSA and the neutral sentences
        out += load(task, "train", root).texts
    return out
