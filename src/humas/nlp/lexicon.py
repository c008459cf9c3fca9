"""Cue features for real posts: negation scope, sentiment words and emoji, intensifiers, contrast, questions.

Computed in bulk from the word hashes of a batch (no Python loop per token), on top of the hashed n-grams:

- every token within ``NEG_SCOPE`` tokens after a negator (*tidak, bukan, belum, kurang, tanpa, jangan*,
  and their slang forms once normalized), up to punctuation or a contrast word, also emits a ``NEG_`` copy
  of its unigram into a hashed block of its own (``tidak terlalu bagus`` carries ``NEG_bagus``);
- ``LEX_FEATURES``: counts of humas' own sentiment words and emoji (``resources/sentiment_lexicon.tsv``),
  split by negated / intensified / after a contrast word (*tapi, namun, padahal*), question cues,
  complaint situations (unmet expectations) and praise words over a complaint (sarcasm, mixed verdicts), and
  since decision 0104 the shape of sarcasm: praise before or after a complaint with no contrast word, praise
  set off at the opening, praise outweighed by complaint signals, marker particles, complaints that are over.
  These few dense columns carry the polarity of words and emoji the training sets rarely or never contain.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

LEXICON = Path(__file__).parent / "resources" / "sentiment_lexicon.tsv"
NEG_SCOPE = 3
LEX_FEATURES = (
    "pos",
    "neg",
    "pos_negated",
    "neg_negated",
    "pos_intensified",
    "neg_intensified",
    "pos_after_contrast",
    "neg_after_contrast",
    "question",
    "no_polarity",  # 1 for a text with no sentiment word, emoji or negated one: a prior for neutral
    # Unmet expectations: a complaint-situation word (*antre, menunggu, hilang, offline*...) not negated, or a
    # negated word of no polarity (*belum dipanggil*, *tidak diangkat*): what a complaint says without a
    # sentiment word.
    "complaint",
    # 1 for a text with a positive word or emoji (not negated) and a negative signal (a negative word, a
    # negated positive one, or "complaint" above): praise words over a complaint, i.e. sarcasm or a mixed
    # verdict; the weight of the conjunction is learnt (a linear model cannot form it from the counts).
    "pos_with_complaint",
    # Sarcasm (2026-12-02 (b), decision 0104): praise words (not negated, not after a contrast word) before a
    # complaint signal with no contrast word between ("mantap, antre tiga jam"), after one ("antre tiga jam,
    # mantap 👏"), counted; and the marker particles and emoji (*ya, deh, kok, 🙃*) of a text holding both.
    "praise_then_complaint",
    "complaint_then_praise",
    "sarcasm_marker",
    "complaint_resolved",  # negated complaint words: "tidak perlu antre", "tanpa calo", "tidak error lagi"
    # 1 for a text that opens with a praise word set off by punctuation or a particle ("Mantap, ...", "Hebat
    # ya ...", "Terima kasih, ...") and goes on to a complaint signal with no contrast word: an exclamation,
    # not a verdict on an aspect (SmSA's mixed reviews praise an aspect: "makanannya enak, tempatnya sempit").
    "praise_opening",
    # 1 for a text whose complaint signals are at least as many as its praise words (both as above, at least
    # one praise word): praise outweighed by what went wrong (a mixed review lists several merits).
    "praise_outweighed",
)
LEX_DIM = len(LEX_FEATURES)
KINDS = ("pos", "neg", "negator", "intensifier", "contrast", "question", "break", "complaint", "marker")
POS, NEG, NEGATOR, INTENSIFIER, CONTRAST, QUESTION, BREAK, COMPLAINT, MARKER = range(1, len(KINDS) + 1)
_BREAKS = (",", ".", "!", ";", ":", "(", ")")
K_NEG = np.uint64(0xD6E8FEB86659FD93)


@dataclass(frozen=True)
class Cues:
    """Sorted word and bigram hashes of the cue words, with their kind codes."""

    words: np.ndarray
    word_kinds: np.ndarray
    bigrams: np.ndarray
    bigram_kinds: np.ndarray


def _read(path: Path) -> list[tuple[str, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and "\t" in line:
            word, kind = line.split("\t", 1)
            out.append((word.strip(), kind.strip()))
    return out


def _table(hashes: list[int], kinds: list[int]) -> tuple[np.ndarray, np.ndarray]:
    h = np.array(hashes, dtype=np.uint64)
    k = np.array(kinds, dtype=np.int8)
    order = np.argsort(h, kind="stable")
    return h[order], k[order]


@lru_cache(maxsize=1)
def cues() -> Cues:
    """The cue table, hashed the way ``features.hashed_counts`` hashes words and bigrams."""
    from humas.nlp.features import bigram_hash, word_hashes

    singles: dict[str, int] = {b: BREAK for b in _BREAKS}
    pairs: dict[tuple[str, str], int] = {}
    for entry, kind in _read(LEXICON):
        code = KINDS.index(kind) + 1
        parts = entry.split()
        if len(parts) == 2:
            pairs[(parts[0], parts[1])] = code
        elif len(parts) == 1:
            singles[entry] = code
            if code in (POS, NEG) and entry.isalpha():
                singles.setdefault(entry + "nya", code)
    words = list(singles)
    wh = word_hashes(words)
    w_table = _table([int(v) for v in wh], list(singles.values()))
    firsts = word_hashes([a for a, _ in pairs]) if pairs else np.zeros(0, np.uint64)
    seconds = word_hashes([b for _, b in pairs]) if pairs else np.zeros(0, np.uint64)
    bh = bigram_hash(firsts, seconds)
    b_table = _table([int(v) for v in bh], list(pairs.values()))
    return Cues(w_table[0], w_table[1], b_table[0], b_table[1])


def _lookup(h: np.ndarray, table: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    if len(table) == 0:
        return np.zeros(len(h), np.int8)
    i = np.searchsorted(table, h)
    i = np.minimum(i, len(table) - 1)
    return np.where(table[i] == h, kinds[i], 0).astype(np.int8)


def _last(mask: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """For every position, the index of the last position at or before it where ``mask`` holds (or -1)."""
    return np.maximum.accumulate(np.where(mask, idx, -1)) if len(idx) else idx


def cue_entries(
    doc: np.ndarray, wh: np.ndarray, same: np.ndarray, bh: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(rows, lexicon columns) of the cue counts and (rows, hashes) of the negated unigrams.

    ``doc``/``wh``: document and hash of every token in order; ``same``: token i and i+1 share a document;
    ``bh``: hashes of those bigrams (``same`` ones only).
    """
    table = cues()
    n = len(wh)
    idx = np.arange(n, dtype=np.int64)
    kind = _lookup(wh, table.words, table.word_kinds)
    if n > 1:  # a two-word cue ("terima kasih") gives its kind to its second word
        bk = _lookup(bh, table.bigrams, table.bigram_kinds)
        second = np.flatnonzero(same) + 1
        kind[second] = np.where(bk != 0, bk, kind[second])
    first = np.ones(n, dtype=bool)
    first[1:] = doc[1:] != doc[:-1]
    start = _last(first, idx)
    prev_neg = np.concatenate([[-1], _last(kind == NEGATOR, idx)[:-1]]) if n else idx
    stop = _last(first | (kind == CONTRAST) | (kind == QUESTION) | (kind == BREAK), idx)
    negated = (prev_neg >= stop) & (idx - prev_neg <= NEG_SCOPE) & (kind != NEGATOR) & (kind != BREAK)
    intense = np.zeros(n, dtype=bool)
    if n > 1:
        near = same & ((kind[:-1] == INTENSIFIER) | (kind[1:] == INTENSIFIER))
        intense[:-1] |= near
        intense[1:] |= near
    after = _last(kind == CONTRAST, idx) >= start
    pos, neg = kind == POS, kind == NEG
    eff_pos = (pos & ~negated) | (neg & negated)
    eff_neg = (neg & ~negated) | (pos & negated)
    masks = (
        pos & ~negated,
        neg & ~negated,
        pos & negated,
        neg & negated,
        pos & ~negated & intense,
        neg & ~negated & intense,
        eff_pos & after,
        eff_neg & after,
        kind == QUESTION,
    )
    rows = [doc[m] for m in masks]
    cols = [np.full(int(m.sum()), j, dtype=np.int64) for j, m in enumerate(masks)]
    polar = np.unique(doc[pos | neg])
    docs = np.unique(doc)
    quiet = docs[~np.isin(docs, polar)]
    rows.append(quiet)
    cols.append(np.full(len(quiet), len(masks), dtype=np.int64))
    unmet = ((kind == COMPLAINT) & ~negated) | (negated & (kind == 0))
    resolved = negated & (kind == COMPLAINT)  # "tidak perlu antre lagi", "tanpa calo": a complaint over
    rows.append(doc[unmet])
    cols.append(np.full(int(unmet.sum()), len(masks) + 1, dtype=np.int64))
    mixed = np.intersect1d(np.unique(doc[pos & ~negated]), np.unique(doc[eff_neg | unmet]))
    rows.append(mixed)
    cols.append(np.full(len(mixed), len(masks) + 2, dtype=np.int64))
    praise = pos & ~negated & ~after
    signal = np.flatnonzero((eff_neg | unmet) & ~after)
    if len(signal):  # the first and last complaint signal of each token's document (none: n and -1)
        ends = np.flatnonzero(np.diff(doc[signal]) != 0)  # documents are laid end to end, in order
        heads, tails = signal[np.r_[0, ends + 1]], signal[np.r_[ends, len(signal) - 1]]
        n_docs = int(doc[-1]) + 1
        first_signal = np.full(n_docs, n, dtype=np.int64)
        last_signal = np.full(n_docs, -1, dtype=np.int64)
        first_signal[doc[heads]], last_signal[doc[tails]] = heads, tails
        for j, m in enumerate((praise & (idx < last_signal[doc]), praise & (idx > first_signal[doc]))):
            rows.append(doc[m])
            cols.append(np.full(int(m.sum()), len(masks) + 3 + j, dtype=np.int64))
        if n > 1:  # the praise word is the text's first word (or its two-word cue ends at the second)
            head = praise[:-1] & (idx[:-1] - start[:-1] <= (kind[start[:-1]] != POS)) & same
            head &= (kind[1:] == BREAK) | (kind[1:] == MARKER)
            head &= idx[:-1] < last_signal[doc[:-1]]
            opening = np.unique(doc[:-1][head])
            rows.append(opening)
            cols.append(np.full(len(opening), len(masks) + 7, dtype=np.int64))
        p_count = np.bincount(doc[praise], minlength=n_docs)
        s_count = np.bincount(doc[signal], minlength=n_docs)
        outweighed = np.flatnonzero((p_count >= 1) & (s_count >= p_count))
        rows.append(outweighed)
        cols.append(np.full(len(outweighed), len(masks) + 8, dtype=np.int64))
    marked = (kind == MARKER) & np.isin(doc, mixed)
    rows += [doc[marked], doc[resolved]]
    cols.append(np.full(int(marked.sum()), len(masks) + 5, dtype=np.int64))
    cols.append(np.full(int(resolved.sum()), len(masks) + 6, dtype=np.int64))
    with np.errstate(over="ignore"):
        neg_hashes = wh[negated] ^ K_NEG
    return np.concatenate(rows), np.concatenate(cols), doc[negated], neg_hashes
