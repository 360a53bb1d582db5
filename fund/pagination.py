"""Where a page lies in a list counted by SQL: the pages of every paginated list."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

# The rows a page of a list holds, unless the list says otherwise (a queue of 50, a short list).
PER_PAGE = 25


def last_page(count: int, per_page: int) -> int:
    """The number of pages of `count` rows (1 for an empty list)."""
    return max(1, -(-count // per_page))


def clamp_page(page: int, count: int, per_page: int) -> int:
    """`page` within 1..the last page (a page past the end shows the last one)."""
    return min(max(1, page), last_page(count, per_page))


@dataclass
class Paging:
    """Page `page` of a list of `count` rows, `per_page` a page (pages numbered from 1)."""

    count: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return last_page(self.count, self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def first(self) -> int:
        """Position of the page's first row in the list (1-based; 0 for an empty list)."""
        return self.offset + 1 if self.count else 0

    @property
    def last(self) -> int:
        return min(self.offset + self.per_page, self.count)

    def window(self, around: int = 2) -> list[int | None]:
        """The page numbers to link: the first, the last and those around the current one;
        None where two or more numbers are left out."""
        shown = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        numbers = sorted(n for n in shown if 1 <= n <= self.pages)
        found: list[int | None] = []
        previous = 0
        for n in numbers:
            if n - previous == 2:  # a single number left out: show it rather than a gap
                found.append(n - 1)
            elif n - previous > 2:
                found.append(None)
            found.append(n)
            previous = n
        return found


@dataclass
class Page(Paging, Generic[T]):
    """One page of a list: its `rows`, where it lies, and `count`, the rows of the whole list
    (SQL COUNT). A list with more to say of the whole list (a total, a count of unread rows)
    adds it in a subclass."""

    rows: list[T] = field(default_factory=list)

    @property
    def total(self) -> int:
        """The rows of the whole list, as the lists' pages word it."""
        return self.count


def paging(count: int, page: int, per_page: int) -> Paging:
    """The page asked for, within 1 and the last page."""
    return Paging(count, clamp_page(page, count, per_page), per_page)
