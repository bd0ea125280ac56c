"""The generic readers on layouts no loader was written for (written here, not taken from anywhere):
JSON Lines with odd keys, a numbered Markdown digest with German labels, a paper's HTML page, a plain-text
block list with Hugging Face links; and a refusal that says what was looked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from loaders import ParseError, parse_bytes, parse_text

from .test_cli import run

UNSEEN = Path(__file__).parent / "fixtures" / "unseen"


def parse(name: str):
    return parse_bytes((UNSEEN / name).read_bytes(), name)


def test_json_lines_with_odd_keys() -> None:
    result = parse("odd.jsonl")
    assert result.format == "json-records"
    first, second = result.papers
    assert first.title == "Sparse Routing for Mixture of Experts"  # `Paper_Title`, not the `zh_title`
    assert (first.arxiv_id, first.published, first.line) == ("2401.01234", "2024-01-03", 1)
    assert first.authors == ["Ana Pérez", "Bo Li"] and first.abstract.startswith("We route tokens")
    assert (second.doi, second.published, second.paper_id) == ("10.5555/tables.2023", "2023", "doi:10.5555/tables.2023")


def test_numbered_markdown_digest_with_german_labels() -> None:
    result = parse("woche.md")
    first, second = result.papers
    assert (first.title, first.arxiv_id, first.published) == ("Sparse Routing für Experten", "2401.05555", "2024-01-12")
    assert first.authors == ["Ana Pérez", "Bo Li"]
    assert first.abstract.startswith("Wir untersuchen spärliches Routing")  # the `Zusammenfassung` section
    assert "Autoren" not in first.abstract and "Datum" not in first.abstract
    assert (second.title, second.arxiv_id) == ("Agenten mit Gedächtnis", "2401.06666")
    assert second.authors == ["Xu Yang", "Mia Roth"] and second.abstract == "Ein Agent, der sich erinnert."


def test_a_papers_own_html_page() -> None:
    [paper] = parse("page.html").papers
    assert paper.title == "Graph Networks for Weather, Revisited"
    assert paper.authors == ["Ngozi Okafor", "Per Lindqvist"] and paper.doi == "10.7777/jof.2022.0042"
    assert paper.published == "2022-11-05" and paper.extra["venue"] == "Journal of Forecasting"


def test_plain_text_blocks_with_hugging_face_links() -> None:
    result = parse("hf-picks.txt")
    assert [(p.title, p.arxiv_id, p.line) for p in result.papers] == [
        ("Scaling Laws for Tiny Language Models", "2401.07777", 3),
        ("Another Paper About Agents That Plan", "2401.08888", 7),
    ]
    assert result.papers[1].abstract == "Agents plan better when they can undo."


def test_hf_markdown_prefers_an_abstract_section_over_metadata_lines() -> None:
    text = (
        "### [Sparse Routing](https://arxiv.org/abs/2401.00001)\n\nAuthors: Ana Pérez\nVote: 12\n\n"
        "#### Abstract\n\nWe route tokens sparsely.\n"
    )
    [paper] = parse_text(text, "d.md").papers
    assert paper.abstract == "We route tokens sparsely." and paper.authors == ["Ana Pérez"]


def test_nothing_paper_like_is_refused_saying_what_was_looked_for() -> None:
    with pytest.raises(ParseError, match=r"nothing paper-like found: looked for .*title") as refused:
        parse_text('[{"name": "a shopping list", "items": ["milk"]}]', "list.json")
    assert refused.value.not_a_digest


def test_import_summary_says_what_was_understood_and_verbose_lists_lines(data_dir: Path) -> None:
    done = run(data_dir, "import", "--verbose", str(UNSEEN))
    out = done.stdout.decode()
    assert done.returncode == 0, done.stderr
    assert "woche.md: text-records, 2 papers (2 abstract, 2 authors, 2 arXiv id, 1 own date)" in out
    assert "page.html: paper-html, 1 paper (1 abstract, 1 authors, 1 DOI, 1 own date)" in out
    assert "woche.md:13  2401.06666  Agenten mit Gedächtnis" in out
    assert "7 new" in out


def test_xml_with_entity_expansion_is_refused_not_expanded() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE PubmedArticleSet [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
        "<ArticleTitle>&b;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"
    )
    with pytest.raises(ParseError, match="refused: the XML declares entities"):
        parse_text(bomb, "bomb.xml")


def test_a_scrapers_paper_list_keeps_the_generic_fields_and_not_its_listing_date() -> None:
    """`{date, papers: [...]}` from a scraper: year, DOI and venue read as anywhere else; an item's
    `date` is the day it was listed (seen), not the paper's own date."""
    text = (
        '{"date": "2024-09-20", "papers": [{"title": "Old but gold", "abstract": "Words.", "year": 1998,'
        ' "doi": "10.1000/XYZ", "journal": "Nature", "date": "2024-09-20"},'
        ' {"title": "Only listed", "abstract": "More words.", "date": "2024-09-19"}]}'
    )
    old, listed = parse_text(text, "s.json").papers
    assert (old.published, old.doi, old.extra["venue"]) == ("1998", "10.1000/xyz", "Nature")
    assert listed.published is None
