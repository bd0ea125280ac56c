"""A paper's own date kept apart from the days it was seen; BibTeX export that reads back as written."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from loaders import parse_text
from loaders.text_cleanup import clean_line, fix_mojibake
from paperterm.list_export import bibtex


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
