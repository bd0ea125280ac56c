"""Which records are one paper: ids (arXiv versions aside, DOI, PMID) decide; a title merges only when unambiguous."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from paperterm import identity_index, paper_columns
from paperterm.library import Library
from paperterm.paper_columns import PaperColumns

from .conftest import run_cli


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


def test_a_title_naming_two_papers_is_kept_apart_and_named_in_the_summary(data_dir: Path, tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_bytes(
        _digest(
            {"id": "1501.00001", "title": "Dark matter in dwarf galaxies", "abstract": ABSTRACT},
            {"id": "1502.00002", "title": "Dark Matter in Dwarf Galaxies", "abstract": "A comment on it."},
            {"id": "1503.00003", "title": "Sparse routing for experts", "abstract": ABSTRACT},
            {"doi": "10.1000/a", "title": "On the theory of everything", "abstract": ABSTRACT},
            {"doi": "10.1000/b", "title": "On the theory of everything", "abstract": "A reply."},
            {"doi": "10.1000/c", "title": "On the Theory of Everything.", "abstract": "Another reply."},
        )
    )
    assert run_cli(data_dir, "import", str(pairs)).returncode == 0
    later = tmp_path / "later.jsonl"
    later.write_bytes(
        _digest(
            {"title": "Sparse Routing for Experts", "authors": "Ana Pérez"},
            {"title": "Dark matter in dwarf galaxies!", "abstract": ABSTRACT},
        )
    )
    result = run_cli(data_dir, "import", str(later))
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr
    assert "1 title matched 2 papers: kept apart: Dark matter in dwarf galaxies! (later.jsonl line 2)" in out
    assert "1 new, 1 already known, 1 of them merged with new details, 1 matched by title alone, " in out
    assert "1 title matching several papers kept apart, 0 warnings." in out

    other = tmp_path / "other.jsonl"  # a JSON summary names the record too
    other.write_bytes(
        _digest({"title": "Unrelated", "authors": "B. Who"}, {"title": "On the theory of everything", "authors": "C"})
    )
    as_json = orjson.loads(run_cli(data_dir, "import", "--json", str(other)).stdout)
    assert (as_json["new"], as_json["title_merged"], as_json["kept_apart"]) == (2, 0, 1)
    assert as_json["kept_apart_records"] == [
        {"source": "other.jsonl", "line": 2, "title": "On the theory of everything", "papers_matched": 3}
    ]


def test_verbose_lists_every_title_kept_apart(data_dir: Path, tmp_path: Path) -> None:
    same = [{"id": f"1501.{n:05d}", "title": f"Common title number {n % 7}", "abstract": ABSTRACT} for n in range(14)]
    (tmp_path / "a.jsonl").write_bytes(_digest(*same))
    (tmp_path / "b.jsonl").write_bytes(
        _digest(*({"title": f"Common Title Number {n}", "authors": "A"} for n in range(7)))
    )
    for library in (data_dir, tmp_path / "other"):
        assert run_cli(library, "import", str(tmp_path / "a.jsonl")).returncode == 0
    short = run_cli(data_dir, "import", str(tmp_path / "b.jsonl")).stdout.decode()
    assert "7 titles matched 2 papers each: kept apart (a paper of their own):" in short
    assert "Common Title Number 4 (b.jsonl line 5): 2 papers" in short
    assert "… and 2 more (--verbose lists them)" in short
    verbose = run_cli(tmp_path / "other", "import", "--verbose", str(tmp_path / "b.jsonl")).stdout.decode()
    assert all(f"Common Title Number {n} (b.jsonl line {n + 1}): 2 papers" in verbose for n in range(7))
    assert "more (--verbose" not in verbose


def test_an_import_into_a_library_opened_from_disk_reads_no_title_per_paper(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = Library.open(data_dir)
    many = [{"id": f"2301.{n:05d}", "title": f"A study of thing number {n}", "abstract": ABSTRACT} for n in range(600)]
    library.import_bytes(_digest(*many), "many.jsonl")
    reads: list[int] = []
    title = PaperColumns.title

    def counting(self: PaperColumns, row: int) -> str:
        reads.append(row)
        return title(self, row)

    monkeypatch.setattr(PaperColumns, "title", counting)
    reopened = Library.open(data_dir)  # its columns (and their key hashes) come from columns.bin
    assert len(reopened.store.columns) == 600 and not reads
    summary = reopened.import_bytes(
        _digest(
            {"id": "2302.00001", "title": "Something nobody has written", "abstract": ABSTRACT},  # misses every key
            {"title": "A Study of Thing, Number 12", "authors": "Ana"},  # found by its loose title
            {"id": "2301.00007v2", "title": "Retitled", "year": 2023},  # by its arXiv id
        ),
        "few.jsonl",
    )
    assert (summary.new, summary.known, summary.title_merged) == (1, 2, 1)
    assert reopened.papers["2301.00012"].authors == ["Ana"]
    # Only the rows a key's hash named are read, to check them; before the hashes were saved with the
    # columns, every one of the 600 titles was read (and hashed) to find the first record's loose title.
    assert len(reads) <= 3, len(reads)


def test_a_hash_collision_never_merges_two_papers(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (paper_columns, identity_index):
        monkeypatch.setattr(module, "key_hash", lambda key: 7)  # every key of every kind collides
    library = Library.open(data_dir)
    first = library.import_bytes(
        _digest(
            {"id": "2401.00001", "title": "Sparse routing for experts", "abstract": ABSTRACT},
            {"id": "2401.00002", "title": "Dense routing for novices", "abstract": ABSTRACT},
        ),
        "a.jsonl",
    )
    assert first.new == 2
    reopened = Library.open(data_dir)
    again = reopened.import_bytes(
        _digest(
            {"title": "Routing, dense, for novices", "authors": "B"},  # a new title: one paper more
            {"id": "2401.00003", "title": "Yet another paper entirely", "abstract": ABSTRACT},
            {"title": "Sparse Routing for Experts", "authors": "A"},  # the first paper, by its title
        ),
        "b.jsonl",
    )
    assert (again.new, again.known, again.title_merged) == (2, 1, 1)
    assert reopened.papers["2401.00001"].authors == ["A"] and not reopened.papers["2401.00002"].authors
