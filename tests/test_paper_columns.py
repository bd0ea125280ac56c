"""The columns beside the paper cache: a library opens, lists, sorts, counts and searches without a
`Paper` object per paper, gives the answers the objects give, and a stale, damaged or missing
columns file is rebuilt from the segments, never trusted."""

from __future__ import annotations

import random
import shutil
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loaders import paper_id
from paperterm import paper_columns, sorting
from paperterm.library import Library, _newest_first, _newest_first_columns
from paperterm.library_overview import overview
from paperterm.paper import Paper
from paperterm.paper_columns import HASH_KINDS, PaperColumns, ScannedRow
from paperterm.search import PaperSearch
from paperterm.text_tokens import fold_text

from .conftest import BLANK, COMPACT, SHARED

REAL = SHARED / "digests" / "real"


def _build(data_dir: Path) -> Library:
    library = Library.open(data_dir)
    library.import_paths([str(BLANK)], explicit_date=date(2024, 9, 11))
    library.import_paths([str(COMPACT)], explicit_date=date(2024, 9, 12))
    library.import_paths([str(REAL)])
    library.search_engine()  # builds and saves the index, as a first launch does
    return library


@pytest.fixture(scope="module")
def _built_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("columns") / "library"
    _build(root)
    return root


@pytest.fixture
def built(_built_once: Path, data_dir: Path) -> Path:
    """A library of the samples and the real digests (its index saved), a copy for each test."""
    shutil.copytree(_built_once, data_dir)
    return data_dir


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The ids of the `Paper` objects made while the test runs."""
    ids: list[str] = []
    original = Paper.__init__

    def counting(self: Paper, id: str, *args: object, **kwargs: object) -> None:
        ids.append(id)
        original(self, id, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Paper, "__init__", counting)
    yield ids


def test_opening_listing_counting_and_searching_make_no_paper_per_paper(built: Path, made: list[str]) -> None:
    library = Library.open(built)
    ids = library.ids_sorted()
    overview(library, since="2000-01-01T00:00:00+00:00")
    library.search_engine()
    results = library.search("model")
    library.search("date:2024-09-12")
    assert len(ids) > 500 and len(results) > 20
    # Before the columns every paper was made at load (and again by the sidebar's day counts).
    # Now: only what a search's top needs (its proximity rerank, a phrase check).
    assert len(made) <= 60, len(made)


def test_an_import_reads_back_only_the_papers_it_touches(data_dir: Path, made: list[str]) -> None:
    library = Library.open(data_dir)
    library.import_paths([str(REAL)])
    library.import_paths([str(BLANK)], explicit_date=date(2024, 9, 11))
    made.clear()
    before = len(library.papers)
    summary = Library.open(data_dir).import_paths([str(COMPACT)], explicit_date=date(2024, 9, 12))
    assert summary.known >= 25 and before > 500
    # Per record of the compact digest's 119: its paper and its row as the columns take it in; and
    # the papers it was already known as, read from their segments. Not the library's 500+.
    assert len(made) <= 2 * 119 + summary.known


def test_columns_give_the_answers_of_the_paper_objects(built: Path) -> None:
    library = Library.open(built)
    papers = library.store.every_paper()
    assert library.ids_sorted() == [p.id for p in sorted(papers, key=_newest_first, reverse=True)]
    assert set(library.papers) == {p.id for p in papers} and len(library.papers) == len(papers)
    keys = {
        sorting.NEWEST: (lambda p: (p.date, -p.sightings[0][0], -p.sightings[0][1]), True),
        "paper date": (sorting.paper_date, True),
        "upvotes": (sorting.upvotes, True),
        "title": (lambda p: fold_text(p.title), False),
    }
    shuffled = [p.id for p in papers] + ["missing:1"]
    random.Random(15).shuffle(shuffled)
    by_id = {p.id: p for p in papers}
    for name, (key, reverse) in keys.items():
        expected = sorted((pid for pid in shuffled if pid in by_id), key=lambda pid: key(by_id[pid]), reverse=reverse)
        assert sorting.sort_ids(library, shuffled, name, searching=False) == expected, name
    day = next(d.date for d in library.digests if d.date)
    assert library.ids_sorted(date_filter=day) == [
        p.id for p in sorted(papers, key=_newest_first, reverse=True) if day in library.seen_on(p)
    ]
    imported = {d.number: d.imported_at for d in library.digests}
    assert library.first_seen() == {p.id: min(imported[n] for n, _ in p.sightings) for p in papers}


@pytest.mark.parametrize("query", ["model", "languag modle", "date:2024-09-12", "published:>2024-06", "-the vision"])
def test_the_engine_ranks_alike_from_columns_and_from_objects(built: Path, query: str) -> None:
    library = Library.open(built)
    columns = library.search_engine()
    objects = PaperSearch(
        columns.index,
        {p.id: p for p in library.store.every_paper()},
        columns.filters,
        order_columns=_newest_first_columns,
        seen_on=library.seen_on,
    )
    found, expected = columns.search(query), objects.search(query)
    assert list(found.ids) == list(expected.ids)
    assert found.full_matches == expected.full_matches


def _snapshot(library: Library) -> tuple[list[str], dict[str, tuple[str, str, str]]]:
    every = library.store.every_paper()
    return library.ids_sorted(), {p.id: (p.title, p.date, p.abstract[:40]) for p in every}


@pytest.mark.parametrize("damage", ["deleted", "garbage", "truncated", "zeroed tail"])
def test_a_damaged_or_missing_columns_file_is_rebuilt(built: Path, damage: str) -> None:
    expected = _snapshot(Library.open(built))
    path = built / "library" / "columns.bin"
    data = path.read_bytes()
    if damage == "deleted":
        path.unlink()
    elif damage == "garbage":
        path.write_bytes(b"\x00garbage" * 100)
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    else:
        path.write_bytes(data[: len(data) - 4096] + b"\0" * 4096)
    library = Library.open(built)
    assert _snapshot(library) == expected
    assert library.resolve(expected[0][0]).id == expected[0][0]
    assert path.exists() and Library.open(built).store.columns.ids == library.store.columns.ids


def test_a_stale_columns_file_is_brought_up_to_date_from_the_segments(data_dir: Path, tmp_path: Path) -> None:
    library = Library.open(data_dir)
    library.import_paths([str(BLANK)], explicit_date=date(2024, 9, 11))
    path = data_dir / "library" / "columns.bin"
    shutil.copy(path, tmp_path / "old.bin")
    Library.open(data_dir).import_paths([str(COMPACT)], explicit_date=date(2024, 9, 12))
    expected = _snapshot(Library.open(data_dir))
    shutil.copy(tmp_path / "old.bin", path)  # as if the writer was killed before saving them
    assert _snapshot(Library.open(data_dir)) == expected
    # A file that names segments the manifest does not (a repair rebuilt the cache) is not used.
    shutil.rmtree(data_dir / "library" / "index", ignore_errors=True)
    for segment in (data_dir / "library").glob("seg-*.json"):
        segment.touch()
    assert _snapshot(Library.open(data_dir)) == expected


def test_the_app_picks_up_another_process_s_import_through_the_columns(data_dir: Path) -> None:
    app_side = Library.open(data_dir)
    app_side.import_paths([str(BLANK)], explicit_date=date(2024, 9, 11))
    Library.open(data_dir).import_paths([str(COMPACT)], explicit_date=date(2024, 9, 12))
    assert app_side.refresh()
    assert len(app_side.store.last_changed) == 119
    fresh = Library.open(data_dir)
    assert app_side.ids_sorted() == fresh.ids_sorted()
    assert _snapshot(app_side) == _snapshot(fresh)


def test_an_open_engine_follows_an_import_as_a_fresh_one_does(data_dir: Path) -> None:
    library = Library.open(data_dir)
    library.import_paths([str(BLANK)], explicit_date=date(2024, 9, 11))
    library.search("model")  # the engine and its per-document arrays, from the columns
    library.import_paths([str(COMPACT)], explicit_date=date(2024, 9, 12))  # 25 papers seen again
    fresh = Library.open(data_dir)
    for query in ("date:2024-09-12", "date:2024-09-11", "published:>2024", "model", ""):
        assert list(library.search(query).ids) == list(fresh.search(query).ids), query


def test_a_folder_import_reads_its_files_one_at_a_time(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import paperterm.importer as importer
    import paperterm.library as library_module

    read: list[str] = []
    held: list[int] = []  # files read when each is parsed: all of them, were they listed first
    reader, parser = library_module.read_paths, importer.parse_bytes

    def reading(paths: list[Path]) -> Iterator[object]:
        for item in reader(paths):
            read.append(str(item))
            yield item

    def parsing(data: bytes, path: str, format_name: str | None = None) -> object:
        held.append(len(read))
        return parser(data, path, format_name)

    monkeypatch.setattr(library_module, "read_paths", reading)
    monkeypatch.setattr(importer, "parse_bytes", parsing)
    Library.open(data_dir).import_paths([str(REAL)])
    assert len(held) > 10 and held == list(range(1, len(held) + 1))


def test_what_s_new_counts_the_papers_first_imported_since(built: Path) -> None:
    library = Library.open(built)
    for moment in ("", "2000-01-01", *sorted({d.imported_at for d in library.digests})):
        expected = sorted(pid for pid, when in library.first_seen().items() if when > moment)
        assert sorted(library.added_since(moment)) == expected


def test_columns_from_before_the_key_hashes_are_rebuilt_not_trusted(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as old:
        old.setattr(paper_columns, "SCHEMA_VERSION", 1)
        Library.open(data_dir).import_paths([str(BLANK)], explicit_date=date(2024, 9, 11))
    path = data_dir / "library" / "columns.bin"
    assert PaperColumns.load(path) is None  # a file of schema 1 is never read as this one
    library = Library.open(data_dir)
    saved = PaperColumns.load(path)
    assert saved is not None  # rebuilt from the segments, and saved
    columns = saved[0]
    papers = library.store.every_paper()
    assert len(papers) == len(columns) > 20
    for paper in papers:
        row = columns.row_of[paper.id]
        title_id = paper_id(paper.title, None)
        expected = paper_columns.identity_hashes(paper.id, paper.title, title_id, paper.arxiv_id or "")
        assert tuple(int(columns.arrays[f"hash_{kind}"][row]) for kind in HASH_KINDS) == expected
    assert columns.arrays["hash_loose"].all()  # every sample title is long enough to have one


def _scanned(ids: list[str], segment: int) -> list[ScannedRow]:
    """Rows of one segment whose values say which id and segment wrote them (titles of varied width)."""
    return [
        ScannedRow(
            id=pid,
            start=segment * 1000 + at,
            end=segment * 1000 + at + 1,
            title=f"{pid} in {segment % 3}" + "é" * (segment % 3),  # a paper seen again: its title at times the same
            title_id=f"t:{pid}",
            arxiv=f"{pid}.{segment}" * (1 + segment % 3),
            date=f"2024-01-{1 + segment % 28:02d}",
            sort_date="2024",
            published="",
            paper_date="2024",
            first=(segment, at),
            numbers=list(range(1, 1 + segment % 4)),
            upvotes=segment,
            doi="",
            pmid="",
            hashes=(segment + 1, 0, hash(pid) & 0xFFFF),
        )
        for at, pid in enumerate(ids)
    ]


def _row_values(columns: PaperColumns, row: int) -> tuple[object, ...]:
    arrays = columns.arrays
    return (
        columns.ids[row],
        columns.segments[int(arrays["seg"][row])],
        *(int(arrays[name][row]) for name in ("start", "end", "first_num", "first_line", "max_num", "upvotes")),
        *(int(arrays[f"hash_{kind}"][row]) for kind in HASH_KINDS),
        columns.title(row),
        columns.numbers(row),
        *(columns.text(name, row) for name in paper_columns.TEXT),
    )


def _expected(segments: list[list[str]]) -> dict[str, tuple[object, ...]]:
    """Each id's values as the last segment naming it wrote them."""
    latest: dict[str, tuple[object, ...]] = {}
    for number, ids in enumerate(segments):
        for item in _scanned(ids, number):
            latest[item.id] = (
                item.id, f"seg-{number}", item.start, item.end, *item.first, max(item.numbers, default=0),
                item.upvotes, *item.hashes, item.title, item.numbers, item.date, item.sort_date, item.published,
                item.paper_date, item.arxiv, item.title_id,
            )  # fmt: skip
    return latest


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 30).map(lambda n: f"p{n}"), min_size=1, max_size=12), min_size=1, max_size=25),
    st.integers(0, 25),
)
def test_commits_into_spare_room_give_the_columns_a_fresh_load_gives(
    tmp_path_factory: pytest.TempPathFactory, segments: list[list[str]], reopen_at: int
) -> None:
    """Many commits, new papers and replaced ones, some after a save and load (arrays mapped from the
    file): every row holds what its latest segment wrote, and so does the file saved after."""
    path = tmp_path_factory.mktemp("grow") / "columns.bin"
    columns = PaperColumns()
    for number, ids in enumerate(segments):
        if number == reopen_at:
            columns.save(path, {})
            loaded = PaperColumns.load(path)
            assert loaded is not None
            columns = loaded[0]
        columns.apply(f"seg-{number}", _scanned(ids, number))
    expected = _expected(segments)
    assert columns.ids == list(expected)
    assert [_row_values(columns, row) for row in range(len(columns))] == list(expected.values())
    columns.save(path, {})
    loaded = PaperColumns.load(path)
    assert loaded is not None
    assert [_row_values(loaded[0], row) for row in range(len(columns))] == list(expected.values())


def _grown_twice() -> PaperColumns:
    columns = PaperColumns()
    columns.apply("seg-0", _scanned([f"a{n}" for n in range(10)], 0))
    columns.apply("seg-1", _scanned(["b0", "b1"], 1))  # the arrays now have room for 15 rows
    return columns


def test_a_commit_of_new_papers_writes_into_spare_room_and_a_reader_s_arrays_stay_as_they_were() -> None:
    """A commit costs its own rows, not the library's (at a million papers each 50,000-paper commit
    copied every column: 5.7 s of the import): new rows go past the end a reader's views show."""
    columns = _grown_twice()
    held, titles, sights = columns.arrays, columns.titles, columns.sight_nums
    before = [_row_values(columns, row) for row in range(len(columns))]
    copies = {name: array.copy() for name, array in held.items()}
    columns.apply("seg-2", _scanned(["c0"], 4))  # within the room, no text wider than before (else copied)
    assert all(np.shares_memory(columns.arrays[name], held[name]) for name in held)  # appended, not copied
    assert np.shares_memory(columns.titles, titles) and np.shares_memory(columns.sight_nums, sights)
    assert all(np.array_equal(held[name], copies[name]) and len(held[name]) == 12 for name in held)
    assert [_row_values(columns, row) for row in range(12)] == before
    assert len(columns) == 13 and columns.title(12) == "c0 in 1é"


def test_a_replaced_row_is_written_into_a_copy_never_under_a_reader() -> None:
    """A known paper seen again changes its row: a reader holding the arrays from before keeps the old
    row whole (a row half old, half new would read another paper's bytes)."""
    columns = _grown_twice()
    held = columns.arrays
    copies = {name: array.copy() for name, array in held.items()}
    columns.apply("seg-2", _scanned(["a3", "c0"], 2))
    assert all(np.array_equal(held[name], copies[name]) for name in held)
    assert columns.segments[int(columns.arrays["seg"][3])] == "seg-2"
    assert int(held["seg"][3]) == 0


def test_a_paper_seen_again_copies_only_the_columns_whose_values_it_changes() -> None:
    """At a million papers nearly every commit meets a paper seen before (18 of 20): copying every
    column for it cost the library's size again; its title, keys and first sighting stay as they are."""
    columns = _grown_twice()
    held = columns.arrays
    copies = {name: array.copy() for name, array in held.items()}
    columns.apply("seg-2", _scanned(["a3", "c0"], 3))  # a3's title in segment 3 is the one of segment 0
    copied = {name for name in held if not np.shares_memory(columns.arrays[name], held[name])}
    assert {"seg", "start", "end", "sight_start"} <= copied
    assert not copied & {"title_start", "title_len", "title_id", "hash_title", "hash_loose", "sort_date"}
    assert all(np.array_equal(held[name], copies[name]) for name in held)
    assert columns.title(3) == "a3 in 0" and columns.title(12) == "c0 in 0"
    assert columns.segments[int(columns.arrays["seg"][3])] == "seg-2"


def test_a_reader_thread_never_finds_a_row_the_arrays_lack_or_half_written() -> None:
    """Another thread (the app's list, a search) reads while an import commits: every id it finds has
    its row in the arrays it reads next, whole."""
    columns = PaperColumns()
    done = threading.Event()
    problems: list[str] = []

    def read() -> None:
        while not done.is_set():
            count = len(columns.ids)
            arrays = columns.arrays
            if count and len(arrays["seg"]) < count:
                problems.append(f"{count} ids, {len(arrays['seg'])} rows")
            for row in range(max(0, count - 3), count):
                segment = int(arrays["start"][row]) // 1000
                if int(arrays["end"][row]) - int(arrays["start"][row]) != 1 or int(arrays["upvotes"][row]) != segment:
                    problems.append(f"row {row} half written")

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    reader = threading.Thread(target=read)
    reader.start()
    try:
        for number in range(300):
            ids = [f"p{number}-{n}" for n in range(7)] + [f"p{number // 2}-0"]  # new papers and a known one
            columns.apply(f"seg-{number}", _scanned(ids, number))
    finally:
        done.set()
        reader.join()
        sys.setswitchinterval(switch)
    assert not problems[:3]
