"""The Daily Papers text loader on both real layouts and on every malformed case."""

from __future__ import annotations

import pytest

from loaders import ParseError, normalise_arxiv_id, paper_id, parse_bytes, parse_text
from loaders.records import DigestDate

from .conftest import BLANK, COMPACT, SHARED

HEADER_WORDS = ("Subscribe", "Get trending", "Daily Papers", "byAK", "research community")


def parse(path):
    return parse_bytes(path.read_bytes(), str(path))


def test_compact_layout_yields_exactly_its_119_papers() -> None:
    result = parse(COMPACT)
    assert result.format == "hf-daily-text"
    assert len(result.papers) == 119
    assert result.warnings == []
    assert result.digest_date is None
    first, last = result.papers[0], result.papers[-1]
    assert first.title == "Is Less More? Exploring Token Condensation as Training-free Test-time Adaptation"
    assert first.abstract.startswith("Contrastive Language-Image Pretraining (CLIP) excels")
    assert first.line == 3
    assert last.title.startswith("TAID: Temporally Adaptive Interpolated Distillation")
    assert last.abstract.startswith("Causal language models have demonstrated remarkable capabilities")
    assert last.line == 239


def test_blank_line_layout_yields_exactly_its_80_papers_and_date() -> None:
    result = parse(BLANK)
    assert len(result.papers) == 80
    assert result.warnings == []
    assert result.digest_date == DigestDate(month=9, day=12)
    first, last = result.papers[0], result.papers[-1]
    assert first.title == "DC-BENCH: Dataset Condensation Benchmark"
    assert first.abstract.startswith("Dataset Condensation is a newly emerging technique")
    assert first.line == 13
    assert last.title == "Pursuing Counterfactual Fairness via Sequential Autoencoder Across Domains"
    assert last.abstract.startswith("Recognizing the prevalence of domain shift")
    assert last.abstract.endswith("evolving landscape of continuous domains.")


@pytest.mark.parametrize("path", [COMPACT, BLANK], ids=["compact", "blank-lines"])
def test_no_header_text_leaks_and_every_title_has_its_own_abstract(path) -> None:
    papers = parse(path).papers
    for paper in papers:
        assert not any(word in paper.title for word in HEADER_WORDS), paper.title
        assert 20 < len(paper.title) < 200
        assert len(paper.abstract) > 400
        assert paper.title not in paper.abstract[:20]
    assert len({p.abstract for p in papers}) == len(papers)


def test_the_25_shared_papers_have_identical_titles_and_abstracts() -> None:
    compact = {p.paper_id: p for p in parse(COMPACT).papers}
    blank = {p.paper_id: p for p in parse(BLANK).papers}
    shared = compact.keys() & blank.keys()
    assert len(shared) == 25
    assert len(compact.keys() | blank.keys()) == 174
    for pid in shared:
        assert compact[pid].title == blank[pid].title
        assert compact[pid].abstract == blank[pid].abstract
    titles = {compact[pid].title for pid in shared}
    assert {
        "DC-BENCH: Dataset Condensation Benchmark",
        "Knowledge Distillation via Token-level Relationship Graph",
        "TAID: Temporally Adaptive Interpolated Distillation for Efficient Knowledge Transfer in Language Models",
    } <= titles
    assert "Is Less More? Exploring Token Condensation as Training-free Test-time Adaptation" not in titles


@pytest.mark.skipif(not SHARED.exists(), reason="../shared is not beside this checkout")
def test_bundled_samples_are_the_shared_seeds() -> None:
    for path in (COMPACT, BLANK):
        assert path.read_bytes() == (SHARED / "digests" / path.name).read_bytes()


def test_format_comes_from_content_not_name() -> None:
    result = parse_bytes(BLANK.read_bytes(), "something.csv")
    assert result.format == "hf-daily-text"
    assert len(result.papers) == 80


def test_links_in_abstracts_are_kept() -> None:
    papers = {p.title: p for p in parse(BLANK).papers}
    paper = papers["Enhancing Dataset Distillation via Non-Critical Region Refinement"]
    assert paper.links == ["https://github.com/tmtuan1307/NRR-DD"]


# -- malformed input ---------------------------------------------------------------


def test_empty_file_is_a_clear_error() -> None:
    with pytest.raises(ParseError, match=r"empty\.txt: the file is empty"):
        parse_bytes(b"  \n\n", "empty.txt")


def test_binary_file_is_a_clear_error_with_line() -> None:
    with pytest.raises(ParseError) as caught:
        parse_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.txt")
    assert caught.value.line == 3
    assert "binary" in str(caught.value)
    assert str(caught.value).startswith("image.txt:3:")


def test_latin1_file_is_read_with_a_warning() -> None:
    text = BLANK.read_text().replace("DC-BENCH: Dataset", "DC-BENCH: Datasét", 1)
    result = parse_bytes(text.encode("latin-1"), "latin.txt")
    assert len(result.papers) == 80
    assert result.papers[0].title == "DC-BENCH: Datasét Condensation Benchmark"
    assert any("Windows-1252" in str(w) and w.line == 13 for w in result.warnings)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig"])
def test_utf16_and_bom_files_are_read(encoding: str) -> None:
    result = parse_bytes(COMPACT.read_text().encode(encoding), "x.txt")
    assert len(result.papers) == 119


def test_title_with_no_abstract_is_kept_with_a_warning_naming_the_line() -> None:
    lines = COMPACT.read_text().split("\n")
    del lines[5]  # the abstract of the second paper (title on line 5)
    result = parse_text("\n".join(lines), "cut.txt")
    assert len(result.papers) == 119
    assert [str(w) for w in result.warnings] == [
        "cut.txt:5: title 'DC-BENCH: Dataset Condensation Benchmark' has no abstract"
    ]
    assert result.papers[1].abstract == ""
    assert result.papers[2].abstract.startswith("Dataset distillation has become")


def test_truncated_last_entry_warns() -> None:
    text = BLANK.read_text()
    cut = text[: text.rindex("Recognizing the prevalence") - 2]
    result = parse_text(cut, "cut.txt")
    assert len(result.papers) == 80
    assert any("the last title has no abstract" in str(w) and w.line == 329 for w in result.warnings)
    mid = text[: len(text) - 40]
    result = parse_text(mid, "mid.txt")
    assert any("cut off" in str(w) for w in result.warnings)


def test_unknown_format_is_a_clear_error() -> None:
    with pytest.raises(ParseError, match="nothing paper-like found"):
        parse_bytes(b'{"hello": "world"}', "x.json")
    with pytest.raises(ParseError, match=r"no\.txt:1: nothing paper-like found"):
        parse_bytes(b"just one line of prose\n", "no.txt")


def test_upvotes_submitter_and_arxiv_ids_are_fields_not_titles() -> None:
    text = (
        "Daily Papers\n\nSep 12\n\n42\n\nSubmitted by akhaliq\n\n2409.01234\n\nA Title About Things\n\n"
        + "An abstract sentence that goes on. " * 10
        + "\n\n7\n\nSecond Title Here\n\n"
        + "Another abstract that is long enough. " * 10
    )
    result = parse_text(text, "meta.txt")
    assert [p.title for p in result.papers] == ["A Title About Things", "Second Title Here"]
    first = result.papers[0]
    assert first.arxiv_id == "2409.01234"
    assert first.paper_id == "2409.01234"
    assert first.extra == {"upvotes": 42, "submitted_by": "akhaliq"}
    assert result.papers[1].extra == {"upvotes": 7}


def test_escape_sequences_and_controls_are_stripped_but_markup_is_literal() -> None:
    text = (
        "Daily Papers\n\n\x1b[31m[bold]Red[/bold]\x1b[0m \x1b]52;c;aGk=\x07Title\u202e\n\n"
        + "Abstract words go here and here. " * 10
    )
    paper = parse_text(text, "evil.txt").papers[0]
    assert paper.title == "[bold]Red[/bold] Title"


def test_paper_ids_are_stable() -> None:
    assert paper_id("Dataset Distillation via Committee Voting", None) == paper_id(
        "dataset  distillation via committee-voting", None
    )
    assert paper_id("x", "2409.01234") == "2409.01234"
    assert normalise_arxiv_id("arXiv:2409.01234v2") == "2409.01234"
    assert normalise_arxiv_id("https://arxiv.org/abs/cond-mat/0412498v1") == "cond-mat/0412498"
    assert normalise_arxiv_id("hello") is None


def test_header_lines_without_blank_lines_between_them_are_not_a_title() -> None:
    from loaders import parse_text

    text = "Daily Papers\nbyAK and the research community\nJan 6\n\nA Title Here\n\n" + "An abstract sentence. " * 12
    result = parse_text(text, "header.txt")
    assert [p.title for p in result.papers] == ["A Title Here"]
    assert result.warnings == [] and result.digest_date is not None and result.digest_date.day == 6
