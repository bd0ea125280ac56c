"""The state's change journal: a save appends what it changed; a crash at any byte keeps every
acknowledged change; two writers on one data dir see each other's changes; doctor repairs it."""

from __future__ import annotations

import errno
import os
import warnings
import zlib
from pathlib import Path

import orjson
import pytest

from paperterm import state_journal
from paperterm.atomic_io import LibraryFileError
from paperterm.doctor import check
from paperterm.state_store import JOURNAL, JournalNotice, StateStore


def _bookmark(store: StateStore, paper: str) -> None:
    with store.edit() as state:
        state.set_in_list(state.ensure_default_list().id, paper, True)


def _noting(store: StateStore, paper: str, text: str) -> None:
    with store.edit() as state:
        state.set_note(paper, text)


def test_a_save_appends_the_change_and_leaves_state_json_alone(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.load()
    _bookmark(store, "p0")  # the first write makes state.json
    base = store.path.read_bytes()
    for n in range(1, 6):
        _bookmark(store, f"p{n}")
    assert store.path.read_bytes() == base
    lines = store.journal_path.read_bytes().splitlines()
    assert len(lines) == 1 + 5 and orjson.loads(lines[0])["kind"] == state_journal.KIND
    assert b'"p3"' in lines[3] and b'"p1"' not in lines[3]  # one change a line, not the state
    assert StateStore(tmp_path).load().list_papers("to-read") == [f"p{n}" for n in range(6)]


def test_the_journal_is_folded_into_state_json_when_it_grows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("paperterm.state_store.FOLD_AT", 2000)
    store = StateStore(tmp_path)
    store.load()
    for n in range(40):
        _noting(store, f"p{n}", "text " * 20)
    assert store.journal_path.stat().st_size < 2000 + store.path.stat().st_size // 4 + 1000
    assert orjson.loads(store.path.read_bytes())["schema_version"] == 3
    assert len(StateStore(tmp_path).load().notes) == 40
    assert (tmp_path / "backups" / "state.last-good.json").read_bytes() == store.path.read_bytes()


def test_a_crash_at_any_byte_of_a_save_keeps_every_acknowledged_change(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.load()
    _bookmark(store, "p0")
    _bookmark(store, "p1")
    acknowledged = store.journal_path.read_bytes()
    _bookmark(store, "p2")
    whole = store.journal_path.read_bytes()
    for cut in range(len(acknowledged), len(whole)):  # the last save, killed after `cut` bytes
        store.journal_path.write_bytes(whole[:cut])
        with warnings.catch_warnings(record=True) as noticed:
            warnings.simplefilter("always")
            state = StateStore(tmp_path).load()
        assert state.list_papers("to-read") == ["p0", "p1"], cut
        assert (cut > len(acknowledged)) == any(issubclass(w.category, JournalNotice) for w in noticed), cut
    store = StateStore(tmp_path)  # a torn tail, then the next save: cut off, and the new line readable
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        store.load()
        _bookmark(store, "p3")
    assert StateStore(tmp_path).load().list_papers("to-read") == ["p0", "p1", "p3"]


def test_zeros_after_a_crash_are_a_torn_tail(tmp_path: Path) -> None:
    """What a file system may leave after a power cut: the file's new length, filled with zeros."""
    store = StateStore(tmp_path)
    store.load()
    _bookmark(store, "p0")
    _bookmark(store, "p1")
    with open(store.journal_path, "ab") as handle:
        handle.write(b"\0" * 300)
    with pytest.warns(JournalNotice, match="300 bytes were ignored"):
        assert StateStore(tmp_path).load().list_papers("to-read") == ["p0", "p1"]


def test_a_journal_left_by_a_fold_killed_midway_is_ignored(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.load()
    _bookmark(store, "p0")
    _bookmark(store, "p1")
    old_journal = store.journal_path.read_bytes()
    store.fold()  # state.json now holds p0 and p1, under a new token
    _bookmark(store, "p2")
    with store.edit() as state:  # remove p1 after the fold
        state.set_in_list("to-read", "p1", False)
    store.fold()
    store.journal_path.write_bytes(old_journal)  # as if killed before the old journal was removed
    assert StateStore(tmp_path).load().list_papers("to-read") == ["p0", "p2"]


def test_two_stores_on_one_data_dir_keep_each_others_changes(tmp_path: Path) -> None:
    app, cli = StateStore(tmp_path), StateStore(tmp_path)
    app.load()
    cli.load()
    for n in range(11):
        _bookmark(app if n % 2 else cli, f"p{n}")
    assert app.refresh() is True
    assert app.state.list_papers("to-read") == cli.state.list_papers("to-read") == [f"p{n}" for n in range(11)]
    assert app.refresh() is False
    cli.fold()
    _bookmark(cli, "p10")
    assert app.refresh() is True and app.state.list_papers("to-read")[-1] == "p10"


def test_a_full_disk_during_a_save_saves_nothing_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = StateStore(tmp_path)
    store.load()
    _bookmark(store, "p0")
    _bookmark(store, "p1")
    before = store.journal_path.read_bytes()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(LibraryFileError, match="the disk is full"):
        _bookmark(store, "p2")
    monkeypatch.undo()
    assert store.journal_path.read_bytes() == before
    assert store.state.list_papers("to-read") == ["p0", "p1"]
    _bookmark(store, "p3")
    assert StateStore(tmp_path).load().list_papers("to-read") == ["p0", "p1", "p3"]


def test_doctor_reports_and_repairs_a_damaged_journal(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.load()
    for n in range(3):
        _bookmark(store, f"p{n}")
    lines = store.journal_path.read_bytes().splitlines(keepends=True)
    body = b'{"lists":"not a list"}'  # a whole line with a good CRC, but not a change
    bad = b'{"crc":"%08x","change":' % zlib.crc32(body) + body + b"}\n"
    store.journal_path.write_bytes(b"".join([*lines[:2], bad, lines[2]]))  # header, p1, bad, p2
    with pytest.raises(LibraryFileError, match="has a wrong change"):
        StateStore(tmp_path).load()
    found = {f.what: f for f in check(tmp_path)}["state (lists, notes)"]
    assert found.status == "problem" and JOURNAL in found.message
    repaired = {f.what: f for f in check(tmp_path, repair=True)}["state (lists, notes)"]
    assert repaired.status == "repaired" and "1 change " in repaired.message
    assert StateStore(tmp_path).load().list_papers("to-read") == ["p0", "p1"]
    assert list((tmp_path / "backups").glob(f"{JOURNAL}.*.bak"))
    assert {f.what: f for f in check(tmp_path)}["state (lists, notes)"].status == "ok"


def test_doctor_cuts_off_a_torn_tail(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.load()
    _bookmark(store, "p0")
    with open(store.journal_path, "ab") as handle:
        handle.write(b'{"crc":"0000')
    assert {f.what: f for f in check(tmp_path)}["state (lists, notes)"].status == "problem"
    assert {f.what: f for f in check(tmp_path, repair=True)}["state (lists, notes)"].status == "repaired"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert StateStore(tmp_path).load().list_papers("to-read") == ["p0"]


def test_a_copied_data_dir_with_a_journal_becomes_a_new_device(tmp_path: Path, monkeypatch) -> None:
    import shutil

    original = StateStore(tmp_path / "a")
    original.load()
    _bookmark(original, "p0")
    _bookmark(original, "p1")  # in the journal
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    copy = StateStore(tmp_path / "b")
    assert copy.load().list_papers("to-read") == ["p0", "p1"]
    _bookmark(copy, "p2")
    assert copy.state.device != original.state.device
    assert StateStore(tmp_path / "b").load().device == copy.state.device
