"""The orders a view of papers can be sorted in, for the app's sort key and `--sort` in the CLI.

`relevance` keeps the search's ranking (only meaningful while searching); `newest seen` is the
library's own order (newest digest first, then as the digest listed them); `paper date` uses
the paper's own date (published, else the month in its arXiv id, else when it was seen);
`upvotes` the Daily Papers upvotes; `title` A–Z. Other modules may add an order with
`register_order` (a ranking of their own, such as a "for you" order).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .text_tokens import fold_text

if TYPE_CHECKING:
    from .library import Library
    from .paper import Paper

RELEVANCE = "relevance"
NEWEST = "newest seen"
_ARXIV_MONTH = re.compile(r"^(\d{2})(\d{2})\.\d{4,5}")

Arrange = Callable[["Library", list[str]], list[str]]


@dataclass(frozen=True, slots=True)
class Order:
    name: str
    arrange: Arrange  # ids in, the same ids in this order out
    needs_search: bool = False  # offered only while searching (relevance)


def paper_date(paper: Paper) -> str:
    """The paper's own date: published (as the digest gave it), else its year (BibTeX, RIS), else its
    arXiv id's month, else when it was seen."""
    published = paper.extra.get("published") if paper.extra else None
    if isinstance(published, str) and published[:4].isdigit():
        return published[:10]
    year = paper.extra.get("year") if paper.extra else None
    if isinstance(year, str | int) and str(year)[:4].isdigit():
        return str(year)[:4]
    if paper.arxiv_id and (match := _ARXIV_MONTH.match(paper.arxiv_id)):
        return f"20{match.group(1)}-{match.group(2)}"
    return paper.date


def upvotes(paper: Paper) -> int:
    value = paper.extra.get("upvotes") if paper.extra else None
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def _by(key: Callable[[Paper], object], *, reverse: bool) -> Arrange:
    def arrange(library: Library, ids: list[str]) -> list[str]:
        papers = library.papers
        present = [pid for pid in ids if pid in papers]
        # Stable: ties keep the order they came in (newest seen, or the search's ranking).
        return sorted(present, key=lambda pid: key(papers[pid]), reverse=reverse)  # type: ignore[arg-type]

    return arrange


def _newest(library: Library, ids: list[str]) -> list[str]:
    from .library import newest_first

    papers = library.papers
    return sorted((pid for pid in ids if pid in papers), key=lambda pid: newest_first(papers[pid]), reverse=True)


ORDERS: dict[str, Order] = {}


def register_order(order: Order) -> None:
    """Offer another order (its name is shown in the list header and the sort menu)."""
    ORDERS[order.name] = order


register_order(Order(RELEVANCE, lambda _library, ids: ids, needs_search=True))
register_order(Order(NEWEST, _newest))
register_order(Order("paper date", _by(paper_date, reverse=True)))
register_order(Order("upvotes", _by(upvotes, reverse=True)))
register_order(Order("title", _by(lambda p: fold_text(p.title), reverse=False)))


def available(searching: bool) -> list[str]:
    return [name for name, order in ORDERS.items() if searching or not order.needs_search]


def effective(name: str, searching: bool) -> str:
    """The order actually used: relevance while searching unless another was chosen; newest otherwise."""
    if name in ORDERS and (searching or not ORDERS[name].needs_search):
        return name
    return RELEVANCE if searching else NEWEST


def sort_ids(library: Library, ids: list[str], name: str, *, searching: bool) -> list[str]:
    return ORDERS[effective(name, searching)].arrange(library, ids)


def next_order(name: str, searching: bool) -> str:
    names = available(searching)
    current = effective(name, searching)
    return names[(names.index(current) + 1) % len(names)]
