"""Cross-validation folds are the same in every process: near-duplicate groups are named by their first text,
not by whichever root the union-find reached in the order LSH answered (which follows Python's string
hashing, different in each process)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

from humas.nlp.cv import near_duplicate_groups


def _bridged() -> list[str]:
    """Triples where the third text is near both others, which are not near each other: the third joins
    two groups, and which root wins follows the order LSH lists its candidates in."""
    rng = random.Random(0)
    vocab = [f"kata{i}" for i in range(5000)]
    texts = []
    for _ in range(40):
        words = rng.sample(vocab, 40)
        texts += [" ".join(words[0:30]), " ".join(words[6:36]), " ".join(words[3:33])]
    return texts


SCRIPT = (
    "import json, sys; from humas.nlp.cv import near_duplicate_groups; "
    "print(json.dumps(near_duplicate_groups(json.loads(sys.stdin.read())).tolist()))"
)


def _groups_in_process(hash_seed: str, texts: list[str]) -> list[int]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        input=json.dumps(texts),
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_groups_are_named_by_their_first_text() -> None:
    texts = _bridged()
    groups = near_duplicate_groups(texts).tolist()
    assert all(groups[i] <= i and groups[groups[i]] == groups[i] for i in range(len(texts)))
    assert groups[:3] == [0, 0, 0]  # the bridge joined the first triple into one group


def test_groups_do_not_depend_on_the_hash_seed() -> None:
    texts = _bridged()
    assert (
        _groups_in_process("1", texts)
        == _groups_in_process("2", texts)
        == near_duplicate_groups(texts).tolist()
    )
