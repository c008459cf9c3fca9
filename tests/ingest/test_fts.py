"""Full-text search (SQLite FTS5, PostgreSQL tsvector) selects exactly what the compiled matcher matches."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from humas.ingest.models import Mention
from humas.ingest.service import pipeline
from humas.ingest.service import queries as queries_service
from humas.ingest.service.matcher import Matcher, MentionView, explain
from humas.ingest.service.querylang import Term, to_text
from tests.factories import make_unit
from tests.ingest.helpers import fake_analyze, item
from tests.ingest.test_matcher import VOCAB
from tests.ingest.test_querylang import TREES

HANDLES = ["warga1", "@Warga2", None]


def _store_corpus(session, unit, n=150, seed=3):
    rng = random.Random(seed)
    items = []
    for _ in range(n):
        words = [rng.choice(VOCAB + ["the"]) for _ in range(rng.randint(1, 10))]
        text = rng.choice([" ", ", ", "-", "!! ", "\n"]).join(
            w.upper() if rng.random() < 0.2 else w for w in words
        )
        items.append(item(text, platform=rng.choice(["x", "news"]), author_handle=rng.choice(HANDLES)))
    pipeline.ingest_items(session, items, unit=unit, analyzer=fake_analyze, matcher=Matcher([]))
    return list(session.scalars(select(Mention).order_by(Mention.id)))


def _remap(node, rng):
    if isinstance(node, Term):
        words = tuple(rng.choice(VOCAB) for _ in node.words)
        return Term(words, node.prefix and len(words[-1]) >= 2)
    if hasattr(node, "children"):
        return type(node)(tuple(_remap(c, rng) for c in node.children))
    if hasattr(node, "child"):
        return type(node)(_remap(node.child, rng))
    if node.key == "author":
        return type(node)("author", rng.choice(["warga1", "warga2", "nobody"]))
    return node


def _view(m: Mention) -> MentionView:
    return MentionView(m.text, m.language, m.platform, m.author_handle, m.sentiment)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=TREES, seed=st.integers(0, 1000))
def test_search_agrees_with_matcher(session, tree, seed):
    # The session (and the stored corpus) is shared by every example of this test.
    if "corpus" not in session.info:
        session.info["corpus"] = _store_corpus(session, make_unit(session))
    mentions = session.info["corpus"]
    query = _remap(tree, random.Random(seed))
    expected = {m.id for m in mentions if explain(query, _view(m))}
    compiled = Matcher([(1, query)])
    assert expected == {m.id for m in mentions if compiled.match(_view(m))}
    found = set(queries_service.search_ids(session, to_text(query), limit=10_000))
    assert found == expected, to_text(query)


def test_examples(session):
    unit = make_unit(session)
    texts = ["Pajak daerah naik", "promo PAJAK murah", "E-KTP rusak", "pajakku lunas", "kppn-jakarta antri"]
    result = pipeline.ingest_items(session, [item(t) for t in texts], unit=unit, analyzer=fake_analyze)
    ids = dict(zip(texts, result.added_ids, strict=True))

    def search(q):
        return {t for t, i in ids.items() if i in set(queries_service.search_ids(session, q))}

    assert search("pajak -promo") == {"Pajak daerah naik"}
    assert search("pajak*") == {"Pajak daerah naik", "promo PAJAK murah", "pajakku lunas"}
    assert search('"e ktp"') == {"E-KTP rusak"}
    assert search("kppn AND jakarta") == {"kppn-jakarta antri"}
    assert search("NOT pajak* sentiment:neutral") == {"E-KTP rusak", "kppn-jakarta antri"}
    assert search('"daerah naik" OR lunas') == {"Pajak daerah naik", "pajakku lunas"}


def test_two_text_parts_get_distinct_full_text_ctes():
    """Two text parts kept apart by filters become two CTEs; they must never share a name (flaky anon_1)."""
    import gc

    from sqlalchemy.dialects import postgresql

    from humas.ingest.service import fts
    from humas.ingest.service.querylang import parse

    tree = parse("(pajak lang:id) OR (gaji platform:x)")
    for _ in range(50):  # anonymous names came from freed objects' ids: churn them
        where = fts.condition(tree, "postgresql")
        # The young generations hold what this loop freed; a full collection walks the whole (large) heap of
        # a long test run and cost 86 s of the suite.
        gc.collect(1)
        sql = str(select(Mention.id).where(where).compile(dialect=postgresql.dialect()))
        names = [line.split(" AS ")[0].split()[-1] for line in sql.splitlines() if " AS MATERIALIZED" in line]
        assert len(names) == 2 and len(set(names)) == 2, sql
