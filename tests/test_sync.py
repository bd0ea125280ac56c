"""Sync through one JSON file between two data dirs standing for two machines, by API and by CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paperterm import sync
from paperterm.atomic_io import LibraryFileError
from paperterm.library import Library

from .conftest import BLANK, COMPACT, CliResult, run_cli, state_bytes


@pytest.fixture
def machines(tmp_path: Path) -> tuple[Library, Library]:
    laptop = Library.open(tmp_path / "laptop")
    laptop.import_paths([str(BLANK)])
    desktop = Library.open(tmp_path / "desktop")
    desktop.import_paths([str(COMPACT)])
    return laptop, desktop


def _ids(library: Library, n: int) -> list[str]:
    return [p.id for p in library.papers_sorted()[:n]]


def test_alternating_syncs_converge_and_lose_nothing(machines, tmp_path: Path) -> None:
    laptop, desktop = machines
    shared_file = tmp_path / "sync" / "paperterm.json"
    shared_file.parent.mkdir()
    only_laptop = [pid for pid in _ids(laptop, 80) if pid not in desktop.papers][:3]
    only_desktop = [pid for pid in _ids(desktop, 119) if pid not in laptop.papers][:3]
    both = sorted(set(laptop.papers) & set(desktop.papers))[:2]

    for pid in only_laptop:
        laptop.bookmark(pid)
    laptop.set_note(only_laptop[0], "laptop note")
    laptop.create_list("Thesis")
    laptop.bookmark(both[0], "Thesis")
    sync.sync(laptop, shared_file)

    sync.sync(desktop, shared_file)
    for pid in only_desktop:
        desktop.bookmark(pid)
    desktop.unbookmark(only_laptop[1])  # removes one of the laptop's bookmarks
    desktop.set_status(both[1], "dismissed")
    desktop.set_note(only_desktop[0], "desktop note")
    sync.sync(desktop, shared_file)

    laptop.bookmark(both[1])
    sync.sync(laptop, shared_file)
    sync.sync(desktop, shared_file)

    assert laptop.state.view() == desktop.state.view()
    for machine in (laptop, desktop):
        to_read = set(machine.state.list_papers("to-read"))
        assert to_read == {only_laptop[0], only_laptop[2], *only_desktop, both[1]}
        assert machine.state.note_of(only_laptop[0]) == "laptop note"
        assert machine.state.note_of(only_desktop[0]) == "desktop note"
        assert machine.state.status_of(both[1]) == "dismissed"
        thesis = machine.state.find_list("Thesis")
        assert thesis is not None and machine.state.list_papers(thesis.id) == [both[0]]
        for pid in machine.state.kept_ids():
            paper = machine.paper_for(pid)
            assert paper is not None and paper.abstract, pid
    payload = json.loads(shared_file.read_text())
    assert payload["schema_version"] == 2 and payload["kind"] == "paperterm-sync"
    # Both devices have seen the desktop's removal: its tombstone is compacted away.
    assert not any(e["removed"] for e in payload["entries"])
    assert set(payload["papers"]) == laptop.state.kept_ids()
    # A fresh machine gets everything, papers included, from the file alone.
    fresh = Library.open(tmp_path / "fresh")
    sync.sync(fresh, shared_file)
    assert fresh.state.view() == laptop.state.view()
    assert {fresh.paper_for(pid).title for pid in fresh.state.kept_ids()} == {
        laptop.paper_for(pid).title for pid in laptop.state.kept_ids()
    }


def test_sync_is_idempotent(machines, tmp_path: Path) -> None:
    laptop, _ = machines
    laptop.bookmark(_ids(laptop, 1)[0])
    target = tmp_path / "s.json"
    sync.sync(laptop, target)
    first = json.loads(target.read_text())
    report = sync.sync(laptop, target)
    second = json.loads(target.read_text())
    first.pop("exported_at"), second.pop("exported_at")
    assert first == second
    assert (report.entries, report.status, report.notes, report.new_papers) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"", "not valid JSON"),
        (b'{"schema_version": 1, "kind": "paperterm-sync", "lists": [', "not valid JSON"),
        (b'{"some": "other tool"}', "is not a paperterm-sync file"),
        (b'{"schema_version": 7, "kind": "paperterm-sync"}', "newer paperterm"),
        (
            b'{"schema_version": 1, "kind": "paperterm-sync", "status": {"../../etc": '
            b'{"value": "read", "changed": "2024-01-01T00:00:00.000000Z", "by": "x"}}}',
            "not a valid id",
        ),
        (b'{"schema_version": 1, "kind": "paperterm-sync", "entries": [{"list": 1}]}', "unexpected fields"),
        (
            b'{"schema_version": 1, "kind": "paperterm-sync", "status": {"p": {"value": "gone", '
            b'"changed": "2024-01-01T00:00:00.000000Z", "by": "x"}}}',
            "expected one of",
        ),
        (b"[" * 5000 + b"]" * 5000, "not valid JSON"),
    ],
)
def test_bad_sync_files_change_nothing(machines, tmp_path: Path, content: bytes, problem: str) -> None:
    laptop, _ = machines
    laptop.bookmark(_ids(laptop, 1)[0])
    state_before = state_bytes(laptop.root)
    papers_before = len(laptop.papers)
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    for action in (sync.import_file, sync.sync):
        with pytest.raises(LibraryFileError, match=problem):
            action(laptop, bad)
    assert state_bytes(laptop.root) == state_before
    assert bad.read_bytes() == content
    assert len(Library.open(laptop.root).papers) == papers_before


def test_cli_two_machines(tmp_path: Path) -> None:
    one, two, shared = tmp_path / "one", tmp_path / "two", tmp_path / "sync.json"

    def run(root: Path, *args: str) -> CliResult:
        done = run_cli(root, *args)
        assert done.returncode == 0, done.stderr
        return done

    run(one, "import", str(BLANK))
    ids = [r["id"] for r in json.loads(run(one, "list", "--json", "--limit", "2").stdout)]
    run(one, "bookmark", ids[0], "--list", "Reading group", "--create")
    run(one, "note", ids[0], "--set", "discuss on Friday")
    run(one, "mark", ids[1], "read")
    run(one, "sync", str(shared))
    run(two, "bookmarks", "import", str(shared))
    listed = json.loads(run(two, "lists", "show", "Reading group", "--json").stdout)
    assert [r["id"] for r in listed] == [ids[0]]
    assert listed[0]["note"] == "discuss on Friday"
    run(two, "unbookmark", ids[0], "--list", "Reading group")
    run(two, "sync", str(shared))
    run(one, "sync", str(shared))
    assert json.loads(run(one, "lists", "--json").stdout) == json.loads(run(two, "lists", "--json").stdout)
    bib = run(one, "bookmarks", "export", "-", "--format", "bibtex").stdout.decode()
    assert bib == ""  # the default list is empty
    run(one, "bookmark", ids[1])
    bib = run(one, "bookmarks", "export", "-", "--format", "bibtex").stdout.decode()
    assert bib.startswith("@misc{") and "title = {{" in bib
    md = run(one, "bookmarks", "export", "-", "--format", "markdown").stdout.decode()
    assert md.startswith("# to-read\n\n- [")
