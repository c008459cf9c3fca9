"""Near-duplicate signatures: datasketch-compatible MinHash over character 5-gram shingles, in bulk.

The signature of a text is exactly ``datasketch.MinHash(num_perm=NUM_PERM, seed=SEED,
hashfunc=shingle_hash)`` updated with every 5-character shingle of ``" " + normalize(text) + " "``
(shingles starting in its first 1,000 characters), each shingle given as its UTF-32-LE bytes;
``minhash_lsh`` builds a matching ``datasketch.MinHashLSH``. Computed here vectorised with numpy.
A text shorter than the shingle has the empty signature (every value ``2**32 - 1``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from humas.nlp.features import Spans, _pow_tables, mix64

NUM_PERM = 32
SEED = 1
SHINGLE = 5
_PRIME = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)
_K = np.uint64(0x9E3779B97F4A7C15)
_CHUNK = 8192
_61 = np.uint64(61)
MAX_CHARS = 1000  # shingles start in the first 1,000 characters of the padded text


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    # Same draw as datasketch.MinHash._init_permutations (importing datasketch costs a second at start-up).
    gen = np.random.RandomState(SEED)
    pairs = [
        (gen.randint(1, _PRIME, dtype=np.uint64), gen.randint(0, _PRIME, dtype=np.uint64))
        for _ in range(NUM_PERM)
    ]
    a, b = np.array(pairs, dtype=np.uint64).T
    return a, b


def _to32(h: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return mix64(h + np.uint64(SHINGLE) * _K) >> np.uint64(32)


def shingle_hash(shingle: bytes) -> int:
    """The 32-bit hash of one shingle (UTF-32-LE bytes), for ``datasketch.MinHash(hashfunc=...)``."""
    codes = np.frombuffer(shingle, dtype=np.uint32).astype(np.uint64)
    powers, _ = _pow_tables(len(codes) + 1)
    with np.errstate(over="ignore"):
        h = np.sum(codes * powers[: len(codes)], dtype=np.uint64)
    return int(_to32(np.array([h], dtype=np.uint64))[0])


def signatures(normalized: Sequence[str], spans: Spans | None = None) -> np.ndarray:
    """``(len(normalized), NUM_PERM)`` uint64 MinHash values of already normalized texts."""
    n = len(normalized)
    out = np.full((n, NUM_PERM), _MAX_HASH, dtype=np.uint64)
    if n == 0:
        return out
    spans = spans or Spans(normalized)
    doc, h, pos = spans.char_ngrams(SHINGLE, with_positions=True)
    keep = pos - spans.starts[doc] < MAX_CHARS  # starts[doc] is the padded text's first position
    doc, hv = doc[keep], h[keep] >> np.uint64(32)  # h is already mix64(raw + SHINGLE * K), as _to32
    a, b = _permutations()
    # NOTE: same uint64 wrapping arithmetic as datasketch's update_batch, in chunks to bound memory and
    # with in-place operations (this loop is the largest cost of analyze()).
    x = np.empty((_CHUNK, NUM_PERM), dtype=np.uint64)
    t = np.empty((_CHUNK, NUM_PERM), dtype=np.uint64)
    mask = np.empty((_CHUNK, NUM_PERM), dtype=bool)
    for lo in range(0, len(hv), _CHUNK):
        d, v = doc[lo : lo + _CHUNK], hv[lo : lo + _CHUNK]
        k = len(v)
        xs, ts, ms = x[:k], t[:k], mask[:k]
        np.multiply(v[:, None], a, out=xs)
        np.add(xs, b, out=xs)
        # x % (2**61 - 1) without a division: x < 2**64, so one fold and one subtraction suffice.
        np.right_shift(xs, _61, out=ts)
        np.bitwise_and(xs, _PRIME, out=xs)
        np.add(xs, ts, out=xs)
        np.greater_equal(xs, _PRIME, out=ms)
        np.subtract(xs, _PRIME, out=xs, where=ms)
        np.bitwise_and(xs, _MAX_HASH, out=xs)
        starts = np.flatnonzero(np.r_[True, d[1:] != d[:-1]])
        mins = np.minimum.reduceat(xs, starts, axis=0)
        docs = d[starts]
        out[docs] = np.minimum(out[docs], mins)
    return out


def minhash_signature(text: str) -> tuple[int, ...]:
    """MinHash signature of one raw text (normalized first)."""
    from humas.nlp.normalize import normalize

    return tuple(int(v) for v in signatures([normalize(text)])[0])


def to_datasketch(signature: Sequence[int]):  # -> datasketch.MinHash
    """A ``datasketch.MinHash`` holding a signature, for ``MinHashLSH.insert`` / ``query``."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, hashvalues=np.asarray(signature, dtype=np.uint64))


def minhash_lsh(threshold: float = 0.8, num_perm: int = NUM_PERM):  # -> datasketch.MinHashLSH
    """A ``datasketch.MinHashLSH`` that accepts ``to_datasketch(analysis.minhash)``."""
    from datasketch import MinHashLSH

    if num_perm != NUM_PERM:
        raise ValueError(f"signatures have num_perm={NUM_PERM}")
    return MinHashLSH(threshold=threshold, num_perm=num_perm)
