"""The message-type data set (task ``type``): what a message to a government account asks of the unit.

Labels: ``pertanyaan`` (question), ``keluhan`` (complaint, *aduan*), ``apresiasi`` (praise), ``saran``
(suggestion), ``spam``, ``lainnya`` (anything else). No openly licensed labelled set exists (see
``shared/data/README.md``), so humas builds one from two parts:

- **messages to a government account** (``resources/message_type_public.tsv``, CC0 1.0, written by hand by
  humas from general knowledge, decision 0106): 1,214 comments and direct messages from the public to
  Indonesian government accounts, about 200 per label, over many services (KTP/KK, pajak, BPJS, SIM and the
  police, puskesmas and hospitals, PPDB, bansos, OSS, roads, floods, power and water, transport, websites and
  apps, waste, disasters) and voices (formal, *min* slang, typos, emoji, English and code-mixing, one word to
  three sentences). A quarter of each label is the **test** part, drawn by ``draw_test`` (seed
  ``SPLIT_SEED``); it and its near-duplicates never enter training. The labelling rule, for the hard cases:
  a message is labelled by what it asks of the unit.

  * *keluhan*: it reports something wrong (a failure, delay, damage, rudeness, a charge, a rejection) and
    wants it put right or answered for, whether it is phrased as a demand, a question ("kapan jalan ini
    diperbaiki? sudah 2 bulan berlubang") or as sarcastic praise ("terima kasih atas jalannya yang mulus
    kayak permukaan bulan").
  * *pertanyaan*: it asks for information (a requirement, schedule, procedure, cost, the status of a case)
    without reporting a fault; thanks or praise followed by a question is a question (the question is
    what needs an answer). Questions that are small talk, not about the unit's work ("pakai kamera apa?"),
    are *lainnya*.
  * *saran*: it proposes an improvement to something not reported as broken ("loket online dibuka dari
    jam 7"); praise followed by a suggestion is a suggestion. A request to repair a reported fault is a
    complaint.
  * *apresiasi*: thanks or praise for the unit's work, service or content, with nothing asked.
  * *spam*: selling, promotion, online gambling (*judi online*, slot links), follower or like selling,
    crypto and investment schemes, MLM, loans, phishing and offers of illegal shortcuts (a SIM without a
    test, a bansos "fixer").
  * *lainnya*: greetings, well-wishes and prayers not about the unit's work, tagging friends, chatter,
    news shared without a request.
- **seed by rules** over SmSA train + valid (comments and reviews, CC BY-SA 4.0), in order: selling or
  promotion → spam; a suggestion to the one addressed (*alangkah baiknya, perlu ditingkatkan, usul*…) in a
  non-negative text → saran; a question (``?`` or a leading question word) in a neutral text → pertanyaan;
  otherwise the SmSA sentiment decides: negative → keluhan, positive → apresiasi, neutral → lainnya.
  ``data.neutral_sentences()`` (news and encyclopedic statements) add lainnya examples. Capped at ``CAP``
  per label.

Held out, never trained on (with their near-duplicates, MinHash Jaccard ≥ 0.7, the grouping of
``cv.near_duplicate_groups``): the public set's test part and ``resources/message_type_review.tsv``, 198 SmSA
texts drawn by ``sample_for_review`` (seed 42, stratified by the labels of a first, looser version of the
rules: a bare *sebaiknya/seharusnya/semoga ke depan* counted as saran, any question as pertanyaan) with the
label a person gave each after reading it (they agreed with those rules on 108 of 198). That file quotes
SmSA texts: CC BY-SA 4.0, like the model. ``load_split("valid")`` is both held-out parts together (what
``humas nlp eval`` and the corrections' validation guard score); ``"review"`` and ``"test"`` each alone.

Training (``load_split("train")``) is the capped rule-labelled pool and the public set's train part. Settings
(``CAP``, ``train.CONFIGS["type"]``) were chosen by ``humas nlp cv --task type``, which scores folds of the
public train part only and joins the pool to every training fold (``cv_data``); decision 0106.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

LABELS = ("apresiasi", "keluhan", "lainnya", "pertanyaan", "saran", "spam")
REVIEW = Path(__file__).parent / "resources" / "message_type_review.tsv"
PUBLIC = Path(__file__).parent / "resources" / "message_type_public.tsv"
CAP = 150  # at most this many rule-labelled texts per label (chosen by CV: 1,500 before the public set)
SPLIT_SEED = 20261203
TEST_SHARE = 0.25

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

Rows = list[tuple[str, str]]


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


def _pool(root: Path | None) -> Rows:
    from humas.nlp import data

    seen: set[str] = set()
    pool: Rows = []
    for split in ("train", "valid"):
        s = data.load("sentiment", split, root)
        n = 11000 if split == "train" else len(s.texts)  # SmSA only (sentiment train appends NusaX)
        for text, label in zip(s.texts[:n], list(s.y)[:n], strict=True):
            if text not in seen:
                seen.add(text)
                pool.append((text, rule_label(text, label)))
    pool += [(t, "lainnya") for t in data.neutral_sentences(root) if t not in seen]
    return pool


def read_review(path: Path = REVIEW) -> Rows:
    """The hand-labelled held-out SmSA texts: (text, label)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and "\t" in line:
            label, text = line.split("\t", 1)
            out.append((text, label.strip()))
    return out


def read_public(path: Path = PUBLIC) -> list[tuple[str, str, str]]:
    """The messages to a government account: (text, label, split) with split ``train`` or ``test``."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line or line.startswith("#") or line == "text\tlabel\tsplit":
            continue
        text, label, split = line.split("\t")
        if label not in LABELS or split not in ("train", "test"):
            raise ValueError(f"{path.name} line {n}: label {label!r} or split {split!r} unknown")
        out.append((text, label, split))
    return out


def draw_test(rows: Rows, seed: int = SPLIT_SEED, share: float = TEST_SHARE) -> set[int]:
    """Indices of the test part: ``share`` of each label (rounded), a seeded draw in file order."""
    rng = random.Random(seed)
    chosen: set[int] = set()
    for label in LABELS:
        members = [i for i, (_, lab) in enumerate(rows) if lab == label]
        chosen.update(rng.sample(members, round(share * len(members))))
    return chosen


def held_out(part: str = "valid") -> Rows:
    """The hand-labelled held-out texts: ``review`` (SmSA), ``test`` (the public set's) or both."""
    review = read_review() if part in ("valid", "review") else []
    test = [(t, lab) for t, lab, s in read_public() if s == "test"] if part in ("valid", "test") else []
    if not review and not test:
        raise ValueError(f"unknown held-out part {part!r}")
    return review + test


def _outside_held(rows: Rows) -> Rows:
    """``rows`` without any text that is a near-duplicate of a held-out text."""
    from humas.nlp.cv import near_duplicate_groups
    from humas.nlp.normalize import normalize

    held = [t for t, _ in held_out("valid")]
    groups = near_duplicate_groups([normalize(t) for t, _ in rows] + [normalize(t) for t in held])
    held_groups = set(groups[len(rows) :].tolist())
    return [row for row, g in zip(rows, groups[: len(rows)], strict=True) if g not in held_groups]


def _capped(rows: Rows) -> Rows:
    rng = random.Random(42)
    out: Rows = []
    for label in LABELS:
        members = [r for r in rows if r[1] == label]
        rng.shuffle(members)
        out += members[:CAP]
    return out


def training_parts(root: Path | None = None) -> tuple[Rows, Rows]:
    """(the capped rule-labelled pool, the public set's train part), both without near-duplicates of any
    held-out text; the public rows once each."""
    public = [(t, lab) for t, lab, s in read_public() if s == "train"]
    pool = _pool(root)
    kept = _outside_held(pool + public)
    public_set = set(public)
    return _capped([r for r in kept if r not in public_set]), [r for r in kept if r in public_set]


def load_split(split: str, root: Path | None = None) -> tuple[list[str], list[str]]:
    """``train``: the capped pool and the public train part; ``valid``, ``review``, ``test``: held-out
    texts (module doc)."""
    if split != "train":
        rows = held_out(split)
    else:
        pool, public = training_parts(root)
        rows = pool + public
    return [t for t, _ in rows], [lab for _, lab in rows]


def cv_data(root: Path | None = None) -> tuple[Rows, Rows]:
    """What ``humas nlp cv --task type`` uses: (scored rows: the public train part; rows joined to every
    training fold, never scored: the capped rule-labelled pool)."""
    pool, public = training_parts(root)
    return public, pool


def training_note(texts: list[str]) -> str:
    """The card's line on what ``type`` trains on (``texts``: ``load_split("train")``'s)."""
    public = {t for t, _, s in read_public() if s == "train"}
    n_public = sum(t in public for t in texts)
    return (
        f"{len(texts)} texts: {n_public} messages to government accounts written by humas "
        f"(message_type_public.tsv, train part, CC0 1.0) + {len(texts) - n_public} SmSA texts and news or "
        f"encyclopedic sentences labelled by rules (at most {CAP} per label)"
    )


def sample_for_review(n_per_label: int = 40, root: Path | None = None) -> Rows:
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
