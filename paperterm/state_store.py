"""Reading and writing the user's state file (`state.json`), safely across processes.

Every change is made as `with store.edit() as state: …`: under the state lock,
the file is read afresh (unless it is the very file this store last wrote or read),
the change is applied, and the result replaces the file atomically. Another process's
write in between is therefore never lost, and a crash leaves either the old file or
the new one.

The state names its device (the id stamped on every change) and the fingerprint of the
machine and data dir it belongs to. A state copied elsewhere (`cp -a`, a restored backup on
another machine) has a fingerprint that does not match: on its first write there it becomes
a new device, so edits on the two copies are concurrent, not one writer's, and both are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from .atomic_io import LibraryFileError, Upgrade, file_lock, keep_backup, kept_at, read_upgraded, write_json
from .library_state import KIND, SCHEMA_VERSION, LibraryState, new_device_id, upgrade_from_1
from .state_schema import SchemaError, validate_state

LAST_GOOD = "state.last-good.json"
_MACHINE_ID_FILES = (Path("/etc/machine-id"), Path("/var/lib/dbus/machine-id"))


# Schema n → n + 1 steps for state.json (the state part of sync files takes the same steps).
UPGRADES: dict[int, Upgrade] = {1: upgrade_from_1}


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


class StateStore:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir
        self.path = data_dir / "state.json"
        self.lock_path = data_dir / ".state.lock"
        self.backups = data_dir / "backups"
        self.state = LibraryState()
        self._version: tuple[int, int, int] | None = None  # the file `self.state` was read from or written to
        self._fingerprint: str | None = None

    def load(self) -> LibraryState:
        self.state, self._version = self._read()
        return self.state

    def refresh(self) -> bool:
        """Re-read when another process changed the file; True when it did."""
        if self._stat() == self._version:
            return False
        self.state, self._version = self._read()
        return True

    def _stat(self) -> tuple[int, int, int] | None:
        """Identity of the file's current version: every write is a new inode (`os.replace`)."""
        try:
            found = self.path.stat()
        except FileNotFoundError:
            return None
        return (found.st_ino, found.st_mtime_ns, found.st_size)

    def _read(self) -> tuple[LibraryState, tuple[int, int, int] | None]:
        version = self._stat()
        if version is None:
            state = LibraryState()
            state.ensure_default_list()
            return state, None
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
            if upgraded_from < 2:  # schema 1 had no fingerprint: the dir is where it was made
                state.fingerprint = machine_fingerprint(self.root)
                mine = state.devices[state.device]
                state.devices[state.device] = replace(mine, name=default_device_name())
            with file_lock(self.lock_path):
                keep_backup(self.path, self.backups)
                write_json(self.path, state.to_json(), indent=True)
            version = self._stat()
        return state, version

    @property
    def last_good(self) -> Path:
        return self.backups / LAST_GOOD

    @contextlib.contextmanager
    def edit(self) -> Iterator[LibraryState]:
        """Apply a change to the freshest state and write it; nothing is written if the block raises."""
        with file_lock(self.lock_path):
            if self._version is not None and self._stat() == self._version:
                fresh = self.state.copy()  # the file is the one we hold: no need to read and parse it
            else:
                fresh, _ = self._read()
            self._own(fresh)
            yield fresh
            # A second copy of every state written: if state.json is ever damaged (a disk fault, a
            # hand edit), `paperterm doctor --repair` puts this one back and nothing is lost.
            write_json(self.path, fresh.to_json_records(), indent=True, copy_to=self.last_good)
            self._version = self._stat()
            self.state = fresh

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
