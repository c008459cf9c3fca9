"""The topik pantauan query language: parse, print, and the tokenizer both search paths share.

Grammar (operators are upper case; two terms side by side mean AND)::

    query  := or
    or     := and ("OR" and)*
    and    := unary ("AND"? unary)*
    unary  := "NOT" unary | "-" atom | atom
    atom   := "(" or ")" | '"' phrase '"' | word ["*"] | key ":" value
    key    := lang | platform | author | sentiment

Words and phrases are cut into tokens exactly as the full-text indexes cut text (runs of letters and
digits, lower-cased), so the compiled matcher, SQLite FTS5 and PostgreSQL's tsvector agree.
Errors carry the 1-based column where the problem is, in the user's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from humas.core.errors import Invalid
from humas.ingest.service.messages import tr

TOKEN_RE = re.compile(r"[^\W_]+")
FILTER_KEYS = ("lang", "platform", "author", "sentiment")
SENTIMENTS = ("positive", "negative", "neutral")
OPERATORS = ("AND", "OR", "NOT")
MAX_QUERY_LENGTH = 4000


def tokens(text: str) -> list[str]:
    """Cut text the way the full-text indexes do: runs of letters and digits, lower-cased."""
    return TOKEN_RE.findall(text.lower())


# --- AST ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or a phrase
    prefix: bool = False  # the last word is a prefix


@dataclass(frozen=True)
class Filter:
    key: str
    value: str


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Filter | Not | And | Or


# --- errors ---------------------------------------------------------------------------------------------


class QuerySyntaxError(Invalid):
    """A query that does not parse; `column` is 1-based, or None for the whole query."""

    def __init__(self, msgid: str, *, column: int | None = None, **params: Any) -> None:
        if column is not None:
            params["col"] = column
        super().__init__(tr(msgid, **params), field="query")
        self.column = column
        self.msgid = msgid


# --- lexer ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tok:
    kind: str  # ( ) - AND OR NOT WORD PHRASE FILTER
    text: str
    col: int  # 1-based
    prefix: bool = False
    key: str = ""


_SPECIAL = set('()"')


def _lex(query: str) -> list[_Tok]:
    out: list[_Tok] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            out.append(_Tok(ch, ch, i + 1))
            i += 1
        elif ch == '"':
            end = query.find('"', i + 1)
            if end < 0:
                raise QuerySyntaxError("column %(col)s: unclosed quote", column=i + 1)
            prefix = end + 1 < n and query[end + 1] == "*"
            out.append(_Tok("PHRASE", query[i + 1 : end], i + 1, prefix=prefix))
            i = end + 2 if prefix else end + 1
        elif ch == "-" and i + 1 < n and not query[i + 1].isspace() and (not out or _boundary(query, i)):
            out.append(_Tok("-", ch, i + 1))
            i += 1
        else:
            j = i
            while j < n and not query[j].isspace() and query[j] not in _SPECIAL:
                j += 1
            out.append(_word(query[i:j], i + 1))
            i = j
    return out


def _boundary(query: str, i: int) -> bool:
    return i == 0 or query[i - 1].isspace() or query[i - 1] == "("


def _word(raw: str, col: int) -> _Tok:
    if raw in OPERATORS:
        return _Tok(raw, raw, col)
    key, sep, value = raw.partition(":")
    if sep and key.lower() in FILTER_KEYS:
        return _Tok("FILTER", value, col, key=key.lower())
    prefix = raw.endswith("*")
    return _Tok("WORD", raw.rstrip("*") if prefix else raw, col, prefix=prefix)


# --- parser ---------------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.toks = _lex(query)
        self.pos = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def end_col(self) -> int:
        return len(self.query.rstrip()) + 1

    def parse(self) -> Node:
        if not self.toks:
            raise QuerySyntaxError("the query is empty")
        node = self.parse_or()
        tok = self.peek()
        if tok is not None:  # only a stray ")" can stop parse_or early
            raise QuerySyntaxError(
                "column %(col)s: closing parenthesis without an opening one", column=tok.col
            )
        return node

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.take()
            self._need_operand(tok)
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else Or(_flat(Or, children))

    def parse_and(self) -> Node:
        children = [self.parse_unary()]
        while (tok := self.peek()) is not None and tok.kind not in ("OR", ")"):
            if tok.kind == "AND":
                self.take()
                self._need_operand(tok)
            children.append(self.parse_unary())
        return children[0] if len(children) == 1 else And(_flat(And, children))

    def _need_operand(self, op: _Tok) -> None:
        nxt = self.peek()
        if nxt is None or nxt.kind in ("OR", "AND", ")"):
            raise QuerySyntaxError("column %(col)s: %(op)s needs a term after it", column=op.col, op=op.text)

    def parse_unary(self) -> Node:
        tok = self.peek()
        assert tok is not None
        if tok.kind in ("NOT", "-"):
            self.take()
            self._need_operand(tok)
            return Not(self.parse_unary() if tok.kind == "NOT" else self.parse_atom())
        if tok.kind in ("AND", "OR"):
            raise QuerySyntaxError(
                "column %(col)s: %(op)s needs a term before it", column=tok.col, op=tok.text
            )
        return self.parse_atom()

    def parse_atom(self) -> Node:
        tok = self.take()
        if tok.kind == "(":
            if (nxt := self.peek()) is not None and nxt.kind == ")":
                raise QuerySyntaxError("column %(col)s: empty parentheses", column=tok.col)
            if nxt is None:
                raise QuerySyntaxError("column %(col)s: unclosed parenthesis", column=tok.col)
            node = self.parse_or()
            close = self.peek()
            if close is None or close.kind != ")":
                raise QuerySyntaxError("column %(col)s: unclosed parenthesis", column=tok.col)
            self.take()
            return node
        if tok.kind == ")":
            raise QuerySyntaxError(
                "column %(col)s: closing parenthesis without an opening one", column=tok.col
            )
        if tok.kind == "FILTER":
            return _filter(tok)
        return _term(tok)


def _flat(cls: type[And] | type[Or], children: list[Node]) -> tuple[Node, ...]:
    out: list[Node] = []
    for child in children:
        out.extend(child.children if isinstance(child, cls) else (child,))
    return tuple(out)


def _term(tok: _Tok) -> Term:
    words = tuple(tokens(tok.text))
    if not words:
        raise QuerySyntaxError("column %(col)s: empty term", column=tok.col)
    if tok.prefix and len(words[-1]) < 2:
        raise QuerySyntaxError("column %(col)s: a prefix needs at least 2 letters", column=tok.col)
    return Term(words, tok.prefix)


def _filter(tok: _Tok) -> Filter:
    value = tok.text.strip().lower()
    if tok.key == "author":
        value = value.lstrip("@")
    if not value:
        raise QuerySyntaxError("column %(col)s: filter %(key)s needs a value", column=tok.col, key=tok.key)
    if tok.key == "sentiment" and value not in SENTIMENTS:
        raise QuerySyntaxError(
            "column %(col)s: unknown sentiment %(value)s (positive, negative, neutral)",
            column=tok.col,
            value=value,
        )
    return Filter(tok.key, value)


def parse(query: str) -> Node:
    """Parse a query into its tree; raises QuerySyntaxError naming the column."""
    if len(query) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError("the query is longer than %(max)s characters", max=MAX_QUERY_LENGTH)
    return _Parser(query).parse()


# --- printer --------------------------------------------------------------------------------------------


def to_text(node: Node) -> str:
    """The canonical text of a tree: parse(to_text(tree)) == tree."""
    if isinstance(node, Term):
        star = "*" if node.prefix else ""
        if len(node.words) == 1 and node.words[0].upper() not in OPERATORS:
            return node.words[0] + star
        return '"' + " ".join(node.words) + '"' + star
    if isinstance(node, Filter):
        return f"{node.key}:{'@' if node.key == 'author' else ''}{node.value}"
    if isinstance(node, Not):
        inner = to_text(node.child)
        return f"NOT ({inner})" if isinstance(node.child, And | Or) else f"NOT {inner}"
    joiner = " AND " if isinstance(node, And) else " OR "
    return joiner.join(f"({to_text(c)})" if isinstance(c, And | Or) else to_text(c) for c in node.children)


def terms_of(node: Node) -> list[Term]:
    """Every term in the tree, in order."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Filter):
        return []
    if isinstance(node, Not):
        return terms_of(node.child)
    return [t for c in node.children for t in terms_of(c)]
