"""The note editor never loses what was typed: autosave while typing, keys queued before a quit,
SIGTERM/SIGHUP, and a disk that is full or read-only (an injected ENOSPC, and a real tmpfs)."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Label, TextArea

from paperterm import note_autosave
from paperterm.external import EditedText, ExternalError
from paperterm.library import Library
from paperterm.note_autosave import NoteAutosave, SaveStatus, recovery_paths
from paperterm.state_schema import MAX_TEXT
from tests.reliability.conftest import digest_text
from tui.app import PapertermApp
from tui.screens.note_editor import NoteEditor

from .conftest import run_cli
from .pilot import SIZE, current_id, settle, shown


async def until(pilot: Pilot, condition: Callable[[], bool], what: str) -> None:
    """Wait for the app (and its saving thread) to get there; the deadline only stops a hang."""
    for _ in range(400):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never happened: {what}")


def on_disk(data_dir: Path, paper_id: str) -> str:
    return Library.open(data_dir).state.note_of(paper_id)


def status_line(app: PapertermApp) -> str:
    return shown(app.screen.query_one("#note-status", Label)).strip()


@pytest.fixture
def spare_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temp dir where recovery files go when the data dir cannot take them."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


# -- the core: NoteAutosave ---------------------------------------------------------------


def test_continuous_typing_reaches_the_disk_before_it_stops(data_dir: Path) -> None:
    """Keys every 50 ms never leave a quiet gap; the note must still be saved while typing goes on."""
    library = Library.open(data_dir)
    library.import_bytes(digest_text(1, 2).encode(), "d.txt")
    paper = next(iter(library.papers))
    saves: list[SaveStatus] = []
    autosave = NoteAutosave(library, paper, "", on_status=saves.append)
    text = ""
    for char in "a steady typist who never pauses " * 2:
        text += char
        autosave.update(text)
        time.sleep(0.05)
    typing_saves = [s for s in saves if s.saved]
    assert typing_saves, "nothing was saved while the keys kept coming"
    assert on_disk(data_dir, paper) and text.startswith(on_disk(data_dir, paper))
    autosave.save()
    autosave.close()
    assert on_disk(data_dir, paper) == text


def test_a_failed_save_is_kept_in_a_recovery_file_and_retried(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, spare_tmp: Path
) -> None:
    library = Library.open(data_dir)
    library.import_bytes(digest_text(1, 2).encode(), "d.txt")
    paper = next(iter(library.papers))
    monkeypatch.setattr(note_autosave, "RETRY", 0.1)
    full = OSError(errno.ENOSPC, "No space left on device", str(data_dir / "state.json"))
    real = Library.set_note
    monkeypatch.setattr(Library, "set_note", lambda self, p, t: (_ for _ in ()).throw(full))
    saves: list[SaveStatus] = []
    autosave = NoteAutosave(library, paper, "", on_status=saves.append)
    autosave.update("kept safe")
    status = autosave.save()
    assert not status.saved and "the disk is full" in status.error and "state.json" in status.error
    assert status.recovery == recovery_paths(data_dir, paper)[0]
    assert status.recovery.read_text() == "kept safe"
    monkeypatch.setattr(Library, "set_note", real)
    deadline = time.monotonic() + 20
    while autosave.unsaved and time.monotonic() < deadline:  # the thread retries by itself
        time.sleep(0.05)
    autosave.close()
    assert on_disk(data_dir, paper) == "kept safe"
    assert not status.recovery.exists()


def test_a_note_over_the_size_limit_is_refused_and_kept_not_saved_into_an_unreadable_library(
    data_dir: Path, spare_tmp: Path
) -> None:
    """Saved, a note of more than 1,000,000 characters made every later load refuse state.json."""
    library = Library.open(data_dir)
    library.import_bytes(digest_text(1, 2).encode(), "d.txt")
    paper = next(iter(library.papers))
    library.set_note(paper, "short")
    autosave = NoteAutosave(library, paper, "short")
    autosave.update("x" * (MAX_TEXT + 1))
    status = autosave.save()
    autosave.close()
    assert not status.saved and f"longer than {MAX_TEXT} characters" in status.error
    assert status.recovery is not None and len(status.recovery.read_text()) == MAX_TEXT + 1
    assert on_disk(data_dir, paper) == "short"  # and the library still opens


# -- the editor in the app ------------------------------------------------------------------


async def test_autosave_while_the_editor_stays_open(data_dir: Path) -> None:
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        target = current_id(app)
        await pilot.press("n", *"typed and left open")
        await until(pilot, lambda: on_disk(data_dir, target) == "typed and left open", "the autosave")
        await until(pilot, lambda: status_line(app) == "saved", "'saved' shown")
        assert isinstance(app.screen, NoteEditor)


async def test_keys_queued_before_ctrl_q_reach_the_note(data_dir: Path) -> None:
    """A burst then ctrl+q at once: the keys are still queued for the editor when the quit runs."""
    sentence = "every key typed before the quit is kept"
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        target = current_id(app)
        await pilot.press("n")
        for char in sentence:
            app.post_message(events.Key("space" if char == " " else char, char))
        app.post_message(events.Key("ctrl+q", None))
        await pilot.pause(0.5)
    assert on_disk(data_dir, target) == sentence


@pytest.mark.parametrize("opener", ["enter", "t"], ids=["reader", "triage"])
async def test_a_note_opened_from_the_reader_or_triage_survives_a_burst_and_ctrl_q(data_dir: Path, opener: str) -> None:
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(opener)
        await settle(pilot)
        target = app.screen.current if opener == "t" else app.screen.paper_id  # type: ignore[attr-defined]
        await pilot.press("n")
        assert isinstance(app.screen, NoteEditor)
        for char in "from deep inside":
            app.post_message(events.Key("space" if char == " " else char, char))
        app.post_message(events.Key("ctrl+q", None))
        await pilot.pause(0.5)
    assert on_disk(data_dir, target) == "from deep inside"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
async def test_a_signal_saves_the_note_and_ends_the_app(data_dir: Path, signum: int) -> None:
    app = PapertermApp(data_dir, watch=False, signals=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        target = current_id(app)
        await pilot.press("n", *"mid sen")
        for char in "tence":  # still queued when the signal comes
            app.post_message(events.Key(char, char))
        os.kill(os.getpid(), signum)
        await until(pilot, lambda: app._exit, "the app ends")
    assert on_disk(data_dir, target) == "mid sentence"
    assert app.return_code == 0


def _fail_saves(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Callable[[], None]:
    """Every note save raises ENOSPC until the returned function is called."""
    real = Library.set_note
    full = OSError(errno.ENOSPC, "No space left on device", str(data_dir / "state.json"))

    def failing(self: Library, paper_id: str, text: str) -> bool:
        raise full

    monkeypatch.setattr(Library, "set_note", failing)
    return lambda: monkeypatch.setattr(Library, "set_note", real)


async def test_disk_full_keeps_the_note_in_the_editor_marked_unsaved_until_it_is_saved(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, spare_tmp: Path
) -> None:
    monkeypatch.setattr(note_autosave, "RETRY", 0.3)
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        target = current_id(app)
        fixed = _fail_saves(monkeypatch, data_dir)
        await pilot.press("n", *"do not lose me")
        await until(pilot, lambda: "UNSAVED" in status_line(app), "the unsaved mark")
        line = status_line(app)
        assert "the disk is full" in line and "state.json" in line and "Free some space" in line
        assert any("could not be saved" in n.message for n in app._notifications)
        recovery = recovery_paths(data_dir, target)[0]
        await until(pilot, lambda: recovery.read_text() == "do not lose me", "the text in the recovery file")
        await pilot.press("escape")  # does not close, does not crash
        assert isinstance(app.screen, NoteEditor)
        await pilot.press("ctrl+q")  # the first ctrl+q does not quit either
        await pilot.pause(0.2)
        assert not app._exit and isinstance(app.screen, NoteEditor)
        await pilot.press(*" again")
        fixed()  # space is freed: the retry saves it
        await until(pilot, lambda: status_line(app) == "saved", "saved after the retry")
        assert on_disk(data_dir, target) == "do not lose me again"
        assert not recovery.exists()
        await pilot.press("escape")
        assert app.screen is app.main


async def test_quitting_anyway_with_an_unsaved_note_brings_it_back_next_time(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, spare_tmp: Path
) -> None:
    app = PapertermApp(data_dir, watch=False)
    said: list[object] = []
    real_exit = app.exit
    monkeypatch.setattr(app, "exit", lambda **kw: (said.append(kw.get("message")), real_exit(**kw)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        target = current_id(app)
        fixed = _fail_saves(monkeypatch, data_dir)
        await pilot.press("n", *"written on a full disk")
        await pilot.press("ctrl+q", "ctrl+q")
        await pilot.pause(0.2)
        assert app._exit
    assert "is kept in" in str(said[0]) and "unsaved-notes" in str(said[0])
    fixed()
    assert on_disk(data_dir, target) == ""
    again = PapertermApp(data_dir, watch=False)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        editor = again.screen
        assert isinstance(editor, NoteEditor) and editor.recovered
        assert editor.query_one(TextArea).text == "written on a full disk"
        await until(pilot, lambda: on_disk(data_dir, target) == "written on a full disk", "the recovered note saved")
        await pilot.press("escape")
    assert not (recovery_paths(data_dir, target)[0]).exists()


# -- a real small disk ------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Path:
    """A 1 MiB tmpfs (root only; skipped elsewhere)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(folder: Path) -> Path:
    """Take every free byte of the file system `folder` is on."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as handle:
        block = b"\0" * 4096
        try:
            while True:
                handle.write(block)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


async def test_a_really_full_disk_and_a_read_only_one(
    small_disk: Path, monkeypatch: pytest.MonkeyPatch, spare_tmp: Path
) -> None:
    monkeypatch.setattr(note_autosave, "RETRY", 0.3)
    data_dir = small_disk / "library"
    library = Library.open(data_dir)
    library.import_bytes(digest_text(1, 3).encode(), "d.txt")
    library.bookmark(next(iter(library.papers)))  # state.json exists
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        target = current_id(app)
        filler = fill(small_disk)
        await pilot.press("n", *"on a full disk")
        await until(pilot, lambda: "UNSAVED" in status_line(app), "the unsaved mark")
        assert "the disk is full" in status_line(app)
        spare = recovery_paths(data_dir, target)[1]
        # The data dir is full: the text is kept in the temp dir.
        await until(pilot, lambda: spare.exists() and spare.read_text() == "on a full disk", "the spare copy")
        await pilot.press("escape")
        assert isinstance(app.screen, NoteEditor)
        filler.unlink()
        await until(pilot, lambda: status_line(app) == "saved", "saved once space is free")
        assert on_disk(data_dir, target) == "on a full disk"
        assert not spare.exists()

        subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
        try:
            await pilot.press(*", then read-only")
            await until(pilot, lambda: "UNSAVED" in status_line(app), "the unsaved mark")
            assert "read-only" in status_line(app) and "writable" in status_line(app)
            await until(pilot, lambda: spare.read_text() == "on a full disk, then read-only", "the spare copy")
        finally:
            subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
        await until(pilot, lambda: status_line(app) == "saved", "saved once writable")
        await pilot.press("escape")
        assert app.screen is app.main
    assert on_disk(data_dir, target) == "on a full disk, then read-only"


def test_saving_never_runs_two_writes_at_once(data_dir: Path) -> None:
    """`save` from the UI thread (esc, quit) and the autosave thread take turns, newest text last."""
    library = Library.open(data_dir)
    library.import_bytes(digest_text(1, 2).encode(), "d.txt")
    paper = next(iter(library.papers))
    autosave = NoteAutosave(library, paper, "")
    writers = []
    for n in range(20):
        autosave.update(f"version {n}")
        writer = threading.Thread(target=autosave.save)
        writer.start()
        writers.append(writer)
    for writer in writers:
        writer.join()
    autosave.close()
    assert on_disk(data_dir, paper) == "version 19"


# -- the note in $EDITOR (`e`, `paperterm note ID`) ------------------------------------------


def fake_editor(folder: Path, monkeypatch: pytest.MonkeyPatch, text: str, exit_code: int = 0) -> None:
    script = folder / "fake-editor.py"
    script.write_text(f"import sys\nopen(sys.argv[1], 'w').write({text!r})\nsys.exit({exit_code})\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)


def test_an_editor_that_fails_after_writing_keeps_what_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spare_tmp: Path
) -> None:
    fake_editor(tmp_path, monkeypatch, "written, then the editor died", exit_code=1)
    edit = EditedText("before")
    with pytest.raises(ExternalError, match="kept in") as failed:
        edit.run()
    assert str(edit.folder) in str(failed.value)
    assert edit.path.read_text() == "written, then the editor died"

    fake_editor(tmp_path, monkeypatch, "before", exit_code=1)  # nothing written: nothing kept
    untouched = EditedText("before")
    with pytest.raises(ExternalError, match="the note is unchanged"):
        untouched.run()
    assert not untouched.folder.exists()


def test_a_broken_editor_setting_or_a_note_saved_in_latin_1_is_a_message_not_a_traceback(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spare_tmp: Path
) -> None:
    library = Library.open(data_dir)
    library.import_bytes(digest_text(1, 2).encode(), "d.txt")
    paper = next(iter(library.papers))
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", '"unbalanced')  # shlex raised ValueError
    done = run_cli(data_dir, "note", paper)
    assert done.returncode == 1 and done.stderr.decode().startswith("error: $EDITOR ('\"unbalanced') is not a")
    assert not list(spare_tmp.glob("paperterm-note-*")), "the temp folder of a note never edited is removed"

    script = tmp_path / "latin1-editor.py"
    script.write_text("import sys\nopen(sys.argv[1], 'wb').write('caf\\xe9'.encode('latin-1'))\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    done = run_cli(data_dir, "note", paper)
    assert done.returncode == 1 and b"other than UTF-8" in done.stderr and b"kept in" in done.stderr
    assert Library.open(data_dir).state.note_of(paper) == ""


async def test_a_note_from_the_editor_that_cannot_be_saved_is_kept(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spare_tmp: Path
) -> None:
    fake_editor(tmp_path, monkeypatch, "long thoughts from vim")
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        target = current_id(app)
        _fail_saves(monkeypatch, data_dir)
        await pilot.press("e")
        await pilot.pause(0.2)
        message = next(n.message for n in app._notifications if "kept in" in n.message)
    kept = Path(message.split("kept in ")[1].rstrip("."))
    assert kept.read_text() == "long thoughts from vim"
    assert on_disk(data_dir, target) == ""


def test_paperterm_note_in_the_editor_on_a_full_disk_keeps_the_text(
    seeded: Library,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spare_tmp: Path,
) -> None:
    from paperterm.cli import main

    paper = next(iter(seeded.papers))
    fake_editor(tmp_path, monkeypatch, "typed in the editor")
    _fail_saves(monkeypatch, seeded.root)
    assert main(["note", paper]) == 1
    err = capsys.readouterr().err
    assert "the disk is full" in err and "kept in" in err and "Traceback" not in err
    kept = next(spare_tmp.glob("paperterm-note-*/note.md"))
    assert kept.read_text() == "typed in the editor"


def test_a_note_saved_while_the_search_index_is_being_built_is_searchable(
    seeded: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The autosave thread does not wait for an index build: a note it saves before the new engine
    is in use must still reach the index (it used to be dropped: no engine yet, and the build had
    read the notes before the save)."""
    seeded.search("warm")  # the index is saved: the next library loads it, as the app does
    library = Library.open(seeded.root)
    pid = sorted(library.papers)[0]
    savers: list[threading.Thread] = []
    original = Library._index_notes

    def index_then_save(self: Library, index: object) -> dict:
        notes = original(self, index)
        while savers:  # the autosave thread saves now, while this thread holds the engine's lock
            saver = savers.pop()
            saver.start()
            saver.join()
        return notes

    monkeypatch.setattr(Library, "_index_notes", index_then_save)
    savers.append(threading.Thread(target=lambda: library.set_note(pid, "xylophonic remark")))
    assert pid in list(library.search("xylophonic").ids)
    savers.append(threading.Thread(target=lambda: library.set_note(pid, "quokka remark")))
    library.rebuild_index()
    assert pid in list(library.search("quokka").ids)
    assert pid not in list(library.search("xylophonic").ids)


async def test_a_long_title_over_the_note_ends_in_an_ellipsis(data_dir: Path) -> None:
    """At 80 columns the title line was cut mid-word with nothing to say it goes on."""
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"token condensation", "enter")
        await settle(pilot)
        title = app.library.papers[current_id(app)].title
        assert len(title) > 70, title
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NoteEditor)
        label = app.screen.query_one("#note-title", Label)
        shown_line = label.render_lines(label.region.reset_offset)[0].text.rstrip()
        assert shown_line.endswith("…") and shown_line.startswith("  Note on Is Less More?"), shown_line
        await pilot.press("escape")
