"""Inputs without a size, files that break a loader, and files paperterm must not multiply or replace.

Every input is read with a cap whatever it is: a FIFO, a device, a symlink to one, standard input.
One file a loader cannot read never stops a folder import or the app's start. A damaged state file
is copied to `backups/` once per content, not on every refresh; a symlinked state file stays a link.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paperterm.atomic_io import LibraryFileError, read_capped
from paperterm.cli import main
from paperterm.library import Library
from paperterm.search_query import QueryError, parse_query
from paperterm.settings import Settings, save_settings
from tui.app import PapertermApp

from ..conftest import cli_env
from .conftest import digest_text

REPO = Path(__file__).resolve().parents[2]


def run(data_dir: Path, *args: str, stdin: int | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "paperterm", *args],
        stdin=stdin,
        capture_output=True,
        env={**cli_env(data_dir), "PYTHONPATH": str(REPO)},
        cwd=REPO,
        timeout=60,
        check=False,
    )


def test_import_from_dev_zero_is_refused_at_once(data_dir: Path) -> None:
    with open("/dev/zero", "rb") as zero:
        done = run(data_dir, "import", "-", stdin=zero.fileno())
    assert done.returncode == 1
    assert b"<stdin>: is a device" in done.stderr and b"Traceback" not in done.stderr


def test_an_endless_pipe_is_read_up_to_the_cap() -> None:
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # a writer that never stops
        os.close(reader)
        try:
            while True:
                os.write(writer, b"\0" * 65536)
        finally:
            os._exit(0)
    os.close(writer)
    from paperterm.atomic_io import read_stream_capped

    try:
        with pytest.raises(LibraryFileError, match="larger than 1 MiB"):
            read_stream_capped(reader, 2**20)
    finally:
        os.close(reader)
        os.kill(pid, 9)
        os.waitpid(pid, 0)


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom"])
def test_bookmarks_import_and_sync_refuse_devices(data_dir: Path, tmp_path: Path, target: str, capsys) -> None:
    link = tmp_path / "paperterm.json"
    link.symlink_to(target)
    for argv in (["bookmarks", "import", target], ["sync", str(link)], ["import", str(link)]):
        started = time.monotonic()
        code = main(argv)
        err = capsys.readouterr().err
        assert code == 1, err
        assert "is a device" in err, err
        assert time.monotonic() - started < 20  # refused, not read (a time-out only, never a target)
    assert os.path.islink(link)


def test_a_fifo_is_refused_with_the_real_reason(data_dir: Path, tmp_path: Path, capsys) -> None:
    fifo = tmp_path / "digest.txt"
    os.mkfifo(fifo)
    assert main(["import", str(fifo)]) == 1
    err = capsys.readouterr().err
    assert "is a FIFO (named pipe)" in err and "no such file" not in err
    assert main(["bookmarks", "import", str(fifo)]) == 1
    assert "is a FIFO" in capsys.readouterr().err
    with pytest.raises(LibraryFileError, match="FIFO"):
        read_capped(fifo, 100)


def test_a_file_larger_than_the_cap_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "sparse.txt"
    with open(path, "wb") as handle:
        handle.truncate(3 * 2**20)
    with pytest.raises(LibraryFileError, match="is 3 MiB"):
        read_capped(path, 2**20)


def huge_field_csv() -> str:
    return 'Title,Abstract Note\n"A Paper With A Very Long Abstract","' + "word " * 40_000 + '"\n'


def test_one_bad_file_never_stops_a_folder_import(data_dir: Path, tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a-huge-field.csv").write_text(huge_field_csv())
    (folder / "b-good.txt").write_text(digest_text(1, 5))
    (folder / "c-breaks-a-loader.txt").write_text(digest_text(2, 5))
    import paperterm.importer as importer

    real = importer.parse_bytes

    def flaky(data: bytes, source: str, format_name: str | None = None):  # a loader's bug on one file
        if source.endswith("c-breaks-a-loader.txt"):
            raise RuntimeError("a loader bug")
        return real(data, source, format_name)

    monkeypatch.setattr(importer, "parse_bytes", flaky)
    summary = Library.open(data_dir).import_paths([str(folder)])
    assert summary.new == 6  # the long abstract (200 KB, over csv's default field limit) and the good digest
    assert len(summary.skipped) == 1 and "c-breaks-a-loader.txt" in summary.skipped[0]
    assert "RuntimeError" in summary.skipped[0]


async def test_the_app_starts_with_a_bad_file_in_the_inbox(data_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a-huge-field.csv").write_text(huge_field_csv())
    (folder / "b-binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (folder / "c-good.txt").write_text(digest_text(1, 5))
    os.mkfifo(folder / "d-fifo.txt")
    data_dir.mkdir(parents=True, exist_ok=True)
    save_settings(data_dir, Settings(inboxes=[str(folder)]))
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(40):
            await pilot.pause(0.05)
            if app.ready and len(app.library.papers) >= 6:
                break
        assert app.ready and app.load_error is None
        assert len(app.library.papers) == 6


def test_a_damaged_state_file_is_backed_up_once_per_content(seeded: Library, data_dir: Path) -> None:
    state = data_dir / "state.json"
    seeded.bookmark(sorted(seeded.papers)[0])
    state.write_bytes(b'{"truncated')
    for _ in range(10):  # the open app re-reads it every 2 s
        with pytest.raises(LibraryFileError):
            Library.open(data_dir)
    assert len(list((data_dir / "backups").glob("state.json.*.bak"))) == 1
    state.write_bytes(b'{"damaged differently')
    with pytest.raises(LibraryFileError):
        Library.open(data_dir)
    assert len(list((data_dir / "backups").glob("state.json.*.bak"))) == 2


def test_a_symlinked_state_file_stays_a_link(data_dir: Path, tmp_path: Path) -> None:
    synced = tmp_path / "Dropbox" / "paperterm-state.json"
    library = Library.open(data_dir)
    library.import_bytes(digest_text(1, 3).encode(), "<stdin>")
    pid = sorted(library.papers)[0]
    library.bookmark(pid)
    synced.parent.mkdir()
    (data_dir / "state.json").rename(synced)
    (data_dir / "state.json").symlink_to(synced)
    Library.open(data_dir).set_note(pid, "written through the link")
    assert (data_dir / "state.json").is_symlink()
    # The change is in the journal, which lives beside the link's target; a fold writes through.
    assert b"written through the link" in synced.with_suffix(".journal").read_bytes()
    assert Library.open(data_dir).state.note_of(pid) == "written through the link"
    Library.open(data_dir).state_store.fold()
    assert (data_dir / "state.json").is_symlink() and b"written through the link" in synced.read_bytes()
    assert Library.open(data_dir).state.note_of(pid) == "written through the link"


@pytest.mark.parametrize("query", ["topic:", "list:", "is:", "source:", "date:", "moe topic: x", "-is:", 'list:""'])
def test_a_filter_without_a_value_is_an_error_with_advice(query: str) -> None:
    with pytest.raises(QueryError, match=r"needs a value, .*`"):
        parse_query(query)


def test_a_word_ending_in_a_colon_is_still_a_word() -> None:
    assert parse_query("note: distillation").clauses[0].words == ["note", "distillation"]


def test_a_query_may_start_with_a_dash(seeded: Library, capsys) -> None:
    assert main(["search", "-survey", "--json", "--limit", "3"]) == 0
    assert capsys.readouterr().out.startswith("[")
    assert main(["search", "distillation", "-survey", "--limit", "2"]) == 0
    assert main(["search", "topic:"]) == 1
    assert "needs a value" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["search", "--no-such-option", "x"])
    assert usage.value.code == 2
