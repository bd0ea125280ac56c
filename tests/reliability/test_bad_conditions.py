"""Bad conditions in every CLI command: a full disk, a read-only data dir, a read-only `backups/`, a
data dir that is a file. Each must end in one line naming the path and what to do (exit 1), never
a traceback, and lose nothing: what was saved before is still there, byte for byte.

A full disk is an injected ENOSPC on every fsync (the write path's last step before the rename);
read-only folders are real: a read-only tmpfs when we may mount (root), else `chmod a-w`.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from paperterm import sync as sync_module
from paperterm.atomic_io import LibraryFileError
from paperterm.cli import main
from paperterm.library import Library

from .conftest import digest_text

BIG_NOTE = "a long note, " * 16_000  # 200 KB
STDIN = digest_text(8, 5).encode()  # `import -` reads a digest; `note --stdin` a note

# Every command that writes, as a user types it; {id} is a paper, {tmp} a scratch folder.
WRITES = [
    ["import", "{tmp}/new-digest.txt"],
    ["import", "-"],
    ["bookmark", "{id}"],
    ["bookmark", "{id}", "--list", "thesis", "--create"],
    ["unbookmark", "{id}"],
    ["mark", "{id}", "dismissed"],
    ["note", "{id}", "--set", BIG_NOTE],
    ["note", "{id}", "--stdin"],
    ["lists", "create", "thesis"],
    ["lists", "rename", "to-read", "later"],
    ["lists", "move", "to-read", "2"],
    ["lists", "delete", "to-read"],
    ["topics", "add", "mine", "storage"],
    ["bookmarks", "export", "{tmp}/sync.json"],
    ["bookmarks", "import", "{tmp}/given.json"],
    ["sync", "{tmp}/given.json"],
    ["inbox", "{tmp}"],
]
# Export writes only the file it is given (the state is not touched), so a read-only data dir does not stop it.
DATA_DIR_WRITES = [a for a in WRITES if a[:2] != ["bookmarks", "export"]]
READS = [["list"], ["show", "{id}"], ["search", "reliable storage"], ["stats"], ["topics"], ["lists"], ["doctor"]]


def cli(capsys: pytest.CaptureFixture[str], argv: list[str], stdin: bytes = b"") -> tuple[int, str, str]:
    """Run one command in-process, as `paperterm …` would; an exception escaping it fails the test."""
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    try:
        code = main(argv)
    finally:
        sys.stdin = sys.__stdin__
    out = capsys.readouterr()
    return code, out.out, out.err


def expand(argv: list[str], pid: str, tmp: Path) -> list[str]:
    return [a.replace("{id}", pid).replace("{tmp}", str(tmp)) for a in argv]


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file the user could lose: state, settings, the cache's manifest and segments."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in (".lock", ".state.lock") and not {"backups", "index"} & set(p.parts)
    }


@pytest.fixture
def library(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / "known-digest.txt").write_text(digest_text(1, 30))
    seeded = Library.open(data_dir)
    seeded.import_paths([str(scratch / "known-digest.txt")])
    pid = sorted(seeded.papers)[0]
    seeded.create_list("reading")  # not to-read: `bookmark {id}` must be a change to save
    seeded.bookmark(pid, "reading")
    seeded.set_note(pid, "a note that must survive")
    seeded.search("warm the index")
    (scratch / "new-digest.txt").write_text(digest_text(7, 5))
    other = Library.open(tmp_path / "other")  # another machine: its file brings a change to save
    other.import_paths([str(scratch / "known-digest.txt")])
    other.bookmark(sorted(other.papers)[1])
    assert main(["--data-dir", str(other.root), "bookmarks", "export", str(scratch / "given.json")]) == 0
    capsys.readouterr()
    return data_dir, pid


def assert_one_line(code: int, err: str, *needles: str) -> None:
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err


@pytest.mark.parametrize("argv", WRITES, ids=[" ".join(a[:3]) for a in WRITES])
def test_full_disk_is_one_line_and_loses_nothing(
    library: tuple[Path, str], tmp_path: Path, argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    root, pid = library
    before = snapshot(root)

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    code, _, err = cli(capsys, expand(argv, pid, tmp_path / "scratch"), stdin=STDIN)
    assert_one_line(code, err, "the disk is full", "Free some space")
    monkeypatch.undo()
    assert snapshot(root) == before
    assert not list(root.rglob(".*.tmp-*")), "a temp file was left behind"
    library_after = Library.open(root)
    assert library_after.state.note_of(pid) == "a note that must survive"


@pytest.mark.parametrize("argv", READS, ids=[" ".join(a) for a in READS])
def test_full_disk_still_reads(library: tuple[Path, str], tmp_path: Path, argv: list[str], monkeypatch, capsys) -> None:
    root, pid = library
    shutil.rmtree(root / "library" / "index", ignore_errors=True)  # a search must not need to save it
    (root / "library" / "topics.json").unlink(missing_ok=True)

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    code, _, err = cli(capsys, expand(argv, pid, tmp_path))
    assert code == 0, err


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make a folder truly read-only: a read-only tmpfs holding its files (root), else chmod."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
        for path in modes:
            path.chmod(modes[path] & ~0o222)
        try:
            yield
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    saved = folder.with_name(folder.name + ".saved")
    shutil.copytree(folder, saved, symlinks=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(folder)], check=False)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        shutil.copytree(saved, folder, symlinks=True, dirs_exist_ok=True)
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield
    finally:
        gc.collect()  # libraries opened inside map abstracts from the mount: let them go first
        if subprocess.run(["umount", str(folder)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], check=True)


@pytest.mark.parametrize("argv", DATA_DIR_WRITES, ids=[" ".join(a[:3]) for a in DATA_DIR_WRITES])
def test_read_only_data_dir_is_one_line_and_loses_nothing(
    library: tuple[Path, str], tmp_path: Path, argv: list[str], capsys
) -> None:
    root, pid = library
    before = snapshot(root)
    scratch = tmp_path / "scratch"
    with read_only(root):
        code, _, err = cli(capsys, expand(argv, pid, scratch), stdin=STDIN)
        assert_one_line(code, err, str(root))
        assert "read-only" in err or "permission denied" in err, err
        reads = [cli(capsys, expand(r, pid, scratch))[0] for r in READS if r != ["doctor"]]
    assert reads == [0] * len(reads)
    assert snapshot(root) == before


@pytest.mark.parametrize("argv", WRITES, ids=[" ".join(a[:3]) for a in WRITES])
def test_read_only_backups_never_fail_a_saved_change(
    library: tuple[Path, str], tmp_path: Path, argv: list[str], capsys
) -> None:
    root, pid = library
    (root / "backups").mkdir(exist_ok=True)
    with read_only(root / "backups"):
        code, _, err = cli(capsys, expand(argv, pid, tmp_path / "scratch"), stdin=STDIN)
    assert code == 0, err
    assert "Traceback" not in err
    assert all(line.startswith("warning: ") for line in err.strip().splitlines() if line), err
    library_after = Library.open(root)
    if argv[:2] == ["bookmark", "{id}"] and len(argv) == 2:
        assert pid in library_after.state.list_papers(library_after.state.ensure_default_list().id)
    if argv[:2] == ["note", "{id}"] and "--set" in argv:
        assert library_after.state.note_of(pid) == BIG_NOTE


@pytest.mark.parametrize("argv", [*WRITES, *READS], ids=[" ".join(a[:3]) for a in [*WRITES, *READS]])
def test_a_data_dir_that_is_a_file_is_one_line(tmp_path: Path, argv: list[str], capsys) -> None:
    root = tmp_path / "not-a-folder"
    root.write_text("my shopping list\n")
    (tmp_path / "scratch").mkdir()
    code, _, err = cli(capsys, ["--data-dir", str(root), *expand(argv, "2409.00001", tmp_path / "scratch")])
    assert_one_line(code, err, str(root), "is a file, not a folder")
    assert root.read_text() == "my shopping list\n"


def test_an_import_that_fails_on_a_full_disk_leaves_the_open_library_as_saved(
    seeded: Library, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's library stays open after a failed import: it must not show the papers that were not
    saved, nor call the file imported before when it is tried again once there is room (it said
    `0 new, 232 already known, 1 file imported before`)."""
    from paperterm import paper_store

    digest = tmp_path / "more.jsonl"
    digest.write_text(
        '{"title": "Quokkaformer saved only on the second try", "abstract": "The disk was full."}\n'
        '{"title": "Quokkaformer also on the second try", "abstract": "The disk was full."}\n'
    )
    papers = len(seeded.papers)
    real_write = paper_store.write_json

    def manifest_on_a_full_disk(path: Path, *args: object, **kwargs: object) -> None:
        if path.name != "manifest.json":
            return real_write(path, *args, **kwargs)
        with monkeypatch.context() as full:
            full.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left")))
            return real_write(path, *args, **kwargs)

    with monkeypatch.context() as full:
        full.setattr(paper_store, "write_json", manifest_on_a_full_disk)
        with pytest.raises(Exception, match="the disk is full"):
            seeded.import_paths([str(digest)])
    assert len(seeded.papers) == papers and len(seeded.store.columns.ids) == papers
    assert not seeded.search("quokkaformer").ids
    summary = seeded.import_paths([str(digest)])
    assert summary.new == 2 and not summary.files_already, summary.line()
    assert len(seeded.papers) == papers + 2 == len(Library.open(data_dir).papers)


def test_doctor_checks_a_read_only_data_dir_with_or_without_repair(library: tuple[Path, str], capsys) -> None:
    """Every check is printed; a repair with nothing to repair does not stop at the lock it cannot take."""
    root, _ = library
    before = snapshot(root)
    with read_only(root):
        for argv in (["doctor"], ["doctor", "--repair"]):
            code, out, err = cli(capsys, ["--data-dir", str(root), *argv])
            assert code == 0 and not err, err
            assert "temp files" in out and "kept inputs" in out, out
    assert snapshot(root) == before


def test_a_sync_file_in_a_read_only_folder_changes_nothing(
    library: tuple[Path, str], tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file was merged into the library and only then refused ("could not be saved; it was left as
    it was … choose another --data-dir"), so the library had changed although the line said nothing
    had. Now a folder that cannot be written is refused first; a full disk at the write-back says the
    merge was kept."""
    root, _ = library
    other = tmp_path / "other"
    shared = tmp_path / "shared"
    shared.mkdir()
    target = sorted(Library.open(other).papers)[2]  # the fixture's other machine holds the same digest
    assert cli(capsys, ["--data-dir", str(other), "note", target, "--set", "written on the other machine"])[0] == 0
    assert cli(capsys, ["--data-dir", str(other), "sync", str(shared / "s.json")])[0] == 0
    before = snapshot(root)
    with read_only(shared):
        code, _, err = cli(capsys, ["--data-dir", str(root), "sync", str(shared / "s.json")])
    assert_one_line(code, err, str(shared / "s.json"), "nothing was changed")
    assert snapshot(root) == before
    real_write = sync_module.write_json

    def full(path: Path, *args: object, **kwargs: object) -> int:
        raise LibraryFileError(path, "could not be saved; it was left as it was (the disk is full)", "Free some.")

    monkeypatch.setattr(sync_module, "write_json", full)
    code, _, err = cli(capsys, ["--data-dir", str(root), "sync", str(shared / "s.json")])
    monkeypatch.setattr(sync_module, "write_json", real_write)
    assert_one_line(code, err, "after its changes were merged into this library (changed here:", "1 note")
    assert Library.open(root).state.note_of(target) == "written on the other machine"
