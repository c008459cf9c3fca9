"""One page of a list, with the total: every list a person reads is paginated the same way.

A service returns `Page` (its items, the total count, which page and the page size) from `paginate` (a
SQL statement: one COUNT and one LIMIT/OFFSET query) or `paginate_list` (a list already built in Python,
such as a tree in depth-first order). The web shows it with the `pager` macro of `_macros.html`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
PAGE_SIZE = 25
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    number: int  # 1-based, within 1..pages
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first(self) -> int:
        """The 1-based position of the first item shown (0 when the list is empty)."""
        return 0 if not self.items else (self.number - 1) * self.size + 1

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0

    def __iter__(self) -> Any:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def _bounds(total: int, number: int | None, size: int | None) -> tuple[int, int]:
    size = min(max(size or PAGE_SIZE, 1), MAX_PAGE_SIZE)
    pages = max(1, -(-total // size))
    # A page past the end shows the last page (a list that shrank since the link was made), not nothing.
    return min(max(number or 1, 1), pages), size


def paginate(
    session: Session,
    stmt: Select[Any],
    *,
    page: int | None = None,
    size: int | None = None,
    scalars: bool = True,
) -> Page[Any]:
    """One page of an ordered statement and the count of all its rows (two queries)."""
    total = int(session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
    number, size = _bounds(total, page, size)
    limited = stmt.limit(size).offset((number - 1) * size)
    items = list(session.scalars(limited)) if scalars else list(session.execute(limited))
    return Page(items, total, number, size)


def paginate_list(items: Sequence[T], *, page: int | None = None, size: int | None = None) -> Page[T]:
    """One page of a list built in Python."""
    number, size = _bounds(len(items), page, size)
    start = (number - 1) * size
    return Page(list(items[start : start + size]), len(items), number, size)
