"""The arXiv metadata snapshot (Kaggle `arxiv-metadata-oai-snapshot`, JSON Lines, several GB): streamed a batch
at a time, the first version's date as the paper's own date, categories kept. The file is made here: the shared
folders hold no copy of a multi-GB snapshot."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

import paperterm.importer as importer
from loaders import parse_bytes
from loaders.json_records import stream_records
from paperterm.library import Library


def _snapshot_line(n: int) -> bytes:
    old_style = n % 10 == 0
    record = {
        "id": f"hep-th/{9901000 + n:07d}" if old_style else f"0704.{n:04d}",
        "submitter": "Some One",
        "authors": "C. Bal\\'azs, E. L. Berger, P. M. Nadolsky and C.-P. Yuan",
        "title": f"Calculation of prompt diphoton production\n  cross sections number {n}",
        "comments": "37 pages, 15 figures",
        "journal-ref": "Phys.Rev.D76:013009,2007" if n % 2 else None,
        "doi": f"10.1103/PhysRevD.76.{n:06d}" if n % 2 else None,
        "report-no": None,
        "categories": "hep-ph astro-ph.CO",
        "license": None,
        "abstract": "  A fully differential calculation in perturbative quantum chromodynamics is\npresented.\n",
        "versions": [
            {"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"},
            {"version": "v2", "created": "Tue, 24 Jul 2007 20:10:27 GMT"},
        ],
        "update_date": "2008-11-13",
        "authors_parsed": [["Balázs", "C.", ""], ["Berger", "E. L.", ""]],
    }
    return orjson.dumps(record) + b"\n"


def _write_snapshot(path: Path, count: int, damaged_at: int | None = None) -> Path:
    with open(path, "wb") as handle:
        for n in range(1, count + 1):
            handle.write(b'{"id": "0704.9999", "title": broken\n' if n == damaged_at else _snapshot_line(n))
    return path


def test_snapshot_records_have_the_first_version_date_and_categories() -> None:
    [record] = parse_bytes(_snapshot_line(1), "one.jsonl").papers
    assert record.arxiv_id == "0704.0001" and record.published == "2007-04-02"  # v1, not update_date
    assert record.title == "Calculation of prompt diphoton production cross sections number 1"
    assert record.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    assert record.extra["categories"] == "hep-ph astro-ph.CO" and record.extra["venue"] == "Phys.Rev.D76:013009,2007"
    assert record.doi == "10.1103/physrevd.76.000001" and record.abstract.startswith("A fully differential")


def test_stream_records_reads_one_line_at_a_time() -> None:
    def lines():
        yield _snapshot_line(1)
        yield _snapshot_line(2)
        raise AssertionError("read past what was asked for")

    stream = stream_records(lines(), "x.jsonl")
    assert next(stream).arxiv_id == "0704.0001"  # type: ignore[union-attr]
    assert next(stream).arxiv_id == "0704.0002"  # type: ignore[union-attr]


def test_snapshot_import_streams_in_batches(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write_snapshot(tmp_path / "arxiv-metadata-oai-snapshot.json", 350, damaged_at=77)
    monkeypatch.setattr(importer, "STREAM_BATCH", 100)

    def never(_path: Path) -> None:
        raise AssertionError("a JSON Lines file is never read whole")

    monkeypatch.setattr(importer, "read_input", never)
    seen: list[tuple[int, int, str]] = []
    library = Library.open(data_dir)
    summary = library.import_paths([str(path)], progress=lambda d, t, n: seen.append((d, t, n)))
    assert (summary.new, summary.files_imported) == (349, 1)
    assert [str(w) for w in summary.warnings] == [f"{path}:77: not valid JSON; line skipped"]
    assert summary.files[0].fields["own date"] == 349 and summary.files[0].fields["DOI"] == 174
    assert seen and seen[-1][0] == seen[-1][1]  # the progress bar reaches its end
    segments = sorted((data_dir / "library").glob("seg-*.json"))
    assert len(segments) == 4  # 349 records, 100 a batch: each batch written as it was merged
    reopened = Library.open(data_dir)
    paper = reopened.papers["0704.0001"]
    assert paper.published == "2007-04-02" and paper.extra["categories"] == "hep-ph astro-ph.CO"
    assert reopened.papers["hep-th/9901010"].published == "2007-04-02"
    assert reopened.papers["0704.0003"].sightings == [(1, 3)]  # its line in the file
    again = reopened.import_paths([str(path)])
    assert (again.new, again.files_already) == (0, 1)


def test_snapshot_piped_to_stdin_streams_in_batches(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`paperterm import - < snapshot.jsonl`: standard input is copied a MiB at a time and streamed."""
    import paperterm.library as library_module
    from tests.conftest import run_cli

    data = _write_snapshot(tmp_path / "s.jsonl", 350, damaged_at=77).read_bytes()
    monkeypatch.setattr(importer, "STREAM_BATCH", 100)
    reads: list[int] = []

    def never(_path: Path) -> None:
        raise AssertionError("JSON Lines on standard input is never read whole")

    monkeypatch.setattr(library_module, "read_input", never)
    real_spool = importer.spool

    def counting_spool(read, *args, **kwargs):  # type: ignore[no-untyped-def]
        def chunked(size: int) -> bytes:
            reads.append(size)
            return read(size)

        return real_spool(chunked, *args, **kwargs)

    monkeypatch.setattr(library_module, "spool", counting_spool)
    done = run_cli(data_dir, "import", "-", "--json", stdin=data)
    assert done.returncode == 0, done.stderr
    assert b'"new":349' in done.stdout.replace(b" ", b"")
    assert reads and max(reads) <= 1 << 20  # a chunk at a time, never `read()` of everything
    assert len(sorted((data_dir / "library").glob("seg-*.json"))) == 4
    reopened = Library.open(data_dir)
    assert reopened.papers["0704.0001"].published == "2007-04-02"
    [digest] = reopened.digests
    assert digest.name == "<stdin>" and digest.date_source == "import-time"
    again = run_cli(data_dir, "import", "-", "--json", stdin=data)
    assert b'"files_already_imported":1' in again.stdout.replace(b" ", b"")


def test_a_streamed_file_keeps_source_lines_only_for_verbose(data_dir: Path, tmp_path: Path) -> None:
    """A line kept per record would grow with a multi-GB file: kept only when `--verbose` will list them."""
    from tests.conftest import run_cli

    path = _write_snapshot(tmp_path / "s.jsonl", 5)
    quiet = Library.open(data_dir).import_paths([str(path)])
    assert quiet.files[0].papers == 5 and quiet.files[0].records == []
    listed = run_cli(tmp_path / "other", "import", "--verbose", str(path))
    assert f"{path}:3  0704.0003  Calculation of prompt diphoton".encode() in listed.stdout


def test_a_read_file_keeps_source_lines_only_for_verbose(data_dir: Path) -> None:
    """The same for files read whole (a folder of 4,459 digests at 1M): a line, an id and a title
    per paper were kept for a listing nobody asked for."""
    from tests.conftest import BLANK

    quiet = Library.open(data_dir).import_paths([str(BLANK)])
    assert quiet.files[0].papers > 0 and quiet.files[0].records == []
    listed = Library.open(data_dir.parent / "other").import_paths([str(BLANK)], verbose=True)
    assert len(listed.files[0].records) == listed.files[0].papers


def test_a_streamed_import_past_the_compaction_threshold_holds_a_bounded_set_of_papers(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2.7M records are 54 segments of 50,000, past the 24 that start a compaction; compacting used to
    read every paper of the library into memory at once. Now only small segments are merged, at most
    `COMPACT_ROWS` papers, and the big ones are left as they are."""
    import paperterm.paper_store as paper_store

    _write_snapshot(tmp_path / "arxiv-metadata-oai-snapshot.json", 330)
    monkeypatch.setattr(importer, "STREAM_BATCH", 10)  # 33 segments of 10
    monkeypatch.setattr(paper_store, "SMALL_SEGMENT", 11)
    monkeypatch.setattr(paper_store, "COMPACT_ROWS", 200)

    def never(_self: object) -> None:
        raise AssertionError("a compaction never reads every paper")

    monkeypatch.setattr(paper_store.PaperStore, "every_paper", never)
    library = Library.open(data_dir)
    library.import_paths([str(tmp_path / "arxiv-metadata-oai-snapshot.json")])
    manifest = orjson.loads((data_dir / "library" / "manifest.json").read_bytes())["segments"]
    assert len(manifest) == 33 - 20 + 1  # the 20 smallest (200 papers) merged into one, written after the rest
    on_disk = {p.name for p in (data_dir / "library").glob("seg-*")}
    assert on_disk == {f for name in manifest for f in (name, name.replace(".json", ".abstracts"))}
    (tmp_path / "later.jsonl").write_bytes(_snapshot_line(5000) + _snapshot_line(3))  # one new, one known
    monkeypatch.setattr(paper_store, "SMALL_SEGMENT", 2)  # only the new segment is small now: nothing merged
    assert library.import_paths([str(tmp_path / "later.jsonl")]).new == 1
    monkeypatch.undo()
    reopened = Library.open(data_dir)
    assert len(reopened.papers) == 331
    assert reopened.papers["0704.0003"].sightings == [(1, 3), (2, 2)]
    assert reopened.papers["0704.0151"].abstract.startswith("A fully differential calculation")
    assert {p.id for p in reopened.papers.values()} == set(library.papers)


def test_segments_of_an_interrupted_import_are_removed_by_the_next(data_dir: Path, tmp_path: Path) -> None:
    """A snapshot import killed at 2.6M records leaves 52 segments no manifest names: the library is as it
    was, but gigabytes of disk stay taken unless the next import removes them."""
    library = Library.open(data_dir)
    library.import_paths([str(_write_snapshot(tmp_path / "a.jsonl", 5))])
    folder = data_dir / "library"
    kept = {p.name for p in folder.glob("seg-*")}
    for name in ("seg-000007.json", "seg-000007.abstracts", "seg-000008.json", "seg-000008.abstracts"):
        (folder / name).write_bytes(b"written by an import that was killed")
    (tmp_path / "b.jsonl").write_bytes(_snapshot_line(900))
    assert Library.open(data_dir).import_paths([str(tmp_path / "b.jsonl")]).new == 1
    assert kept < {p.name for p in folder.glob("seg-*")}
    assert not {"seg-000007.json", "seg-000008.abstracts"} & {p.name for p in folder.glob("seg-*")}
    assert len(Library.open(data_dir).papers) == 6
