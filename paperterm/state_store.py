"""Reading and writing the user's state (`state.json` and its change journal), safely across processes.

Every change is made as `with store.edit() as state: …`: under the state lock, the state is
brought up to date with what other processes wrote (nothing to read when the files are the ones
this store last read or wrote; only the new journal lines when another process appended), the
change is applied, and what it changed is appended to `state.journal` and fsynced: a click
costs what it changed, not what the state weighs. When the journal has grown to a quarter of
the state, the next change is folded with it into a new `state.json` (temp file, fsync,
`os.replace`) and the journal starts again (see `state_journal` for why a kill at any byte of
either leaves the last acknowledged change).

The state names its device (the id stamped on every change) and the fingerprint of the
machine and data dir it belongs to. A state copied elsewhere (`cp -a`, a restored backup on
another machine) has a fingerprint that does not match: on its first write there it becomes
a new device, so edits on the two copies are concurrent, not one writer's, and both are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import socket
import warnings
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import state_journal as journal
from .atomic_io import (
    BackupWarning,
    LibraryFileError,
    Upgrade,
    file_lock,
    keep_backup,
    kept_at,
    read_upgraded,
    write_json,
)
from .errors import BadAction
from .library_state import KIND, LibraryState, new_device_id, upgrade_from_1
from .state_schema import SchemaError, validate_state

LAST_GOOD = "state.last-good.json"
JOURNAL = "state.journal"
_MACHINE_ID_FILES = (Path("/etc/machine-id"), Path("/var/lib/dbus/machine-id"))
# state.json's own schema: the state (schema 2, as sync files carry it) plus `journal`, the token
# naming the change journal that continues it. 3 so that a paperterm that knows no journal
# refuses the file rather than silently missing the changes in it.
SCHEMA_VERSION = 3
# The journal is folded into state.json when a change would take it past this many bytes plus a
# quarter of state.json's size: replay on load stays cheap, and a fold's cost, spread over the
# clicks that grew the journal, stays proportional to what they changed.
FOLD_AT = 64 * 1024


def _add_journal_token(payload: dict[str, Any]) -> dict[str, Any]:
    """State file schema 2 → 3: no journal yet."""
    return {**payload, "journal": ""}


# Schema n → n + 1 steps for state.json (the state part of sync files takes the first).
UPGRADES: dict[int, Upgrade] = {1: upgrade_from_1, 2: _add_journal_token}


class JournalNotice(BackupWarning):
    """Part of the journal was ignored (a change cut off by a crash, never reported saved)."""


def machine_fingerprint(data_dir: Path) -> str:
    """This machine and this data dir (path and inode): a copy anywhere else differs."""
    machine = socket.gethostname()
    for source in _MACHINE_ID_FILES:
        with contextlib.suppress(OSError):
            machine = source.read_text().strip() or machine
            break
    try:
        where = f"{data_dir.resolve()}\0{data_dir.stat().st_ino}"
    except OSError:
        where = str(data_dir)
    return hashlib.sha256(f"{machine}\0{where}".encode()).hexdigest()[:16]


def default_device_name() -> str:
    return socket.gethostname().split(".")[0] or "this machine"


FileId = tuple[int, int, int]


class StateStore:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir
        self.path = data_dir / "state.json"
        self.lock_path = data_dir / ".state.lock"
        self.backups = data_dir / "backups"
        self.state = LibraryState()
        self._version: FileId | None = None  # the state.json `self.state` was read from or written to
        self._token = ""  # the journal token of that state.json ("": no journal may continue it)
        self._base_size = 0
        self._journal_at: tuple[int, int] | None = None  # (inode, byte) of the journal applied so far
        self._journal_seen: tuple[int, int] | None = None  # (inode, size) of the journal when last read
        self._noticed: set[tuple[int, int]] = set()
        self._fingerprint: str | None = None

    @property
    def journal_path(self) -> Path:
        """Beside state.json; beside its target when it is a link (kept elsewhere, e.g. in a
        synced folder), so the two always travel together."""
        if self.path.is_symlink():
            return Path(os.path.realpath(self.path)).with_suffix(".journal")
        return self.root / JOURNAL

    def load(self) -> LibraryState:
        self._read_all(locked=False)
        return self.state

    def refresh(self) -> bool:
        """Catch up with what another process wrote; True when it changed anything."""
        return self._catch_up(locked=False)

    def _stat(self) -> FileId | None:
        """Identity of state.json's current version: every write is a new inode (`os.replace`)."""
        try:
            found = self.path.stat()
        except FileNotFoundError:
            return None
        return (found.st_ino, found.st_mtime_ns, found.st_size)

    def _journal_stat(self) -> tuple[int, int] | None:
        try:
            found = self.journal_path.stat()
        except FileNotFoundError:
            return None
        return (found.st_ino, found.st_size)

    def _catch_up(self, *, locked: bool) -> bool:
        """Bring `self.state` up to date: only the new journal lines when state.json is the one
        read, the whole state otherwise. A reader never sees a state change under it: a new
        object is swapped in."""
        if self._stat() != self._version:
            self._read_all(locked=locked)
            return True
        seen = self._journal_stat()
        if seen == self._journal_seen:
            return False
        if seen is None or not self._token:  # no journal continues this state.json
            self._journal_seen, self._journal_at = seen, None
            return False
        start = self._journal_at[1] if self._journal_at is not None and self._journal_at[0] == seen[0] else 0
        if start == 0 and self._journal_at is not None:  # a new journal for a state.json we hold: reread
            self._read_all(locked=locked)
            return True
        state = self.state.copy()
        applied = self._replay(state, seen, start, locked=locked)
        if applied is None:
            return False
        self.state = state
        return applied > 0

    def _replay(self, state: LibraryState, seen: tuple[int, int], start: int, *, locked: bool) -> int | None:
        """Apply the journal's lines from `start` to `state`; how many were applied (None: no
        journal for this state.json)."""
        try:
            replay = journal.read(self.journal_path, start, self._token)
        except LibraryFileError as exc:
            backup = keep_backup(self.journal_path, self.backups)
            raise LibraryFileError(
                self.journal_path,
                exc.problem,
                f"Nothing was changed. {kept_at(backup)} `paperterm doctor --repair` sets it aside and keeps "
                "the changes before the damage.",
            ) from None
        if replay is None:
            self._journal_at, self._journal_seen = None, seen
            return None
        if replay.ignored and not locked:
            # Perhaps a line being written right now: look again under the lock (writers hold it).
            with contextlib.ExitStack() as held:
                try:
                    held.enter_context(file_lock(self.lock_path, timeout=5))
                except LibraryFileError:  # busy, or a read-only dir: take the whole lines, look again later
                    pass
                else:
                    return self._replay(state, self._journal_stat() or seen, start, locked=True)
        for change in replay.changes:
            journal.apply(state, change)
        torn = replay.ignored if locked else 0  # under the lock no writer is midway: the tail is torn
        self._journal_at, self._journal_seen = (seen[0], replay.end), (seen[0], replay.end + torn)
        if torn and (seen[0], replay.end) not in self._noticed:
            self._noticed.add((seen[0], replay.end))
            backup = keep_backup(self.journal_path, self.backups)
            warnings.warn(
                f"{self.journal_path}: the last {replay.ignored} bytes were ignored (a change cut off by a crash "
                f"before it was reported saved). {kept_at(backup)}",
                JournalNotice,
                stacklevel=2,
            )
        return len(replay.changes)

    def _read_all(self, *, locked: bool) -> None:
        state, version, token, upgraded_from = self._read_base()
        self._version, self._token = version, token
        self._base_size = version[2] if version else 0
        self._journal_at = None
        seen = self._journal_stat()
        self._journal_seen = seen
        if seen is not None and token:
            self._replay(state, seen, 0, locked=locked)
        if upgraded_from is not None:  # written by an older paperterm: keep it, then write the new schema
            if upgraded_from < 2:  # schema 1 had no fingerprint: the dir is where it was made
                state.fingerprint = machine_fingerprint(self.root)
                mine = state.devices[state.device]
                state.devices[state.device] = replace(mine, name=default_device_name())
            with contextlib.nullcontext() if locked else file_lock(self.lock_path):
                keep_backup(self.path, self.backups)
                keep_backup(self.journal_path, self.backups)
                self._token = self._fold(state)  # the journal's changes go into the new file
            self._version = self._stat()
            self._base_size = self._version[2] if self._version else 0
            self._journal_at = self._journal_seen = None
        # Tombstones older than the horizon go even in a library that never syncs (a sync drops
        # the others); `forgot` says so to any machine that turns up later with older changes.
        state.compact(horizon_only=True)
        self.state = state

    def _read_base(self) -> tuple[LibraryState, FileId | None, str, int | None]:
        version = self._stat()
        if version is None:
            state = LibraryState()
            state.ensure_default_list()
            return state, None, "", None
        try:
            payload, upgraded_from = read_upgraded(
                self.path, kind=KIND, schema_version=SCHEMA_VERSION, upgrades=UPGRADES
            )
            validate_state(payload)
            token = payload.get("journal", "")
            if not isinstance(token, str) or len(token) > 64:
                raise SchemaError("journal: expected a short text")
            state = LibraryState.from_json(payload)
        except (LibraryFileError, SchemaError) as exc:
            backup = keep_backup(self.path, self.backups)
            problem = exc.problem if isinstance(exc, LibraryFileError) else f"has a wrong field ({exc})"
            own_advice = exc.advice if isinstance(exc, LibraryFileError) else ""  # e.g. "Upgrade paperterm"
            raise LibraryFileError(
                self.path,
                problem,
                f"Nothing was changed. {kept_at(backup)} "
                + (
                    own_advice
                    or "`paperterm doctor --repair` restores the last good state from backups/ "
                    "(or import your sync file into a fresh data dir)."
                ),
            ) from None
        return state, version, token, upgraded_from

    def _fold(self, state: LibraryState) -> str:
        """Write the whole state as a new state.json (and its spare in backups/), under a new
        journal token: the old journal, whose changes it holds, no longer continues it."""
        token = secrets.token_hex(8)
        payload = state.to_json_records()
        payload["schema_version"], payload["journal"] = SCHEMA_VERSION, token
        # A second copy of every state.json written: if it is ever damaged (a disk fault, a hand
        # edit), `paperterm doctor --repair` puts this one back (the journal continues both).
        write_json(self.path, payload, indent=True, copy_to=self.last_good)
        journal.remove(self.journal_path)
        return token

    def fold(self) -> None:
        """Write the journal into state.json now (a fold otherwise comes when the journal grows)."""
        with file_lock(self.lock_path):
            self._catch_up(locked=True)
            self._token = self._fold(self.state)
            self._version = self._stat()
            self._base_size = self._version[2] if self._version else 0
            self._journal_at = self._journal_seen = None

    def repair_journal(self) -> int:
        """`doctor --repair`: fold the journal's changes up to its first damaged line into a new
        state.json (the whole journal is copied to backups/ first); returns how many were kept."""
        with file_lock(self.lock_path):
            state, _, token, _ = self._read_base()
            kept = 0
            try:
                replay = journal.read(self.journal_path, 0, token, tolerant=True) if token else None
            except LibraryFileError:
                replay = None  # its first line is damaged: nothing in it can be placed
            if replay is not None:
                for change in replay.changes:
                    journal.apply(state, change)
                kept = len(replay.changes)
            keep_backup(self.journal_path, self.backups)
            self._token = self._fold(state)
            self._version = self._stat()
            self._base_size = self._version[2] if self._version else 0
            self._journal_at = self._journal_seen = None
            self.state = state
        return kept

    @property
    def last_good(self) -> Path:
        return self.backups / LAST_GOOD

    @contextlib.contextmanager
    def edit(self) -> Iterator[LibraryState]:
        """Apply a change to the freshest state and save it durably; nothing is saved if the block
        raises, and if the save fails the state held stays as it was."""
        with file_lock(self.lock_path):
            self._catch_up(locked=True)
            base = self.state
            fresh = base.copy()
            self._own(fresh)
            yield fresh
            change = journal.diff(base, fresh)
            if change is None:
                return
            line = journal.encode(change)
            try:
                journal.check(line)  # what loading would refuse is never written
            except SchemaError as exc:
                raise BadAction(f"cannot be saved ({exc}); nothing was changed") from None
            self._save(fresh, line)
            self.state = fresh

    def _save(self, state: LibraryState, line: bytes) -> None:
        at = self._journal_at[1] if self._journal_at is not None else 0
        if not self._token or self._version is None or at + len(line) > FOLD_AT + self._base_size // 4:
            self._token = self._fold(state)
            self._version = self._stat()
            self._base_size = self._version[2] if self._version else 0
            self._journal_at = self._journal_seen = None
            return
        if self._journal_at is None:
            at = journal.start(self.journal_path, self._token)
        end = journal.append(self.journal_path, at, line)
        seen = self._journal_stat()
        inode = seen[0] if seen is not None else 0
        self._journal_at, self._journal_seen = (inode, end), (inode, end)

    def _own(self, state: LibraryState) -> None:
        """Before a write: make sure the state writes as this machine's device, with a name."""
        if self._fingerprint is None:
            self._fingerprint = machine_fingerprint(self.root)
        fingerprint = self._fingerprint
        if state.fingerprint == fingerprint:
            return
        if not state.fingerprint and state.device not in state.devices:  # a new library: its id is ours
            state.become_device(state.device, fingerprint, default_device_name())
        else:  # copied from another machine or data dir
            state.become_device(new_device_id(), fingerprint, default_device_name())
