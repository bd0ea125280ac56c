"""State and sync files written by schema 1 still load, upgraded, with the old file kept."""

from __future__ import annotations

import json
from pathlib import Path

from paperterm import sync
from paperterm.library import Library

V1_STATE = {
    "schema_version": 1,
    "kind": "paperterm-state",
    "device": "4b9e0e79720e",
    "lists": [
        {
            "id": "to-read",
            "name": "to-read",
            "position": 0,
            "deleted": False,
            "changed": "1970-01-01T00:00:00.000000Z",
            "by": "default",
        },
        {
            "id": "old",
            "name": "Old",
            "position": 1,
            "deleted": True,
            "changed": "2025-03-02T10:00:00.000000Z",
            "by": "4b9e0e79720e",
        },
    ],
    "entries": [
        {
            "list": "to-read",
            "paper": "2409.01234",
            "added": "2025-03-01T09:00:00.000000Z",
            "removed": False,
            "changed": "2025-03-01T09:00:00.000000Z",
            "by": "4b9e0e79720e",
        },
        {
            "list": "old",
            "paper": "2409.01234",
            "added": "2025-03-01T09:30:00.000000Z",
            "removed": False,
            "changed": "2025-03-01T09:30:00.000000Z",
            "by": "4b9e0e79720e",
        },
    ],
    "status": {"2409.01234": {"value": "read", "changed": "2025-03-01T09:01:00.000000Z", "by": "a1a1a1a1a1a1"}},
    "topics": [],
    "notes": {
        "2409.01234": {
            "versions": [
                {
                    "id": "2025-03-01T09:05:00.000000Z/4b9e0e79720e",
                    "text": "keep me",
                    "changed": "2025-03-01T09:05:00.000000Z",
                    "by": "4b9e0e79720e",
                    "shared": True,
                }
            ],
            "superseded": ["2025-03-01T09:02:00.000000Z/a1a1a1a1a1a1"],
        }
    },
}


def test_schema_1_state_loads_upgraded_and_the_old_file_is_kept(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    root.mkdir()
    (root / "state.json").write_text(json.dumps(V1_STATE))
    library = Library.open(root)
    state = library.state
    assert state.list_papers("to-read") == ["2409.01234"]
    assert state.find_list("Old") is None  # the deleted list stays deleted, its entry with it
    assert state.status_of("2409.01234") == "read"
    assert state.note_of("2409.01234") == "keep me"
    assert state.seen == {"4b9e0e79720e": "2025-03-02T10:00:00.000000Z", "a1a1a1a1a1a1": "2025-03-01T09:02:00.000000Z"}
    assert json.loads((root / "state.json").read_text())["schema_version"] == 3  # 3: with a journal
    backups = list((root / "backups").glob("state.json.*.bak"))
    assert len(backups) == 1 and json.loads(backups[0].read_text()) == V1_STATE
    library.bookmark("p2")  # the first write keeps the device id: the dir was not copied
    assert library.state.device == "4b9e0e79720e"
    assert library.state.entries[("to-read", "p2")].changed > "2025-03-02T10:00:00.000000Z"


def test_schema_1_sync_file_merges_and_is_rewritten_as_schema_2(tmp_path: Path) -> None:
    old = {**V1_STATE, "kind": "paperterm-sync", "state_schema_version": 1}
    del old["device"]
    old["papers"] = {
        "2409.01234": {
            "title": "A paper",
            "abstract": "x",
            "url": "https://arxiv.org/abs/2409.01234",
            "arxiv_id": "2409.01234",
            "date": "2025-02-28",
            "sources": ["hf-daily.txt (2025-02-28)"],
        }
    }
    path = tmp_path / "shared.json"
    path.write_text(json.dumps(old))
    library = Library.open(tmp_path / "lib")
    sync.sync(library, path)
    assert library.state.list_papers("to-read") == ["2409.01234"]
    paper = library.paper_for("2409.01234")
    assert paper is not None and paper.date == "2025-02-28"
    assert [s.digest.name for s in library.sightings(paper)] == ["hf-daily.txt"]
    assert json.loads(path.read_text())["schema_version"] == 2
    assert len(list((tmp_path / "lib" / "backups").glob("shared.json.*.bak"))) == 1
