"""The generic readers on layouts no loader was written for (written here, not taken from anywhere):
JSON Lines with odd keys, a numbered Markdown digest with German labels, a paper's HTML page, a plain-text
block list with Hugging Face links; and a refusal that says what was looked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from loaders import ParseError, parse_bytes, parse_text

from .conftest import run_cli

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
    done = run_cli(data_dir, "import", "--verbose", str(UNSEEN))
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


NESTED = """{"meta": {"generated": "2024-06-01"}, "data": {"results": {
 "NLP": [{"paper": {"name_en": "Attention Sinks in Streaming LLMs", "summary_text": "Keep a few initial tokens.",
                    "writers": "Guangxuan Xiao, Yuandong Tian", "page": "https://arxiv.org/abs/2309.17453v4",
                    "pub_year": "2023"}}],
 "Vision": [{"paper": {"name_en": "Segment Anything", "summary_text": "A promptable segmentation model.",
                       "writers": ["Alexander Kirillov", "Eric Mintun"],
                       "doi_link": "https://doi.org/10.1109/ICCV51070.2023.00371", "pub_year": 2023}}]}}}"""


def test_json_records_under_other_names_and_deeper_groups() -> None:
    """`name_en` (a title beside an abstract), `summary_text`, `writers`, `page`; grouped three levels down."""
    sinks, sam = parse_text(NESTED, "n.json").papers
    assert (sinks.title, sinks.arxiv_id, sinks.published) == ("Attention Sinks in Streaming LLMs", "2309.17453", "2023")
    assert sinks.authors == ["Guangxuan Xiao", "Yuandong Tian"] and sinks.abstract == "Keep a few initial tokens."
    assert (sinks.extra["section"], sam.extra["section"]) == ("NLP", "Vision")
    assert sam.doi == "10.1109/iccv51070.2023.00371" and sinks.line == 2


def test_a_group_with_a_name_is_not_a_paper() -> None:
    with pytest.raises(ParseError):
        parse_text('{"groups": [{"name": "NLP", "url": "https://example.org/nlp"}]}', "g.json")


def test_a_paper_page_with_only_open_graph_and_json_ld() -> None:
    """Each description of the page adds what the others lack: og:url's HF id, og:description, datePublished."""
    page = (
        '<html><head><meta property="og:title" content="Graph Rewiring Against Oversquashing">'
        '<meta property="og:description" content="We rewire graphs to fight oversquashing.">'
        '<meta property="og:url" content="https://huggingface.co/papers/2402.01234">'
        '<script type="application/ld+json">{"@type": "Article", "name": "Graph Rewiring Against Oversquashing",'
        ' "datePublished": "2024-02-03", "author": {"@type": "Person", "name": "Eve Evans"}}</script></head></html>'
    )
    [paper] = parse_text(page, "p.html").papers
    assert (paper.arxiv_id, paper.published, paper.authors) == ("2402.01234", "2024-02-03", ["Eve Evans"])
    assert paper.abstract == "We rewire graphs to fight oversquashing."


def test_plain_text_blocks_with_links_without_a_scheme_names_and_dois() -> None:
    text = (
        "Reading notes, March\n\n"
        "Chain of Thought Empowers Transformers\nZhiyuan Li, Hong Liu, Tengyu Ma\nhttps://arxiv.org/abs/2402.12875\n"
        "Chain of thought lets constant-depth transformers solve serial problems.\n\n"
        "Simple and Scalable Strategies to Continually Pre-train\nAdam Ibrahim, Benjamin Thérien\n"
        "huggingface.co/papers/2403.08763\nRe-warming and replay match full re-training.\n\n"
        "Genie: Generative Interactive Environments\ndoi: 10.48550/arXiv.2402.15391\nA world model from videos.\n"
    )
    cot, scaling, genie = parse_text(text, "notes.txt").papers
    assert cot.authors == ["Zhiyuan Li", "Hong Liu", "Tengyu Ma"] and cot.abstract.startswith("Chain of thought")
    assert scaling.arxiv_id == "2403.08763" and scaling.abstract == "Re-warming and replay match full re-training."
    assert (genie.arxiv_id, genie.doi) == ("2402.15391", "10.48550/arxiv.2402.15391")


def test_bulleted_links_with_authors_and_a_summary_after_them() -> None:
    text = (
        "Papers I liked:\n\n"
        "* **[KAN: Kolmogorov-Arnold Networks](https://arxiv.org/abs/2404.19756)** — Ziming Liu et al. "
        "Splines on edges.\n"
        "* **[Is Cosine-Similarity Really About Similarity?](https://arxiv.org/abs/2403.05440)** — Harald Steck. "
        "It can give arbitrary results.\n"
        "* [The Unreasonable Ineffectiveness of the Deeper Layers](https://huggingface.co/papers/2403.17887)"
        " (Gromov et al.)\n"
    )
    kan, cosine, layers = parse_text(text, "liked.md").papers
    assert (kan.title, kan.authors, kan.abstract) == (
        "KAN: Kolmogorov-Arnold Networks",
        ["Ziming Liu"],
        "Splines on edges.",
    )
    assert cosine.authors == ["Harald Steck"] and cosine.title == "Is Cosine-Similarity Really About Similarity?"
    assert (layers.title, layers.authors, layers.arxiv_id) == (
        "The Unreasonable Ineffectiveness of the Deeper Layers",
        ["Gromov"],
        "2403.17887",
    )


def test_two_comment_papers_with_one_title_stay_two_each_with_its_date_and_line(data_dir: Path) -> None:
    """An arXiv API result: two "Comment on …" papers share a title; different ids are never merged."""
    entry = (
        "<entry><id>http://arxiv.org/abs/{id}v1</id><published>{day}T10:00:00Z</published>\n"
        '<title>Comment on "Quantum supremacy"</title><summary>A comment, by {who}.</summary>'
        "<author><name>{who}</name></author></entry>\n"
    )
    atom = (
        '<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>ArXiv Query</title>\n'
        + entry.format(id="2401.01234", day="2024-01-05", who="Ann Able")
        + entry.format(id="1911.00001", day="2019-11-01", who="Bob Baker")
        + "</feed>\n"
    )
    first, second = parse_text(atom, "q.xml").papers
    assert (first.published, second.published) == ("2024-01-05", "2019-11-01")
    assert (first.line, second.line) == (4, 6)  # where each title is
    from paperterm.library import Library

    summary = Library.open(data_dir).import_bytes(atom.encode(), "q.xml")
    assert (summary.new, summary.title_merged) == (2, 0)


def test_a_doi_field_keeps_its_angle_brackets() -> None:
    """Old Wiley DOIs (SICI) hold `<` and `>`; a DOI field was cut at the first one (`…49:8`)."""
    sici = "10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-O"
    ris = f"TY  - JOUR\nTI  - Indexing by latent semantic analysis, revisited\nDO  - {sici}\nPY  - 1998\nER  - \n"
    (paper,) = parse_bytes(ris.encode(), "refs.ris").papers
    assert paper.doi == sici.lower()
