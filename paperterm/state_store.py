"""Reading and writing the user's state file (`state.json`), safely across processes.

Every change is made as `with store.edit() as state: …`: under the state lock,
the file is read afresh, the change is applied, and the result replaces the file
atomically. Another process's write in between is therefore never lost, and a
crash leaves either the old file or the new one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from .atomic_io import LibraryFileError, Upgrade, file_lock, keep_backup, kept_at, read_upgraded, write_json
from .library_state import KIND, SCHEMA_VERSION, LibraryState
from .state_schema import SchemaError, validate_state

LAST_GOOD = "state.last-good.json"
# Schema n → n + 1 steps for state.json; empty while every state file ever written is schema 1.
UPGRADES: dict[int, Upgrade] = {}


class StateStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "state.json"
        self.lock_path = data_dir / ".state.lock"
        self.backups = data_dir / "backups"
        self.state = LibraryState()
        self._mtime: int | None = None

    def load(self) -> LibraryState:
        self.state = self._read()
        return self.state

    def refresh(self) -> bool:
        """Re-read when another process changed the file; True when it did."""
        mtime = self._stat()
        if mtime == self._mtime:
            return False
        self.state = self._read()
        return True

    def _stat(self) -> int | None:
        try:
            return self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def _read(self) -> LibraryState:
        mtime = self._stat()
        if mtime is None:
            state = LibraryState()
            state.ensure_default_list()
            self._mtime = None
            return state
        try:
            payload, upgraded_from = read_upgraded(
                self.path, kind=KIND, schema_version=SCHEMA_VERSION, upgrades=UPGRADES
            )
            validate_state(payload)
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
        if upgraded_from is not None:  # written by an older paperterm: keep it, then write the new schema
            with file_lock(self.lock_path):
                keep_backup(self.path, self.backups)
                write_json(self.path, state.to_json(), indent=True)
            mtime = self._stat()
        self._mtime = mtime
        return state

    @property
    def last_good(self) -> Path:
        return self.backups / LAST_GOOD

    @contextlib.contextmanager
    def edit(self) -> Iterator[LibraryState]:
        """Apply a change to the freshest state and write it; nothing is written if the block raises."""
        with file_lock(self.lock_path):
            fresh = self._read()
            yield fresh
            # A second copy of every state written: if state.json is ever damaged (a disk fault, a
            # hand edit), `paperterm doctor --repair` puts this one back and nothing is lost.
            write_json(self.path, fresh.to_json(), indent=True, copy_to=self.last_good)
            self._mtime = self._stat()
            self.state = fresh
