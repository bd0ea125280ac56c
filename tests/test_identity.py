"""Which records are one paper: ids (arXiv versions aside, DOI, PMID) decide; a title merges only when unambiguous."""

from __future__ import annotations

from pathlib import Path

import orjson

from paperterm.library import Library


def _digest(*records: dict) -> bytes:
    return b"\n".join(orjson.dumps(r) for r in records) + b"\n"  # JSON Lines: the generic reader


ABSTRACT = "We study the thing at length, with care and with several experiments on real data."


def test_same_title_different_arxiv_ids_stay_two_papers(data_dir: Path) -> None:
    library = Library.open(data_dir)
    summary = library.import_bytes(
        _digest(
            {"id": "1501.00001v2", "title": "Dark matter in dwarf galaxies", "abstract": ABSTRACT},
            {"id": "1502.00002", "title": "Dark matter in dwarf galaxies", "abstract": "A comment on it."},
        ),
        "pair.jsonl",
    )
    assert summary.new == 2 and summary.title_merged == 0
    assert {"1501.00001", "1502.00002"} <= set(library.papers)
    # a title-only record now names two papers: it merges with neither
    later = library.import_bytes(_digest({"title": "Dark Matter in Dwarf Galaxies", "abstract": ABSTRACT}), "t.jsonl")
    assert later.new == 1 and later.title_merged == 0
    # the same arXiv paper in another version is the same paper
    again = library.import_bytes(_digest({"id": "arXiv:1501.00001v3", "title": "Dark matter", "year": 2015}), "v.jsonl")
    assert again.new == 0 and again.known == 1


def test_title_only_record_merges_when_unambiguous_and_is_counted(data_dir: Path) -> None:
    library = Library.open(data_dir)
    library.import_bytes(
        _digest({"id": "2401.00009", "title": "Sparse Routing for Experts", "abstract": ABSTRACT}), "a"
    )
    summary = library.import_bytes(_digest({"title": "Sparse routing for experts", "authors": "Ana Pérez"}), "b")
    assert (summary.new, summary.known, summary.title_merged) == (0, 1, 1)
    assert "matched by title alone" in summary.line()
    assert library.papers["2401.00009"].authors == ["Ana Pérez"]


def test_doi_and_pmid_only_papers_are_first_class(data_dir: Path) -> None:
    library = Library.open(data_dir)
    first = library.import_bytes(
        _digest(
            {"doi": "10.1000/ABC.1", "title": "A clinical trial", "abstract": ABSTRACT},
            {"pmid": "123456", "title": "Another trial", "abstract": ABSTRACT},
            {"doi": "10.1000/xyz.2", "title": "A clinical trial", "abstract": "Same title, another DOI."},
        ),
        "trials.jsonl",
    )
    assert first.new == 3
    assert {"doi:10.1000/abc.1", "pmid:123456", "doi:10.1000/xyz.2"} <= set(library.papers)
    # the same DOI however it is written, under another title: merged by the DOI
    again = library.import_bytes(
        _digest({"url": "https://doi.org/10.1000/abc.1", "title": "A Clinical Trial (corrected)", "year": 2019}), "c"
    )
    assert (again.new, again.known, again.title_merged) == (0, 1, 0)
    reopened = Library.open(data_dir)  # the aliases hold across restarts too
    later = reopened.import_bytes(_digest({"pmid": "123456", "title": "Another trial, retitled", "year": 2020}), "d")
    assert (later.new, later.known) == (0, 1)
