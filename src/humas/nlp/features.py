"""Vectorised hashed n-gram features.

Every n-gram of a batch is hashed at once with numpy: the texts are laid end to end as one array of code
points, a prefix polynomial hash (arithmetic modulo 2**64) gives the hash of any span in O(1), and a
splitmix64 finaliser spreads it over the buckets. No Python loop runs per n-gram, which is what lets
``analyze()`` reach thousands of texts a second on one core.

Columns: ``[0, WORD_BUCKETS)`` word unigrams and bigrams, ``[WORD_BUCKETS, N_HASHED)`` character 2- to
5-grams over the space-padded text (spaces included, so word edges count); then the cue columns of
``humas.nlp.lexicon``: ``[N_HASHED, LEX_START)`` the ``NEG_`` copies of negated unigrams (hashed),
``[LEX_START, N_FEATURES)`` the lexicon counts of ``lexicon.LEX_FEATURES``. The n-gram blocks are exactly
those of the models trained before the cue columns existed, so such models keep their predictions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from humas.nlp.lexicon import LEX_DIM, cue_entries

WORD_BITS = 18
CHAR_BITS = 19
WORD_BUCKETS = 1 << WORD_BITS
CHAR_BUCKETS = 1 << CHAR_BITS
N_HASHED = WORD_BUCKETS + CHAR_BUCKETS
NEG_BITS = 16
LEX_START = N_HASHED + (1 << NEG_BITS)
N_FEATURES = LEX_START + LEX_DIM
# Values of the cue columns: log1p(count) times these (held in the idf slots), against n-gram blocks of unit
# length; a task may rescale them (train.Config.lex_scale).
NEG_SCALE = 0.2
LEX_SCALE = 0.5
CHAR_NS = (2, 3, 4, 5)
# Long texts (news articles) are cut: the first 3,000 characters carry the signal and bound the cost.
MAX_CHARS = 3000

_P = np.uint64(0x100000001B3)  # an odd multiplier, so it has an inverse modulo 2**64
_P_INV = np.uint64(pow(int(_P), -1, 1 << 64))
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_K_BIGRAM = np.uint64(0x9E3779B97F4A7C15)
_SPACE = 32
_powers: tuple[np.ndarray, np.ndarray] | None = None


def mix64(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser (wrapping uint64 arithmetic)."""
    h = h ^ (h >> np.uint64(30))
    h = h * _M1
    h = h ^ (h >> np.uint64(27))
    h = h * _M2
    return h ^ (h >> np.uint64(31))


def _pow_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    global _powers
    if _powers is None or len(_powers[0]) < n:
        size = max(n, 1 << 16)
        with np.errstate(over="ignore"):
            pw = np.cumprod(np.full(size, _P, dtype=np.uint64), dtype=np.uint64)
            inv = np.cumprod(np.full(size, _P_INV, dtype=np.uint64), dtype=np.uint64)
        # cumprod starts at P**1; shift so index i holds P**i.
        pw = np.concatenate([np.ones(1, np.uint64), pw[:-1]])
        inv = np.concatenate([np.ones(1, np.uint64), inv[:-1]])
        _powers = (pw, inv)
    return _powers


class Spans:
    """Code points of a batch laid end to end, with prefix hashes for O(1) span hashing."""

    def __init__(self, texts: Sequence[str]) -> None:
        padded = [" " + t[:MAX_CHARS] + " " for t in texts]
        self.lengths = np.fromiter((len(t) for t in padded), dtype=np.int64, count=len(padded))
        self.starts = np.zeros(len(padded) + 1, dtype=np.int64)
        np.cumsum(self.lengths, out=self.starts[1:])
        self.codes = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        total = len(self.codes)
        pw, self._inv = _pow_tables(total + 1)
        self.prefix = np.zeros(total + 1, dtype=np.uint64)
        with np.errstate(over="ignore"):
            np.cumsum(self.codes * pw[:total], out=self.prefix[1:])
        self.doc = np.repeat(np.arange(len(padded), dtype=np.int64), self.lengths)
        self.ends = self.starts[1:][self.doc]  # end (exclusive) of the text each position belongs to

    def hash(self, start: np.ndarray, length: np.ndarray | int) -> np.ndarray:
        """Position-independent hashes of spans ``[start, start + length)``."""
        with np.errstate(over="ignore"):
            return (self.prefix[start + length] - self.prefix[start]) * self._inv[start]

    def char_ngrams(self, n: int, with_positions: bool = False):
        """(doc index, hash[, start position]) of every character n-gram inside a text."""
        pos = np.arange(len(self.codes), dtype=np.int64)
        pos = pos[pos + n <= self.ends]
        with np.errstate(over="ignore"):
            h = mix64(self.hash(pos, n) + np.uint64(n) * _K_BIGRAM)
        if with_positions:
            return self.doc[pos], h, pos
        return self.doc[pos], h

    def words(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(doc index, start, hash) of every space-separated token, in order."""
        is_space = self.codes == _SPACE
        begin = np.flatnonzero(~is_space[1:] & is_space[:-1]) + 1
        end = np.flatnonzero(is_space[1:] & ~is_space[:-1]) + 1
        # Every text is padded with spaces, so begins and ends pair up within one text.
        h = mix64(self.hash(begin, end - begin))
        return self.doc[begin], begin, h


def word_hashes(words: Sequence[str]) -> np.ndarray:
    """The word-block hash of each single token, as ``hashed_counts`` computes it."""
    return Spans(list(words)).words()[2]


def bigram_hash(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return mix64(first * _K_BIGRAM + second)


def _counts(rows: np.ndarray, cols: np.ndarray, n_rows: int) -> sp.csr_matrix:
    data = np.ones(len(rows), dtype=np.float32)
    m = sp.csr_matrix((data, (rows, cols)), shape=(n_rows, N_FEATURES), dtype=np.float32)
    m.sum_duplicates()
    return m


def hashed_counts(texts: Sequence[str]) -> sp.csr_matrix:
    """Raw n-gram counts of normalized texts, shape ``(len(texts), N_FEATURES)``."""
    n = len(texts)
    if n == 0:
        return sp.csr_matrix((0, N_FEATURES), dtype=np.float32)
    spans = Spans(texts)
    rows, cols = [], []
    doc, _, wh = spans.words()
    rows.append(doc)
    cols.append((wh >> np.uint64(64 - WORD_BITS)).astype(np.int64))
    same = doc[1:] == doc[:-1]
    bh = bigram_hash(wh[:-1][same], wh[1:][same])
    rows.append(doc[1:][same])
    cols.append((bh >> np.uint64(64 - WORD_BITS)).astype(np.int64))
    lex_rows, lex_cols, neg_rows, neg_h = cue_entries(doc, wh, same, bh)
    rows += [lex_rows, neg_rows]
    cols += [lex_cols + LEX_START, (mix64(neg_h) >> np.uint64(64 - NEG_BITS)).astype(np.int64) + N_HASHED]
    for k in CHAR_NS:
        d, h = spans.char_ngrams(k)
        rows.append(d)
        cols.append((h >> np.uint64(64 - CHAR_BITS)).astype(np.int64) + WORD_BUCKETS)
    return _counts(np.concatenate(rows), np.concatenate(cols), n)


def tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf times idf, the n-gram blocks (words, characters) each scaled to unit length, the cue
    columns as ``log1p(count) * idf`` (their idf slots hold ``NEG_SCALE`` / ``LEX_SCALE``). Works in place."""
    x = counts
    data = np.log1p(x.data, out=x.data)
    data *= idf[x.indices]
    n = x.shape[0]
    # key = 3 * row + block: one bincount gives the squared norm of every (row, block).
    key = np.repeat(np.arange(0, 3 * n, 3, dtype=np.int64), np.diff(x.indptr))
    key += x.indices >= WORD_BUCKETS
    key += x.indices >= N_HASHED
    norms = np.sqrt(np.bincount(key, data * data, minlength=3 * n)).astype(np.float32)
    np.maximum(norms, 1e-6, out=norms)
    norms[2::3] = 1.0
    data /= norms[key]
    return x


def fit_idf(counts: sp.csr_matrix) -> np.ndarray:
    """Smoothed idf (as scikit-learn's) over the documents in ``counts``."""
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
    idf[N_HASHED:LEX_START] = NEG_SCALE
    idf[LEX_START:] = LEX_SCALE
    return idf
