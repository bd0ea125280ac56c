"""`paperterm doctor` on derived files: the paper columns (`library/columns.bin`) and what killed
index builds and folds leave beside the index (chunk folders of 1.4 GB at a million papers)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from paperterm import paper_columns, paper_store
from paperterm.cache_rebuild import READY_DIR
from paperterm.doctor import check
from paperterm.library import Library
from paperterm.paper_columns import PaperColumns
from paperterm.search_index import SPILL_PREFIX

from .conftest import run_cli


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    return int(done.stdout)


def _files(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file of a data dir with its inode and mtime: a check that wrote nothing leaves all three."""
    return {
        str(p.relative_to(root)): (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_doctor_names_a_damaged_columns_file_and_only_repair_rebuilds_it(seeded: Library, data_dir: Path) -> None:
    path = data_dir / "library" / "columns.bin"
    assert path.exists()
    papers = len(seeded.papers)
    ok = run_cli(data_dir, "doctor")
    assert ok.returncode == 0 and b"columns.bin" in ok.stdout and b"matches the segments" in ok.stdout
    path.write_bytes(path.read_bytes()[:300])  # cut short
    before = _files(data_dir)
    found = run_cli(data_dir, "doctor")
    out = found.stdout.decode()
    assert found.returncode == 1, out
    assert "columns.bin (300 B, derived from the segments) is damaged; --repair or the next launch rebuilds it" in out
    assert _files(data_dir) == before  # a check changes nothing
    done = run_cli(data_dir, "doctor", "--repair")
    out = done.stdout.decode()
    assert done.returncode == 0, out
    assert "columns.bin (300 B, derived from the segments) is damaged: rebuilt from the segments" in out
    saved = PaperColumns.load(path)
    assert saved is not None and len(saved[0].ids) == papers
    assert len(Library.open(data_dir).papers) == papers


def test_doctor_says_a_columns_file_of_an_older_schema_is_rebuilt_not_damaged(seeded: Library, data_dir: Path) -> None:
    path = data_dir / "library" / "columns.bin"
    data = path.read_bytes()
    current = f'"schema_version":{paper_columns.SCHEMA_VERSION}'.encode()
    assert data.count(current) == 1
    path.write_bytes(data.replace(current, b'"schema_version":1'))  # as an older paperterm wrote it
    before = _files(data_dir)
    found = run_cli(data_dir, "doctor")
    out = found.stdout.decode()
    assert found.returncode == 0, out  # the first launch after an upgrade rebuilds it: nothing wrong
    assert "written by an older paperterm (schema 1); --repair or the next launch rebuilds it" in out, out
    assert _files(data_dir) == before
    out = run_cli(data_dir, "doctor", "--repair").stdout.decode()
    assert "was written by an older paperterm (schema 1): rebuilt from the segments" in out, out
    assert "damaged" not in out
    saved = PaperColumns.load(path)
    assert saved is not None and len(saved[0].ids) == len(seeded.papers)


def test_doctor_leaves_a_stale_columns_file_as_it_is_and_repair_updates_it(seeded: Library, data_dir: Path) -> None:
    path = data_dir / "library" / "columns.bin"
    old = path.read_bytes()
    digest = data_dir.parent / "more.jsonl"
    digest.write_text('{"title": "A paper the columns do not hold yet", "abstract": "Added later."}\n')
    assert run_cli(data_dir, "import", str(digest)).returncode == 0
    path.write_bytes(old)  # as a save cut short by a full disk leaves it
    before = _files(data_dir)
    found = run_cli(data_dir, "doctor")
    out = found.stdout.decode()
    assert found.returncode == 0, out
    assert f"{len(seeded.papers)} papers: older than the segments (--repair or the next launch brings it up" in out
    assert _files(data_dir) == before  # before: the cache's check rewrote it
    repaired = run_cli(data_dir, "doctor", "--repair").stdout.decode()
    assert "was older than the segments: rebuilt from the segments" in repaired, repaired
    saved = PaperColumns.load(path)
    assert saved is not None and len(saved[0].ids) == len(seeded.papers) + 1
    assert "matches the segments" in run_cli(data_dir, "doctor").stdout.decode()


def test_doctor_without_repair_leaves_a_killed_repairs_cache_for_repair_to_swap_in(
    seeded: Library, data_dir: Path
) -> None:
    shutil.copytree(data_dir / "library", data_dir / READY_DIR)  # a repair killed before its swap
    before = _files(data_dir)
    found = run_cli(data_dir, "doctor")
    assert found.returncode == 1 and b"--repair (or the next launch) puts it in place" in found.stdout
    assert _files(data_dir) == before and (data_dir / READY_DIR).is_dir()
    assert run_cli(data_dir, "doctor", "--repair").returncode == 0
    assert not (data_dir / READY_DIR).exists() and len(Library.open(data_dir).papers) == len(seeded.papers)


def test_doctor_names_the_segment_a_failed_import_left_and_repair_removes_it(
    seeded: Library, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk between the import's segment and its manifest (the manifest's fsync fails)."""
    digest = data_dir.parent / "more.jsonl"
    digest.write_text('{"title": "A paper that never made it", "abstract": "The disk filled up."}\n')
    real_write = paper_store.write_json

    def manifest_on_a_full_disk(path: Path, *args: object, **kwargs: object) -> None:
        if path.name != "manifest.json":
            return real_write(path, *args, **kwargs)
        with monkeypatch.context() as full:
            full.setattr(os, "fsync", _no_space)
            return real_write(path, *args, **kwargs)

    monkeypatch.setattr(paper_store, "write_json", manifest_on_a_full_disk)
    failed = run_cli(data_dir, "import", str(digest))
    monkeypatch.undo()
    assert failed.returncode == 1 and b"the disk is full" in failed.stderr, failed.stderr
    left = sorted(p.name for p in (data_dir / "library").glob("seg-*") if p.name not in _named(data_dir))
    assert left, "the failed import left no segment: nothing to test"
    before = _files(data_dir)
    found = {f.what: f for f in check(data_dir)}["temp files"]
    assert found.status == "problem" and left[0] in found.message and "--repair removes" in found.message, found
    assert _files(data_dir) == before
    repaired = {f.what: f for f in check(data_dir, repair=True)}["temp files"]
    assert repaired.status == "repaired" and left[0] in repaired.message, repaired
    assert not [p for p in (data_dir / "library").glob("seg-*") if p.name not in _named(data_dir)]
    assert {f.what: f for f in check(data_dir)}["temp files"].message == "none left over"
    assert len(Library.open(data_dir).papers) == len(seeded.papers)


def _no_space(fd: int) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def _named(data_dir: Path) -> set[str]:
    segments = json.loads((data_dir / "library" / "manifest.json").read_text())["segments"]
    return {name for s in segments for name in (s, s.replace(".json", ".abstracts"))}


def test_doctor_says_inputs_is_empty_rather_than_that_its_copies_belong_to_imports(
    seeded: Library, data_dir: Path
) -> None:
    message = {f.what: f for f in check(data_dir)}["kept inputs"].message
    assert message == "none (nothing was imported from standard input or a sync file)"
    assert run_cli(data_dir, "import", "-", stdin=b'{"title": "Piped in", "abstract": "From stdin."}\n').returncode == 0
    message = {f.what: f for f in check(data_dir)}["kept inputs"].message
    assert message == "1 copy in inputs/, each one an import's"
    (data_dir / "inputs" / "stdin-0123456789abcdef0123").write_bytes(b"{}\n")  # a killed import's copy
    message = {f.what: f for f in check(data_dir)}["kept inputs"].message
    assert message.startswith("1 copy in inputs/ (0.0 MiB) that no import refers to") and message.endswith(
        "--repair removes it"
    ), message


def test_doctor_reports_and_repair_removes_what_killed_index_builds_left(seeded: Library, data_dir: Path) -> None:
    query = "distillation"
    expected = list(seeded.search(query).ids)
    folder = seeded.index_dir
    dead = _dead_pid()
    spill = folder / f"{SPILL_PREFIX}{dead}-x1" / "0"
    spill.mkdir(parents=True)
    (spill / "abstract.tok.npy").write_bytes(b"\0" * 3 * 2**20)
    fold = folder.parent / f".index-fold-{dead}"
    fold.mkdir()
    (fold / "abstract.docs.npy").write_bytes(b"\0" * 2**20)
    running = folder / f"{SPILL_PREFIX}{os.getpid()}-x2"  # a build still running: not touched
    running.mkdir()
    found = run_cli(data_dir, "doctor")
    assert found.returncode == 1
    assert "2 folders (4.0 MB) left by killed index builds or folds; --repair removes them" in found.stdout.decode()
    repaired = run_cli(data_dir, "doctor", "--repair")
    assert repaired.returncode == 0 and b"removed 2 folders (4.0 MB)" in repaired.stdout
    assert not spill.parent.exists() and not fold.exists() and running.exists()
    again = Library.open(data_dir)
    assert list(again.search(query).ids) == expected
    assert run_cli(data_dir, "doctor").returncode == 0


def test_doctor_puts_back_an_index_a_killed_fold_moved_aside(seeded: Library, data_dir: Path) -> None:
    query = "distillation"
    expected = list(seeded.search(query).ids)
    folder = seeded.index_dir
    key = (folder / "index.json").read_bytes()
    folder.rename(folder.parent / f".index-old-{_dead_pid()}")  # killed between its two renames
    assert run_cli(data_dir, "doctor").returncode == 1
    assert run_cli(data_dir, "doctor", "--repair").returncode == 0
    assert (folder / "index.json").read_bytes() == key  # the same index, not a rebuild
    assert list(Library.open(data_dir).search(query).ids) == expected


def test_doctor_leaves_state_and_settings_of_an_older_schema_for_repair_to_upgrade(data_dir: Path) -> None:
    """Opening them upgrades them in place (after a copy to backups/): a check only says so."""
    from .test_state_upgrade import V1_STATE

    data_dir.mkdir(parents=True)
    old_settings = {"schema_version": 1, "kind": "paperterm-settings", "mark_read_on_move": True, "inbox": "/x"}
    (data_dir / "settings.json").write_text(json.dumps(old_settings))
    (data_dir / "state.json").write_text(json.dumps(V1_STATE))
    before = _files(data_dir)
    found = {f.what: f for f in check(data_dir)}
    assert _files(data_dir) == before  # before: both were rewritten at schema 2, copies in backups/
    for what in ("settings", "state (lists, notes)"):
        assert found[what].status == "ok" and "schema 1, from an older paperterm: --repair" in found[what].message
    check(data_dir, repair=True)
    assert json.loads((data_dir / "settings.json").read_text())["schema_version"] == 2
    assert json.loads((data_dir / "state.json").read_text())["schema_version"] > 1
