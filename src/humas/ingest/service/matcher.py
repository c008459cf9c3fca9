"""Thousands of saved queries against each mention at once.

Every distinct term of every query goes into one Aho-Corasick automaton over the mention's token string
(" tok tok tok "): a word is the pattern " w ", a phrase " w1 w2 ", a prefix " pre". One pass finds every
term present; only the queries that use a found term (plus the few that can match without any term, e.g.
`lang:id` or `NOT promo`) are evaluated, each compiled once to a Python function over the set of found terms.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import ahocorasick

from humas.ingest.service.querylang import And, Filter, Node, Not, Or, Term, parse, terms_of, tokens


class Matchable(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def language(self) -> str | None: ...
    @property
    def platform(self) -> str: ...
    @property
    def author_handle(self) -> str | None: ...
    @property
    def sentiment(self) -> str | None: ...


@dataclass(frozen=True)
class MentionView:
    """The fields a query looks at (the pipeline builds these before the row exists)."""

    text: str
    language: str | None = None
    platform: str = ""
    author_handle: str | None = None
    sentiment: str | None = None


_FIELD = {"lang": "lang", "platform": "platform", "author": "author", "sentiment": "sentiment"}


def _pattern(term: Term) -> str:
    return " " + " ".join(term.words) + ("" if term.prefix else " ")


class Matcher:
    """Compiled from (query id, query tree) pairs; `match(mention)` returns the ids of matching queries."""

    def __init__(self, queries: Iterable[tuple[int, Node]]) -> None:
        self._term_ids: dict[str, int] = {}
        self._by_term: dict[int, list[int]] = {}
        self._always: list[int] = []
        self._funcs: dict[int, Any] = {}
        for query_id, tree in queries:
            self._add(query_id, tree)
        self._automaton: Any = None
        if self._term_ids:
            self._automaton = ahocorasick.Automaton()
            for pattern, term_id in self._term_ids.items():
                self._automaton.add_word(pattern, term_id)
            self._automaton.make_automaton()

    # The (query id, text) pairs a matcher was compiled from (from_texts): an analysis process compiles the
    # same matcher from them (service/stream.py).
    source: tuple[tuple[int, str], ...] | None = None

    @classmethod
    def from_texts(cls, queries: Iterable[tuple[int, str]]) -> Matcher:
        pairs = tuple((int(qid), str(text)) for qid, text in queries)
        matcher = cls((qid, parse(text)) for qid, text in pairs)
        matcher.source = pairs
        return matcher

    def __len__(self) -> int:
        return len(self._funcs)

    def _term_id(self, term: Term) -> int:
        return self._term_ids.setdefault(_pattern(term), len(self._term_ids))

    def _add(self, query_id: int, tree: Node) -> None:
        source = _compile(tree, self._term_id)
        self._funcs[query_id] = eval(f"lambda h, lang, platform, author, sentiment: {source}")  # noqa: S307
        if _can_match_without_terms(tree):
            self._always.append(query_id)
        else:
            for term_id in {self._term_id(t) for t in terms_of(tree)}:
                self._by_term.setdefault(term_id, []).append(query_id)

    def found_terms(self, text: str) -> set[int]:
        if self._automaton is None:
            return set()
        haystack = " " + " ".join(tokens(text)) + " "
        return {term_id for _end, term_id in self._automaton.iter(haystack)}

    def match(self, mention: Matchable) -> list[int]:
        hits = self.found_terms(mention.text)
        candidates: set[int] = set(self._always)
        by_term = self._by_term
        for term_id in hits:
            candidates.update(by_term.get(term_id, ()))
        if not candidates:
            return []
        lang = (mention.language or "").lower()
        platform = (mention.platform or "").lower()
        author = (mention.author_handle or "").lstrip("@").lower()
        sentiment = (mention.sentiment or "").lower()
        funcs = self._funcs
        return sorted(q for q in candidates if funcs[q](hits, lang, platform, author, sentiment))

    def match_many(self, mentions: Sequence[Matchable]) -> list[list[int]]:
        return [self.match(m) for m in mentions]


def _compile(node: Node, term_id: Any) -> str:
    if isinstance(node, Term):
        return f"({term_id(node)} in h)"
    if isinstance(node, Filter):
        return f"({_FIELD[node.key]} == {node.value!r})"
    if isinstance(node, Not):
        return f"(not {_compile(node.child, term_id)})"
    joiner = " and " if isinstance(node, And) else " or "
    return "(" + joiner.join(_compile(c, term_id) for c in node.children) + ")"


def _evaluate(node: Node, terms: bool, filters: dict[Filter, bool]) -> bool:
    if isinstance(node, Term):
        return terms
    if isinstance(node, Filter):
        return filters[node]
    if isinstance(node, Not):
        return not _evaluate(node.child, terms, filters)
    values = (_evaluate(c, terms, filters) for c in node.children)
    return all(values) if isinstance(node, And) else any(values)


def _filters_of(node: Node) -> list[Filter]:
    if isinstance(node, Filter):
        return [node]
    if isinstance(node, Term):
        return []
    if isinstance(node, Not):
        return _filters_of(node.child)
    return [f for c in node.children for f in _filters_of(c)]


def _can_match_without_terms(tree: Node) -> bool:
    """True when some choice of filter values makes the query true with no term present."""
    filters = sorted(set(_filters_of(tree)), key=repr)
    if len(filters) > 10:
        return True
    for values in itertools.product((False, True), repeat=len(filters)):
        if _evaluate(tree, False, dict(zip(filters, values, strict=True))):
            return True
    return False


def explain(tree: Node, mention: Matchable) -> bool:
    """Evaluate one query the slow, obvious way (tests compare the compiled matcher with it)."""
    words = tokens(mention.text)
    joined = " " + " ".join(words) + " "

    def ev(node: Node) -> bool:
        if isinstance(node, Term):
            return _pattern(node) in joined
        if isinstance(node, Filter):
            field = {
                "lang": mention.language,
                "platform": mention.platform,
                "author": (mention.author_handle or "").lstrip("@"),
                "sentiment": mention.sentiment,
            }[node.key]
            return (field or "").lower() == node.value
        if isinstance(node, Not):
            return not ev(node.child)
        results = [ev(c) for c in node.children]
        return all(results) if isinstance(node, And) else any(results)

    return ev(tree)


__all__ = ["Matcher", "MentionView", "explain", "Or"]
