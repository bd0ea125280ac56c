"""Saving a note while it is being typed, from a thread of its own, so nothing typed is lost.

The editor hands every change to `NoteAutosave.update` (which only stores the text) and a
background thread writes it: `QUIET` seconds after the last change, and at the latest
`MAX_WAIT` seconds after the first unsaved one, so continuous typing reaches the disk about
once a second and a kill -9 loses at most the last second. A save that fails (disk full, a
read-only data dir) is retried every `RETRY` seconds, and meanwhile the text is kept in a
recovery file (`unsaved-notes/` in the data dir, else in the temp dir) that the next editor
opened on that paper takes back. Typing never waits for the disk: only `save` (called by a
quit, a signal or `esc`) writes on the caller's thread.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .atomic_io import LibraryFileError, os_failure, write_bytes
from .errors import BadAction

if TYPE_CHECKING:
    from .library import Library

QUIET = 0.25  # seconds without a key before the note is written
MAX_WAIT = 0.6  # seconds an unsaved change may wait while typing goes on
RETRY = 2.0  # seconds between attempts after a failed save
RECOVERY_DIR = "unsaved-notes"


@dataclass(frozen=True, slots=True)
class SaveStatus:
    """What the last save did: `error` is a one-line reason when it failed, `recovery` where the
    unsaved text is kept meanwhile (None when it could not be kept anywhere)."""

    saved: bool
    error: str = ""
    recovery: Path | None = None


def save_error(exc: OSError | LibraryFileError | BadAction) -> str:
    """A one-line reason a note could not be written, naming the path and what to do."""
    return str(os_failure(exc) if isinstance(exc, OSError) else exc)


def recovery_paths(root: Path, paper_id: str) -> list[Path]:
    """Where unsaved text of `paper_id` is kept, in order of preference."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", paper_id) + ".md"
    spare = Path(tempfile.gettempdir()) / f"paperterm-{os.getuid()}-{RECOVERY_DIR}" / name
    return [root / RECOVERY_DIR / name, spare]


def recovered_text(root: Path, paper_id: str) -> tuple[str, Path] | None:
    """Text a previous editor could not save (and kept in a recovery file), with its file."""
    for path in recovery_paths(root, paper_id):
        with contextlib.suppress(OSError, UnicodeDecodeError):
            return path.read_text(encoding="utf-8"), path
    return None


class NoteAutosave:
    """Writes one paper's note while it is typed; see the module docstring."""

    def __init__(
        self,
        library: Library,
        paper_id: str,
        text: str,
        *,
        on_status: Callable[[SaveStatus], None] = lambda status: None,
        unsaved: bool = False,
        recovery: Path | None = None,
    ) -> None:
        self.library = library
        self.paper_id = paper_id
        self.on_status = on_status  # called from the saving thread
        self._cond = threading.Condition()
        self._writing = threading.Lock()  # one write at a time, so an older text never lands last
        self._latest = text
        self._version = 1 if unsaved else 0
        self._saved_version = 0
        now = time.monotonic()
        self._last_change = now
        self._first_unsaved: float | None = now if unsaved else None
        self._retry_at: float | None = None
        self._recovery = recovery
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name=f"note-autosave {paper_id}", daemon=True)
        self._thread.start()

    @property
    def unsaved(self) -> bool:
        return self._version != self._saved_version

    @property
    def text(self) -> str:
        return self._latest

    def update(self, text: str) -> None:
        """The editor's text changed: remember it (the thread writes it). Never waits for the disk."""
        with self._cond:
            if text == self._latest:
                return
            self._latest = text
            self._version += 1
            self._last_change = time.monotonic()
            if self._first_unsaved is None:
                self._first_unsaved = self._last_change
            self._cond.notify()

    def save(self) -> SaveStatus:
        """Write the latest text now, on the caller's thread (quit, signal, `esc`)."""
        with self._writing:
            with self._cond:
                version, text, taken = self._version, self._latest, time.monotonic()
                if version == self._saved_version:
                    return SaveStatus(True)
            try:
                self.library.set_note(self.paper_id, text)
            except (OSError, LibraryFileError, BadAction) as exc:  # BadAction: a note over the size limit
                status = SaveStatus(False, save_error(exc), self._keep_recovery(text))
                with self._cond:
                    self._retry_at = time.monotonic() + RETRY
            else:
                status = SaveStatus(True)
                with self._cond:
                    self._saved_version = version
                    self._retry_at = None
                    self._first_unsaved = None if self._version == version else taken
                if self._recovery is not None:
                    with contextlib.suppress(OSError):
                        self._recovery.unlink()
                    self._recovery = None
        self.on_status(status)
        return status

    def close(self) -> None:
        """Stop the thread (after `save`, or when the editor goes away), letting a save it has
        begun finish first."""
        with self._cond:
            self._stopped = True
            self._cond.notify()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=5.0)

    def _due(self) -> float | None:
        if not self.unsaved:
            return None
        if self._retry_at is not None:
            return self._retry_at
        assert self._first_unsaved is not None
        return min(self._last_change + QUIET, self._first_unsaved + MAX_WAIT)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped:
                    due = self._due()
                    now = time.monotonic()
                    if due is not None and due <= now:
                        break
                    self._cond.wait(None if due is None else due - now)
                if self._stopped:
                    return
            self.save()

    def _keep_recovery(self, text: str) -> Path | None:
        for path in recovery_paths(self.library.root, self.paper_id):
            try:
                write_bytes(path, text.encode("utf-8"))
            except (OSError, LibraryFileError):
                continue
            if self._recovery is not None and self._recovery != path:
                with contextlib.suppress(OSError):
                    self._recovery.unlink()
            self._recovery = path
            return path
        return self._recovery if self._recovery is not None and self._recovery.exists() else None
