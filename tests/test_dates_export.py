"""A paper's own date kept apart from the days it was seen; BibTeX export that reads back as written."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loaders import parse_bytes, parse_text
from loaders.text_cleanup import clean_line, first_last, fix_mojibake
from paperterm.list_export import bibtex

from .conftest import SHARED


def _row(title: str, **extra: object) -> dict:
    return {
        "id": "doi:10.1000/x",
        "title": title,
        "authors": ["Ana Pérez", "B. {Odd} Name"],
        "arxiv_id": None,
        "url": "https://doi.org/10.1000/x",
        "date": "2026-11-23",
        "published": "2015",
        "abstract": "An abstract with 50% and a_b and ~5 K.",
        "note": "",
        "extra": {"doi": "10.1000/x", "venue": "Journal of Tests", "bibtex_key": "perez_odd_2015", **extra},
    }


_TITLE = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]), min_size=1, max_size=80
).filter(lambda t: clean_line(t) != "" and fix_mojibake(t) == t)  # mojibake is repaired on reading, on purpose


@settings(max_examples=200, deadline=None)
@given(title=_TITLE)
def test_bibtex_export_round_trips_through_bibtexparser(title: str) -> None:
    """Whatever the title (a stray `}`, `{`, `$`, `~`, `\\`, `--`), every field survives and reads back."""
    result = parse_text(bibtex([_row(title)]), "x.bib", "bibtex")
    [paper] = result.papers
    assert paper.title == clean_line(title)
    assert paper.extra["bibtex_key"] == "perez_odd_2015" and paper.extra["year"] == "2015"
    assert paper.doi == "10.1000/x" and paper.extra["venue"] == "Journal of Tests"
    assert paper.abstract == "An abstract with 50% and a_b and ~5 K."
    assert paper.authors == ["Ana Pérez", "B. {Odd} Name"]


def test_a_stray_brace_does_not_swallow_the_fields_after_it() -> None:
    text = bibtex([_row("Closing } too early")])
    [paper] = parse_text(text, "x.bib", "bibtex").papers
    assert paper.title == "Closing } too early" and paper.extra["year"] == "2015" and paper.doi == "10.1000/x"


def test_own_date_apart_from_the_day_seen(data_dir: Path) -> None:
    """Each Atom entry keeps its own `published`; a CSV row its year; a 1901 classic imported today sorts
    as 1901, `date:` filters by the day seen and `published:`/`year:` by the paper's own date."""
    from datetime import date

    from paperterm.library import Library

    fixtures = Path(__file__).parent / "fixtures" / "formats"
    library = Library.open(data_dir)
    library.import_paths([str(fixtures / "atom.xml")], explicit_date=date(2026, 11, 23))
    library.import_bytes(
        b'"Title","Publication Year","Author"\n"On the Electrodynamics of Classics","1901","Old, Author"\n'
        b'"A Paper From Last Year","2025","New, Author"\n',
        "zotero.csv",
        explicit_date=date(2026, 11, 23),
    )
    rows = {row["title"]: row for row in map(library.describe, library.papers.values())}
    atom = sorted((row["published"], row["date"]) for row in rows.values() if row["arxiv_id"])
    assert atom == [("2024-01-04", "2026-11-23"), ("2024-01-05", "2026-11-23")]
    assert rows["On the Electrodynamics of Classics"]["published"] == "1901"
    newest = [p.title for p in library.papers_sorted()]
    assert newest[0] == "A Paper From Last Year" and newest[-1] == "On the Electrodynamics of Classics"
    assert len(library.search("year:1901").ids) == 1 and len(library.search("published:2024-01").ids) == 2
    assert library.search("date:<2000").ids == [] and len(library.search("date:2026-11-23").ids) == 4
    exported = bibtex([rows["On the Electrodynamics of Classics"]])
    assert "year = {1901}" in exported and "2026" not in exported


def test_arxiv_email_entries_keep_their_own_date_line() -> None:
    """Each listing entry's `Date:` (v1) line is its paper date, not the id's month or the mail's date."""
    path = SHARED / "digests/real/arxiv_email_astro-ph_daily_2023-03-03.txt"
    papers = {p.arxiv_id: p for p in parse_bytes(path.read_bytes(), str(path)).papers}
    assert papers["2303.00763"].published == "2023-03-01"
    dated = [p for p in papers.values() if p.extra["announce"] != "replace"]
    assert len(dated) == 57 and all(p.published in ("2023-03-01", "2023-03-02") for p in dated)
    assert all(p.published is None for p in papers.values() if p.extra["announce"] == "replace")


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("Vaswani, Ashish", "Ashish Vaswani"),
        ("O'Brien, Jr.", "O'Brien Jr."),
        ("King, Jr., Martin Luther", "Martin Luther King Jr."),
        ("King, Martin Luther, Jr.", "Martin Luther King Jr."),
        ("Gates, III", "Gates III"),
        ("Smith, V.", "V. Smith"),
        ("Jr, Anna", "Anna Jr"),
        ("Ada Lovelace", "Ada Lovelace"),
    ],
)
def test_a_generational_suffix_stays_after_the_surname(written: str, shown: str) -> None:
    """`Last, Jr.` is not `First Last`: the suffix was shown as a first name (`Jr. O'Brien`)."""
    assert first_last(written) == shown
