"""The message-type data set (task ``type``): what a message to a government account asks of the unit.

Labels: ``pertanyaan`` (question), ``keluhan`` (complaint, *aduan*), ``apresiasi`` (praise), ``saran``
(suggestion), ``spam``, ``lainnya`` (anything else). No openly licensed labelled set exists (see
``shared/data/README.md``), so humas labels one from the shared data's texts:

- **seed by rules** over SmSA train + valid (comments and reviews, CC BY-SA 4.0), in order: selling or
  promotion → spam; a suggestion to the one addressed (*alangkah baiknya, perlu ditingkatkan, usul*…) in a
  non-negative text → saran; a question (``?`` or a leading question word) in a neutral text → pertanyaan;
  otherwise the SmSA sentiment decides: negative → keluhan, positive → apresiasi, neutral → lainnya.
  ``data.neutral_sentences()`` (news and encyclopedic statements) add lainnya examples.
- **held-out part reviewed by hand**: ``resources/message_type_review.tsv`` holds 198 texts drawn by
  ``sample_for_review`` (seed 42, stratified by the labels of a first, looser version of the rules: a bare
  *sebaiknya/seharusnya/semoga ke depan* counted as saran, any question as pertanyaan) with the label a
  person gave each after reading it (they agreed with those rules on 108 of 198); these texts and their
  near-duplicates never enter training. The file quotes SmSA texts: CC BY-SA 4.0, like the model.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

LABELS = ("apresiasi", "keluhan", "lainnya", "pertanyaan", "saran", "spam")
REVIEW = Path(__file__).parent / "resources" / "message_type_review.tsv"
CAP = 1500  # at most this many rule-labelled texts per label (keeps training fast and classes closer)

_SPAM = re.compile(
    r"^(jual|dijual|tersedia)\b|\b(promo|diskon|open order|order sekarang|reseller|dropship|gratis ongkir|"
    r"info lebih lanjut|lapak|dapatkan|pembelian minimal|minat pesan|berdonasi melalui)\b"
)
# A suggestion to the one addressed (not a tip to other readers: a bare "sebaiknya" is mostly the latter).
_SUGGEST = re.compile(
    r"\b(alangkah baiknya|usul|usulan|saran (saya|kami)|disarankan|mohon (di)?tingkatkan|mohon diperbaiki|"
    r"tolong (di)?tingkatkan|tolong diperbaiki|perlu (di)?tambah|perlu ditingkatkan|perlu diperbaiki|"
    r"akan lebih baik (lagi )?(jika|kalau|bila)|sebaiknya (pihak|di\w+)|seharusnya (pihak|di\w+))\b"
)
_QUESTION = re.compile(
    r"\?|^(apakah|kapan|bagaimana|gimana|berapa|dimana|di mana|siapa|bisakah|bolehkah|mohon info)\b|"
    r"\b(mau tanya|boleh tanya|mohon info|minta info|numpang tanya)\b"
)


def rule_label(text: str, sentiment: str) -> str:
    """The seed label of one SmSA text from its wording and its sentiment label."""
    low = text.lower()
    if _SPAM.search(low):
        return "spam"
    if sentiment != "negative" and _SUGGEST.search(low):
        return "saran"
    # NOTE: questions in positive reviews are rhetorical ("mau makan enak? ke sini"); real ones are neutral.
    if sentiment == "neutral" and _QUESTION.search(low):
        return "pertanyaan"
    return {"negative": "keluhan", "positive": "apresiasi"}.get(sentiment, "lainnya")


def _pool(root: Path | None) -> list[tuple[str, str]]:
    from humas.nlp import data

    seen: set[str] = set()
    pool: list[tuple[str, str]] = []
    for split in ("train", "valid"):
        s = data.load("sentiment", split, root)
        n = 11000 if split == "train" else len(s.texts)  # SmSA only (sentiment train appends NusaX)
        for text, label in zip(s.texts[:n], list(s.y)[:n], strict=True):
            if text not in seen:
                seen.add(text)
                pool.append((text, rule_label(text, label)))
    pool += [(t, "lainnya") for t in data.neutral_sentences(root) if t not in seen]
    return pool


def read_review(path: Path = REVIEW) -> list[tuple[str, str]]:
    """The hand-labelled held-out texts: (text, label)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and "\t" in line:
            label, text = line.split("\t", 1)
            out.append((text, label.strip()))
    return out


def load_split(split: str, root: Path | None = None) -> tuple[list[str], list[str]]:
    """``valid``: the reviewed held-out texts; ``train``: the rule-labelled pool without them (capped)."""
    if split != "train":
        rows = read_review()
        return [t for t, _ in rows], [lab for _, lab in rows]
    from humas.nlp.cv import near_duplicate_groups
    from humas.nlp.normalize import normalize

    held = {t for t, _ in read_review()}
    pool = _pool(root)
    groups = near_duplicate_groups([normalize(t) for t, _ in pool] + [normalize(t) for t in held])
    held_groups = set(groups[len(pool) :].tolist())
    rows = [row for row, g in zip(pool, groups[: len(pool)], strict=True) if g not in held_groups]
    rng = random.Random(42)
    out: list[tuple[str, str]] = []
    for label in LABELS:
        members = [r for r in rows if r[1] == label]
        rng.shuffle(members)
        out += members[:CAP]
    return [t for t, _ in out], [lab for _, lab in out]


def sample_for_review(n_per_label: int = 40, root: Path | None = None) -> list[tuple[str, str]]:
    """The texts drawn for hand review (seed 42, up to ``n_per_label`` per rule label): (rule label, text)."""
    rng = random.Random(42)
    pool = _pool(root)
    out = []
    for label in LABELS:
        members = [r for r in pool if r[1] == label]
        rng.shuffle(members)
        take = min(n_per_label, int(0.3 * len(members)))  # keep most of a small class for training
        out += [(lab, t) for t, lab in members[:take]]
    return out
