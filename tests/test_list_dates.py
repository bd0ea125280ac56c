"""The list's dates as the user meets them: the day seen and the paper's own date told apart, in the
rows (a column of its own when the list is wide) and in the header (which date the columns, the sort
and a `date:` / `published:` filter use)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paperterm.library import Library
from paperterm.search_query import FILTERS, QueryError, parse_query
from tui.app import PapertermApp

from .pilot import plist, settle, status_text

CLASSIC = {"title": "A classic of its field", "abstract": "Words about things. " * 5, "year": 1998}
FRESH = {"title": "A paper of this month", "abstract": "Other words here. " * 5, "id": "2409.00001"}


def _library(data_dir: Path) -> None:
    Library.open(data_dir).import_bytes(
        json.dumps({"date": "2024-09-20", "papers": [CLASSIC, FRESH]}).encode(), "dated.json"
    )


def _row_line(app: PapertermApp, title: str) -> str:
    papers = plist(app)
    paper_id = next(p.id for p in app.library.papers.values() if p.title == title)
    row = papers.source.row(paper_id)
    return "".join(segment.text for segment in papers._draw_row(row, papers.scrollable_content_region.width, False))


async def test_a_wide_list_shows_the_papers_own_date_beside_the_day_seen(data_dir: Path) -> None:
    _library(data_dir)
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=(220, 30)) as pilot:
        await settle(pilot)
        assert "by newest seen" in status_text(app) and "columns: paper's date │ seen" in status_text(app)
        line = _row_line(app, CLASSIC["title"])
        assert line.rstrip().endswith("1998 2024-09-20")
        assert _row_line(app, FRESH["title"]).rstrip().endswith("2024-09 2024-09-20")  # the arXiv id's month
        await pilot.press("s")  # by paper date: its one column is the paper's own date
        await settle(pilot)
        assert "by paper date" in status_text(app) and "columns:" not in status_text(app)
        assert plist(app).ids[-1] == next(p.id for p in app.library.papers.values() if p.title == CLASSIC["title"])
        assert _row_line(app, CLASSIC["title"]).rstrip().endswith("1998")


async def test_a_narrow_list_has_one_date_and_the_header_says_what_a_date_filter_read(data_dir: Path) -> None:
    _library(data_dir)
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "columns:" not in status_text(app)
        assert "1998" not in _row_line(app, CLASSIC["title"])
        await pilot.press("slash", *"published:<2000", "enter")
        await settle(pilot)
        assert len(plist(app).ids) == 1
        assert "published: filters the paper's own date" in " ".join(status_text(app).split())
        await pilot.press("slash", "ctrl+u", *"date:2024-09-20", "enter")
        await settle(pilot)
        assert "date: filters the day seen" in " ".join(status_text(app).split())


@pytest.mark.parametrize("name", FILTERS)
def test_a_filter_typed_without_its_value_yet_is_a_one_line_error(name: str) -> None:
    """The search runs at each key: `published:` on its way to `published:<2000` must not fail the search."""
    with pytest.raises(QueryError, match=f"`{name}:` needs a value"):
        parse_query(f"{name}:")
