"""Corrupt or foreign files: each library file truncated, emptied, replaced by garbage, by valid JSON
of the wrong shape, or by a newer schema. paperterm must say which file and what to do, keep the file
as a backup, overwrite nothing; `paperterm doctor --repair` then brings the library back."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from paperterm.library import Library
from paperterm.settings import Settings, save_settings

from ..test_cli import run

PAPER = "t:2628b34a9ec1"  # a sample paper ("Augmented Embeddings for Custom Retrievals")
FILES = ["state.json", "settings.json", "library/manifest.json", "library/seg-000001.json"]


def damage(kind: str, data: bytes) -> bytes:
    if kind == "truncated":
        return data[: len(data) // 2]
    if kind == "empty":
        return b""
    if kind == "garbage":
        return b"\x00\xff not json at all \x1b[31m"
    if kind == "wrong shape":
        return b'[{"schema_version": 1, "kind": "something else"}]'
    payload = orjson.loads(data)  # newer schema
    payload["schema_version"] = 999
    return orjson.dumps(payload)


DAMAGES = ["truncated", "empty", "garbage", "wrong shape", "newer schema"]


@pytest.fixture
def library_dir(seeded: Library, data_dir: Path) -> Path:
    seeded.bookmark(sorted(seeded.papers)[0])
    seeded.set_note(sorted(seeded.papers)[1], "a note that must survive")
    save_settings(data_dir, Settings(mark_read_on_move=True))
    return data_dir


@pytest.mark.parametrize("damage_kind", DAMAGES)
@pytest.mark.parametrize("name", FILES)
def test_damaged_file_is_named_kept_and_not_overwritten(library_dir: Path, name: str, damage_kind: str) -> None:
    path = library_dir / name
    bad = damage(damage_kind, path.read_bytes())
    path.write_bytes(bad)
    command = ["inbox", str(library_dir)] if name == "settings.json" else ["bookmark", PAPER, "--list", "new"]
    done = run(library_dir, *command, "--create") if name != "settings.json" else run(library_dir, *command)
    assert done.returncode == 1
    message = done.stderr.decode()
    assert str(path) in message
    expected = ("newer paperterm", "Upgrade") if damage_kind == "newer schema" else ("doctor --repair",)
    assert all(text in message for text in expected)
    assert path.read_bytes() == bad  # nothing overwritten
    backups = list((library_dir / "backups").glob(f"{path.name}.*.bak"))
    assert any(b.read_bytes() == bad for b in backups)  # kept as a backup


@pytest.mark.parametrize("damage_kind", ["truncated", "empty", "garbage", "wrong shape"])
@pytest.mark.parametrize("name", FILES)
def test_doctor_repairs_and_nothing_is_lost(library_dir: Path, name: str, damage_kind: str) -> None:
    before = Library.open(library_dir)
    lists, notes = before.state.list_papers("to-read"), dict(before.state.notes)
    papers = len(before.papers)
    path = library_dir / name
    path.write_bytes(damage(damage_kind, path.read_bytes()))
    assert run(library_dir, "doctor").returncode == 1
    repaired = run(library_dir, "doctor", "--repair")
    assert repaired.returncode == 0, repaired.stdout.decode() + repaired.stderr.decode()
    assert b"repaired" in repaired.stdout
    after = Library.open(library_dir)
    assert len(after.papers) == papers
    if name != "settings.json":
        assert after.state.list_papers("to-read") == lists
        assert {k: v.text for k, v in after.state.notes.items()} == {k: v.text for k, v in notes.items()}
    assert run(library_dir, "doctor").returncode == 0


def test_doctor_removes_a_damaged_index_and_stale_temp_files(library_dir: Path) -> None:
    library = Library.open(library_dir)
    library.search("distillation")
    index = library_dir / "library" / "index" / "index.json"
    assert index.exists()
    index.write_text("{broken")
    stray = library_dir / ".state.json.tmp-1-2"
    stray.write_text("half a write")
    import os

    os.utime(stray, (1, 1))
    assert run(library_dir, "doctor").returncode == 1
    assert run(library_dir, "doctor", "--repair").returncode == 0
    assert not stray.exists() and not index.exists()
    assert Library.open(library_dir).search("distillation").ids  # rebuilt on demand


def test_an_older_settings_file_is_upgraded_after_a_backup(data_dir: Path, tmp_path: Path) -> None:
    """Schema evolution: settings.json schema 1 (one `inbox`) becomes schema 2 (`inboxes`) on open."""
    data_dir.mkdir(parents=True)
    old = {"schema_version": 1, "kind": "paperterm-settings", "mark_read_on_move": True, "inbox": str(tmp_path)}
    (data_dir / "settings.json").write_bytes(orjson.dumps(old))
    done = run(data_dir, "inbox")
    assert done.returncode == 0, done.stderr
    upgraded = orjson.loads((data_dir / "settings.json").read_bytes())
    assert upgraded["schema_version"] == 2 and upgraded["inboxes"] == [str(tmp_path)] and "inbox" not in upgraded
    assert upgraded["mark_read_on_move"] is True
    backups = list((data_dir / "backups").glob("settings.json.*.bak"))
    assert [orjson.loads(b.read_bytes()) for b in backups] == [old]


def test_state_upgrade_path_keeps_a_backup(data_dir: Path, seeded: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    """The state file upgrades through the same mechanism: a schema bump with an upgrade step."""
    import paperterm.state_store as state_store

    seeded.bookmark(sorted(seeded.papers)[0])
    original = (data_dir / "state.json").read_bytes()

    def add_field(payload: dict) -> dict:
        return {**payload, "upgraded": True}

    current = state_store.SCHEMA_VERSION
    monkeypatch.setattr(state_store, "SCHEMA_VERSION", current + 1)
    monkeypatch.setattr(state_store, "UPGRADES", {**state_store.UPGRADES, current: add_field})
    library = Library.open(data_dir)
    assert library.state.list_papers("to-read") == [sorted(seeded.papers)[0]]
    backups = list((data_dir / "backups").glob("state.json.*.bak"))
    assert [b.read_bytes() for b in backups] == [original]
