"""Near-duplicate grouping: MinHash-LSH whose band buckets live in the database.

A MinHash signature is cut into bands of 8 values (nlp's 32 values make 4 bands: a pair with Jaccard
similarity 0.9 shares a band with probability 0.89, at 0.8 with 0.52, at 0.5 with 0.016; 64 values would make
8 bands). Each band hashes to a 63-bit bucket key; the
`near_dup_buckets` table maps a key to the group that first filled it. Because the buckets are rows written
in the same transaction as the mentions, the index survives restarts and a rolled-back batch leaves no trace.

A mention's `near_dup_group` is the id of the group's first mention; it stays NULL while a mention has no
near-duplicate, and the founder gets its own id when the second member arrives.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from humas.core.sql import dialect_of, insert_ignore, pg_int_array
from humas.ingest.models import Mention, NearDupBucket

ROWS = 8
MAX_BANDS = 16
_SEEDS = np.random.default_rng(20261124).integers(1, 2**63 - 1, size=(MAX_BANDS, ROWS), dtype=np.int64)
_MULT = _SEEDS.astype(np.uint64) | np.uint64(1)
_BAND_SALT = np.arange(1, MAX_BANDS + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)


def bucket_keys(signatures: Sequence[Sequence[int]]) -> np.ndarray:
    """(n, bands) int64 bucket keys, stable across processes and versions."""
    if not len(signatures):
        return np.zeros((0, 1), dtype=np.int64)
    sig = np.asarray(signatures, dtype=np.uint64)
    bands = min(sig.shape[1] // ROWS, MAX_BANDS)
    sig = sig[:, : bands * ROWS].reshape(len(sig), bands, ROWS)
    with np.errstate(over="ignore"):
        mixed = (sig * _MULT[:bands]).sum(axis=2, dtype=np.uint64) ^ _BAND_SALT[:bands]
        mixed ^= mixed >> np.uint64(29)
        mixed *= np.uint64(0xBF58476D1CE4E5B9)
        mixed ^= mixed >> np.uint64(32)
    return (mixed >> np.uint64(1)).astype(np.int64)


def _existing(session: Session, keys: list[int]) -> dict[int, int]:
    if dialect_of(session) == "postgresql":
        sql = "SELECT key, group_id FROM near_dup_buckets WHERE key = ANY(%s::bigint[])"
        return dict(session.connection().exec_driver_sql(sql, (pg_int_array(keys),)).all())  # type: ignore[arg-type]
    found: dict[int, int] = {}
    for start in range(0, len(keys), 900):
        chunk = keys[start : start + 900]
        rows = session.execute(
            select(NearDupBucket.key, NearDupBucket.group_id).where(NearDupBucket.key.in_(chunk))
        )
        found.update({key: group for key, group in rows})
    return found


def assign_groups(session: Session, mention_ids: Sequence[int], signatures: Sequence[Sequence[int]]) -> int:
    """Place new mentions (in arrival order) into near-duplicate groups; returns how many joined one."""
    keys = bucket_keys(signatures)
    if not len(keys):
        return 0
    known = _existing(session, sorted({int(k) for k in keys.ravel()}))
    new_buckets: dict[int, int] = {}
    joined: dict[int, int] = {}  # mention id -> group id
    for mention_id, row in zip(mention_ids, keys.tolist(), strict=True):
        group = next((known[k] for k in row if k in known), None)
        if group is None:
            group = mention_id
        else:
            joined[mention_id] = group
        for key in row:
            if key not in known:
                known[key] = group
                new_buckets[key] = group
    if new_buckets:
        insert_ignore(session, NearDupBucket, [{"key": k, "group_id": g} for k, g in new_buckets.items()])
    if joined and dialect_of(session) == "postgresql":
        _pg_set_groups(session, joined)
    elif joined:
        session.execute(update(Mention), [{"id": m, "near_dup_group": g} for m, g in joined.items()])
        founders = sorted(set(joined.values()))
        session.execute(
            update(Mention)
            .where(Mention.id.in_(founders), Mention.near_dup_group.is_(None))
            .values(near_dup_group=Mention.id)
            .execution_options(synchronize_session=False)
        )
    return len(joined)


def _pg_set_groups(session: Session, joined: dict[int, int]) -> None:
    """One statement: each joining mention gets its group, each founder its own id unless it has one."""
    founders = set(joined.values()) - set(joined)
    ids = sorted(set(joined) | founders)
    sql = (
        "UPDATE mentions AS m SET near_dup_group = v.grp "
        "FROM unnest(%s::bigint[], %s::bigint[], %s::boolean[]) AS v(id, grp, founder) "
        "WHERE m.id = v.id AND (NOT v.founder OR m.near_dup_group IS NULL)"
    )
    founder = "{" + ",".join("f" if i in joined else "t" for i in ids) + "}"
    params = (pg_int_array(ids), pg_int_array([joined.get(i, i) for i in ids]), founder)
    session.connection().exec_driver_sql(sql, params)
