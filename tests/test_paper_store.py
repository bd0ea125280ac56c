"""The paper cache: round trips, re-imports, provenance, crashes, corruption and concurrent writers."""

from __future__ import annotations

import json
import multiprocessing
from datetime import date
from pathlib import Path

import pytest

from loaders import DigestDate
from paperterm.atomic_io import LibraryFileError
from paperterm.importer import resolve_date
from paperterm.library import Library
from paperterm.paper_store import COMPACT_AFTER_SEGMENTS

from .conftest import BLANK, COMPACT


def test_both_seeds_give_174_papers_and_shared_ones_keep_both_provenances(data_dir: Path) -> None:
    library = Library.open(data_dir)
    summary = library.import_paths([str(BLANK), str(COMPACT)], explicit_date=date(2024, 9, 12))
    assert (summary.new, summary.known, summary.files_imported) == (174, 25, 2)
    reopened = Library.open(data_dir)
    assert len(reopened.papers) == 174
    shared = [p for p in reopened.papers.values() if len(p.sightings) == 2]
    assert len(shared) == 25
    dcbench = reopened.resolve("DC-BENCH" and shared[0].id)
    names = [s.digest.name for s in reopened.sightings(dcbench)]
    assert sorted(names) == ["hf-daily-papers-blank-lines.txt", "hf-daily-papers-compact.txt"]


def test_reimport_adds_nothing_and_is_recognised_by_content(data_dir: Path, tmp_path: Path) -> None:
    library = Library.open(data_dir)
    library.import_paths([str(BLANK)])
    before = sorted((data_dir / "library").iterdir())
    copy = tmp_path / "renamed.md"
    copy.write_bytes(BLANK.read_bytes())
    summary = library.import_paths([str(BLANK), str(copy)])
    assert (summary.new, summary.known, summary.files_already) == (0, 160, 2)  # 80 known in each file
    assert sorted((data_dir / "library").iterdir()) == before
    assert len(Library.open(data_dir).papers) == 80


def test_round_trip_keeps_every_field(data_dir: Path) -> None:
    library = Library.open(data_dir)
    library.import_samples()
    fresh = Library.open(data_dir)
    for pid, paper in library.papers.items():
        other = fresh.papers[pid]
        assert (other.title, other.abstract, other.links, other.sightings, other.date) == (
            paper.title,
            paper.abstract,
            paper.links,
            paper.sightings,
            paper.date,
        )


def test_sample_dates_are_fixed(seeded: Library) -> None:
    assert [(d.name, d.date, d.date_source) for d in seeded.digests] == [
        ("hf-daily-papers-compact.txt", "2025-09-11", "bundled sample"),
        ("hf-daily-papers-blank-lines.txt", "2025-09-12", "bundled sample"),
    ]


def test_digest_date_rules() -> None:
    sep12 = DigestDate(9, 12)
    mtime_2024 = 1_730_000_000  # 2024-10-27
    assert resolve_date(sep12, date(2023, 9, 12), "x.txt", mtime_2024) == ("2023-09-12", "option")
    assert resolve_date(sep12, None, "x.txt", mtime_2024) == ("2024-09-12", "digest+mtime")
    assert resolve_date(DigestDate(12, 30), None, "x.txt", 1_704_200_000) == ("2023-12-30", "digest+mtime")
    assert resolve_date(sep12, None, "digest-2022-09-12.txt", mtime_2024) == ("2022-09-12", "digest+filename")
    assert resolve_date(DigestDate(9, 12, 2021), None, "x", None) == ("2021-09-12", "digest")
    assert resolve_date(None, None, "digest-2023-05-01.txt", mtime_2024) == ("2023-05-01", "filename")
    assert resolve_date(None, None, "x.txt", mtime_2024) == ("2024-10-27", "mtime")


def test_orphan_segment_from_a_crash_is_ignored(data_dir: Path) -> None:
    library = Library.open(data_dir)
    library.import_paths([str(BLANK)])
    root = data_dir / "library"
    (root / "seg-000002.json").write_text('{"schema_version": 1, "kind": "paperterm-papers", "rows": [')
    assert len(Library.open(data_dir).papers) == 80
    library.import_paths([str(COMPACT)])  # the next import overwrites the orphan's name safely
    assert len(Library.open(data_dir).papers) == 174


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"", "is not valid JSON"),
        (b"{trunc", "is not valid JSON"),
        (b"[1, 2]", "is not a paperterm-library file"),
        (
            b'{"kind": "paperterm-library", "schema_version": 99, "digests": [], "segments": []}',
            "newer paperterm",
        ),
        (b'{"kind": "paperterm-library", "schema_version": 1, "digests": 5}', "missing its digests"),
    ],
)
def test_corrupt_manifest_is_a_clear_error_kept_as_backup_and_not_overwritten(
    data_dir: Path, content: bytes, problem: str
) -> None:
    Library.open(data_dir).import_paths([str(BLANK)])
    manifest = data_dir / "library" / "manifest.json"
    manifest.write_bytes(content)
    with pytest.raises(LibraryFileError, match=problem) as caught:
        Library.open(data_dir)
    assert str(manifest) in str(caught.value)
    assert "A copy is kept at" in str(caught.value)
    assert manifest.read_bytes() == content
    backups = list((data_dir / "backups").glob("manifest.json.*.bak"))
    assert [b.read_bytes() for b in backups] == [content]
    library = Library(data_dir)
    with pytest.raises(LibraryFileError):
        library.import_paths([str(COMPACT)])
    assert manifest.read_bytes() == content


def test_damaged_abstracts_file_is_an_error_not_garbage(data_dir: Path) -> None:
    Library.open(data_dir).import_paths([str(BLANK)])
    blob = data_dir / "library" / "seg-000001.abstracts"
    blob.write_bytes(blob.read_bytes()[:100])
    with pytest.raises(LibraryFileError, match="wrong size"):
        Library.open(data_dir)


def test_many_imports_compact_into_one_segment(data_dir: Path, tmp_path: Path) -> None:
    library = Library.open(data_dir)
    text = BLANK.read_text()
    blocks = text.split("\n\n")
    header, body = blocks[:6], blocks[6:]
    for n in range(COMPACT_AFTER_SEGMENTS + 2):
        pair = body[2 * n : 2 * n + 2]
        path = tmp_path / f"d{n}.txt"
        path.write_text("\n\n".join(header + pair))
        assert library.import_paths([str(path)]).new == 1
    segments = json.loads((data_dir / "library" / "manifest.json").read_text())["segments"]
    assert len(segments) < COMPACT_AFTER_SEGMENTS
    files = {p.name for p in (data_dir / "library").iterdir()} - {"manifest.json", "index", "columns.bin"}
    assert files == {s for name in segments for s in (name, name.replace(".json", ".abstracts"))}
    fresh = Library.open(data_dir)
    assert len(fresh.papers) == COMPACT_AFTER_SEGMENTS + 2
    assert {p.abstract for p in fresh.papers.values()} == {p.abstract for p in library.papers.values()}


def _import_in_process(data_dir: str, path: str) -> int:
    library = Library.open(Path(data_dir))
    return library.import_paths([path]).new


def test_two_processes_importing_at_once_lose_nothing(data_dir: Path, tmp_path: Path) -> None:
    blocks = BLANK.read_text().split("\n\n")
    header, body = blocks[:6], blocks[6:]
    paths = []
    for n in range(8):
        path = tmp_path / f"part{n}.txt"
        path.write_text("\n\n".join(header + body[n * 20 : n * 20 + 20]))
        paths.append(str(path))
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        results = pool.starmap(_import_in_process, [(str(data_dir), p) for p in paths])
    assert sum(results) == 80
    library = Library.open(data_dir)
    assert len(library.papers) == 80
    assert len(library.digests) == 8
    assert sorted(d.number for d in library.digests) == list(range(1, 9))


def test_refresh_sees_another_processes_import(data_dir: Path) -> None:
    first = Library.open(data_dir)
    first.import_paths([str(BLANK)])
    second = Library.open(data_dir)
    second.import_paths([str(COMPACT)])
    assert len(first.papers) == 80
    assert first.refresh() is True
    assert len(first.papers) == 174
    assert first.refresh() is False


def test_paper_links_name_each_link_and_refuse_what_is_not_http() -> None:
    from paperterm.links import paper_links, pdf_url
    from paperterm.paper import Paper

    paper = Paper(
        "2409.01234",
        "A Paper",
        links=["https://github.com/x/y", "file:///etc/passwd", "https://huggingface.co/papers/2409.01234"],
        arxiv_id="2409.01234",
    )
    links = paper_links(paper)
    assert [(link.label, link.openable) for link in links] == [
        ("arXiv page", True),
        ("PDF", True),
        ("Code", True),
        ("Link", False),
        ("Hugging Face", True),
    ]
    assert pdf_url(paper) == "https://arxiv.org/pdf/2409.01234"
    assert pdf_url(Paper("t:1", "No id", links=["https://x.org/paper.pdf"])) == "https://x.org/paper.pdf"
    assert pdf_url(Paper("t:2", "Nothing")) is None


def test_a_large_import_is_written_in_bounded_segments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every COMMIT_EVERY papers become a segment as the import goes: memory stays bounded."""
    from paperterm import importer

    whole = Library.open(tmp_path / "whole")
    expected = whole.import_paths([str(BLANK), str(COMPACT)])
    monkeypatch.setattr(importer, "COMMIT_EVERY", 5)
    library = Library.open(tmp_path / "batched")
    summary = library.import_paths([str(BLANK), str(COMPACT)])
    assert (summary.new, summary.known, summary.merged) == (expected.new, expected.known, expected.merged)
    assert len(library.store._segments) == 2  # one per digest file here, each past 5 papers
    reopened = Library.open(tmp_path / "batched")
    assert set(reopened.papers) == set(whole.papers)


class _Cycle:
    """An object only the cyclic collector frees: it refers to itself."""

    def __init__(self) -> None:
        self.me = self


def test_an_import_walks_no_full_collection_and_frees_each_batchs_cycles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full collection walks every live list's items, the library's million ids among them (0.2 s
    each at 1M, and the automatic collector ran one every 8,000 papers): an import pauses it and frees
    what a batch left in cycles with a young collection after each commit."""
    import gc
    import weakref

    from paperterm import importer

    monkeypatch.setattr(importer, "COMMIT_EVERY", 5)
    made: list[weakref.ref[_Cycle]] = []
    generations: list[int] = []
    parse = importer.parse_bytes

    def parse_leaving_a_cycle(data: bytes, path: str, format_name: str | None) -> object:
        if not made:  # from here on the collector is at its most eager: full at every chance, unless paused
            gc.set_threshold(1, 1, 1)
            gc.callbacks.append(seen)
        made.append(weakref.ref(_Cycle()))
        return parse(data, path, format_name)

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            generations.append(info["generation"])

    monkeypatch.setattr(importer, "parse_bytes", parse_leaving_a_cycle)
    library = Library.open(tmp_path)
    threshold = gc.get_threshold()
    gc.freeze()  # what lived before is out of the count, so an automatic collection would go full at once
    gc.collect()
    try:
        summary = importer.import_inputs(library.store, importer.read_paths([BLANK, COMPACT]))
    finally:
        if seen in gc.callbacks:
            gc.callbacks.remove(seen)
        gc.set_threshold(*threshold)
        gc.unfreeze()
    assert summary.new == 174
    assert generations.count(1) >= 2  # a young collection after each commit
    assert generations.count(2) <= 1  # (94 here unpaused) at most the one once the import is over
    assert len(made) == 2 and all(ref() is None for ref in made)
