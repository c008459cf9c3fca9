"""The query language: round trips (hypothesis), error columns, messages in Indonesian and English."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from humas.core.i18n import use_locale
from humas.ingest.service.querylang import (
    And,
    Filter,
    Not,
    Or,
    QuerySyntaxError,
    Term,
    parse,
    to_text,
    tokens,
)

WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789éü", min_size=1, max_size=8)
TERMS = st.builds(
    lambda words, prefix: Term(tuple(words), prefix and len(words[-1]) >= 2),
    st.lists(WORDS, min_size=1, max_size=3),
    st.booleans(),
)
FILTERS = st.one_of(
    st.builds(Filter, st.just("lang"), st.sampled_from(["id", "en", "other"])),
    st.builds(Filter, st.just("platform"), st.sampled_from(["x", "instagram", "news", "youtube"])),
    st.builds(Filter, st.just("author"), st.from_regex(r"[a-z0-9_]{1,12}", fullmatch=True)),
    st.builds(Filter, st.just("sentiment"), st.sampled_from(["positive", "negative", "neutral"])),
)


def _trees(children: st.SearchStrategy) -> st.SearchStrategy:
    def flat(cls, nodes):  # canonical trees: no And directly inside And, no Or inside Or
        out = []
        for node in nodes:
            out.extend(node.children if isinstance(node, cls) else (node,))
        return cls(tuple(out))

    return st.one_of(
        st.builds(Not, children),
        st.lists(children, min_size=2, max_size=4).map(lambda xs: flat(And, xs)),
        st.lists(children, min_size=2, max_size=4).map(lambda xs: flat(Or, xs)),
    )


TREES = st.recursive(st.one_of(TERMS, FILTERS), _trees, max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(TREES)
def test_round_trip_tree(tree):
    assert parse(to_text(tree)) == tree


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet='abc "()-*:ANDORTlangsentimplf@ ', max_size=40))
def test_any_input_parses_or_fails_with_a_column(text):
    try:
        tree = parse(text)
    except QuerySyntaxError as exc:
        assert exc.column is None or 1 <= exc.column <= len(text) + 1
        return
    assert parse(to_text(tree)) == tree  # printing is canonical and stable


def test_operators_phrases_prefix_and_filters():
    tree = parse('"pajak daerah" AND (kppn OR djpb) -promo lang:id author:@KemenkeuRI pajak*')
    assert tree == And(
        (
            Term(("pajak", "daerah")),
            Or((Term(("kppn",)), Term(("djpb",)))),
            Not(Term(("promo",))),
            Filter("lang", "id"),
            Filter("author", "kemenkeuri"),
            Term(("pajak",), prefix=True),
        )
    )


def test_implicit_and_binds_tighter_than_or():
    assert parse("a b OR c") == Or((And((Term(("a",)), Term(("b",)))), Term(("c",))))


def test_words_are_cut_like_the_index():
    assert tokens("E-KTP rusak!! Covid-19") == ["e", "ktp", "rusak", "covid", "19"]
    assert parse("covid-19") == Term(("covid", "19"))
    assert parse("NOT NOT x") == Not(Not(Term(("x",))))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"pajak" AND (kppn OR djpb', "kolom 13: tanda kurung tidak ditutup"),
        ("pajak AND", "kolom 7: AND memerlukan istilah sesudahnya"),
        ("OR pajak", "kolom 1: OR memerlukan istilah sebelumnya"),
        ("pajak) kppn", "kolom 6: tanda kurung tutup tanpa pembuka"),
        ('pajak "kppn jakarta', "kolom 7: tanda kutip tidak ditutup"),
        ("pajak ()", "kolom 7: tanda kurung kosong"),
        ("pajak sentiment:marah", "kolom 7: sentimen marah tidak dikenal (positive, negative, neutral)"),
        ("lang: pajak", "kolom 1: filter lang memerlukan nilai"),
        ("pajak a*", "kolom 7: awalan memerlukan sedikitnya 2 huruf"),
        ("pajak !!!", "kolom 7: istilah kosong"),
        ("   ", "kueri kosong"),
    ],
)
def test_error_positions_in_indonesian(query, message):
    with pytest.raises(QuerySyntaxError) as info:
        parse(query)
    assert str(info.value) == message
    assert info.value.field == "query"


def test_issue_example_column_14():
    with pytest.raises(QuerySyntaxError) as info:
        parse('lang:id pajak (kppn OR "djpb"')
    assert str(info.value) == "kolom 15: tanda kurung tidak ditutup"
    with pytest.raises(QuerySyntaxError) as info:
        parse('"djpb" pajak (kppn OR djpb')
    assert info.value.column == 14
    assert str(info.value) == "kolom 14: tanda kurung tidak ditutup"


def test_errors_in_english():
    with pytest.raises(QuerySyntaxError) as info:
        parse("(pajak")
    with use_locale("en"):  # the message is rendered when shown, in the reader's language
        assert str(info.value) == "column 1: unclosed parenthesis"
