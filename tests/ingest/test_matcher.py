"""The compiled Aho-Corasick matcher gives the same answers as evaluating each query the obvious way."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from humas.ingest.service.matcher import Matcher, MentionView, explain
from humas.ingest.service.querylang import parse
from tests.ingest.test_querylang import TREES

VOCAB = "pajak kppn djpb promo layanan lambat bagus e ktp rusak covid 19 antri online paja pajakku".split()


def corpus(seed: int, n: int) -> list[MentionView]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = [rng.choice(VOCAB) for _ in range(rng.randint(1, 12))]
        text = rng.choice([" ", ", ", "-", "!! "]).join(w.upper() if rng.random() < 0.2 else w for w in words)
        out.append(
            MentionView(
                text=text,
                language=rng.choice(["id", "en", None]),
                platform=rng.choice(["x", "news", "instagram"]),
                author_handle=rng.choice(["@warga1", "warga2", None]),
                sentiment=rng.choice(["positive", "negative", "neutral", None]),
            )
        )
    return out


def test_examples():
    m = Matcher.from_texts(
        [
            (1, "pajak -promo"),
            (2, "lang:id"),
            (3, '"e ktp" rusak'),
            (4, "paja*"),
            (5, "NOT pajak"),
            (6, "djpb OR kppn"),
        ]
    )
    assert m.match(MentionView("Pajak naik di KPPN", language="id", platform="x")) == [1, 2, 4, 6]
    assert m.match(MentionView("E-KTP rusak lagi", language="en", platform="x")) == [3, 5]
    assert m.match(MentionView("promo pajakku", platform="x")) == [4, 5]  # "pajakku" is not the word "pajak"


@settings(max_examples=60, deadline=None)
@given(st.lists(TREES, min_size=1, max_size=25), st.integers(0, 10_000))
def test_compiled_matcher_agrees_with_plain_evaluation(trees, seed):
    from humas.ingest.service.querylang import Term

    # Draw terms from the corpus vocabulary so that queries actually hit.
    rng = random.Random(seed)

    def remap(node):
        if isinstance(node, Term):
            words = tuple(rng.choice(VOCAB) for _ in node.words)
            return Term(words, node.prefix and len(words[-1]) >= 2)
        if hasattr(node, "children"):
            return type(node)(tuple(remap(c) for c in node.children))
        if hasattr(node, "child"):
            return type(node)(remap(node.child))
        return node

    queries = [(i, remap(t)) for i, t in enumerate(trees, start=1)]
    matcher = Matcher(queries)
    for mention in corpus(seed, 40):
        expected = [qid for qid, tree in queries if explain(tree, mention)]
        assert matcher.match(mention) == expected


def test_thousand_queries_compile_and_match():
    rng = random.Random(7)
    texts = [(i, f"{rng.choice(VOCAB)} {rng.choice(VOCAB)} -{rng.choice(VOCAB)}") for i in range(1, 1001)]
    matcher = Matcher.from_texts(texts)
    assert len(matcher) == 1000
    mention = MentionView("pajak kppn layanan lambat")
    assert matcher.match(mention) == [q for q, t in texts if explain(parse(t), mention)]
