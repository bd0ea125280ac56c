"""The orders a view of papers can be sorted in, for the app's sort key and `--sort` in the CLI.

`relevance` keeps the search's ranking (only meaningful while searching); `newest seen` the day a
digest first showed the paper (then as the digest listed them); `paper date` the paper's own
date (as its source stated it, else its arXiv id's month, else when it was seen);
`upvotes` the Daily Papers upvotes; `title` A–Z; `for you` best match for what the reader keeps
first (the recommender's ranking; as given on a cold start). Other modules may add an order with
`register_order` (a ranking of their own).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .library import Library
    from .paper import Paper

RELEVANCE = "relevance"
NEWEST = "newest seen"
FOR_YOU = "for you"

Arrange = Callable[["Library", list[str]], list[str]]


@dataclass(frozen=True, slots=True)
class Order:
    name: str
    arrange: Arrange  # ids in, the same ids in this order out
    needs_search: bool = False  # offered only while searching (relevance)


def paper_date(paper: Paper) -> str:
    """The paper's own date (as its source stated it, or its arXiv id's month), else when it was seen."""
    return paper.published or paper.date


def upvotes(paper: Paper) -> int:
    value = paper.extra.get("upvotes") if paper.extra else None
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def _by(column: str, *, reverse: bool) -> Arrange:
    """Sorted by one of the library's columns (`Library.sorted_by`: no paper is read). Stable: ties
    keep the order they came in (newest seen, or the search's ranking)."""

    def arrange(library: Library, ids: list[str]) -> list[str]:
        return library.sorted_by(ids, column, reverse=reverse)

    return arrange


ORDERS: dict[str, Order] = {}


def register_order(order: Order) -> None:
    """Offer another order (its name is shown in the list header and the sort menu)."""
    ORDERS[order.name] = order


register_order(Order(RELEVANCE, lambda _library, ids: ids, needs_search=True))
register_order(Order(NEWEST, _by(NEWEST, reverse=True)))  # the day first seen, then digest and line order
register_order(Order("paper date", _by("paper date", reverse=True)))  # as `paper_date`
register_order(Order("upvotes", _by("upvotes", reverse=True)))  # as `upvotes`
register_order(Order("title", _by("title", reverse=False)))  # folded (case and accents aside)


def _for_you(library: Library, ids: list[str]) -> list[str]:
    """Learned from every paper kept (the app's For you · LIST scope ranks for its list itself).
    The recommender loads numpy and the vectors only when this order is used."""
    return library.recommender.ordered(ids)


register_order(Order(FOR_YOU, _for_you))


def available(searching: bool) -> list[str]:
    return [name for name, order in ORDERS.items() if searching or not order.needs_search]


def effective(name: str, searching: bool) -> str:
    """The order actually used: relevance while searching unless another was chosen; newest otherwise."""
    if name in ORDERS and (searching or not ORDERS[name].needs_search):
        return name
    return RELEVANCE if searching else NEWEST


def sort_ids(library: Library, ids: Sequence[str], name: str, *, searching: bool, leading: int = 0) -> list[str]:
    """`ids` in this order. `leading`: how many of the first ids (a search's results that match every
    word, which its ranking puts first) stay ahead of the rest, each part in this order: sorted by
    date, a search for three words would otherwise bury them under papers matching one."""
    arrange = ORDERS[effective(name, searching)].arrange
    ids = ids if isinstance(ids, list) else list(ids)
    if not 0 < leading < len(ids):
        return arrange(library, ids)
    return arrange(library, ids[:leading]) + arrange(library, ids[leading:])


def next_order(name: str, searching: bool) -> str:
    names = available(searching)
    current = effective(name, searching)
    return names[(names.index(current) + 1) % len(names)]
